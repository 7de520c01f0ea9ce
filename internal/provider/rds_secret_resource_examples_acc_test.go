package provider

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
)

// exampleDirectory copies an example's .tf files into a temporary directory with one more file,
// named extraName, that points the provider at endpoint: an override.tf merges into the example's
// own provider block, a providers.tf gives an example without one its block. The example's files
// are used as they are.
func exampleDirectory(t *testing.T, example, extraName, endpoint string) string {
	t.Helper()
	dir := t.TempDir()
	files, err := filepath.Glob(filepath.Join("..", "..", "examples", example, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .tf files in examples/%s: %v", example, err)
	}
	for _, file := range files {
		content, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(file)), content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	block := testAccProviderBlock(endpoint)
	if extraName == "override.tf" {
		// The in-process provider is served under Terraform's default namespace; the example names
		// the registry's. Only the address changes.
		block += "\nterraform {\n  required_providers {\n    secretsbundle = {\n      source = \"hashicorp/secretsbundle\"\n    }\n  }\n}\n"
	}
	if err := os.WriteFile(filepath.Join(dir, extraName), []byte(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestAccRDSSecret_exampleComplete applies examples/complete as it is, with a CMK, a real
// PostgreSQL user and the host's architecture: the documentation never shows a configuration that
// does not work.
func TestAccRDSSecret_exampleComplete(t *testing.T) {
	proxy := startProxy(t)
	client := testAWS(t)
	db := newTestDatabase(t)
	key, err := client.KMS.CreateKey(context.Background(), &kms.CreateKeyInput{Description: aws.String("tf-acc example key")})
	if err != nil {
		t.Fatal(err)
	}
	keyARN := aws.ToString(key.KeyMetadata.Arn)
	t.Cleanup(func() {
		_, _ = client.KMS.ScheduleKeyDeletion(context.Background(), &kms.ScheduleKeyDeletionInput{KeyId: aws.String(keyARN), PendingWindowInDays: aws.Int32(7)})
	})
	name := acctest.RandomWithPrefix("tf-acc-example") + "/orders/db"
	resource.Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			// The example declares its required_providers, so the provider goes on the step.
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			ConfigDirectory:          config.StaticDirectory(exampleDirectory(t, "complete", "override.tf", proxy.URL())),
			ConfigVariables: config.Variables{
				"region":                  config.StringVariable(harness.Region),
				"secret_name":             config.StringVariable(name),
				"kms_key_arn":             config.StringVariable(keyARN),
				"recovery_window_in_days": config.IntegerVariable(0),
				"db_host":                 config.StringVariable(db.server.Host),
				"db_port":                 config.IntegerVariable(db.server.Port),
				"db_name":                 config.StringVariable(db.dbname),
				"db_username":             config.StringVariable(db.username),
				"db_password":             config.StringVariable(db.password),
				"db_ssl":                  config.BoolVariable(false),
				"lambda_architecture":     config.StringVariable(hostArchitecture()),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("secretsbundle_rds_secret.orders", "kms_key_id", keyARN),
				resource.TestCheckResourceAttr("secretsbundle_rds_secret.orders", "last_rotation_error", ""),
				resource.TestCheckResourceAttr("secretsbundle_rds_secret.orders", "tags_all.managed_by", "terraform"),
				resource.TestCheckResourceAttr("secretsbundle_rds_secret.orders", "deletion_alert.email_addresses.0", "oncall@example.com"),
				resource.TestCheckResourceAttrSet("secretsbundle_rds_secret.orders", "alert_topic_arn"),
			),
		}},
	})
}

// TestAccRDSSecret_exampleResource plans the documentation's resource example: it passes every
// plan-time check and would create the bundle.
func TestAccRDSSecret_exampleResource(t *testing.T) {
	dir := exampleDirectory(t, filepath.Join("resources", "secretsbundle_rds_secret"), "providers.tf", startProxy(t).URL())
	resource.Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			ConfigDirectory:          config.StaticDirectory(dir),
			ConfigVariables:          config.Variables{"initial_db_password": config.StringVariable("not-used-by-a-plan")},
			PlanOnly:                 true,
			ExpectNonEmptyPlan:       true,
		}},
	})
}
