package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
)

// rolePolicy returns the statements of the rotator role's inline policy, by Sid.
func rolePolicy(t *testing.T, client *harness.AWS, s *terraform.State) (map[string]map[string]any, error) {
	a, err := attributes(s)
	if err != nil {
		return nil, err
	}
	out, err := client.IAM.GetRolePolicy(context.Background(), &iam.GetRolePolicyInput{
		RoleName: aws.String(afterLast(a["rotation_role_arn"], "/")), PolicyName: aws.String(bundle.RolePolicyName),
	})
	if err != nil {
		return nil, err
	}
	return statementsBySid(t, policyJSON(t, aws.ToString(out.PolicyDocument))), nil
}

// TestAccRDSSecret_alternatingUsers rotates with the alternating-users strategy: the master secret
// (the superuser's) creates the _clone user, whose credentials the secret then holds.
func TestAccRDSSecret_alternatingUsers(t *testing.T) {
	proxy := startProxy(t)
	client := testAWS(t)
	db := newTestDatabase(t)
	master, err := client.SecretsManager.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: aws.String(acctest.RandomWithPrefix("tf-acc-master")),
		SecretString: aws.String(fmt.Sprintf(`{"engine":"postgres","host":%q,"port":%d,"dbname":"postgres","username":%q,"password":%q,"ssl":false}`,
			db.server.Host, db.server.Port, db.server.SuperUser, db.server.SuperPassword)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = client.SecretsManager.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: master.ARN, ForceDeleteWithoutRecovery: aws.Bool(true)})
	})
	name := acctest.RandomWithPrefix("tf-acc-alternating")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: rdsSecretConfig(proxy.URL(), name, db, rotationBlock(fmt.Sprintf(`
    strategy          = "alternating_users"
    master_secret_arn = %q
`, aws.ToString(master.ARN)), "")),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(testResource, "last_rotation_error", ""),
				func(s *terraform.State) error {
					a, err := attributes(s)
					if err != nil {
						return err
					}
					out, err := client.SecretsManager.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(a["arn"])})
					if err != nil {
						return err
					}
					value := aws.ToString(out.SecretString)
					if !strings.Contains(value, `"username":"`+db.username+`_clone"`) || !strings.Contains(value, `"masterarn":"`+aws.ToString(master.ARN)+`"`) {
						return fmt.Errorf("after the first alternating rotation the secret holds no _clone user and master ARN")
					}
					clone := testDatabase{server: db.server, username: db.username + "_clone", dbname: db.dbname}
					if err := clone.canLogIn(secretPassword(t, client, a["arn"])); err != nil {
						return fmt.Errorf("the _clone user cannot log in with the rotated password: %v", err)
					}
					statements, err := rolePolicy(t, client, s)
					if err != nil {
						return err
					}
					if statements["ReadMasterSecret"]["Resource"] != aws.ToString(master.ARN) {
						return fmt.Errorf("the role may not read the master secret: %v", statements["ReadMasterSecret"])
					}
					return nil
				},
			),
		}, {
			// Import restores the strategy (from the function) and the master (from masterarn).
			ResourceName:                         testResource,
			ImportState:                          true,
			ImportStateId:                        name,
			ImportStateVerify:                    true,
			ImportStateVerifyIdentifierAttribute: "arn",
			ImportStateVerifyIgnore: []string{
				"credentials.password_wo_version", "recovery_window_in_days", "timeouts", "last_rotation_error",
				"rotation.rotate_immediately", "rotation.wait_for_first_rotation", "version_id",
			},
		}},
	})
}

// TestAccRDSSecret_firstRotationFails points the credentials at a port nobody listens on: the
// bundle is still created, with the rotator's error in last_rotation_error.
func TestAccRDSSecret_firstRotationFails(t *testing.T) {
	proxy := startProxy(t)
	db := newTestDatabase(t)
	name := acctest.RandomWithPrefix("tf-acc-failing")
	config := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("", "")+`
  timeouts {
    create = "3m"
  }
`)
	// Port 1 on loopback refuses connections at once.
	config = strings.Replace(config, fmt.Sprintf("port                = %d", db.server.Port), "port                = 1", 1)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttrSet(testResource, "rotation_function_arn"),
				resource.TestMatchResourceAttr(testResource, "last_rotation_error", regexpMust(`first rotation failed: \w+Secret step failed \(\w+\)`)),
			),
		}},
	})
}

