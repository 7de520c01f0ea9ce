variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "secret_name" {
  type    = string
  default = "prod/orders/db"
}

variable "kms_key_arn" {
  type        = string
  description = "ARN of the customer-managed KMS key that encrypts the secret; the rotator's role may use it for this secret only."
}

variable "recovery_window_in_days" {
  type    = number
  default = 30
}

variable "db_host" {
  type = string
}

variable "db_port" {
  type    = number
  default = 5432
}

variable "db_name" {
  type    = string
  default = "orders"
}

variable "db_username" {
  type    = string
  default = "orders_app"
}

variable "db_password" {
  type        = string
  description = "The user's current password; written once, then rotation owns it."
  sensitive   = true
  ephemeral   = true
}

variable "db_ssl" {
  type    = bool
  default = true
}

variable "lambda_architecture" {
  type    = string
  default = "arm64"
}

variable "alert_email" {
  type    = string
  default = "oncall@example.com"
}
