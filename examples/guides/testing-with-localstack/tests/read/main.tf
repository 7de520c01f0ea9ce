# A helper module of the test: reads the secret the module under test stored.
terraform {
  required_providers {
    secretsbundle = {
      source = "secretsbundle/secretsbundle"
    }
  }
}

variable "secret_arn" {
  type = string
}

data "secretsbundle_secret_value" "app" {
  secret_id = var.secret_arn
}
