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

variable "rotate_immediately" {
  type        = bool
  description = "Rotate at creation; needs the database to be reachable from the rotator and the user's password in credentials.password_wo."
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
    automatically_after_days = 7
    rotate_immediately       = var.rotate_immediately
    lambda = {
      architecture = var.lambda_architecture
    }
  }
}

output "secret_arn" {
  value = secretsbundle_rds_secret.app.arn
}
