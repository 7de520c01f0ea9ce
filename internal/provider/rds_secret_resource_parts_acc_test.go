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
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/awsproxy"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator/artifact"
)

// partRemovers delete one part of the bundle behind Terraform's back, as a person or another tool might.
func partRemovers(client *harness.AWS) map[string]func(ctx context.Context, a map[string]string) error {
	return map[string]func(ctx context.Context, a map[string]string) error{
		"rule": func(ctx context.Context, a map[string]string) error {
			rule := afterLast(a["alert_rule_arn"], "/")
			if _, err := client.Events.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(rule), Ids: []string{"secretsbundle-alert-topic"}}); err != nil {
				return err
			}
			_, err := client.Events.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String(rule)})
			return err
		},
		"topic": func(ctx context.Context, a map[string]string) error {
			_, err := client.SNS.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(a["alert_topic_arn"])})
			return err
		},
		"function": func(ctx context.Context, a map[string]string) error {
			_, err := client.Lambda.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(a["rotation_function_arn"])})
			return err
		},
		"permission": func(ctx context.Context, a map[string]string) error {
			_, err := client.Lambda.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String(a["rotation_function_arn"]), StatementId: aws.String(a["rotation_permission_id"])})
			return err
		},
		"role": func(ctx context.Context, a map[string]string) error {
			role := afterLast(a["rotation_role_arn"], "/")
			if _, err := client.IAM.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(bundle.RolePolicyName)}); err != nil {
				return err
			}
			_, err := client.IAM.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(role)})
			return err
		},
	}
}

// partExists tells whether the part named by a state attribute exists in LocalStack.
func partExists(ctx context.Context, client *harness.AWS, part string, a map[string]string) bool {
	var err error
	switch part {
	case "rule":
		_, err = client.Events.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(afterLast(a["alert_rule_arn"], "/"))})
	case "topic":
		_, err = client.SNS.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(a["alert_topic_arn"])})
	case "function":
		_, err = client.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(a["rotation_function_arn"])})
	case "permission":
		var out *lambda.GetPolicyOutput
		out, err = client.Lambda.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String(a["rotation_function_arn"])})
		if err == nil && !strings.Contains(aws.ToString(out.Policy), a["rotation_permission_id"]) {
			return false
		}
	case "role":
		_, err = client.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(afterLast(a["rotation_role_arn"], "/"))})
	}
	return err == nil && a != nil
}

// TestAccRDSSecret_disappears deletes each part out of band in turn: the next plan updates the
// bundle in place (never replaces it) and the apply re-creates that part. Deleting everything
// makes the next plan create the bundle again.
func TestAccRDSSecret_disappears(t *testing.T) {
	proxy := startProxy(t)
	client := testAWS(t)
	db := newTestDatabase(t)
	name := acctest.RandomWithPrefix("tf-acc-gone")
	config := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("", ""))
	removers := partRemovers(client)
	steps := []resource.TestStep{{Config: config}}
	for _, part := range []string{"rule", "topic", "function", "permission", "role"} {
		steps = append(steps,
			resource.TestStep{
				Config: config,
				Check: func(s *terraform.State) error {
					a, err := attributes(s)
					if err != nil {
						return err
					}
					if err := removers[part](context.Background(), a); err != nil {
						return fmt.Errorf("deleting the %s out of band: %w", part, err)
					}
					return nil
				},
				ExpectNonEmptyPlan: true,
			},
			resource.TestStep{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate)},
				},
				Check: func(s *terraform.State) error {
					a, err := attributes(s)
					if err != nil {
						return err
					}
					for _, p := range []string{"rule", "topic", "function", "permission", "role"} {
						if !partExists(context.Background(), client, p, a) {
							return fmt.Errorf("after repairing the %s, the %s does not exist", part, p)
						}
					}
					return nil
				},
			})
	}
	steps = append(steps, resource.TestStep{
		Config: config,
		Check: func(s *terraform.State) error {
			a, err := attributes(s)
			if err != nil {
				return err
			}
			st := &bundle.State{
				SecretARN: a["arn"], RoleName: afterLast(a["rotation_role_arn"], "/"), RolePolicy: bundle.RolePolicyName,
				FunctionName: afterLast(a["rotation_function_arn"], ":"), LogGroupName: a["rotation_log_group_name"],
				RuleName: afterLast(a["alert_rule_arn"], "/"), TopicARN: a["alert_topic_arn"], TopicCreated: true,
				RotationRule: bundle.RuleIDs{Name: afterLast(a["rotation_alert_rule_arn"], "/"), ARN: a["rotation_alert_rule_arn"]},
			}
			return bundle.Delete(context.Background(), bundle.Deps{AWS: client.Client, RotatorCode: artifact.Zip}, st, 0)
		},
		ExpectNonEmptyPlan: true,
	}, resource.TestStep{
		Config: config,
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionCreate)},
		},
	})
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
}

