# Step 4: who has read the secret. The rotator's own reads, the operator's and the
# application's each show up under their own identity.
data "secretsbundle_access_events" "reads" {
  count = var.list_access_events ? 1 : 0

  secret_id = secretsbundle_rds_secret.orders.arn
  lookback  = "1h"
}
