// Package docsamples runs the sample code of the resource page (templates/resources/rds_secret.md.tmpl)
// as a user would copy it: each fenced block is taken from the template as it stands, compiled or
// interpreted in its own language, and run against the harness's LocalStack while the secret
// rotates under it. Its tests are the package; it has no product code.
//
// The AWS Parameters and Secrets Lambda Extension is an AWS binary that cannot be had here: its
// sample runs against a stand-in that serves the extension's documented local endpoint
// (GET /secretsmanager/get?secretId=…, the X-Aws-Parameters-Secrets-Token header) from LocalStack.
package docsamples
