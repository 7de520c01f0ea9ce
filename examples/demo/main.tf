# The seed's whole flow against LocalStack on this machine: `make demo` applies this
# configuration with the real `terraform` binary and walks through what it creates. Every AWS
# call goes through the harness's AWS proxy (http://127.0.0.1:4567), which stands in for
# CloudTrail in front of LocalStack; the database is a real PostgreSQL server.
#
# Run it by hand (after `make localstack-up` and `make install`, with a PostgreSQL user to
# rotate): terraform apply -var db_port=... -var db_username=... -var db_password=...

terraform {
  required_version = ">= 1.11"
  required_providers {
    secretsbundle = {
      source = "secretsbundle/secretsbundle"
    }
  }
}

# The operator who runs Terraform.
provider "secretsbundle" {
  region     = var.region
  access_key = var.operator_access_key
  secret_key = var.operator_secret_key

  endpoints {
    secretsmanager = var.aws_endpoint
    lambda         = var.aws_endpoint
    iam            = var.aws_endpoint
    events         = var.aws_endpoint
    sns            = var.aws_endpoint
    sqs            = var.aws_endpoint
    cloudtrail     = var.aws_endpoint
    kms            = var.aws_endpoint
    sts            = var.aws_endpoint
    logs           = var.aws_endpoint
    rds            = var.aws_endpoint
  }
}

# The orders application, with its own access key: the proxy maps it to the IAM user
# orders-app, so its reads show up under that name in the access events. It only reads the
# secret, so it needs only these two endpoints.
provider "secretsbundle" {
  alias      = "app"
  region     = var.region
  access_key = var.app_access_key
  secret_key = var.app_secret_key

  endpoints {
    secretsmanager = var.aws_endpoint
    sts            = var.aws_endpoint
  }
}

# Step 1: the bundle. The secret, its rotator Lambda and role, the schedule, and the deletion
# alert (an EventBridge rule on CloudTrail's DeleteSecret, to a created SNS topic). The first
# rotation runs at once: after apply the database password is one nobody has seen.
resource "secretsbundle_rds_secret" "orders" {
  name        = var.secret_name
  description = "Credentials of the orders service's PostgreSQL user (make demo)"

  # The shortest recovery window, so that step 6 has a deletion date to show.
  recovery_window_in_days = 7

  credentials = {
    engine              = "postgres"
    host                = var.db_host
    port                = var.db_port
    dbname              = var.db_name
    username            = var.db_username
    password_wo         = var.db_password
    password_wo_version = 1
    # The demo's PostgreSQL is a throwaway server on loopback without a certificate, so the
    # rotator is told to log in in plaintext. Leave ssl out for a real database: the rotator then
    # logs in with TLS and verifies the certificate (the Amazon RDS CAs are built in; a private
    # CA goes in ssl_ca_bundle) and never falls back to plaintext.
    ssl = false
  }

  rotation = {
    automatically_after_days = 30
    rotate_immediately       = true
    lambda = {
      architecture = var.lambda_architecture
    }
  }

  deletion_alert = {
    events = ["DeleteSecret"]
    # The on-call queue, subscribed by the bundle to the topic it creates. On AWS the queue's
    # policy must also let the topic send (sqs:SendMessage for sns.amazonaws.com, aws:SourceArn =
    # the topic); LocalStack does not check it.
    subscriptions = [{ protocol = "sqs", endpoint = var.alert_queue_arn }]
  }

  # Only the orders application reads the value (Terraform's own identity and the rotator's role
  # are expected without being listed). A read by anyone else alerts the same queue
  # (unexpected_reader_alert, on by default with readers), as does a failed rotation
  # (rotation_alert, on by default).
  readers = [var.app_reader_arn]

  tags = {
    service = "orders"
    purpose = "make-demo"
  }
}
