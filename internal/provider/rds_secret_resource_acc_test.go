package provider

import (
	"context"
	"fmt"
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
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
)

const testResource = "secretsbundle_rds_secret.test"

// attributes returns the resource's attributes from the Terraform state.
func attributes(s *terraform.State) (map[string]string, error) {
	rs, ok := s.RootModule().Resources[testResource]
	if !ok {
		return nil, fmt.Errorf("%s is not in state", testResource)
	}
	return rs.Primary.Attributes, nil
}

// checkEveryPartTagged asserts each part exists in LocalStack and carries the bundle tag and the
// user's tag.
func checkEveryPartTagged(client *harness.AWS, name, team string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		a, err := attributes(s)
		if err != nil {
			return err
		}
		ctx := context.Background()
		want := map[string]string{bundle.BundleTagKey: name, "team": team}
		check := func(part string, tags map[string]string) error {
			for k, v := range want {
				if tags[k] != v {
					return fmt.Errorf("%s has tags %v, want %s=%s", part, tags, k, v)
				}
			}
			return nil
		}
		secret, err := client.SecretsManager.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(a["arn"])})
		if err != nil {
			return err
		}
		tags := map[string]string{}
		for _, tag := range secret.Tags {
			tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
		}
		if err := check("secret", tags); err != nil {
			return err
		}
		roleName := afterLast(a["rotation_role_arn"], "/")
		roleTags, err := client.IAM.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String(roleName)})
		if err != nil {
			return err
		}
		tags = map[string]string{}
		for _, tag := range roleTags.Tags {
			tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
		}
		if err := check("role", tags); err != nil {
			return err
		}
		fn, err := client.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(a["rotation_function_arn"])})
		if err != nil {
			return err
		}
		if err := check("function", fn.Tags); err != nil {
			return err
		}
		if fn.Configuration.Runtime != "provided.al2023" || aws.ToString(fn.Configuration.Handler) != "bootstrap" {
			return fmt.Errorf("function runtime %s handler %s", fn.Configuration.Runtime, aws.ToString(fn.Configuration.Handler))
		}
		env := fn.Configuration.Environment.Variables
		for _, key := range []string{"PASSWORD_LENGTH", "EXCLUDE_CHARACTERS", "ROTATION_STRATEGY", "SECRETS_MANAGER_ENDPOINT"} {
			if _, ok := env[key]; !ok {
				return fmt.Errorf("function environment lacks %s: %v", key, env)
			}
		}
		ruleTags, err := client.Events.ListTagsForResource(ctx, &eventbridge.ListTagsForResourceInput{ResourceARN: aws.String(a["alert_rule_arn"])})
		if err != nil {
			return err
		}
		tags = map[string]string{}
		for _, tag := range ruleTags.Tags {
			tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
		}
		if err := check("rule", tags); err != nil {
			return err
		}
		topicTags, err := client.SNS.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: aws.String(a["alert_topic_arn"])})
		if err != nil {
			return err
		}
		tags = map[string]string{}
		for _, tag := range topicTags.Tags {
			tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
		}
		if err := check("topic", tags); err != nil {
			return err
		}
		logTags, err := client.Logs.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{
			ResourceArn: aws.String(fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", harness.Region, harness.AccountID, a["rotation_log_group_name"])),
		})
		if err != nil {
			return err
		}
		return check("log group", logTags.Tags)
	}
}

// checkPolicies parses the role's trust and inline policies, the Lambda permission and the topic
// policy, and asserts their scope.
func checkPolicies(t *testing.T, client *harness.AWS, name string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		a, err := attributes(s)
		if err != nil {
			return err
		}
		ctx := context.Background()
		roleName := afterLast(a["rotation_role_arn"], "/")
		role, err := client.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(roleName)})
		if err != nil {
			return err
		}
		trust := policyJSON(t, aws.ToString(role.Role.AssumeRolePolicyDocument))
		if fmt.Sprint(trust["Statement"]) == "" || !strings.Contains(fmt.Sprint(trust), "lambda.amazonaws.com") {
			return fmt.Errorf("trust policy %v does not trust lambda.amazonaws.com", trust)
		}
		inline, err := client.IAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(roleName), PolicyName: aws.String(bundle.RolePolicyName)})
		if err != nil {
			return err
		}
		statements := statementsBySid(t, policyJSON(t, aws.ToString(inline.PolicyDocument)))
		wantSecret := fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-??????", harness.Region, harness.AccountID, name)
		if statements["RotateThisSecret"]["Resource"] != wantSecret {
			return fmt.Errorf("the role's secret statement is %v, want Resource %s", statements["RotateThisSecret"], wantSecret)
		}
		actions := fmt.Sprint(statements["RotateThisSecret"]["Action"])
		for _, action := range []string{"DescribeSecret", "GetSecretValue", "PutSecretValue", "UpdateSecretVersionStage"} {
			if !strings.Contains(actions, action) {
				return fmt.Errorf("the role may not %s: %s", action, actions)
			}
		}
		// The rotator makes its passwords itself (crypto/rand, GetRandomPassword's rules), so the
		// role may not call GetRandomPassword, which cannot be scoped to a resource.
		if s, ok := statements["GeneratePasswords"]; ok {
			return fmt.Errorf("the role still has a GetRandomPassword statement: %v", s)
		}
		if _, ok := statements["RunInVPC"]; ok {
			return fmt.Errorf("ENI permissions without a VPC")
		}
		if !strings.Contains(fmt.Sprint(statements["WriteOwnLogs"]["Resource"]), a["rotation_log_group_name"]) {
			return fmt.Errorf("logs statement = %v", statements["WriteOwnLogs"])
		}
		grant, err := client.Lambda.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String(a["rotation_function_arn"])})
		if err != nil {
			return err
		}
		invoke := statementsBySid(t, policyJSON(t, aws.ToString(grant.Policy)))[a["rotation_permission_id"]]
		text := fmt.Sprint(invoke)
		if !strings.Contains(text, "secretsmanager.amazonaws.com") || !strings.Contains(text, a["arn"]) || !strings.Contains(text, harness.AccountID) {
			return fmt.Errorf("invoke grant %v lacks the principal, SourceArn or SourceAccount", invoke)
		}
		topic, err := client.SNS.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(a["alert_topic_arn"])})
		if err != nil {
			return err
		}
		topicPolicy := statementsBySid(t, policyJSON(t, topic.Attributes["Policy"]))["AllowThisRuleToPublish"]
		if !strings.Contains(fmt.Sprint(topicPolicy), "events.amazonaws.com") || !strings.Contains(fmt.Sprint(topicPolicy), a["alert_rule_arn"]) {
			return fmt.Errorf("topic policy %v does not limit publishing to the rule", topicPolicy)
		}
		rule, err := client.Events.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(afterLast(a["alert_rule_arn"], "/"))})
		if err != nil {
			return err
		}
		pattern := aws.ToString(rule.EventPattern)
		for _, want := range []string{"aws.secretsmanager", "AWS API Call via CloudTrail", "DeleteSecret", name, a["arn"]} {
			if !strings.Contains(pattern, want) {
				return fmt.Errorf("rule pattern %s lacks %s", pattern, want)
			}
		}
		return nil
	}
}

