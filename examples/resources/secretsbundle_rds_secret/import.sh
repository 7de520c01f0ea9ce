# A bundle is imported by its secret's name or ARN; the other parts are found by their
# secretsbundle:bundle tag.
terraform import secretsbundle_rds_secret.orders prod/orders/db
