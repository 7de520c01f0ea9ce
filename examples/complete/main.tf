# The console's "credentials for an RDS database, rotated automatically by a new Lambda" flow,
# plus an alert when the secret is deleted, in one resource: a customer-managed KMS key,
# PostgreSQL credentials, rotation every 30 days starting now, and the deletion alert sent to a
# created SNS topic with an e-mail subscription.
#
# Credentials, region and endpoints come from the environment (AWS_PROFILE, AWS_REGION,
# AWS_ENDPOINT_URL, ...). `terraform apply -var-file=prod.tfvars` with the variables below.

terraform {
  required_version = ">= 1.11"
  required_providers {
    secretsbundle = {
      source = "secretsbundle/secretsbundle"
    }
  }
}

provider "secretsbundle" {
  region = var.region

  default_tags {
    tags = {
      managed_by = "terraform"
    }
  }
}

resource "secretsbundle_rds_secret" "orders" {
  name                    = var.secret_name
  description             = "Credentials of the orders service's PostgreSQL user"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.recovery_window_in_days

  credentials = {
    engine              = "postgres"
    host                = var.db_host
    port                = var.db_port
    dbname              = var.db_name
    username            = var.db_username
    password_wo         = var.db_password
    password_wo_version = 1
    ssl                 = var.db_ssl
  }

  rotation = {
    automatically_after_days = 30
    rotate_immediately       = true
    lambda = {
      architecture = var.lambda_architecture
    }
  }

  deletion_alert = {
    email_addresses = [var.alert_email]
  }

  tags = {
    service = "orders"
  }
}
