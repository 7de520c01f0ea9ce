package provider

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator/artifact"
)

// guardsSeen is every guard of a bundle as AWS reports it.
type guardsSeen struct {
	trust, rolePolicy       string
	inline, attached        []string
	runtime, handler, code  string
	role                    string
	layers                  int
	pattern, ruleState      string
	functionPolicy          string
	topicPolicy             string
	rotationLambda          string
	rotationDays            int64
	rotationEnabled         bool
	functionName, secretARN string
	ruleName, topicARN      string
}

func readGuards(ctx context.Context, client *harness.AWS, a map[string]string) (g guardsSeen, err error) {
	g.functionName, g.secretARN, g.ruleName, g.topicARN = afterLast(a["rotation_function_arn"], ":"), a["arn"], afterLast(a["alert_rule_arn"], "/"), a["alert_topic_arn"]
	role := afterLast(a["rotation_role_arn"], "/")
	r, err := client.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(role)})
	if err != nil {
		return g, err
	}
	g.trust, _ = url.PathUnescape(aws.ToString(r.Role.AssumeRolePolicyDocument))
	p, err := client.IAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(bundle.RolePolicyName)})
	if err != nil {
		return g, err
	}
	g.rolePolicy, _ = url.PathUnescape(aws.ToString(p.PolicyDocument))
	inline, err := client.IAM.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(role)})
	if err != nil {
		return g, err
	}
	g.inline = inline.PolicyNames
	attached, err := client.IAM.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
	if err != nil {
		return g, err
	}
	for _, p := range attached.AttachedPolicies {
		g.attached = append(g.attached, aws.ToString(p.PolicyArn))
	}
	f, err := client.Lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(g.functionName)})
	if err != nil {
		return g, err
	}
	g.runtime, g.handler, g.code, g.role, g.layers = string(f.Runtime), aws.ToString(f.Handler), aws.ToString(f.CodeSha256), aws.ToString(f.Role), len(f.Layers)
	rule, err := client.Events.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(g.ruleName)})
	if err != nil {
		return g, err
	}
	g.pattern, g.ruleState = aws.ToString(rule.EventPattern), string(rule.State)
	policy, err := client.Lambda.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String(g.functionName)})
	if err != nil {
		return g, err
	}
	g.functionPolicy = aws.ToString(policy.Policy)
	topic, err := client.SNS.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(g.topicARN)})
	if err != nil {
		return g, err
	}
	g.topicPolicy = topic.Attributes["Policy"]
	secret, err := client.SecretsManager.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(g.secretARN)})
	if err != nil {
		return g, err
	}
	g.rotationLambda, g.rotationEnabled = aws.ToString(secret.RotationLambdaARN), aws.ToBool(secret.RotationEnabled)
	if secret.RotationRules != nil {
		g.rotationDays = aws.ToInt64(secret.RotationRules.AutomaticallyAfterDays)
	}
	return g, nil
}

// sameGuards reports how now differs from the bundle as it was made; policies and patterns
// compare by meaning.
func sameGuards(made, now guardsSeen) error {
	var diffs []string
	check := func(what string, same bool, was, is any) {
		if !same {
			diffs = append(diffs, fmt.Sprintf("%s: %v, want %v", what, is, was))
		}
	}
	check("trust policy", bundle.PoliciesEquivalent(made.trust, now.trust), made.trust, now.trust)
	check("inline policy", bundle.PoliciesEquivalent(made.rolePolicy, now.rolePolicy), made.rolePolicy, now.rolePolicy)
	check("inline policies", slices.Equal(made.inline, now.inline), made.inline, now.inline)
	check("attached policies", slices.Equal(made.attached, now.attached), made.attached, now.attached)
	check("runtime", made.runtime == now.runtime, made.runtime, now.runtime)
	check("handler", made.handler == now.handler, made.handler, now.handler)
	check("code", made.code == now.code, made.code, now.code)
	check("role", made.role == now.role, made.role, now.role)
	check("layers", made.layers == now.layers, made.layers, now.layers)
	check("rule state", made.ruleState == now.ruleState, made.ruleState, now.ruleState)
	check("rule pattern", sameJSON(made.pattern, now.pattern), made.pattern, now.pattern)
	check("function policy", sameJSON(made.functionPolicy, now.functionPolicy), made.functionPolicy, now.functionPolicy)
	check("topic policy", bundle.PoliciesEquivalent(made.topicPolicy, now.topicPolicy), made.topicPolicy, now.topicPolicy)
	check("rotation function", made.rotationLambda == now.rotationLambda, made.rotationLambda, now.rotationLambda)
	check("rotation days", made.rotationDays == now.rotationDays, made.rotationDays, now.rotationDays)
	check("rotation on", made.rotationEnabled == now.rotationEnabled, made.rotationEnabled, now.rotationEnabled)
	if len(diffs) > 0 {
		return fmt.Errorf("the bundle is not as it was made: %v", diffs)
	}
	return nil
}

