package awsclient

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestValidRegion(t *testing.T) {
	for region, want := range map[string]bool{
		"us-east-1": true, "eu-central-2": true, "us-gov-west-1": true, "ap-southeast-4": true,
		"": false, "US-EAST-1": false, "us-east": false, "useast1": false, "us east 1": false,
	} {
		if got := ValidRegion(region); got != want {
			t.Errorf("ValidRegion(%q) = %v, want %v", region, got, want)
		}
	}
}

func TestValidEndpoint(t *testing.T) {
	for endpoint, ok := range map[string]bool{
		"http://127.0.0.1:4566": true, "https://secretsmanager.eu-west-1.amazonaws.com": true,
		"127.0.0.1:4566": false, "ftp://x": false, "not a url": false, "http://": false,
	} {
		if err := ValidEndpoint(endpoint); (err == nil) != ok {
			t.Errorf("ValidEndpoint(%q) = %v, want ok=%v", endpoint, err, ok)
		}
	}
}

func TestSecureEndpoint(t *testing.T) {
	for endpoint, ok := range map[string]bool{
		"https://secretsmanager.eu-west-1.amazonaws.com": true, "https://10.0.0.5": true,
		"http://127.0.0.1:4566": true, "http://localhost:4566": true, "http://[::1]:4566": true,
		"http://10.0.0.5:4566": false, "http://secretsmanager.eu-west-1.amazonaws.com": false,
		"127.0.0.1:4566": false, "ftp://127.0.0.1": false, "http://": false,
	} {
		if err := SecureEndpoint(endpoint); (err == nil) != ok {
			t.Errorf("SecureEndpoint(%q) = %v, want ok=%v", endpoint, err, ok)
		}
	}
}

func TestPartition(t *testing.T) {
	for region, want := range map[string]string{"us-east-1": "aws", "cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov"} {
		if got := partitionOf(region); got != want {
			t.Errorf("partitionOf(%q) = %q, want %q", region, got, want)
		}
	}
}

// isolateEnvironment removes every credential source the SDK could find on this machine.
func isolateEnvironment(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION"} {
		t.Setenv(name, "")
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func TestNewWithoutCredentialsListsWhereItLooked(t *testing.T) {
	isolateEnvironment(t)
	_, err := New(context.Background(), Config{Region: "us-east-1"})
	if !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("New without credentials = %v, want ErrNoCredentials", err)
	}
	for _, source := range []string{"AWS_ACCESS_KEY_ID", "~/.aws/credentials", "instance metadata", "access_key"} {
		if !strings.Contains(err.Error(), source) {
			t.Errorf("error does not say it looked in %s: %v", source, err)
		}
	}
}

func TestNewWithoutRegion(t *testing.T) {
	isolateEnvironment(t)
	_, err := New(context.Background(), Config{AccessKey: "a", SecretKey: "b"})
	if err == nil || !strings.Contains(err.Error(), "region") {
		t.Fatalf("New without a region = %v, want an error naming the region", err)
	}
}

func TestEndpointForPrefersProviderBlock(t *testing.T) {
	c := Config{Endpoints: map[string]string{"sts": "http://127.0.0.1:1"}}
	if got := endpointFor(c, "sts"); got == nil || *got != "http://127.0.0.1:1" {
		t.Fatalf("endpointFor(sts) = %v", got)
	}
	if got := endpointFor(c, "iam"); got != nil {
		t.Fatalf("endpointFor(iam) = %v, want nil so that AWS_ENDPOINT_URL applies", *got)
	}
}

// The SDK names a service's endpoint variable after its service id, which is not always the
// endpoints block's key (events is EventBridge, logs is CloudWatch Logs).
func TestEndpointEnvVarIsTheSDKs(t *testing.T) {
	serviceIDs := map[string]string{
		"secretsmanager": secretsmanager.ServiceID, "lambda": lambda.ServiceID, "iam": iam.ServiceID,
		"events": eventbridge.ServiceID, "sns": sns.ServiceID, "sqs": sqs.ServiceID,
		"cloudtrail": cloudtrail.ServiceID, "kms": kms.ServiceID, "sts": sts.ServiceID,
		"logs": cloudwatchlogs.ServiceID, "rds": rds.ServiceID, "redshift": redshift.ServiceID,
	}
	for _, service := range Services {
		id, ok := serviceIDs[service]
		if !ok {
			t.Fatalf("endpoints key %q has no SDK service in this test", service)
		}
		want := "AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(id, " ", "_"))
		if got := EndpointEnvVar(service); got != want {
			t.Errorf("EndpointEnvVar(%q) = %s, want %s", service, got, want)
		}
	}
}
