package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// TestAccRDSSecret_secretDeletedOutOfBand deletes the secret behind Terraform's back. The rest of
// the bundle must not be forgotten (as removing the resource from state would do): the plan
// replaces the bundle; restoring the secret makes the plan empty again; a secret deleted for good
// is replaced by apply; and destroy leaves nothing behind.
func TestAccRDSSecret_secretDeletedOutOfBand(t *testing.T) {
	proxy := startProxy(t)
	client := testAWS(t)
	db := newTestDatabase(t)
	name := acctest.RandomWithPrefix("tf-acc-deleted")
	config := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("", ""))
	deleteSecret := func(force bool) func(*terraform.State) error {
		return func(*terraform.State) error {
			input := &secretsmanager.DeleteSecretInput{SecretId: aws.String(name)}
			if force {
				input.ForceDeleteWithoutRecovery = aws.Bool(true)
			} else {
				input.RecoveryWindowInDays = aws.Int64(7)
			}
			_, err := client.SecretsManager.DeleteSecret(context.Background(), input)
			return err
		}
	}
	var firstARN string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if left := leftovers(context.Background(), client, name); len(left) > 0 {
				return fmt.Errorf("destroy left %v", left)
			}
			return nil
		},
		Steps: []resource.TestStep{{
			Config: config,
			Check: resource.ComposeAggregateTestCheckFunc(
				func(s *terraform.State) error {
					a, err := attributes(s)
					firstARN = a["arn"]
					return err
				},
				deleteSecret(false),
			),
			ExpectNonEmptyPlan: true,
		}, {
			// Scheduled for deletion: kept in state, replaced by the plan.
			Config:             config,
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionDestroyBeforeCreate)},
			},
		}, {
			// Restored: the bundle is whole again.
			PreConfig: func() {
				if _, err := client.SecretsManager.RestoreSecret(context.Background(), &secretsmanager.RestoreSecretInput{SecretId: aws.String(name)}); err != nil {
					t.Fatalf("restoring secret %s: %v", name, err)
				}
			},
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: deleteSecret(true),
			// Deleted for good right after the check: the post-apply plan replaces it.
			ExpectNonEmptyPlan: true,
		}, {
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionDestroyBeforeCreate)},
			},
			Check: func(s *terraform.State) error {
				a, err := attributes(s)
				if err != nil {
					return err
				}
				if a["arn"] == firstARN || a["arn"] == "" {
					return fmt.Errorf("the replaced bundle has secret ARN %q, want a new secret", a["arn"])
				}
				for _, part := range []string{"rule", "topic", "function", "permission", "role"} {
					if !partExists(context.Background(), client, part, a) {
						return fmt.Errorf("after the replacement, the %s does not exist", part)
					}
				}
				return nil
			},
		}},
	})
}
