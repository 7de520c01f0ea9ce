package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/dbserver"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
)

// The harness enforces IAM (scripts/localstack_ext, iam_enforcement.py): the rotator runs with
// exactly the policy the bundle writes. These tests take one statement out of that policy at a
// time, behind Terraform's back (the provider does not read the policy back), and rotate.

// rolePolicyEditor rewrites the rotator role's inline policy with the admin test key.
type rolePolicyEditor struct {
	t        *testing.T
	client   *harness.AWS
	role     string
	original string
	logGroup string
}

func newRolePolicyEditor(t *testing.T, client *harness.AWS, s *terraform.State) (*rolePolicyEditor, error) {
	a, err := attributes(s)
	if err != nil {
		return nil, err
	}
	role := afterLast(a["rotation_role_arn"], "/")
	out, err := client.IAM.GetRolePolicy(context.Background(), &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(bundle.RolePolicyName)})
	if err != nil {
		return nil, err
	}
	document, err := json.Marshal(policyJSON(t, aws.ToString(out.PolicyDocument)))
	if err != nil {
		return nil, err
	}
	return &rolePolicyEditor{t: t, client: client, role: role, original: string(document), logGroup: "/aws/lambda/" + afterLast(a["rotation_function_arn"], ":")}, nil
}

// failedLines counts the rotator's "failed" log lines.
func (e *rolePolicyEditor) failedLines() int {
	e.t.Helper()
	out, err := e.client.Logs.FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName: aws.String(e.logGroup), FilterPattern: aws.String(`"failed"`),
	})
	if err != nil {
		e.t.Fatalf("reading log group %s: %v", e.logGroup, err)
	}
	return len(out.Events)
}

