package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
)

// bundleParts lists, part by part, what of the bundle in state a exists in LocalStack: the secret
// (not scheduled for deletion), its value readable, the role, the function, the rule with its
// target, the topic and its subscriptions.
func bundleParts(ctx context.Context, client *harness.AWS, a map[string]string) (map[string]string, error) {
	parts := map[string]string{}
	secret, err := client.SecretsManager.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(a["arn"])})
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", a["arn"], err)
	}
	if secret.DeletedDate != nil {
		return nil, fmt.Errorf("secret %s is scheduled for deletion", a["arn"])
	}
	if _, err := client.SecretsManager.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(a["arn"])}); err != nil {
		return nil, fmt.Errorf("reading secret %s: %w", a["arn"], err)
	}
	parts["secret"] = aws.ToString(secret.ARN)
	role, err := client.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(afterLast(a["rotation_role_arn"], "/"))})
	if err != nil {
		return nil, fmt.Errorf("role: %w", err)
	}
	parts["role"] = aws.ToString(role.Role.Arn)
	fn, err := client.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(a["rotation_function_arn"])})
	if err != nil {
		return nil, fmt.Errorf("function: %w", err)
	}
	parts["function"] = aws.ToString(fn.Configuration.FunctionArn) + " role " + aws.ToString(fn.Configuration.Role)
	rule := afterLast(a["alert_rule_arn"], "/")
	described, err := client.Events.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(rule)})
	if err != nil {
		return nil, fmt.Errorf("rule: %w", err)
	}
	targets, err := client.Events.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String(rule)})
	if err != nil || len(targets.Targets) != 1 {
		return nil, fmt.Errorf("targets of rule %s: %v, %w", rule, targets, err)
	}
	parts["rule"] = aws.ToString(described.Arn) + " pattern " + aws.ToString(described.EventPattern) + " target " + aws.ToString(targets.Targets[0].Arn)
	if _, err := client.SNS.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(a["alert_topic_arn"])}); err != nil {
		return nil, fmt.Errorf("topic: %w", err)
	}
	parts["topic"] = a["alert_topic_arn"]
	subs, err := client.SNS.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(a["alert_topic_arn"])})
	if err != nil {
		return nil, fmt.Errorf("subscriptions: %w", err)
	}
	var endpoints []string
	for _, s := range subs.Subscriptions {
		endpoints = append(endpoints, aws.ToString(s.Protocol)+":"+aws.ToString(s.Endpoint))
	}
	slices.Sort(endpoints)
	parts["subscriptions"] = strings.Join(endpoints, ",")
	return parts, nil
}

// TestAccRDSSecret_secondWorkspace applies the same bundle a second time from a state that does not
// know the first (a copied module, another workspace, or after terraform state rm): the second
// apply fails with a clear error, and the first bundle's secret, role, function, rule, topic and
// subscriptions are all there as before. Its rollback once deleted the first bundle's topic (SNS
// answers CreateTopic for an existing name with the existing topic).
func TestAccRDSSecret_secondWorkspace(t *testing.T) {
	proxy := startProxy(t)
	client := testAWS(t)
	db := newTestDatabase(t)
	name := acctest.RandomWithPrefix("tf-acc-twice")
	alert := `
  deletion_alert = {
    email_addresses = ["oncall@example.com"]
  }
`
	first := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("", "")+alert)
	// The second bundle is another resource in the same configuration: Terraform's state for it
	// knows nothing of the first, as another workspace's would not.
	second := strings.Replace(strings.TrimPrefix(first, testAccProviderBlock(proxy.URL())),
		`resource "secretsbundle_rds_secret" "test" {`,
		`resource "secretsbundle_rds_secret" "second" {
  depends_on = [secretsbundle_rds_secret.test]`, 1)
	var before map[string]string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: first,
				Check: func(s *terraform.State) error {
					a, err := attributes(s)
					if err != nil {
						return err
					}
					before, err = bundleParts(context.Background(), client, a)
					return err
				},
			},
			{
				Config:      first + second,
				ExpectError: regexpMust(`(?s)already\s+exists.*this\s+apply\s+did\s+not\s+create\s+it.*another\s+Terraform\s+state`),
			},
			{
				// The first bundle is intact (and its plan empty).
				Config: first,
				Check: func(s *terraform.State) error {
					a, err := attributes(s)
					if err != nil {
						return err
					}
					after, err := bundleParts(context.Background(), client, a)
					if err != nil {
						return fmt.Errorf("after the second workspace's apply, the first bundle is broken: %w", err)
					}
					for part, was := range before {
						if after[part] != was {
							return fmt.Errorf("after the second workspace's apply, the first bundle's %s is %q, was %q", part, after[part], was)
						}
					}
					t.Logf("the first bundle's parts, intact: secret %s, role %s, function %s, rule %s, topic %s, subscriptions %s",
						after["secret"], after["role"], a["rotation_function_arn"], a["alert_rule_arn"], after["topic"], after["subscriptions"])
					return nil
				},
			},
		},
	})
}

