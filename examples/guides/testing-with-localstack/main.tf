# A module under test: one bundle for an application's database user. Its test,
# tests/localstack.tftest.hcl, applies it against LocalStack on this machine.
terraform {
  required_version = ">= 1.11"
  required_providers {
    secretsbundle = {
      source = "secretsbundle/secretsbundle"
    }
  }
}

variable "name" {
  type = string
}

variable "db_host" {
  type = string
}

variable "db_username" {
  type = string
}

variable "rotation_enabled" {
  type        = bool
  description = "Rotate (at creation, and on the schedule); needs the database reachable from the rotator and the user's password in credentials.password_wo. Setting a schedule runs the rotator's testSecret, which logs in, so without them rotation stays off."
  default     = false
}

variable "lambda_architecture" {
  type    = string
  default = "arm64"
}

resource "secretsbundle_rds_secret" "app" {
  name                    = var.name
  recovery_window_in_days = 0

  credentials = {
    engine   = "postgres"
    host     = var.db_host
    dbname   = "app"
    username = var.db_username
  }

  rotation = {
    enabled                  = var.rotation_enabled
    automatically_after_days = 7
    rotate_immediately       = var.rotation_enabled
    lambda = {
      architecture = var.lambda_architecture
    }
  }
}

output "secret_arn" {
  value = secretsbundle_rds_secret.app.arn
}