// createCalls are the calls of a create, each faulted in turn by the rollback test.
var createCalls = []struct{ service, operation, code string }{
	{"secretsmanager", "CreateSecret", "AccessDeniedException"},
	{"iam", "CreateRole", "AccessDenied"},
	{"logs", "CreateLogGroup", "AccessDeniedException"},
	{"sns", "CreateTopic", "AuthorizationError"},
	{"iam", "PutRolePolicy", "AccessDenied"},
	{"lambda", "CreateFunction", "AccessDeniedException"},
	{"logs", "PutRetentionPolicy", "AccessDeniedException"},
	{"events", "PutRule", "AccessDeniedException"},
	{"events", "PutTargets", "AccessDeniedException"},
	{"sns", "SetTopicAttributes", "AuthorizationError"},
	{"sns", "Subscribe", "AuthorizationError"},
	{"lambda", "AddPermission", "AccessDeniedException"},
	{"secretsmanager", "RotateSecret", "AccessDeniedException"},
}

// undoneBy pairs each create call of a bundle with the calls that undo it.
var undoneBy = map[string][]string{
	"secretsmanager:CreateSecret": {"secretsmanager:DeleteSecret"},
	"iam:CreateRole":              {"iam:DeleteRole"},
	"iam:PutRolePolicy":           {"iam:DeleteRolePolicy"},
	"logs:CreateLogGroup":         {"logs:DeleteLogGroup"},
	"sns:CreateTopic":             {"sns:DeleteTopic"},
	"lambda:CreateFunction":       {"lambda:DeleteFunction"},
	"lambda:AddPermission":        {"lambda:RemovePermission", "lambda:DeleteFunction"},
	"events:PutRule":              {"events:DeleteRule"},
}

// createdNotDeleted lists the successful create calls in a record that no later call undid.
func createdNotDeleted(calls []awsproxy.Call) []string {
	var undone []string
	for i, c := range calls {
		undo, ok := undoneBy[c.Key()]
		if !ok || c.ErrorCode != "" {
			continue
		}
		deleted := false
		for _, later := range calls[i+1:] {
			deleted = deleted || (slices.Contains(undo, later.Key()) && later.ErrorCode == "")
		}
		if !deleted {
			undone = append(undone, c.Key())
		}
	}
	return undone
}

// leftovers lists what of a bundle named name still exists in LocalStack.
func leftovers(ctx context.Context, client *harness.AWS, name string) []string {
	var left []string
	if out, err := client.SecretsManager.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)}); err == nil && out.DeletedDate == nil {
		left = append(left, "secret")
	}
	if _, err := client.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(bundle.RoleName(harness.Region, name))}); err == nil {
		left = append(left, "role")
	}
	if _, err := client.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(bundle.FunctionName(name, ""))}); err == nil {
		left = append(left, "function")
	}
	if _, err := client.Events.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(bundle.RuleName(name))}); err == nil {
		left = append(left, "rule")
	}
	topics, err := client.SNS.ListTopics(ctx, &sns.ListTopicsInput{})
	if err == nil {
		for _, topic := range topics.Topics {
			if strings.HasSuffix(aws.ToString(topic.TopicArn), ":"+bundle.TopicName(name)) {
				left = append(left, "topic")
			}
		}
	}
	groups, err := client.Logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(bundle.LogGroupName(bundle.FunctionName(name, "")))})
	if err == nil && len(groups.LogGroups) > 0 {
		left = append(left, "log group")
	}
	return left
}