// otherRegion is the second region of the two-region test; LocalStack serves every region on one
// endpoint.
const otherRegion = "us-west-2"

// TestAccRDSSecret_sameNameTwoRegions applies bundles of one secret name in two regions of one
// account: IAM is global, so the rotator roles must have two names (the second region's bundle
// failed at CreateRole when the role's name came from the secret's alone). Both bundles rotate,
// and both destroy cleanly. The second region's bundle is a test case of its own, run while the
// first exists: the test framework serves every provider configuration of a case from one
// provider server, which holds one configuration.
func TestAccRDSSecret_sameNameTwoRegions(t *testing.T) {
	proxy := startProxy(t)
	client := testAWS(t)
	db := newTestDatabase(t)
	name := acctest.RandomWithPrefix("tf-acc-regions")
	alert := `
  deletion_alert = {
    email_addresses = ["oncall@example.com"]
  }
`
	east := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("", "")+alert)
	// Each region's bundle rotates a database user of its own.
	west := strings.Replace(rdsSecretConfig(proxy.URL(), name, newTestDatabase(t), rotationBlock("", "")+alert),
		fmt.Sprintf("region     = %q", harness.Region), fmt.Sprintf("region     = %q", otherRegion), 1)
	inRegion := func(region string, roles map[string]string) resource.TestCheckFunc {
		return resource.ComposeTestCheckFunc(
			resource.TestCheckResourceAttr(testResource, "rotation_enabled", "true"),
			resource.TestCheckResourceAttr(testResource, "last_rotation_error", ""),
			resource.TestMatchResourceAttr(testResource, "arn", regexpMust(":secretsmanager:"+region+":")),
			resource.TestMatchResourceAttr(testResource, "rotation_role_arn", regexpMust("/"+bundle.RoleName(region, name)+"$")),
			func(s *terraform.State) error {
				roles[region] = s.RootModule().Resources[testResource].Primary.Attributes["rotation_role_arn"]
				return nil
			},
		)
	}
	roles := map[string]string{}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: east,
			Check: resource.ComposeTestCheckFunc(
				inRegion(harness.Region, roles),
				func(s *terraform.State) error {
					// The same name in the other region, while the first bundle exists.
					resource.Test(t, resource.TestCase{
						ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
						Steps:                    []resource.TestStep{{Config: west, Check: inRegion(otherRegion, roles)}},
						CheckDestroy: func(*terraform.State) error {
							return goneFrom(context.Background(), client, otherRegion, name, roles[otherRegion])
						},
					})
					if roles[otherRegion] == "" || roles[otherRegion] == roles[harness.Region] {
						return fmt.Errorf("the %s bundle's role is %q, the %s one's %q", otherRegion, roles[otherRegion], harness.Region, roles[harness.Region])
					}
					// Its destroy left the first bundle alone.
					a, err := attributes(s)
					if err != nil {
						return err
					}
					if _, err := bundleParts(context.Background(), client, a); err != nil {
						return fmt.Errorf("after the %s bundle's destroy, the %s one is broken: %w", otherRegion, harness.Region, err)
					}
					return nil
				},
			),
		}},
		CheckDestroy: func(*terraform.State) error {
			if left := leftovers(context.Background(), client, name); len(left) > 0 {
				return fmt.Errorf("after the destroy, %s has in %s: %v", name, harness.Region, left)
			}
			return goneFrom(context.Background(), client, harness.Region, name, roles[harness.Region])
		},
	})
}

// goneFrom checks that the bundle of name in region and its role are deleted.
func goneFrom(ctx context.Context, client *harness.AWS, region, name, roleARN string) error {
	in := func(o *secretsmanager.Options) { o.Region = region }
	if out, err := client.SecretsManager.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)}, in); err == nil && out.DeletedDate == nil {
		return fmt.Errorf("the %s secret %s outlived the destroy", region, name)
	}
	if _, err := client.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(bundle.FunctionName(name, ""))},
		func(o *lambda.Options) { o.Region = region }); err == nil {
		return fmt.Errorf("the %s function of %s outlived the destroy", region, name)
	}
	if _, err := client.Events.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(bundle.RuleName(name))},
		func(o *eventbridge.Options) { o.Region = region }); err == nil {
		return fmt.Errorf("the %s rule of %s outlived the destroy", region, name)
	}
	if _, err := client.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(afterLast(roleARN, "/"))}); roleARN == "" || err == nil {
		return fmt.Errorf("the role %q of the %s bundle outlived the destroy", roleARN, region)
	}
	return nil
}