func sameJSON(a, b string) bool {
	var x, y any
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}

// guardChange is a row of TestAccRDSSecret_guards: a guard loosened outside Terraform, and the
// attribute of its part that the plan shows unknown ("" when the change shows as an attribute of
// its own). asAttribute: the change shows as an attribute's value (the code's hash, the rules),
// not as a repair the plan warns of.
type guardChange struct {
	name        string
	part        string
	attribute   string
	asAttribute bool
	loosen      func(ctx context.Context, client *harness.AWS, g guardsSeen, other otherRotator) error
}

// otherRotator is a role and a function that are not the bundle's, for the changes that point
// the bundle elsewhere.
type otherRotator struct{ roleARN, functionARN string }

func awaitFunctionUpdated(ctx context.Context, client *harness.AWS, name string) error {
	return lambda.NewFunctionUpdatedV2Waiter(client.Lambda).Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)}, 2*time.Minute)
}

func updateFunction(ctx context.Context, client *harness.AWS, in *lambda.UpdateFunctionConfigurationInput) error {
	if err := awaitFunctionUpdated(ctx, client, aws.ToString(in.FunctionName)); err != nil {
		return err
	}
	if _, err := client.Lambda.UpdateFunctionConfiguration(ctx, in); err != nil {
		return err
	}
	return awaitFunctionUpdated(ctx, client, aws.ToString(in.FunctionName))
}

const widenedPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