// TestAccRDSSecret_rollback fails each create call in turn through the proxy: the apply fails,
// nothing of the bundle is left in AWS, nothing is in state, and the next apply converges.
func TestAccRDSSecret_rollback(t *testing.T) {
	proxy := startProxy(t)
	client := testAWS(t)
	db := newTestDatabase(t)
	for _, call := range createCalls {
		t.Run(call.operation, func(t *testing.T) {
			name := acctest.RandomWithPrefix("tf-acc-rollback")
			config := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("", "")+`
  deletion_alert = {
    email_addresses = ["oncall@example.com"]
  }
`)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{
						PreConfig: func() {
							proxy.Mark("apply " + name)
							if _, err := proxy.AddFault(awsproxy.Rule{Kind: awsproxy.FaultError, Service: call.service, Operation: call.operation,
								ErrorCode: call.code, ErrorMessage: "injected by the rollback test", Status: 400, Times: 1}); err != nil {
								t.Fatal(err)
							}
						},
						Config:      config,
						ExpectError: regexpMust(`(?s)injected\s+by\s+the\s+rollback\s+test.*deleted\s+again`),
					},
					{
						PreConfig: func() {
							proxy.ClearFaults()
							proxy.Mark("failed " + name)
							calls, err := proxy.CallsBetween("apply "+name, "failed "+name)
							if err != nil {
								t.Fatal(err)
							}
							if !slices.ContainsFunc(calls, func(c awsproxy.Call) bool { return c.Operation == call.operation && c.Fault != "" }) {
								t.Fatalf("the record between the marks lacks the faulted %s", call.operation)
							}
							if undone := createdNotDeleted(calls); len(undone) > 0 {
								t.Errorf("the proxy's record shows %v created and never deleted", undone)
							}
							if left := leftovers(context.Background(), client, name); len(left) > 0 {
								t.Errorf("after the failed apply these parts of %s are left in AWS and not in state: %v", name, left)
							}
						},
						Config: config,
					},
				},
			})
		})
	}
}

// TestAccRDSSecret_iamPropagation makes a new role unusable by Lambda for a while, as on AWS: the
// apply waits it out and succeeds.
func TestAccRDSSecret_iamPropagation(t *testing.T) {
	proxy := startProxy(t)
	db := newTestDatabase(t)
	name := acctest.RandomWithPrefix("tf-acc-iam")
	if _, err := proxy.AddFault(awsproxy.Rule{Kind: awsproxy.FaultIAMPropagation, Delay: awsproxy.Duration(4e9)}); err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: rdsSecretConfig(proxy.URL(), name, db, rotationBlock("", "")),
			Check: func(*terraform.State) error {
				refused, created := 0, 0
				for _, c := range proxy.Calls() {
					if c.Operation == "CreateFunction" {
						if strings.Contains(c.ErrorMessage, "cannot be assumed by Lambda") {
							refused++
						} else if c.ErrorCode == "" {
							created++
						}
					}
				}
				if refused == 0 || created != 1 {
					return fmt.Errorf("CreateFunction was refused %d times and succeeded %d times; want refusals, then one success", refused, created)
				}
				return nil
			},
		}},
	})
}

// TestAccRDSSecret_rollbackFails makes the rollback itself fail: the survivor is kept in state,
// tainted, and the next apply deletes it and creates the bundle afresh.
func TestAccRDSSecret_rollbackFails(t *testing.T) {
	proxy := startProxy(t)
	client := testAWS(t)
	db := newTestDatabase(t)
	name := acctest.RandomWithPrefix("tf-acc-survivor")
	config := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("", ""))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					for _, rule := range []awsproxy.Rule{
						{Kind: awsproxy.FaultError, Service: "lambda", Operation: "AddPermission", ErrorCode: "AccessDeniedException", ErrorMessage: "injected permission failure", Status: 400, Times: 1},
						{Kind: awsproxy.FaultError, Service: "iam", Operation: "DeleteRole", ErrorCode: "AccessDenied", ErrorMessage: "injected rollback failure", Status: 400, Times: 1},
					} {
						if _, err := proxy.AddFault(rule); err != nil {
							t.Fatal(err)
						}
					}
				},
				Config:      config,
				ExpectError: regexpMust(`(?s)injected\s+permission\s+failure.*rolling\s+back\s+also\s+failed.*injected\s+rollback\s+failure.*IAM\s+role`),
			},
			{
				PreConfig: func() {
					proxy.ClearFaults()
					if left := leftovers(context.Background(), client, name); len(left) != 1 || left[0] != "role" {
						t.Errorf("after the failed rollback AWS holds %v of %s, want only the role", left, name)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionDestroyBeforeCreate)},
				},
			},
		},
	})
}