// TestAccRDSSecret_vpcAndPassword moves the rotator into a VPC (its role gains ENI permissions)
// and pushes a new password with password_wo_version, both in place.
func TestAccRDSSecret_vpcAndPassword(t *testing.T) {
	proxy := startProxy(t)
	client := testAWS(t)
	db := newTestDatabase(t)
	name := acctest.RandomWithPrefix("tf-acc-vpc")
	base := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("rotate_immediately = false", ""))
	inVPC := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("rotate_immediately = false", `
      subnet_ids         = ["subnet-0123456789abcdef0"]
      security_group_ids = ["sg-0123456789abcdef0"]
`))
	newPassword := "Pushed-" + acctest.RandString(12)
	pushed := strings.Replace(strings.Replace(inVPC, db.password, newPassword, 1), "password_wo_version = 1", "password_wo_version = 2", 1)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: base,
				Check: func(s *terraform.State) error {
					statements, err := rolePolicy(t, client, s)
					if err != nil {
						return err
					}
					if _, ok := statements["RunInVPC"]; ok {
						return fmt.Errorf("ENI permissions outside a VPC")
					}
					return nil
				},
			},
			{
				Config: inVPC,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate)},
				},
				Check: func(s *terraform.State) error {
					statements, err := rolePolicy(t, client, s)
					if err != nil {
						return err
					}
					if _, ok := statements["RunInVPC"]; !ok {
						return fmt.Errorf("no ENI permissions in a VPC: %v", statements)
					}
					return nil
				},
			},
			{
				Config: pushed,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate)},
				},
				Check: func(s *terraform.State) error {
					a, err := attributes(s)
					if err != nil {
						return err
					}
					if got := secretPassword(t, client, a["arn"]); got != newPassword {
						return fmt.Errorf("password_wo_version 2 did not push the new password")
					}
					return nil
				},
			},
		},
	})
}

// TestAccRDSSecret_toggles turns the alert and the schedule off and on in place: the rule and the
// created topic come and go, rotation is cancelled and restored.
func TestAccRDSSecret_toggles(t *testing.T) {
	proxy := startProxy(t)
	db := newTestDatabase(t)
	name := acctest.RandomWithPrefix("tf-acc-toggle")
	off := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("enabled = false\n    rotate_immediately = false", "")+`
  deletion_alert = { enabled = false }
`)
	on := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("rotate_immediately = false", ""))
	// The days changed in the same apply that turns rotation off: AWS keeps its old rules, which
	// once showed as a diff after every apply; turned on again, the configured days apply.
	offNewDays := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("enabled = false\n    rotate_immediately = false\n    automatically_after_days = 14", "")+`
  deletion_alert = { enabled = false }
`)
	onNewDays := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("rotate_immediately = false\n    automatically_after_days = 14", ""))
	update := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate)}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: off,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(testResource, "rotation_enabled", "false"),
					resource.TestCheckResourceAttr(testResource, "alert_rule_arn", ""),
					resource.TestCheckResourceAttr(testResource, "alert_topic_arn", ""),
					resource.TestCheckResourceAttrSet(testResource, "rotation_function_arn"),
				),
			},
			{
				Config:           on,
				ConfigPlanChecks: update,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(testResource, "rotation_enabled", "true"),
					resource.TestMatchResourceAttr(testResource, "alert_rule_arn", regexpMust(`^arn:aws:events:`)),
					resource.TestMatchResourceAttr(testResource, "alert_topic_arn", regexpMust(`^arn:aws:sns:`)),
				),
			},
			{
				Config:           off,
				ConfigPlanChecks: update,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(testResource, "rotation_enabled", "false"),
					resource.TestCheckResourceAttr(testResource, "alert_rule_arn", ""),
					resource.TestCheckResourceAttr(testResource, "alert_topic_arn", ""),
				),
			},
			{
				Config:           on,
				ConfigPlanChecks: update,
				Check:            resource.TestCheckResourceAttr(testResource, "rotation_enabled", "true"),
			},
			{
				// Terraform's own check after the step fails on a plan that is not empty.
				Config:           offNewDays,
				ConfigPlanChecks: update,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(testResource, "rotation_enabled", "false"),
					resource.TestCheckResourceAttr(testResource, "rotation.automatically_after_days", "14"),
				),
			},
			{
				Config:           onNewDays,
				ConfigPlanChecks: update,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(testResource, "rotation_enabled", "true"),
					resource.TestCheckResourceAttr(testResource, "rotation.automatically_after_days", "14"),
					checkRotationDays(t, name, 14),
				),
			},
		},
	})
}

// checkRotationDays checks the days AWS reports for the secret's schedule.
func checkRotationDays(t *testing.T, name string, days int64) resource.TestCheckFunc {
	return func(*terraform.State) error {
		out, err := testAWS(t).SecretsManager.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
		if err != nil {
			return err
		}
		if out.RotationRules == nil || aws.ToInt64(out.RotationRules.AutomaticallyAfterDays) != days {
			return fmt.Errorf("AWS reports the rules %+v, want every %d days", out.RotationRules, days)
		}
		return nil
	}
}
