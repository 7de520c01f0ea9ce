package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscredentials "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudtrail"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
)

// operatorPolicyFile is the caller policy of the least-privilege guide: the guide includes this
// file (templates/guides/least-privilege.md.tmpl), and these tests attach it to an IAM user, so the
// two cannot drift. It is written for account 111122223333, region eu-west-1 and secrets named
// prod/...; the tests put the harness's account, region and a name prefix of their own in.
const operatorPolicyFile = "../../examples/guides/least-privilege/operator-policy.json"

const operatorPrefix = "tf-acc-operator/"

func operatorPolicy(t *testing.T, account string, without ...string) string {
	t.Helper()
	content, err := os.ReadFile(filepath.FromSlash(operatorPolicyFile))
	if err != nil {
		t.Fatal(err)
	}
	document := strings.NewReplacer("111122223333", account, "eu-west-1", harness.Region, "secret:prod/", "secret:"+operatorPrefix).Replace(string(content))
	if len(without) == 0 {
		return document
	}
	var policy map[string]any
	if err := json.Unmarshal([]byte(document), &policy); err != nil {
		t.Fatalf("%s is not JSON: %v", operatorPolicyFile, err)
	}
	statements, _ := policy["Statement"].([]any)
	var kept []any
	for _, s := range statements {
		statement, _ := s.(map[string]any)
		sid, _ := statement["Sid"].(string)
		if !containsString(without, sid) {
			kept = append(kept, s)
		}
	}
	policy["Statement"] = kept
	encoded, _ := json.Marshal(policy)
	return string(encoded)
}

// operatorStatements are the Sids of the guide's policy, in order.
func operatorStatements(t *testing.T) []string {
	t.Helper()
	var policy struct{ Statement []struct{ Sid string } }
	if err := json.Unmarshal([]byte(operatorPolicy(t, "000000000000")), &policy); err != nil {
		t.Fatal(err)
	}
	var sids []string
	for _, s := range policy.Statement {
		sids = append(sids, s.Sid)
	}
	return sids
}

// operatorUser creates an IAM user with the policy and returns its access key.
func operatorUser(t *testing.T, client *harness.AWS, document string) (string, string) {
	t.Helper()
	ctx := context.Background()
	name := "tf-acc-operator-" + acctest.RandString(8)
	users := client.IAM // the test's own SDK client: the provider's IAM interface has no user calls
	if _, err := users.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := users.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("secretsbundle-operator"), PolicyDocument: aws.String(document)}); err != nil {
		t.Fatal(err)
	}
	key, err := users.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = users.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(name), AccessKeyId: key.AccessKey.AccessKeyId})
		_, _ = users.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("secretsbundle-operator")})
		_, _ = users.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String(name)})
	})
	return aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)
}

// operatorFixture is what the life cycle needs besides the user: a database, a customer-managed
// key and a topic of the operator's own, made with the admin key.
type operatorFixture struct {
	endpoint string
	db       testDatabase
	keyARN   string
	topicARN string
	account  string
}

func newOperatorFixture(t *testing.T, client *harness.AWS, endpoint string) operatorFixture {
	t.Helper()
	ctx := context.Background()
	key, err := client.KMS.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("tf-acc operator key")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = client.KMS.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: key.KeyMetadata.KeyId, PendingWindowInDays: aws.Int32(7)})
	})
	topic, err := client.SNS.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("tf-acc-operator-topic-" + acctest.RandString(6))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = client.SNS.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: topic.TopicArn}) })
	account := strings.Split(aws.ToString(key.KeyMetadata.Arn), ":")[4]
	return operatorFixture{endpoint: endpoint, db: newTestDatabase(t), keyARN: aws.ToString(key.KeyMetadata.Arn), topicARN: aws.ToString(topic.TopicArn), account: account}
}

