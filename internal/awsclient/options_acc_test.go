package awsclient_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
)

// isolate hides this machine's credential sources, so that only what a test configures counts.
func isolate(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION"} {
		t.Setenv(name, "")
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func allEndpoints(endpoint string) map[string]string {
	endpoints := map[string]string{}
	for _, service := range awsclient.Services {
		endpoints[service] = endpoint
	}
	return endpoints
}

// writeToken writes an OIDC-shaped token (header.payload.signature) as a CI system would.
func writeToken(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(path, []byte("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmV4YW1wbGUvYXBwIn0.c2lnbmF0dXJl"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// With no other credentials, assume_role_with_web_identity gets them from the harness's STS
// (LocalStack behind the AWS proxy) with a token file: the caller is then the assumed role.
func TestAccWebIdentityTokenFile(t *testing.T) {
	endpoint := harness.ProxyEndpoint(t)
	isolate(t)
	session := acctest.RandomWithPrefix("ci")
	client, err := awsclient.New(context.Background(), awsclient.Config{
		Region:    harness.Region,
		Endpoints: allEndpoints(endpoint),
		AssumeRoleWithWebIdentity: &awsclient.AssumeRoleWithWebIdentity{
			RoleARN:              "arn:aws:iam::" + harness.AccountID + ":role/ci-deployer",
			SessionName:          session,
			WebIdentityTokenFile: writeToken(t),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "arn:aws:sts::" + harness.AccountID + ":assumed-role/ci-deployer/" + session
	if client.CallerARN != want {
		t.Fatalf("caller %q, want the web identity's role %q", client.CallerARN, want)
	}
	if client.Partition != "aws" || client.AccountID != harness.AccountID {
		t.Errorf("partition %q account %q", client.Partition, client.AccountID)
	}

	// The same from the environment variables the AWS provider reads.
	t.Setenv("AWS_ROLE_ARN", "arn:aws:iam::"+harness.AccountID+":role/ci-from-env")
	t.Setenv("AWS_ROLE_SESSION_NAME", session)
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", writeToken(t))
	client, err = awsclient.New(context.Background(), awsclient.Config{
		Region: harness.Region, Endpoints: allEndpoints(endpoint), AssumeRoleWithWebIdentity: &awsclient.AssumeRoleWithWebIdentity{},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(client.CallerARN, ":assumed-role/ci-from-env/"+session) {
		t.Errorf("caller %q, want the role from AWS_ROLE_ARN", client.CallerARN)
	}

	// A token file that is not there fails configuring, naming the file.
	_, err = awsclient.New(context.Background(), awsclient.Config{
		Region: harness.Region, Endpoints: allEndpoints(endpoint), MaxRetries: 1,
		AssumeRoleWithWebIdentity: &awsclient.AssumeRoleWithWebIdentity{RoleARN: "arn:aws:iam::" + harness.AccountID + ":role/ci", WebIdentityTokenFile: "/nonexistent/token"},
	})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/token") {
		t.Errorf("missing token file: %v", err)
	}
}

// allowed_account_ids against LocalStack's account.
func TestAccAllowedAccountIDs(t *testing.T) {
	endpoint := harness.LocalStackEndpoint(t)
	isolate(t)
	base := awsclient.Config{Region: harness.Region, AccessKey: harness.AccessKeyID, SecretKey: harness.SecretAccessKey, Endpoints: allEndpoints(endpoint)}
	c := base
	c.AllowedAccountIDs = []string{harness.AccountID}
	if _, err := awsclient.New(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	c = base
	c.AllowedAccountIDs = []string{"111122223333"}
	if _, err := awsclient.New(context.Background(), c); err == nil || !strings.Contains(err.Error(), "account ID not allowed ("+harness.AccountID+")") {
		t.Errorf("allowed 111122223333: %v", err)
	}
	c = base
	c.ForbiddenAccountIDs = []string{harness.AccountID}
	if _, err := awsclient.New(context.Background(), c); err == nil || !strings.Contains(err.Error(), "forbidden account ID") {
		t.Errorf("forbidden %s: %v", harness.AccountID, err)
	}
}

// ignore_tags: a tag something else put on a secret is not read.
func TestAccIgnoreTags(t *testing.T) {
	endpoint := harness.LocalStackEndpoint(t)
	isolate(t)
	c := awsclient.Config{Region: harness.Region, AccessKey: harness.AccessKeyID, SecretKey: harness.SecretAccessKey, Endpoints: allEndpoints(endpoint)}
	plain, err := awsclient.New(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	name := acctest.RandomWithPrefix("tf-acc-ignore-tags")
	_, err = plain.SecretsManager.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: aws.String(name), SecretString: aws.String("{}"),
		Tags: []smtypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}, {Key: aws.String("scanner:last-run"), Value: aws.String("x")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = plain.SecretsManager.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(name), ForceDeleteWithoutRecovery: aws.Bool(true)})
	})
	c.IgnoreTags = &awsclient.IgnoreTags{KeyPrefixes: []string{"scanner:"}}
	ignoring, err := awsclient.New(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	for client, want := range map[*awsclient.Client]string{plain: "scanner:last-run,team", ignoring: "team"} {
		out, err := client.SecretsManager.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, tag := range out.Tags {
			keys = append(keys, aws.ToString(tag.Key))
		}
		slices.Sort(keys)
		if strings.Join(keys, ",") != want {
			t.Errorf("tags read %v, want %s", keys, want)
		}
	}
}
