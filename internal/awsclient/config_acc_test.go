package awsclient_test

import (
	"context"
	"testing"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
)

// The account id comes from LocalStack's STS, reached through the provider block's endpoints.
func TestAccNewResolvesIdentityThroughEndpoints(t *testing.T) {
	endpoint := acctest.LocalStackEndpoint(t)
	t.Setenv("AWS_ENDPOINT_URL", "")
	endpoints := map[string]string{}
	for _, service := range awsclient.Services {
		endpoints[service] = endpoint
	}
	client, err := awsclient.New(context.Background(), awsclient.Config{
		Region: acctest.Region, AccessKey: acctest.AccessKeyID, SecretKey: acctest.SecretAccessKey, Endpoints: endpoints,
	})
	if err != nil {
		t.Fatal(err)
	}
	if client.AccountID != acctest.AccountID {
		t.Fatalf("account id = %q, want LocalStack's %q", client.AccountID, acctest.AccountID)
	}
}

// AWS_ENDPOINT_URL alone is enough, as with the AWS CLI and tflocal.
func TestAccNewHonoursEndpointEnvironment(t *testing.T) {
	endpoint := acctest.LocalStackEndpoint(t)
	t.Setenv("AWS_ENDPOINT_URL", endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", acctest.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", acctest.SecretAccessKey)
	t.Setenv("AWS_REGION", acctest.Region)
	client, err := awsclient.New(context.Background(), awsclient.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if client.AccountID != acctest.AccountID {
		t.Fatalf("account id = %q, want LocalStack's %q", client.AccountID, acctest.AccountID)
	}
	if client.CallerARN == "" {
		t.Fatal("caller ARN not resolved")
	}
}

// Without endpoints pointing at LocalStack, the per-service variable wins over the global one.
func TestAccNewHonoursServiceEndpointEnvironment(t *testing.T) {
	endpoint := acctest.LocalStackEndpoint(t)
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
	t.Setenv("AWS_ENDPOINT_URL_STS", endpoint)
	client, err := awsclient.New(context.Background(), awsclient.Config{
		Region: acctest.Region, AccessKey: acctest.AccessKeyID, SecretKey: acctest.SecretAccessKey,
	})
	if err != nil {
		t.Fatal(err)
	}
	if client.AccountID != acctest.AccountID {
		t.Fatalf("account id = %q, want %q", client.AccountID, acctest.AccountID)
	}
}
