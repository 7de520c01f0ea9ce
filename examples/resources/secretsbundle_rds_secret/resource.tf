variable "initial_db_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

# The orders database's credentials, rotated every 30 days by this provider's own rotator, readable
# only by the orders service, with an e-mail and a page (through an SQS queue) when anyone deletes
# (or overwrites) the secret.
resource "secretsbundle_rds_secret" "orders" {
  name        = "prod/orders/db"
  description = "orders service database"

  credentials = {
    engine              = "postgres"
    host                = "orders.cluster-abc123.eu-west-1.rds.amazonaws.com"
    dbname              = "orders"
    username            = "orders_app"
    password_wo         = var.initial_db_password
    password_wo_version = 1
    ssl                 = true
  }

  rotation = {
    automatically_after_days = 30
    duration                 = "3h"
    lambda = {
      subnet_ids         = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
      security_group_ids = ["sg-0123456789abcdef0"]
    }
  }

  deletion_alert = {
    email_addresses = ["oncall@example.com"]
    # The on-call's pager reads this queue; its policy lets the alert topic send to it.
    subscriptions = [
      { protocol = "sqs", endpoint = "arn:aws:sqs:eu-west-1:111122223333:oncall-pages" },
    ]
    events = ["DeleteSecret", "PutSecretValue"]
  }

  # Only the orders service (and the rotator) may read the password: the bundle puts a resource
  # policy on the secret that denies GetSecretValue to every other principal.
  readers = ["arn:aws:iam::111122223333:role/orders-app-*"]

  tags = {
    team = "orders"
  }
}
