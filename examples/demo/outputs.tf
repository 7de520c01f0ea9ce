output "secret_arn" {
  value = secretsbundle_rds_secret.orders.arn
}

output "version_id" {
  description = "The AWSCURRENT version: the first rotation's, not the one Terraform wrote."
  value       = secretsbundle_rds_secret.orders.version_id
}

output "last_rotated_date" {
  value = secretsbundle_rds_secret.orders.last_rotated_date
}

output "next_rotation_date" {
  value = secretsbundle_rds_secret.orders.next_rotation_date
}

output "last_rotation_error" {
  value = secretsbundle_rds_secret.orders.last_rotation_error
}

output "rotation_function_arn" {
  value = secretsbundle_rds_secret.orders.rotation_function_arn
}

output "rotation_role_arn" {
  value = secretsbundle_rds_secret.orders.rotation_role_arn
}

output "alert_rule_arn" {
  value = secretsbundle_rds_secret.orders.alert_rule_arn
}

output "alert_topic_arn" {
  value = secretsbundle_rds_secret.orders.alert_topic_arn
}

output "secret_readers" {
  description = "GetSecretValue calls per caller in the last hour (after list_access_events = true)."
  value = var.list_access_events ? {
    for p in data.secretsbundle_access_events.reads[0].principals :
    p.principal_arn => {
      type      = p.principal_type
      reads     = p.event_count
      last_read = p.last_event_time
    }
  } : null
}