// config is the life cycle's configuration as the user: bundle "test" with a created topic and
// e-mail subscription, a customer-managed key and a VPC; bundle "own_topic" with the operator's
// topic and the default key; the two data sources and the ephemeral resource on bundle "test".
// update switches every attribute class that can change in place.
// withKeys is a configuration whose provider block uses another access key than the harness's.
func withKeys(config, accessKey, secretKey string) string {
	return strings.Replace(strings.Replace(config,
		fmt.Sprintf("access_key = %q", harness.AccessKeyID), fmt.Sprintf("access_key = %q", accessKey), 1),
		fmt.Sprintf("secret_key = %q", harness.SecretAccessKey), fmt.Sprintf("secret_key = %q", secretKey), 1)
}

func (f operatorFixture) config(accessKey, secretKey, name string, update bool) string {
	block := withKeys(testAccProviderBlock(f.endpoint), accessKey, secretKey)
	memory, days, email, tags, passwordVersion, password := 128, 30, "oncall@example.com", `{ stage = "one" }`, 1, f.db.password
	description, retention, rotating := "created", 30, true
	if update {
		// Every class of in-place change: the secret's description (UpdateSecret), a tag removed and
		// one added on every part, the password pushed, the schedule, the function's
		// configuration, the log retention removed, the e-mail subscription replaced, rotation off.
		memory, days, email, tags, passwordVersion, password = 256, 14, "team@example.com", `{ tier = "two" }`, 2, "Pushed-"+f.db.password
		description, retention, rotating = "updated", 0, false
	}
	return block + fmt.Sprintf(`
resource "secretsbundle_rds_secret" "test" {
  name                    = %[1]q
  description             = %[15]q
  recovery_window_in_days = 0
  kms_key_id              = %[2]q
  tags                    = %[3]s

  credentials = {
    engine              = "postgres"
    host                = %[4]q
    port                = %[5]d
    dbname              = %[6]q
    username            = %[7]q
    password_wo         = %[8]q
    password_wo_version = %[9]d
    ssl                 = false
  }
  rotation = {
    rotate_immediately       = false
    automatically_after_days = %[10]d
    lambda = {
      architecture       = %[11]q
      memory_size        = %[12]d
      log_retention_days = %[16]d
      subnet_ids         = ["subnet-0123456789abcdef0"]
      security_group_ids = ["sg-0123456789abcdef0"]
    }
  }
  deletion_alert = {
    email_addresses = [%[13]q]
  }
}

resource "secretsbundle_rds_secret" "own_topic" {
  name                    = "%[1]s-own-topic"
  recovery_window_in_days = 0
  tags                    = %[3]s

  credentials = {
    engine              = "postgres"
    host                = %[4]q
    port                = %[5]d
    dbname              = %[6]q
    username            = %[7]q
    password_wo         = %[8]q
    password_wo_version = %[9]d
    ssl                 = false
  }
  rotation = {
    enabled                  = %[17]t
    rotate_immediately       = false
    # Changed in the same apply as enabled, as the operator's update step does.
    automatically_after_days = %[10]d
    lambda = { architecture = %[11]q }
  }
  deletion_alert = {
    sns_topic_arn = %[14]q
  }
}

data "secretsbundle_secret_value" "test" {
  secret_id = secretsbundle_rds_secret.test.arn
}

data "secretsbundle_access_events" "test" {
  secret_id = secretsbundle_rds_secret.test.arn
  lookback  = "1d"
}

ephemeral "secretsbundle_secret_value" "test" {
  secret_id = secretsbundle_rds_secret.test.arn
}

provider "echo" {
  data = {
    username = ephemeral.secretsbundle_secret_value.test.username
  }
}

resource "echo" "test" {}
`, name, f.keyARN, tags, f.db.server.Host, f.db.server.Port, f.db.dbname, f.db.username, password, passwordVersion,
		days, hostArchitecture(), memory, email, f.topicARN, description, retention, rotating)
}

