// Command bootstrap is the rotation function: the executable a provided.al2023 Lambda runs. It
// builds the rotator once per execution environment and hands each invocation to it.
//
// It reads its configuration from the environment the bundle sets on the function (see
// rotator.SettingsFromEnv) and its AWS credentials and region from the variables Lambda sets.
package main

import (
	"bytes"
	"io"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator"
)

func main() {
	inlineCAs, caFile := os.Getenv(rotator.EnvDatabaseCABundlePEM), os.Getenv(rotator.EnvDatabaseCABundle)
	settings, err := rotator.SettingsFromEnv(os.LookupEnv)
	if err == nil {
		// An invalid CA bundle fails every step; the trust store itself (the system's roots, the
		// Amazon RDS CAs, the bundle) is built only when a TLS login first needs it.
		err = rotator.CheckCABundle(inlineCAs, caFile)
	}
	handler := rotator.New(newSecretsManagerClient(os.Getenv), rotator.Config{
		Settings:    settings,
		SettingsErr: err,
		LoadRootCAs: rotator.RootPoolOnce(inlineCAs, caFile),
	})
	lambda.Start(handler.Handle)
}

// newSecretsManagerClient builds the client from the variables Lambda sets (AWS_REGION and the
// execution role's AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, which stay the
// same for the life of an execution environment) instead of the SDK's config loader: the loader
// links the SSO, STS and IMDS clients, which cost binary size and start-up time the rotator never
// needs.
func newSecretsManagerClient(getenv func(string) string) *secretsmanager.Client {
	config := aws.Config{
		Region: getenv("AWS_REGION"),
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(
			getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN"))),
	}
	if config.Region == "" {
		config.Region = getenv("AWS_DEFAULT_REGION")
	}
	return secretsmanager.NewFromConfig(config, func(o *secretsmanager.Options) {
		if endpoint := secretsManagerEndpoint(getenv); endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		// The client lives as long as the execution environment, so one connection (and its TLS
		// handshake) serves the calls of every step: each answer is read whole as it arrives, and
		// keep-alive is asked for explicitly, because some endpoints (LocalStack's gateway) close a
		// connection unless the request says so; HTTP/1.1 keeps it open anyway.
		o.HTTPClient = wholeResponseClient{client: awshttp.NewBuildableClient()}
		o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue("Connection", "keep-alive"))
	})
}

// wholeResponseClient reads each response body to its end before the SDK sees the response. The
// transport returns a connection to its pool only once a body has been read to the end and
// closed; left to the SDK's deserializers, that often did not happen, and the next call opened a
// new connection (a new TLS handshake on AWS). Secrets Manager's answers are small (a secret value
// is at most 64 KiB).
type wholeResponseClient struct {
	client interface {
		Do(*http.Request) (*http.Response, error)
	}
}

func (c wholeResponseClient) Do(request *http.Request) (*http.Response, error) {
	response, err := c.client.Do(request)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(response.Body)
	_ = response.Body.Close()
	if err != nil {
		return nil, err
	}
	response.Body = io.NopCloser(bytes.NewReader(body))
	return response, nil
}

// secretsManagerEndpoint honours the bundle's SECRETS_MANAGER_ENDPOINT first (a VPC endpoint, or
// LocalStack in tests), then the SDK's own service-specific and global endpoint variables.
func secretsManagerEndpoint(getenv func(string) string) string {
	for _, name := range []string{rotator.EnvSecretsManagerEndpoint, "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL"} {
		if endpoint := getenv(name); endpoint != "" {
			return endpoint
		}
	}
	return ""
}
