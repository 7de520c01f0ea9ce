# Read the database's existing master password without writing it to plan or state
# (Terraform 1.10 or later), and hand it to a write-only argument (Terraform 1.11 or later):
# the bundle starts from the current password and rotation takes over from there.
ephemeral "secretsbundle_secret_value" "master" {
  secret_id = "legacy/app-db-master"
}

resource "secretsbundle_rds_secret" "app_db" {
  name = "prod/app-db"

  credentials = {
    engine              = "postgres"
    host                = "app-db.cluster-abc123.eu-west-1.rds.amazonaws.com"
    dbname              = "app"
    username            = "app_owner"
    password_wo         = ephemeral.secretsbundle_secret_value.master.password
    password_wo_version = 1
  }
}

# Ephemeral values can also configure another provider, for example to manage roles in the
# database itself.
provider "postgresql" {
  host     = ephemeral.secretsbundle_secret_value.master.host
  port     = ephemeral.secretsbundle_secret_value.master.port
  username = ephemeral.secretsbundle_secret_value.master.username
  password = ephemeral.secretsbundle_secret_value.master.password
}
