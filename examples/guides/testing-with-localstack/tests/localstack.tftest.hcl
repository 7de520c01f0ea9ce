# terraform test against LocalStack started by `make localstack-up` in a checkout of
# terraform-provider-secretsbundle: every call goes through the harness's AWS proxy on
# 127.0.0.1:4567, which also answers CloudTrail.
provider "secretsbundle" {
  region     = "us-east-1"
  access_key = "test"
  secret_key = "test"

  endpoints {
    secretsmanager = "http://127.0.0.1:4567"
    lambda         = "http://127.0.0.1:4567"
    iam            = "http://127.0.0.1:4567"
    events         = "http://127.0.0.1:4567"
    sns            = "http://127.0.0.1:4567"
    sqs            = "http://127.0.0.1:4567"
    cloudtrail     = "http://127.0.0.1:4567"
    kms            = "http://127.0.0.1:4567"
    sts            = "http://127.0.0.1:4567"
    logs           = "http://127.0.0.1:4567"
  }
}

variables {
  name        = "tftest/app/db"
  db_host     = "127.0.0.1"
  db_username = "app"
  # No database in this test: rotation stays off (a schedule would run the rotator's testSecret,
  # which logs in).
  rotation_enabled = false
  # LocalStack's process executor runs the rotator natively: the host's architecture.
  lambda_architecture = "x86_64"
}

run "bundle_is_complete" {
  assert {
    condition     = !secretsbundle_rds_secret.app.rotation_enabled
    error_message = "rotation is enabled on the secret, without a database to rotate"
  }
  assert {
    condition     = startswith(secretsbundle_rds_secret.app.rotation_function_arn, "arn:aws:lambda:us-east-1:")
    error_message = "the rotator function was not created"
  }
  assert {
    condition     = startswith(secretsbundle_rds_secret.app.alert_rule_arn, "arn:aws:events:us-east-1:")
    error_message = "the deletion alert rule was not created"
  }
}

run "value_reads_back" {
  module {
    source = "./tests/read"
  }

  variables {
    secret_arn = run.bundle_is_complete.secret_arn
  }

  assert {
    condition     = data.secretsbundle_secret_value.app.username == "app" && data.secretsbundle_secret_value.app.port == 5432
    error_message = "the secret does not hold the configured user and the engine's default port"
  }
}
