# Step 3: the application reads the current value through the ephemeral resource. Terraform
# opens it during this run only; the value never reaches the plan or the state.
ephemeral "secretsbundle_secret_value" "app" {
  count    = var.read_back ? 1 : 0
  provider = secretsbundle.app

  secret_id = secretsbundle_rds_secret.orders.arn
}

# ...and logs in to the database with it. Terraform suppresses the output of a provisioner
# whose configuration holds a sensitive value; the command writes only the version it read and
# the user it logged in as, to var.login_report.
resource "terraform_data" "app_login" {
  count = var.read_back ? 1 : 0

  # Log in again after every rotation.
  triggers_replace = [secretsbundle_rds_secret.orders.version_id]

  provisioner "local-exec" {
    command     = <<-EOT
      set -e
      user=$("$PSQL" --no-psqlrc --tuples-only --no-align --command 'select current_user')
      printf 'version=%s\nstages=%s\nlogged_in_as=%s\n' "$VERSION_ID" "$STAGES" "$user" >"$REPORT"
    EOT
    interpreter = ["/bin/sh", "-c"]

    environment = {
      PSQL              = var.psql
      REPORT            = var.login_report
      VERSION_ID        = ephemeral.secretsbundle_secret_value.app[0].version_id
      STAGES            = join(",", ephemeral.secretsbundle_secret_value.app[0].version_stages)
      PGHOST            = ephemeral.secretsbundle_secret_value.app[0].host
      PGPORT            = ephemeral.secretsbundle_secret_value.app[0].port
      PGDATABASE        = ephemeral.secretsbundle_secret_value.app[0].dbname
      PGUSER            = ephemeral.secretsbundle_secret_value.app[0].username
      PGPASSWORD        = ephemeral.secretsbundle_secret_value.app[0].password
      PGSSLMODE         = "disable"
      PGCONNECT_TIMEOUT = "5"
    }
  }
}
