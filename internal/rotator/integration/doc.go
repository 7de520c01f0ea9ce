// Package integration tests the built rotation function the way Lambda runs it: the bootstrap
// from the embedded deployment package, under the AWS Lambda Runtime Interface Emulator, against
// real PostgreSQL and MariaDB servers, with its secrets in LocalStack's Secrets Manager. Its tests
// run when TF_ACC=1 and fail, never skip, when a server cannot be started.
package integration
