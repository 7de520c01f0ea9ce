# Who has read the secret in the last 7 days, and from where.
data "secretsbundle_access_events" "readers" {
  secret_id = secretsbundle_rds_secret.app_db.arn
  lookback  = "7d"
}

output "secret_readers" {
  value = {
    for p in data.secretsbundle_access_events.readers.principals :
    p.principal_arn => {
      reads     = p.event_count
      last_read = p.last_event_time
      from      = p.source_ip_addresses
    }
  }
}

# Changes and deletion attempts over a fixed window, failed ones included. A full ARN also works
# for a secret that has since been deleted.
data "secretsbundle_access_events" "changes" {
  secret_id   = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/app-db-AbCdEf"
  event_names = ["PutSecretValue", "UpdateSecret", "DeleteSecret", "RestoreSecret", "RotationFailed"]
  start_time  = "2026-11-01T00:00:00Z"
  end_time    = "2026-11-28T00:00:00Z"
  max_events  = 500
}

output "failed_changes" {
  value = [
    for e in data.secretsbundle_access_events.changes.events :
    "${e.event_time} ${e.event_name} by ${e.principal_arn}: ${e.error_code}" if e.error_code != null
  ]
}

# Reads by anyone outside the expected readers. The identity Terraform runs as, the secret's
# rotation function and AWS services acting on their own are expected without being listed.
data "secretsbundle_access_events" "strangers" {
  secret_id = secretsbundle_rds_secret.app_db.arn
  readers = [
    "arn:aws:iam::123456789012:role/orders/*", # every session of the orders team's roles
    "arn:aws:iam::123456789012:user/dba",
  ]
  max_pages = 40 # at most 40 pages of 50 events (20 s at CloudTrail's 2 requests per second)

  # Fails the plan (and the apply) while a stranger's read is in the window.
  lifecycle {
    postcondition {
      condition     = length(self.unexpected) == 0
      error_message = "Read by someone outside readers: ${join(", ", distinct([for e in self.unexpected : e.principal_arn]))}"
    }
  }
}

# Or report it on every plan without stopping it: a check block's failed assertion is a warning.
check "no_stranger_reads" {
  assert {
    condition     = length(data.secretsbundle_access_events.strangers.unexpected) == 0
    error_message = "The secret was read by ${length(data.secretsbundle_access_events.strangers.unexpected)} calls from outside readers."
  }
}
