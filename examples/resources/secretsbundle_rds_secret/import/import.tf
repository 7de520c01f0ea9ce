# The import block (Terraform 1.5 and later) takes the secret's name or ARN, like terraform import.
# The secret must carry the tag secretsbundle:bundle = <its name>; the other parts are found by it.
import {
  to = secretsbundle_rds_secret.orders
  id = "prod/orders/db"
}