// rotateAndAwaitFailureLog rotates and waits until the rotator's failure reached its log group:
// Lambda delivers log lines after the invocation, and the refresh reads them.
func (e *rolePolicyEditor) rotateAndAwaitFailureLog(endpoint, secretID string) {
	e.t.Helper()
	before := e.failedLines()
	rotateOutOfBand(e.t, endpoint, secretID)
	deadline := time.Now().Add(30 * time.Second)
	for e.failedLines() <= before {
		if time.Now().After(deadline) {
			e.t.Fatalf("no failure of the rotator reached log group %s within 30s", e.logGroup)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (e *rolePolicyEditor) put(document string) {
	e.t.Helper()
	if _, err := e.client.IAM.PutRolePolicy(context.Background(), &iam.PutRolePolicyInput{
		RoleName: aws.String(e.role), PolicyName: aws.String(bundle.RolePolicyName), PolicyDocument: aws.String(document),
	}); err != nil {
		e.t.Fatalf("putting the inline policy of role %s: %v", e.role, err)
	}
}

// without puts the bundle's policy back without the statements with these Sids.
func (e *rolePolicyEditor) without(sids ...string) {
	e.t.Helper()
	policy := policyJSON(e.t, e.original)
	var kept []any
	removed := 0
	statements, _ := policy["Statement"].([]any)
	for _, s := range statements {
		statement, _ := s.(map[string]any)
		sid, _ := statement["Sid"].(string)
		if containsString(sids, sid) {
			removed++
			continue
		}
		kept = append(kept, s)
	}
	if removed != len(sids) {
		e.t.Fatalf("the bundle's role policy does not have all of the statements %v: %s", sids, e.original)
	}
	policy["Statement"] = kept
	document, _ := json.Marshal(policy)
	e.put(string(document))
}

func (e *rolePolicyEditor) restore() { e.t.Helper(); e.put(e.original) }

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// awaitDenial waits until the harness's IAM enforcement has refused the role the action (its
// decisions at LocalStack's /_secretsbundle/iam): the rotation got that far and failed there.
func (e *rolePolicyEditor) awaitDenial(action string) {
	e.t.Helper()
	endpoint := harness.LocalStackEndpoint(e.t) + "/_secretsbundle/iam"
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(endpoint)
		if err != nil {
			e.t.Fatalf("reading the IAM decisions at %s: %v", endpoint, err)
		}
		var report struct {
			Decisions []struct{ Principal, Action, Decision string }
		}
		err = json.NewDecoder(resp.Body).Decode(&report)
		resp.Body.Close()
		if err != nil {
			e.t.Fatalf("reading the IAM decisions at %s: %v", endpoint, err)
		}
		for _, d := range report.Decisions {
			if strings.Contains(d.Principal, "assumed-role/"+e.role+"/") && d.Action == action && d.Decision != "allow" {
				return
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("the role %s was not refused %s within 30s", e.role, action)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestAccRDSSecret_rolePolicyStatementsNeeded proves each statement of the rotator's policy is
// needed, on a bundle that uses every one that a rotation uses (alternating users with a master
// secret, a customer-managed KMS key): with exactly the bundle's policy rotations succeed; with
// one statement removed the next rotation fails with AccessDenied, which the refresh (plan)
// reports as a warning and in last_rotation_error; with the policy back the next rotation clears
// it. WriteOwnLogs is what makes a failure visible at all: without it (and with a statement the
// rotation needs removed too) the rotation fails and nothing tells why.
func TestAccRDSSecret_rolePolicyStatementsNeeded(t *testing.T) {
	client := testAWS(t)
	proxy := startProxy(t)
	db := newE2EDatabase(t, dbserver.Shared(t, dbserver.Options{Engine: dbserver.Postgres}))
	key, err := client.KMS.CreateKey(context.Background(), &kms.CreateKeyInput{Description: aws.String("tf-acc role policy key")})
	if err != nil {
		t.Fatal(err)
	}
	keyARN := aws.ToString(key.KeyMetadata.Arn)
	t.Cleanup(func() {
		_, _ = client.KMS.ScheduleKeyDeletion(context.Background(), &kms.ScheduleKeyDeletionInput{KeyId: aws.String(keyARN), PendingWindowInDays: aws.Int32(7)})
	})
	master := db.masterSecret(t, client)
	name := acctest.RandomWithPrefix("tf-acc-iam-role")
	config := db.bundleConfig(proxy.URL(), name, fmt.Sprintf("  kms_key_id = %q\n", keyARN)+rotationBlock(fmt.Sprintf(`
    rotate_immediately = true
    strategy           = "alternating_users"
    master_secret_arn  = %q
`, master), ""))
	recorder := &diagnosticRecorder{}
	var editor *rolePolicyEditor
	empty := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
	// A statement taken out of the inline policy is a guard changed outside Terraform (issue 20):
	// the plan shows the role, and the apply puts the policy back.
	repaired := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate),
		plancheck.ExpectUnknownValue(testResource, tfjsonpath.New("rotation_role_arn"))}}
	cleared := statecheck.ExpectKnownValue(testResource, tfjsonpath.New("last_rotation_error"), knownvalue.StringExact(""))

	steps := []resource.TestStep{{
		// Sufficient: the first rotation, during create, succeeds with exactly the bundle's policy.
		Config:            config,
		ConfigStateChecks: []statecheck.StateCheck{cleared},
		Check: func(s *terraform.State) (err error) {
			editor, err = newRolePolicyEditor(t, client, s)
			return err
		},
	}}
	// Each statement, with the denied call AWS reports when it is missing.
	// denied is a regular expression: which of UseSecretKey's two actions is refused first depends
	// on whether the rotator reads the current value (kms:Decrypt) or, with it cached from the
	// last rotation, first writes the pending one (kms:GenerateDataKey).
	for _, c := range []struct{ sid, denied string }{
		{"RotateThisSecret", regexp.QuoteMeta("secretsmanager:DescribeSecret on resource: arn:aws:secretsmanager:")},
		{"ReadMasterSecret", regexp.QuoteMeta("secretsmanager:GetSecretValue on resource: " + master)},
		{"UseSecretKey", "kms:(Decrypt|GenerateDataKey) on resource: " + regexp.QuoteMeta(keyARN)},
	} {
		failed := statecheck.ExpectKnownValue(testResource, tfjsonpath.New("last_rotation_error"),
			knownvalue.StringRegexp(regexp.MustCompile(`step failed \(\w+\): .*AccessDeniedException: User: \S+ is not authorized to perform: `+c.denied)))
		steps = append(steps,
			resource.TestStep{
				PreConfig: func() {
					recorder.reset()
					editor.without(c.sid)
					editor.rotateAndAwaitFailureLog(proxy.URL(), name)
				},
				Config:            config,
				ConfigPlanChecks:  repaired,
				ConfigStateChecks: []statecheck.StateCheck{failed},
				Check: func(s *terraform.State) error {
					a, err := attributes(s)
					if err != nil {
						return err
					}
					if !regexp.MustCompile(c.denied).MatchString(a["last_rotation_error"]) {
						return fmt.Errorf("without %s: last_rotation_error %q does not name the denied call %q", c.sid, a["last_rotation_error"], c.denied)
					}
					return recorder.expectWarning("ReadResource", name, a["last_rotation_error"])
				},
			},
			resource.TestStep{
				PreConfig: func() {
					editor.restore()
					nextSecond() // LastRotatedDate has whole seconds: the success must not share the failure's
					rotateOutOfBand(t, proxy.URL(), name)
				},
				Config:            config,
				ConfigPlanChecks:  empty,
				ConfigStateChecks: []statecheck.StateCheck{cleared},
			})
	}
	steps = append(steps, resource.TestStep{
		// WriteOwnLogs: Lambda writes the rotator's log with the role. Without it a rotation that
		// fails (ReadMasterSecret removed too: refused, as the enforcement's record shows) is
		// reported nowhere: no warning, last_rotation_error stays empty.
		PreConfig: func() {
			recorder.reset()
			editor.without("WriteOwnLogs", "ReadMasterSecret")
			// Nothing logs this failure: the enforcement's record is what says it happened.
			startRotationOutOfBand(t, proxy.URL(), name)
			editor.awaitDenial("secretsmanager:GetSecretValue")
		},
		Config:            config,
		ConfigPlanChecks:  repaired,
		ConfigStateChecks: []statecheck.StateCheck{cleared},
		Check: func(s *terraform.State) error {
			if recorder.expectWarning("ReadResource", name) == nil {
				return fmt.Errorf("without WriteOwnLogs the refresh still found the rotator's error")
			}
			return nil
		},
	}, resource.TestStep{
		PreConfig: func() {
			editor.restore()
			nextSecond()
			rotateOutOfBand(t, proxy.URL(), name)
		},
		Config:            config,
		ConfigPlanChecks:  empty,
		ConfigStateChecks: []statecheck.StateCheck{cleared},
		Check: func(s *terraform.State) error {
			a, err := attributes(s)
			if err != nil {
				return err
			}
			current, err := readVersion(client, a["arn"], "AWSCURRENT")
			if err != nil {
				return err
			}
			return db.logIn(current.username, current.password)
		},
	})
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: recorder.factories(), Steps: steps})
}

// TestAccRDSSecret_rolePolicySingleUser: the single-user strategy rotates with exactly the bundle's
// policy, which then has no ReadMasterSecret or UseSecretKey statement; without RotateThisSecret
// it fails with AccessDenied.
func TestAccRDSSecret_rolePolicySingleUser(t *testing.T) {
	client := testAWS(t)
	proxy := startProxy(t)
	db := newE2EDatabase(t, dbserver.Shared(t, dbserver.Options{Engine: dbserver.Postgres}))
	name := acctest.RandomWithPrefix("tf-acc-iam-single")
	config := db.bundleConfig(proxy.URL(), name, rotationBlock("    rotate_immediately = true\n", ""))
	recorder := &diagnosticRecorder{}
	var editor *rolePolicyEditor
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: recorder.factories(),
		Steps: []resource.TestStep{
			{
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(testResource, tfjsonpath.New("last_rotation_error"), knownvalue.StringExact(""))},
				Check: func(s *terraform.State) (err error) {
					statements, err := rolePolicy(t, client, s)
					if err != nil {
						return err
					}
					var sids []string
					for sid := range statements {
						sids = append(sids, sid)
					}
					if len(statements) != 2 || statements["RotateThisSecret"] == nil || statements["WriteOwnLogs"] == nil {
						return fmt.Errorf("single user without a KMS key or VPC: want statements RotateThisSecret, WriteOwnLogs, got %v", sids)
					}
					editor, err = newRolePolicyEditor(t, client, s)
					return err
				},
			},
			{
				PreConfig: func() {
					recorder.reset()
					editor.without("RotateThisSecret")
					editor.rotateAndAwaitFailureLog(proxy.URL(), name)
				},
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(testResource, tfjsonpath.New("last_rotation_error"),
					knownvalue.StringRegexp(regexp.MustCompile(`AccessDenied.*is not authorized to perform: secretsmanager:DescribeSecret`)))},
				Check: func(s *terraform.State) error {
					a, err := attributes(s)
					if err != nil {
						return err
					}
					return recorder.expectWarning("ReadResource", name, a["last_rotation_error"])
				},
			},
		},
	})
}