// checkRotated asserts the first rotation ran for real: the password in the secret changed, it
// logs in to PostgreSQL, and the initial one no longer does.
func checkRotated(t *testing.T, client *harness.AWS, db testDatabase) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		a, err := attributes(s)
		if err != nil {
			return err
		}
		if a["last_rotation_error"] != "" {
			return fmt.Errorf("first rotation failed: %s", a["last_rotation_error"])
		}
		password := secretPassword(t, client, a["arn"])
		if password == db.password {
			return fmt.Errorf("the password was not rotated")
		}
		if err := db.canLogIn(password); err != nil {
			return fmt.Errorf("the rotated password does not log in: %v", err)
		}
		if db.canLogIn(db.password) == nil {
			return fmt.Errorf("the initial password still logs in after rotation")
		}
		return nil
	}
}

func TestAccRDSSecret_basic(t *testing.T) {
	proxy := startProxy(t)
	client := testAWS(t)
	db := newTestDatabase(t)
	name := acctest.RandomWithPrefix("tf-acc-bundle") + "/db"
	first := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("", "")+`
  deletion_alert = {
    email_addresses = ["oncall@example.com"]
  }
  tags = { team = "orders" }
`)
	updated := rdsSecretConfig(proxy.URL(), name, db, rotationBlock(`
    automatically_after_days = 7
    duration                 = "3h"
    password_length          = 40
`, `
      memory_size        = 256
      timeout            = 60
      log_retention_days = 14
`)+`
  description = "orders service database"
  deletion_alert = {
    email_addresses = ["oncall@example.com", "security@example.com"]
    events          = ["DeleteSecret", "PutSecretValue", "GetSecretValue"]
  }
  tags = { team = "payments" }
`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: first,
				Check: resource.ComposeAggregateTestCheckFunc(
					checkEveryPartTagged(client, name, "orders"),
					checkPolicies(t, client, name),
					checkRotated(t, client, db),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("rotation_enabled"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("credentials").AtMapKey("password_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("tags_all"), knownvalue.MapExact(map[string]knownvalue.Check{"team": knownvalue.StringExact("orders")})),
				},
			},
			{
				Config: updated,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkEveryPartTagged(client, name, "payments"),
					resource.TestCheckResourceAttr(testResource, "rotation.automatically_after_days", "7"),
					resource.TestCheckResourceAttr(testResource, "rotation.lambda.memory_size", "256"),
					resource.TestCheckResourceAttr(testResource, "description", "orders service database"),
					// A read-only event needs the state that delivers read-only management events.
					func(s *terraform.State) error {
						a, err := attributes(s)
						if err != nil {
							return err
						}
						rule, err := client.Events.DescribeRule(context.Background(), &eventbridge.DescribeRuleInput{Name: aws.String(afterLast(a["alert_rule_arn"], "/"))})
						if err != nil {
							return err
						}
						if rule.State != "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS" || !strings.Contains(aws.ToString(rule.EventPattern), "GetSecretValue") {
							return fmt.Errorf("rule state %s pattern %s", rule.State, aws.ToString(rule.EventPattern))
						}
						return nil
					},
				),
			},
			{
				ResourceName:                         testResource,
				ImportState:                          true,
				ImportStateId:                        name,
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "arn",
				ImportStateVerifyIgnore: []string{
					"credentials.password_wo_version", "recovery_window_in_days", "timeouts", "last_rotation_error",
					"rotation.rotate_immediately", "rotation.wait_for_first_rotation", "version_id",
					// LocalStack 4.14 does not report the rotation window back.
					"rotation.duration",
				},
			},
			{
				ResourceName: testResource,
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					a, err := attributes(s)
					return a["arn"], err
				},
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "arn",
				ImportStateVerifyIgnore: []string{
					"credentials.password_wo_version", "recovery_window_in_days", "timeouts", "last_rotation_error",
					"rotation.rotate_immediately", "rotation.wait_for_first_rotation", "version_id",
					// LocalStack 4.14 does not report the rotation window back.
					"rotation.duration",
				},
			},
		},
	})
}
