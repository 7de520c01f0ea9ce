package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/jackc/pgx/v5"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/awsproxy"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/dbserver"
)

// hostArchitecture is the Lambda architecture of this machine: the harness's process executor
// runs functions natively, so the tests ask for the host's (the resource's default stays arm64).
func hostArchitecture() string {
	if runtime.GOARCH == "amd64" {
		return "x86_64"
	}
	return runtime.GOARCH
}

// startProxy runs an AWS proxy in this test process in front of LocalStack, so the test can read
// its call record and inject faults without touching the shared one.
func startProxy(t *testing.T) *awsproxy.Proxy {
	t.Helper()
	upstream := harness.LocalStackEndpoint(t)
	p, err := awsproxy.Start(context.Background(), awsproxy.Options{Listen: "127.0.0.1:0", Upstream: upstream})
	if err != nil {
		t.Fatalf("starting the AWS proxy: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// testAWS is the test's clients, straight at LocalStack so that the checks stay out of the
// proxy's record.
func testAWS(t *testing.T) *harness.AWS {
	t.Helper()
	return harness.NewAWS(t, harness.LocalStackEndpoint(t))
}

// testDatabase is a PostgreSQL user the rotator can rotate: a real server from the harness.
type testDatabase struct {
	server   *dbserver.Server
	username string
	password string
	dbname   string
}

func newTestDatabase(t *testing.T) testDatabase {
	t.Helper()
	server := dbserver.Shared(t, dbserver.Options{Engine: dbserver.Postgres})
	db := testDatabase{server: server, username: "app_" + acctest.RandString(8), password: "Initial-" + acctest.RandString(16), dbname: "postgres"}
	conn, err := pgx.Connect(context.Background(), server.SuperuserURL())
	if err != nil {
		t.Fatalf("connecting to the test PostgreSQL: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), fmt.Sprintf(`CREATE ROLE %s LOGIN PASSWORD '%s'`, db.username, db.password)); err != nil {
		t.Fatalf("creating the test user: %v", err)
	}
	return db
}

// canLogIn reports whether the password logs the user in.
func (db testDatabase) canLogIn(password string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, db.server.PostgresURL(db.username, password, db.dbname))
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// secretPassword reads the AWSCURRENT password of a secret, for the rotation checks.
func secretPassword(t *testing.T, client *harness.AWS, secretID string) string {
	t.Helper()
	out, err := client.SecretsManager.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)})
	if err != nil {
		t.Fatalf("reading secret %s: %v", secretID, err)
	}
	var value struct {
		Password string `json:"password"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &value); err != nil {
		t.Fatalf("secret %s is not JSON: %v", secretID, err)
	}
	return value.Password
}

// policyJSON parses a policy document as IAM returns it (URL-encoded) or as other services do.
func policyJSON(t *testing.T, document string) map[string]any {
	t.Helper()
	if decoded, err := url.QueryUnescape(document); err == nil && strings.HasPrefix(strings.TrimSpace(decoded), "{") {
		document = decoded
	}
	var parsed map[string]any
	if err := json.Unmarshal([]byte(document), &parsed); err != nil {
		t.Fatalf("policy %q is not JSON: %v", document, err)
	}
	return parsed
}

// statementsBySid indexes a parsed policy's statements.
func statementsBySid(t *testing.T, policy map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	list, _ := policy["Statement"].([]any)
	for _, s := range list {
		statement, _ := s.(map[string]any)
		sid, _ := statement["Sid"].(string)
		out[sid] = statement
	}
	return out
}

// rdsSecretConfig is a bundle configuration against the harness; extra goes inside the resource.
func rdsSecretConfig(endpoint, name string, db testDatabase, extra string) string {
	return testAccProviderBlock(endpoint) + fmt.Sprintf(`
resource "secretsbundle_rds_secret" "test" {
  name                    = %[1]q
  recovery_window_in_days = 0

  credentials = {
    engine              = "postgres"
    host                = %[2]q
    port                = %[3]d
    dbname              = %[4]q
    username            = %[5]q
    password_wo         = %[6]q
    password_wo_version = 1
    ssl                 = false
  }
%[7]s
}
`, name, db.server.Host, db.server.Port, db.dbname, db.username, db.password, extra)
}

// rotationBlock is a rotation block with the host's architecture and extra settings for the
// rotation and its lambda.
func rotationBlock(rotationExtra, lambdaExtra string) string {
	return fmt.Sprintf(`
  rotation = {
%s
    lambda = {
      architecture = %q
%s
    }
  }
`, rotationExtra, hostArchitecture(), lambdaExtra)
}

func regexpMust(pattern string) *regexp.Regexp { return regexp.MustCompile(pattern) }

// afterLast is the name at the end of an ARN in state, for the tests' own AWS calls.
func afterLast(s, sep string) string {
	if s == "" {
		return ""
	}
	return s[strings.LastIndex(s, sep)+1:]
}

// importByName is the step that imports the bundle by its secret's name and compares it with the
// state, ignoring what import cannot know (write-only and apply-time settings, the version) and
// the extra attributes given.
func importByName(name string, ignore ...string) resource.TestStep {
	return resource.TestStep{
		ResourceName:                         testResource,
		ImportState:                          true,
		ImportStateId:                        name,
		ImportStateVerify:                    true,
		ImportStateVerifyIdentifierAttribute: "arn",
		ImportStateVerifyIgnore: append([]string{
			"credentials.password_wo_version", "recovery_window_in_days", "timeouts", "last_rotation_error",
			"rotation.rotate_immediately", "rotation.wait_for_first_rotation", "version_id",
		}, ignore...),
	}
}