var guardChanges = []guardChange{
	{name: "rule disabled", part: bundle.PartRule, attribute: "alert_rule_arn",
		loosen: func(ctx context.Context, c *harness.AWS, g guardsSeen, _ otherRotator) error {
			_, err := c.Events.DisableRule(ctx, &eventbridge.DisableRuleInput{Name: aws.String(g.ruleName)})
			return err
		}},
	{name: "rule pattern", part: bundle.PartRule, attribute: "alert_rule_arn",
		loosen: func(ctx context.Context, c *harness.AWS, g guardsSeen, _ otherRotator) error {
			// The same events, of a secret that does not exist: the rule never fires.
			_, err := c.Events.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(g.ruleName), State: ebtypes.RuleState(g.ruleState),
				EventPattern: aws.String(bundle.EventPattern("nobody", g.secretARN+"-nobody", []string{"DeleteSecret"}))})
			return err
		}},
	{name: "trust policy", part: bundle.PartRole, attribute: "rotation_role_arn",
		loosen: func(ctx context.Context, c *harness.AWS, g guardsSeen, _ otherRotator) error {
			trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"},` +
				`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}`
			_, err := c.IAM.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(afterLast(g.role, "/")), PolicyDocument: aws.String(trust)})
			return err
		}},
	{name: "inline policy content", part: bundle.PartRolePolicy, attribute: "rotation_role_arn",
		loosen: func(ctx context.Context, c *harness.AWS, g guardsSeen, _ otherRotator) error {
			_, err := c.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(afterLast(g.role, "/")), PolicyName: aws.String(bundle.RolePolicyName), PolicyDocument: aws.String(widenedPolicy)})
			return err
		}},
	{name: "extra inline policy", part: bundle.PartRole, attribute: "rotation_role_arn",
		loosen: func(ctx context.Context, c *harness.AWS, g guardsSeen, _ otherRotator) error {
			_, err := c.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(afterLast(g.role, "/")), PolicyName: aws.String("extra"), PolicyDocument: aws.String(widenedPolicy)})
			return err
		}},
	{name: "AdministratorAccess attached", part: bundle.PartRole, attribute: "rotation_role_arn",
		loosen: func(ctx context.Context, c *harness.AWS, g guardsSeen, _ otherRotator) error {
			_, err := c.IAM.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(afterLast(g.role, "/")), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
			return err
		}},
	{name: "layer added", part: bundle.PartFunction, attribute: "rotation_code_sha256",
		loosen: func(ctx context.Context, c *harness.AWS, g guardsSeen, _ otherRotator) error {
			layer, err := c.Lambda.PublishLayerVersion(ctx, &lambda.PublishLayerVersionInput{LayerName: aws.String("tf-acc-beside-the-rotator"),
				Content: &lambdatypes.LayerVersionContentInput{ZipFile: zipOf("extension", "runs with the rotator's credentials")}})
			if err != nil {
				return err
			}
			return updateFunction(ctx, c, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(g.functionName), Layers: []string{aws.ToString(layer.LayerVersionArn)}})
		}},
	{name: "runtime", part: bundle.PartFunction, attribute: "rotation_code_sha256",
		loosen: func(ctx context.Context, c *harness.AWS, g guardsSeen, _ otherRotator) error {
			return updateFunction(ctx, c, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(g.functionName), Runtime: lambdatypes.RuntimeProvidedal2})
		}},
	{name: "handler", part: bundle.PartFunction, attribute: "rotation_code_sha256",
		loosen: func(ctx context.Context, c *harness.AWS, g guardsSeen, _ otherRotator) error {
			return updateFunction(ctx, c, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(g.functionName), Handler: aws.String("other")})
		}},
	{name: "function role", part: bundle.PartFunction, attribute: "rotation_code_sha256",
		loosen: func(ctx context.Context, c *harness.AWS, g guardsSeen, other otherRotator) error {
			return updateFunction(ctx, c, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(g.functionName), Role: aws.String(other.roleARN)})
		}},
	{name: "code", part: bundle.PartFunction, attribute: "rotation_code_sha256", asAttribute: true,
		loosen: func(ctx context.Context, c *harness.AWS, g guardsSeen, _ otherRotator) error {
			if err := awaitFunctionUpdated(ctx, c, g.functionName); err != nil {
				return err
			}
			if _, err := c.Lambda.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String(g.functionName), ZipFile: zipOf("bootstrap", "someone else's code")}); err != nil {
				return err
			}
			return awaitFunctionUpdated(ctx, c, g.functionName)
		}},
	{name: "extra invoke statement", part: bundle.PartPermission, attribute: "rotation_permission_id",
		loosen: func(ctx context.Context, c *harness.AWS, g guardsSeen, _ otherRotator) error {
			_, err := c.Lambda.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String(g.functionName), StatementId: aws.String("anyone-in-the-account"),
				Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("000000000000")})
			return err
		}},
	{name: "topic policy", part: bundle.PartTopic, attribute: "alert_topic_arn",
		loosen: func(ctx context.Context, c *harness.AWS, g guardsSeen, _ otherRotator) error {
			policy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":["sns:Publish","sns:Subscribe"],"Resource":%q}]}`, g.topicARN)
			_, err := c.SNS.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(g.topicARN), AttributeName: aws.String("Policy"), AttributeValue: aws.String(policy)})
			return err
		}},
	{name: "rotation function", part: bundle.PartSchedule, attribute: "rotation_function_arn",
		loosen: func(ctx context.Context, c *harness.AWS, g guardsSeen, other otherRotator) error {
			_, err := c.SecretsManager.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String(g.secretARN), RotationLambdaARN: aws.String(other.functionARN),
				RotationRules: &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(g.rotationDays)}, RotateImmediately: aws.Bool(false)})
			return err
		}},
	{name: "rotation turned off", part: bundle.PartSchedule, asAttribute: true,
		loosen: func(ctx context.Context, c *harness.AWS, g guardsSeen, _ otherRotator) error {
			_, err := c.SecretsManager.CancelRotateSecret(ctx, &secretsmanager.CancelRotateSecretInput{SecretId: aws.String(g.secretARN)})
			return err
		}},
	{name: "rotation rules", part: bundle.PartSchedule, asAttribute: true,
		loosen: func(ctx context.Context, c *harness.AWS, g guardsSeen, _ otherRotator) error {
			_, err := c.SecretsManager.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String(g.secretARN), RotationLambdaARN: aws.String(g.rotationLambda),
				RotationRules: &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(g.rotationDays + 300)}, RotateImmediately: aws.Bool(false)})
			return err
		}},
}

