variable "region" {
  type    = string
  default = "us-east-1"
}

variable "aws_endpoint" {
  type        = string
  description = "Every AWS service's endpoint: the harness's AWS proxy in front of LocalStack."
  default     = "http://127.0.0.1:4567"
}

variable "operator_access_key" {
  type    = string
  default = "test"
}

variable "operator_secret_key" {
  type      = string
  default   = "test"
  sensitive = true
}

variable "app_access_key" {
  type        = string
  description = "The application's access key; `make demo` registers it with the proxy as IAM user orders-app."
  default     = "demo-orders-app"
}

variable "app_reader_arn" {
  type        = string
  description = "The identity expected to read the secret (readers): the orders application's IAM user."
  default     = "arn:aws:iam::000000000000:user/orders-app"
}

variable "app_secret_key" {
  type      = string
  default   = "test"
  sensitive = true
}

variable "secret_name" {
  type    = string
  default = "demo/orders/db"
}

variable "db_host" {
  type    = string
  default = "127.0.0.1"
}

variable "db_port" {
  type = number
}

variable "db_name" {
  type    = string
  default = "orders"
}

variable "db_username" {
  type = string
}

variable "db_password" {
  type        = string
  description = "The user's password before the bundle exists; the first rotation replaces it."
  sensitive   = true
  ephemeral   = true
}

variable "lambda_architecture" {
  type        = string
  description = "LocalStack's process executor runs the rotator natively: the host's architecture."
  default     = "x86_64"
}

variable "read_back" {
  type        = bool
  description = "Step 3: read the value through the ephemeral resource and log in with it."
  default     = false
}

variable "psql" {
  type    = string
  default = "psql"
}

variable "login_report" {
  type        = string
  description = "Where step 3's login writes what it did (no secret)."
  default     = "login-report.txt"
}

variable "list_access_events" {
  type        = bool
  description = "Step 4: list the secret's GetSecretValue calls with secretsbundle_access_events."
  default     = false
}

variable "alert_queue_arn" {
  type        = string
  description = "The on-call SQS queue the deletion alert reaches; `make demo` creates it before the apply."
}
