# The value read here is written to the Terraform state in plain text. Where Terraform 1.10 or
# later is available, read it with the ephemeral resource of the same name instead.
data "secretsbundle_secret_value" "app_db" {
  secret_id = secretsbundle_rds_secret.app_db.id
}

# Non-secret fields of the credential, for example to configure a client.
output "app_db_endpoint" {
  value = "${data.secretsbundle_secret_value.app_db.host}:${data.secretsbundle_secret_value.app_db.port}"
}

# The version before the last rotation, by stage.
data "secretsbundle_secret_value" "previous" {
  secret_id     = "prod/app-db"
  version_stage = "AWSPREVIOUS"
}

# One exact version, by id.
data "secretsbundle_secret_value" "pinned" {
  secret_id  = "prod/app-db"
  version_id = "6c2f9b7e-1d3a-4a57-9b0e-2f1c8d7e6a50"
}
