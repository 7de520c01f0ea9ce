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
