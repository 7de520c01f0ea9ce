package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
)

// TestAccRDSSecret_adoptAlternatingUsers is the migration guide's adoption path for a secret that
// another rotator alternates between app and app_clone: tagged, imported with an import block in
// the same apply as the bundle's configuration. The plan updates the secret in place (the rest of
// the bundle is created), never replaces it, and the value keeps the clone user and its password.
// The database is real: setting the schedule (RotateImmediately=false) makes Secrets Manager run
// the rotator's testSecret with the adopted credentials, which must log in.
func TestAccRDSSecret_adoptAlternatingUsers(t *testing.T) {
	proxy := startProxy(t)
	client := testAWS(t)
	ctx := context.Background()
	name := acctest.RandomWithPrefix("tf-acc-adopt")
	db := newTestDatabase(t)
	app, clone := db.username, db.username+bundle.CloneSuffix
	db.superuserExec(t, fmt.Sprintf(`CREATE ROLE %s LOGIN PASSWORD 'rotated-by-the-old-rotator'`, clone))
	// As AWS's alternating-users template makes the clone: a member of the base role (the
	// rotator's testSecret checks the membership).
	db.superuserExec(t, fmt.Sprintf(`GRANT %s TO %s`, app, clone))
	host, port := db.server.Host, db.server.Port
	master, err := client.SecretsManager.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name:         aws.String(name + "-master"),
		SecretString: aws.String(fmt.Sprintf(`{"engine":"postgres","host":%q,"port":%d,"username":"postgres","password":"master-password"}`, host, port)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = client.SecretsManager.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: master.ARN, ForceDeleteWithoutRecovery: aws.Bool(true)})
	})
	value := fmt.Sprintf(`{"engine":"postgres","host":%q,"port":%d,"dbname":"postgres","username":%q,"password":"rotated-by-the-old-rotator","ssl":false,"masterarn":%q}`, host, port, clone, aws.ToString(master.ARN))
	if _, err := client.SecretsManager.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name:         aws.String(name),
		SecretString: aws.String(value),
		Tags:         []smtypes.Tag{{Key: aws.String(bundle.BundleTagKey), Value: aws.String(name)}},
	}); err != nil {
		t.Fatal(err)
	}
	config := testAccProviderBlock(proxy.URL()) + fmt.Sprintf(`
import {
  to = secretsbundle_rds_secret.test
  id = %[1]q
}

resource "secretsbundle_rds_secret" "test" {
  name                    = %[1]q
  recovery_window_in_days = 0

  credentials = {
    engine   = "postgres"
    host     = %[3]q
    port     = %[4]d
    dbname   = "postgres"
    username = %[5]q
    ssl      = false
  }
%[2]s
}
`, name, rotationBlock(fmt.Sprintf(`
    strategy           = "alternating_users"
    master_secret_arn  = %q
    rotate_immediately = false
`, aws.ToString(master.ARN)), ""), host, port, app)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate)},
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(testResource, "rotation.strategy", bundle.StrategyAlternatingUsers),
				resource.TestCheckResourceAttr(testResource, "credentials.username", app),
				resource.TestCheckResourceAttrSet(testResource, "rotation_function_arn"),
				func(*terraform.State) error {
					out, err := client.SecretsManager.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
					if err != nil {
						return err
					}
					got := aws.ToString(out.SecretString)
					if !strings.Contains(got, `"username":"`+clone+`"`) || !strings.Contains(got, `"password":"rotated-by-the-old-rotator"`) {
						return fmt.Errorf("adopting the secret changed its user or password")
					}
					return nil
				},
			),
		}},
	})
}