// TestAccRDSSecret_guards loosens each guard of a bundle outside Terraform (guardChanges): the
// next plan is not empty and shows the guard's part (its attribute unknown), the apply puts the
// bundle back as it was made, and the plan after it is empty. Terraform runs as an IAM user with
// exactly the least-privilege guide's operator policy, so the reads and the repairs are proven
// under the harness's IAM enforcement.
func TestAccRDSSecret_guards(t *testing.T) {
	ctx := context.Background()
	proxy := startProxy(t)
	client := testAWS(t)
	db := newTestDatabase(t)
	suffix := acctest.RandString(10)
	name := operatorPrefix + "guards-" + suffix
	accessKey, secretKey := operatorUser(t, client, operatorPolicy(t, harness.AccountID))
	config := withKeys(rdsSecretConfig(proxy.URL(), name, db, rotationBlock("", "")+`
  deletion_alert = {
    email_addresses = ["guards@example.com"]
  }
`), accessKey, secretKey)
	other := makeOtherRotator(t, client, "tf-acc-guards-"+suffix)
	recorder := &diagnosticRecorder{}
	var made guardsSeen
	steps := []resource.TestStep{{
		Config: config,
		Check: func(s *terraform.State) (err error) {
			a, err := attributes(s)
			if err != nil {
				return err
			}
			made, err = readGuards(ctx, client, a)
			if err == nil && (made.ruleState == "" || made.trust == "" || made.topicPolicy == "" || made.rotationLambda == "" || !made.rotationEnabled) {
				err = fmt.Errorf("a guard is not reported: %+v", made)
			}
			if err == nil {
				err = other.make(ctx, client, a)
			}
			return err
		},
	}}
	for _, change := range guardChanges {
		repairChecks := []plancheck.PlanCheck{plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate)}
		if change.attribute != "" {
			repairChecks = append(repairChecks, plancheck.ExpectUnknownValue(testResource, tfjsonpath.New(change.attribute)))
		}
		steps = append(steps,
			resource.TestStep{
				Config: config,
				Check: func(*terraform.State) error {
					recorder.reset()
					if err := change.loosen(ctx, client, made, other.seen); err != nil {
						return fmt.Errorf("%s: loosening outside Terraform: %w", change.name, err)
					}
					return nil
				},
				// The refresh sees it: the plan is not empty and shows the part.
				ConfigPlanChecks:   resource.ConfigPlanChecks{PostApplyPostRefresh: repairChecks},
				ExpectNonEmptyPlan: true,
			},
			resource.TestStep{
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: repairChecks},
				Check: func(s *terraform.State) error {
					a, err := attributes(s)
					if err != nil {
						return err
					}
					now, err := readGuards(ctx, client, a)
					if err != nil {
						return err
					}
					if err := sameGuards(made, now); err != nil {
						return fmt.Errorf("after the apply that repairs the %s (%s): %w", change.name, change.part, err)
					}
					if change.asAttribute {
						return nil
					}
					// The plan's warning names the part.
					return recorder.expectWarning("PlanResourceChange", "changed outside Terraform: "+change.part)
				},
			})
	}
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: recorder.factories(), Steps: steps})
}

// makeOtherRotator prepares a role that Lambda may assume and, once the bundle exists, a copy of
// its rotator under another name (the bundle's code, role and environment, so that Secrets
// Manager's test of a schedule pointed at it passes); both are deleted at the end.
type otherRotatorMaker struct {
	name string
	seen otherRotator
}

func makeOtherRotator(t *testing.T, client *harness.AWS, name string) *otherRotatorMaker {
	t.Helper()
	ctx := context.Background()
	m := &otherRotatorMaker{name: name + "-other"}
	role, err := client.IAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(m.name), AssumeRolePolicyDocument: aws.String(bundle.TrustPolicy().String())})
	if err != nil {
		t.Fatal(err)
	}
	m.seen.roleARN = aws.ToString(role.Role.Arn)
	t.Cleanup(func() {
		_, _ = client.Lambda.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(m.name)})
		_, _ = client.IAM.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(m.name)})
		_, _ = client.Lambda.DeleteLayerVersion(ctx, &lambda.DeleteLayerVersionInput{LayerName: aws.String("tf-acc-beside-the-rotator"), VersionNumber: aws.Int64(1)})
	})
	return m
}

func (m *otherRotatorMaker) make(ctx context.Context, client *harness.AWS, a map[string]string) error {
	bundled, err := client.Lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(a["rotation_function_arn"])})
	if err != nil {
		return err
	}
	code, err := artifact.Zip(hostArchitecture())
	if err != nil {
		return err
	}
	out, err := client.Lambda.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String(m.name), Role: bundled.Role, Runtime: bundled.Runtime, Handler: bundled.Handler,
		Architectures: bundled.Architectures, Code: &lambdatypes.FunctionCode{ZipFile: code}, Timeout: bundled.Timeout,
		Environment: &lambdatypes.Environment{Variables: bundled.Environment.Variables},
	})
	if err != nil {
		return err
	}
	m.seen.functionARN = aws.ToString(out.FunctionArn)
	if err := lambda.NewFunctionActiveV2Waiter(client.Lambda).Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(m.name)}, 2*time.Minute); err != nil {
		return err
	}
	_, err = client.Lambda.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String(m.name), StatementId: aws.String("SecretsManager"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("secretsmanager.amazonaws.com")})
	return err
}

// zipOf is a deployment package of one file.
func zipOf(name, content string) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	f, err := w.Create(name)
	if err == nil {
		_, err = f.Write([]byte(content))
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		// Writing to memory cannot fail.
		panic(err)
	}
	return b.Bytes()
}