// TestAccRDSSecret_rolePolicyVPC: RunInVPC is used by Lambda on the role's behalf when it creates
// or updates a function in a VPC, and checked there, as AWS does: with it the bundle is created in
// a VPC and rotates; without it Lambda refuses to update the function's VPC configuration. (The provider puts
// the role policy back on every update, so the refusal is shown with the API call itself.)
func TestAccRDSSecret_rolePolicyVPC(t *testing.T) {
	client := testAWS(t)
	proxy := startProxy(t)
	db := newTestDatabase(t)
	name := acctest.RandomWithPrefix("tf-acc-iam-vpc")
	config := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("rotate_immediately = true", `
      subnet_ids         = ["subnet-0123456789abcdef0"]
      security_group_ids = ["sg-0123456789abcdef0"]
`))
	updateVPC := func(s *terraform.State) error {
		a, err := attributes(s)
		if err != nil {
			return err
		}
		_, err = client.Lambda.UpdateFunctionConfiguration(context.Background(), &lambda.UpdateFunctionConfigurationInput{
			FunctionName: aws.String(a["rotation_function_arn"]),
			Role:         aws.String(a["rotation_role_arn"]),
			VpcConfig:    &lambdatypes.VpcConfig{SubnetIds: []string{"subnet-0123456789abcdef0"}, SecurityGroupIds: []string{"sg-0123456789abcdef0"}},
		})
		return err
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			// Sufficient: created in a VPC, the first rotation succeeds with exactly the bundle's policy.
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(testResource, tfjsonpath.New("last_rotation_error"), knownvalue.StringExact("")),
				statecheck.ExpectKnownValue(testResource, tfjsonpath.New("last_rotated_date"), knownvalue.StringRegexp(rfc3339Date)),
			},
			Check: func(s *terraform.State) error {
				a, err := attributes(s)
				if err != nil {
					return err
				}
				if err := db.canLogIn(secretPassword(t, client, a["arn"])); err != nil {
					return fmt.Errorf("the rotated password does not log in: %v", err)
				}
				editor, err := newRolePolicyEditor(t, client, s)
				if err != nil {
					return err
				}
				editor.without("RunInVPC")
				err = updateVPC(s)
				editor.restore()
				if err == nil || !strings.Contains(err.Error(), "InvalidParameterValueException") ||
					!strings.Contains(err.Error(), "The provided execution role does not have permissions to call CreateNetworkInterface on EC2") {
					return fmt.Errorf("without RunInVPC, updating the function's VPC configuration: got %v, want Lambda's InvalidParameterValueException", err)
				}
				if err := waitFunctionUpdated(client, s); err != nil {
					return err
				}
				if err := updateVPC(s); err != nil {
					return fmt.Errorf("with RunInVPC back, updating the function's VPC configuration: %v", err)
				}
				return waitFunctionUpdated(client, s)
			},
		}},
	})
}

// waitFunctionUpdated waits until the rotator function takes updates again.
func waitFunctionUpdated(client *harness.AWS, s *terraform.State) error {
	a, err := attributes(s)
	if err != nil {
		return err
	}
	return lambda.NewFunctionUpdatedV2Waiter(client.Lambda).Wait(context.Background(),
		&lambda.GetFunctionInput{FunctionName: aws.String(a["rotation_function_arn"])}, 2*time.Minute)
}

// nextSecond waits until the wall clock enters a new second. LocalStack (moto) stamps LastRotatedDate when
// RotateSecret is called, failed or not, in whole seconds, and the resource clears
// last_rotation_error only when that date moves; a failed and a successful rotation within one
// second would look like one. (On AWS the date moves only when a rotation succeeds.)
func nextSecond() {
	now := time.Now()
	time.Sleep(now.Truncate(time.Second).Add(time.Second).Sub(now) + 10*time.Millisecond)
}