// lifecycle is the whole life cycle as the user: create, plan, update, import, destroy.
func (f operatorFixture) lifecycle(t *testing.T, accessKey, secretKey, name string) resource.TestCase {
	created, updated := f.config(accessKey, secretKey, name, false), f.config(accessKey, secretKey, name, true)
	return resource.TestCase{
		ProtoV6ProviderFactories: testAccEchoProviderFactories,
		TerraformVersionChecks:   ephemeralTerraformVersionChecks,
		Steps: []resource.TestStep{
			{
				Config: created,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("kms_key_id"), knownvalue.StringExact(f.keyARN)),
					statecheck.ExpectKnownValue("data.secretsbundle_secret_value.test", tfjsonpath.New("username"), knownvalue.StringExact(f.db.username)),
					statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("username"), knownvalue.StringExact(f.db.username)),
				},
			},
			{
				Config:           created,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// The pushed password is the database's new one, as a user sets it before telling the
				// bundle: the schedule change in the same apply makes Secrets Manager test the
				// configuration (testSecret logs in with it), as on AWS.
				PreConfig: func() {
					setPassword := func(password string) {
						f.db.superuserExec(t, fmt.Sprintf(`ALTER ROLE %s PASSWORD '%s'`, f.db.username, strings.ReplaceAll(password, "'", "''")))
					}
					setPassword("Pushed-" + f.db.password)
					// The fixture's database serves the next life cycle (one per statement) too.
					t.Cleanup(func() { setPassword(f.db.password) })
				},
				Config: updated,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("secretsbundle_rds_secret.own_topic", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("rotation").AtMapKey("lambda").AtMapKey("memory_size"), knownvalue.Int64Exact(256)),
				},
			},
			{
				Config:                               updated,
				ResourceName:                         testResource,
				ImportState:                          true,
				ImportStateId:                        name,
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "arn",
				ImportStateVerifyIgnore: []string{
					"credentials.password_wo_version", "recovery_window_in_days", "timeouts", "last_rotation_error",
					"rotation.rotate_immediately", "rotation.wait_for_first_rotation", "version_id", "rotation.duration",
					// LocalStack 4.14 reports no VpcId, so import cannot tell the function's placement.
					"rotation.lambda.subnet_ids", "rotation.lambda.security_group_ids",
				},
			},
		},
	}
}

// TestAccOperatorPolicy runs the whole life cycle as an IAM user that has exactly the guide's
// caller policy: it is sufficient.
func TestAccOperatorPolicy(t *testing.T) {
	client := testAWS(t)
	f := newOperatorFixture(t, client, startProxy(t).URL())
	accessKey, secretKey := operatorUser(t, client, operatorPolicy(t, f.account))
	name := operatorPrefix + acctest.RandomWithPrefix("life")
	resource.Test(t, f.lifecycle(t, accessKey, secretKey, name))
	// The apply-time trail check (deletion_alert.check_trail) can read the trails: it finds none
	// in the harness, rather than failing to look.
	if warning := bundle.TrailWarning(context.Background(), f.trailCheckDeps(accessKey, secretKey)); !strings.Contains(warning, "no trail exists") {
		t.Errorf("the trail check as the operator: %q, want it to find no trail", warning)
	}
}

// trailCheckDeps are the bundle's dependencies for the trail check (bundle.TrailWarning) as the
// IAM user of the keys, through the proxy.
func (f operatorFixture) trailCheckDeps(accessKey, secretKey string) bundle.Deps {
	client := cloudtrail.NewFromConfig(aws.Config{
		Region:       harness.Region,
		Credentials:  awscredentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
		BaseEndpoint: aws.String(f.endpoint),
	})
	return bundle.Deps{AWS: &awsclient.Client{CloudTrail: client, Region: harness.Region}}
}

// warnOnlyStatements are the caller policy's statements whose absence apply reports as a warning
// rather than failing: AlertTrailCheck's calls only advise (bundle.TrailWarning).
var warnOnlyStatements = map[string]bool{"AlertTrailCheck": true}

