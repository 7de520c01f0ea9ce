package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
)

// createTestSecret stores an RDS-shaped secret in LocalStack with the SDK, removing it afterwards.
func createTestSecret(t *testing.T, endpoint, username string) string {
	t.Helper()
	client, err := awsclient.New(context.Background(), awsclient.Config{
		Region: harness.Region, AccessKey: harness.AccessKeyID, SecretKey: harness.SecretAccessKey,
		Endpoints: map[string]string{"secretsmanager": endpoint, "sts": endpoint},
	})
	if err != nil {
		t.Fatal(err)
	}
	name := acctest.RandomWithPrefix("tf-acc-provider")
	value := fmt.Sprintf(`{"engine":"postgres","host":"127.0.0.1","port":5432,"dbname":"app","username":%q,"password":"not-a-real-one"}`, username)
	_, err = client.SecretsManager.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)})
	if err != nil {
		t.Fatalf("creating test secret %s: %v", name, err)
	}
	t.Cleanup(func() {
		_, _ = client.SecretsManager.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(name), ForceDeleteWithoutRecovery: aws.Bool(true)})
	})
	return name
}

// The provider block's endpoints reach LocalStack, and configure resolves the account with its STS.
func TestAccProviderConfigureEndpointsBlock(t *testing.T) {
	endpoint := harness.LocalStackEndpoint(t)
	t.Setenv("AWS_ENDPOINT_URL", "")
	name := createTestSecret(t, endpoint, "from_block")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: testAccProviderBlock(endpoint) + fmt.Sprintf(`
data "secretsbundle_secret_value" "test" {
  secret_id = %q
}
`, name),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.secretsbundle_secret_value.test", tfjsonpath.New("username"), knownvalue.StringExact("from_block")),
			},
		}},
	})
}

// With an empty provider block, the AWS CLI's environment variables are enough (tflocal-style).
func TestAccProviderConfigureEndpointEnvironment(t *testing.T) {
	endpoint := harness.LocalStackEndpoint(t)
	name := createTestSecret(t, endpoint, "from_environment")
	t.Setenv("AWS_ENDPOINT_URL", endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", harness.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", harness.SecretAccessKey)
	t.Setenv("AWS_REGION", harness.Region)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "secretsbundle" {}

data "secretsbundle_secret_value" "test" {
  secret_id = %q
}
`, name),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.secretsbundle_secret_value.test", tfjsonpath.New("username"), knownvalue.StringExact("from_environment")),
			},
		}},
	})
}
