output "secret_arn" {
  value = secretsbundle_rds_secret.orders.arn
}

output "rotation_function_arn" {
  value = secretsbundle_rds_secret.orders.rotation_function_arn
}

output "alert_topic_arn" {
  value = secretsbundle_rds_secret.orders.alert_topic_arn
}

output "last_rotation_error" {
  value = secretsbundle_rds_secret.orders.last_rotation_error
}
