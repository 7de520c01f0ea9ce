// Package bundle creates, reads, updates and deletes the AWS objects of one secretsbundle_rds_secret
// as a unit: the secret, the rotator's role, log group and function, the invoke grant, the rotation
// schedule and the deletion alert (rule and topic). It knows nothing of Terraform: the provider
// converts plans into a Spec and a State, and this package does the work, with rollback, waits and
// retries, against the narrow clients of internal/awsclient.
package bundle