// TestAccOperatorPolicyStatementsNeeded runs the life cycle once per statement of the guide's
// caller policy, with that statement removed: each run fails with an AccessDenied naming an
// action of the removed statement.
func TestAccOperatorPolicyStatementsNeeded(t *testing.T) {
	client := testAWS(t)
	f := newOperatorFixture(t, client, startProxy(t).URL())
	for _, sid := range operatorStatements(t) {
		t.Run(sid, func(t *testing.T) {
			accessKey, secretKey := operatorUser(t, client, operatorPolicy(t, f.account, sid))
			if warnOnlyStatements[sid] {
				// The check's own calls are refused, and the warning says so and what to allow.
				warning := bundle.TrailWarning(context.Background(), f.trailCheckDeps(accessKey, secretKey))
				if !regexp.MustCompile(`^Could not check .*not\s+authorized\s+to\s+perform:\s+cloudtrail:DescribeTrails.*Allow cloudtrail:DescribeTrails`).MatchString(warning) {
					t.Fatalf("without statement %s the trail check warned %q, want that it could not check (DescribeTrails denied)", sid, warning)
				}
				t.Logf("without %s: the trail check could not look (cloudtrail:DescribeTrails denied)", sid)
				return
			}
			name := operatorPrefix + acctest.RandomWithPrefix("without")
			run := &failureRecorder{T: t}
			run.run(func() { resource.Test(run, f.lifecycle(t, accessKey, secretKey, name)) })
			if _, err := bundle.Sweep(context.Background(), bundle.Deps{AWS: client.Client, RotatorCode: rotatorCode}, name); err != nil {
				t.Logf("sweeping what the failed run left: %v", err)
			}
			failure := run.failure()
			if failure == "" {
				t.Fatalf("without statement %s the whole life cycle succeeded: the statement is not needed", sid)
			}
			denied := regexp.MustCompile(`not\s+authorized\s+to\s+perform:\s+([a-z0-9-]+:[A-Za-z]+)`).FindStringSubmatch(failure)
			if denied == nil {
				t.Fatalf("without statement %s the life cycle failed, but not with AccessDenied: %q", sid, failure)
			}
			if !statementHasAction(t, f.account, sid, denied[1]) {
				t.Fatalf("without statement %s the life cycle failed on %s, an action of another statement: %s", sid, denied[1], failure)
			}
			t.Logf("without %s: denied %s", sid, denied[1])
		})
	}
}

func statementHasAction(t *testing.T, account, sid, action string) bool {
	var policy struct {
		Statement []struct {
			Sid    string
			Action any
		}
	}
	if err := json.Unmarshal([]byte(operatorPolicy(t, account)), &policy); err != nil {
		t.Fatal(err)
	}
	for _, s := range policy.Statement {
		if s.Sid != sid {
			continue
		}
		actions, ok := s.Action.([]any)
		if !ok {
			actions = []any{s.Action}
		}
		for _, a := range actions {
			if name, _ := a.(string); strings.EqualFold(name, action) {
				return true
			}
		}
	}
	return false
}

// failureRecorder is a testing.T for resource.Test that records a failure instead of failing the
// test: the minimality test expects each run to fail.
type failureRecorder struct {
	*testing.T
	mu       sync.Mutex
	messages []string
	failed   bool
}

func (r *failureRecorder) run(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
}

func (r *failureRecorder) record(args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
	r.messages = append(r.messages, fmt.Sprint(args...))
}

func (r *failureRecorder) failure() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.failed {
		return ""
	}
	return strings.Join(r.messages, "\n")
}

func (r *failureRecorder) Error(args ...any)                 { r.record(args...) }
func (r *failureRecorder) Errorf(format string, args ...any) { r.record(fmt.Sprintf(format, args...)) }
func (r *failureRecorder) Fail()                             { r.record("failed") }
func (r *failureRecorder) FailNow()                          { r.record("failed"); runtime.Goexit() }
func (r *failureRecorder) Failed() bool                      { return r.failure() != "" }
func (r *failureRecorder) Fatal(args ...any)                 { r.record(args...); runtime.Goexit() }
func (r *failureRecorder) Fatalf(format string, args ...any) {
	r.record(fmt.Sprintf(format, args...))
	runtime.Goexit()
}
