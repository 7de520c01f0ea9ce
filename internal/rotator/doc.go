// Package rotator is the Secrets Manager rotation function that the bundle deploys: the four-step
// rotation protocol (createSecret, setSecret, testSecret, finishSecret), the database engines it
// changes passwords in (PostgreSQL, MySQL, MariaDB), the single-user and alternating-users
// strategies, the password settings read from the function's environment, and the JSON log line
// the function writes for every step.
//
// The package is framework-free: package bootstrap wires it to aws-lambda-go, and tests drive it
// with a fake Secrets Manager and fake engines.
package rotator
