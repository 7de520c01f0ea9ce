package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
)

// TestAccRDSSecret_resourcePolicy puts the readers' policy, then a configured one, on the secret;
// changes and removes each outside Terraform: the next plan shows the drift and the apply puts the
// policy back, as GetResourcePolicy shows (the harness does not evaluate resource policies, so the
// test asserts what Secrets Manager stores). Import finds the policy.
func TestAccRDSSecret_resourcePolicy(t *testing.T) {
	proxy := startProxy(t)
	client := testAWS(t)
	db := newTestDatabase(t)
	name := acctest.RandomWithPrefix("tf-acc-policy")
	const reader = "arn:aws:iam::000000000000:role/orders-app-*"
	readersConfig := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("", "")+fmt.Sprintf("\n  readers = [%q]\n", reader))
	configured := `{"Version":"2012-10-17","Statement":[{"Sid":"NoDelete","Effect":"Deny","Principal":{"AWS":"*"},"Action":"secretsmanager:DeleteSecret","Resource":"*"}]}`
	policyConfig := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("", "")+fmt.Sprintf("\n  policy = %q\n", configured))
	stored := func(s *terraform.State) (string, error) {
		a, err := attributes(s)
		if err != nil {
			return "", err
		}
		out, err := client.SecretsManager.GetResourcePolicy(context.Background(), &secretsmanager.GetResourcePolicyInput{SecretId: aws.String(a["arn"])})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.ResourcePolicy), nil
	}
	expectStored := func(want func(policy string, a map[string]string) error) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			policy, err := stored(s)
			if err != nil {
				return err
			}
			a, err := attributes(s)
			if err != nil {
				return err
			}
			if !bundle.PoliciesEquivalent(policy, a["resource_policy"]) {
				return fmt.Errorf("resource_policy = %s, but Secrets Manager stores %s", a["resource_policy"], policy)
			}
			return want(policy, a)
		}
	}
	readersPolicy := expectStored(func(policy string, a map[string]string) error {
		for _, want := range []string{reader, a["rotation_role_arn"], "secretsmanager:GetSecretValue", "Deny"} {
			if !strings.Contains(policy, want) {
				return fmt.Errorf("the readers' policy %s lacks %s", policy, want)
			}
		}
		return nil
	})
	configuredPolicy := expectStored(func(policy string, _ map[string]string) error {
		if !bundle.PoliciesEquivalent(policy, configured) {
			return fmt.Errorf("Secrets Manager stores %s, want the configured %s", policy, configured)
		}
		return nil
	})
	putOutside := func(policy string) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			a, err := attributes(s)
			if err != nil {
				return err
			}
			_, err = client.SecretsManager.PutResourcePolicy(context.Background(), &secretsmanager.PutResourcePolicyInput{SecretId: aws.String(a["arn"]), ResourcePolicy: aws.String(policy)})
			return err
		}
	}
	deleteOutside := func(s *terraform.State) error {
		a, err := attributes(s)
		if err != nil {
			return err
		}
		_, err = client.SecretsManager.DeleteResourcePolicy(context.Background(), &secretsmanager.DeleteResourcePolicyInput{SecretId: aws.String(a["arn"])})
		return err
	}
	someoneElses := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"secretsmanager:*","Resource":"*"}]}`
	repair := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate)}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: readersConfig, Check: readersPolicy},
			// The readers' policy changed outside Terraform: drift, repaired.
			{Config: readersConfig, Check: putOutside(someoneElses), ExpectNonEmptyPlan: true},
			{Config: readersConfig, ConfigPlanChecks: repair, Check: readersPolicy},
			// Removed outside Terraform: drift, repaired.
			{Config: readersConfig, Check: deleteOutside, ExpectNonEmptyPlan: true},
			{Config: readersConfig, ConfigPlanChecks: repair, Check: readersPolicy},
			// A configured policy in place of readers.
			{Config: policyConfig, Check: configuredPolicy},
			{Config: policyConfig, Check: putOutside(someoneElses), ExpectNonEmptyPlan: true},
			{Config: policyConfig, ConfigPlanChecks: repair, Check: configuredPolicy},
			{Config: policyConfig, Check: deleteOutside, ExpectNonEmptyPlan: true},
			{Config: policyConfig, ConfigPlanChecks: repair, Check: configuredPolicy},
			// Import cannot tell a configured policy from one made of readers: it imports what
			// Secrets Manager stores, as resource_policy. LocalStack reports no rotation window.
			importByName(name, "rotation.duration", "policy"),
		},
	})
}
