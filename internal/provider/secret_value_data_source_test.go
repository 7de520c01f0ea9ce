package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
)

// testAccSecretsManager is an SDK client on endpoint, for arranging secrets the way a bundle or a
// user would leave them.
func testAccSecretsManager(t *testing.T, endpoint string) awsclient.SecretsManagerAPI {
	t.Helper()
	client, err := awsclient.New(context.Background(), awsclient.Config{
		Region: harness.Region, AccessKey: harness.AccessKeyID, SecretKey: harness.SecretAccessKey,
		Endpoints: map[string]string{"secretsmanager": endpoint, "sts": endpoint},
	})
	if err != nil {
		t.Fatalf("creating the test's AWS client for %s: %v", endpoint, err)
	}
	return client.SecretsManager
}

// testAccSecretValue creates a secret holding value, force-deleted when the test ends, and returns
// its name, ARN and first version id.
func testAccSecretValue(t *testing.T, api awsclient.SecretsManagerAPI, prefix, value string) (name, arn, versionID string) {
	t.Helper()
	name = acctest.RandomWithPrefix(prefix)
	out, err := api.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)})
	if err != nil {
		t.Fatalf("creating test secret %s: %v", name, err)
	}
	t.Cleanup(func() {
		_, _ = api.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(name), ForceDeleteWithoutRecovery: aws.Bool(true)})
	})
	return name, aws.ToString(out.ARN), aws.ToString(out.VersionId)
}

func testAccPutSecretValue(t *testing.T, api awsclient.SecretsManagerAPI, name, value string) string {
	t.Helper()
	out, err := api.PutSecretValue(context.Background(), &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String(value)})
	if err != nil {
		t.Fatalf("updating test secret %s: %v", name, err)
	}
	return aws.ToString(out.VersionId)
}

func rdsSecretJSON(username, password string) string {
	return fmt.Sprintf(`{"engine":"postgres","host":"db.internal","port":5432,"dbname":"app","username":%q,"password":%q,"masterarn":"arn:aws:secretsmanager:us-east-1:000000000000:secret:master-AbCdEf","extra":"kept"}`, username, password)
}

func TestAccSecretValueDataSource(t *testing.T) {
	endpoint := harness.LocalStackEndpoint(t)
	api := testAccSecretsManager(t, endpoint)
	first := rdsSecretJSON("app_user", "first-password")
	name, arn, firstVersion := testAccSecretValue(t, api, "tf-acc-secret-value", first)
	second := rdsSecretJSON("app_user", "second-password")
	var secondVersion string

	const address = "data.secretsbundle_secret_value.test"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccProviderBlock(endpoint) + fmt.Sprintf(`
data "secretsbundle_secret_value" "test" {
  secret_id = %q
}
`, name),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(address, tfjsonpath.New("secret_string"), knownvalue.StringExact(first)),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("engine"), knownvalue.StringExact("postgres")),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("host"), knownvalue.StringExact("db.internal")),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("port"), knownvalue.Int64Exact(5432)),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("dbname"), knownvalue.StringExact("app")),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("username"), knownvalue.StringExact("app_user")),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("password"), knownvalue.StringExact("first-password")),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("masterarn"), knownvalue.StringExact("arn:aws:secretsmanager:us-east-1:000000000000:secret:master-AbCdEf")),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("ssl"), knownvalue.Null()),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("version_id"), knownvalue.StringExact(firstVersion)),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("version_stage"), knownvalue.StringExact("AWSCURRENT")),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("version_stages"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("AWSCURRENT")})),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("arn"), knownvalue.StringExact(arn)),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("name"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("created_date"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`))),
				},
			},
			{
				// After an update, AWSCURRENT moves to the new version, AWSPREVIOUS and the old
				// version id still read the old one, and the ARN works as secret_id.
				PreConfig: func() { secondVersion = testAccPutSecretValue(t, api, name, second) },
				Config: testAccProviderBlock(endpoint) + fmt.Sprintf(`
data "secretsbundle_secret_value" "test" {
  secret_id = %[1]q
}

data "secretsbundle_secret_value" "previous" {
  secret_id     = %[2]q
  version_stage = "AWSPREVIOUS"
}

data "secretsbundle_secret_value" "by_id" {
  secret_id  = %[1]q
  version_id = %[3]q
}
`, name, arn, firstVersion),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(address, tfjsonpath.New("password"), knownvalue.StringExact("second-password")),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("version_id"), knownvalue.StringFunc(func(v string) error {
						if v != secondVersion {
							return fmt.Errorf("version_id is %q, want the new version %q", v, secondVersion)
						}
						return nil
					})),
					statecheck.ExpectKnownValue("data.secretsbundle_secret_value.previous", tfjsonpath.New("password"), knownvalue.StringExact("first-password")),
					statecheck.ExpectKnownValue("data.secretsbundle_secret_value.previous", tfjsonpath.New("version_id"), knownvalue.StringExact(firstVersion)),
					statecheck.ExpectKnownValue("data.secretsbundle_secret_value.previous", tfjsonpath.New("version_stages"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("AWSPREVIOUS")})),
					statecheck.ExpectKnownValue("data.secretsbundle_secret_value.by_id", tfjsonpath.New("password"), knownvalue.StringExact("first-password")),
					statecheck.ExpectKnownValue("data.secretsbundle_secret_value.by_id", tfjsonpath.New("version_stage"), knownvalue.Null()),
				},
			},
		},
	})
}

// A DocumentDB secret as AWS writes it: engine mongo, ssl as a boolean (or a string spelling one).
func TestAccSecretValueDataSourceDocumentDB(t *testing.T) {
	endpoint := harness.LocalStackEndpoint(t)
	api := testAccSecretsManager(t, endpoint)
	name, _, _ := testAccSecretValue(t, api, "tf-acc-secret-docdb",
		`{"engine":"mongo","host":"docs.cluster-abc.eu-west-1.docdb.amazonaws.com","port":27017,"username":"app","password":"pw","ssl":true,"dbClusterIdentifier":"docs"}`)
	stringSSL, _, _ := testAccSecretValue(t, api, "tf-acc-secret-docdb-string", `{"engine":"mongo","host":"h","username":"app","password":"pw","ssl":"false"}`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: testAccProviderBlock(endpoint) + fmt.Sprintf(`
data "secretsbundle_secret_value" "test" {
  secret_id = %q
}

data "secretsbundle_secret_value" "string_ssl" {
  secret_id = %q
}
`, name, stringSSL),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.secretsbundle_secret_value.test", tfjsonpath.New("engine"), knownvalue.StringExact("mongo")),
				statecheck.ExpectKnownValue("data.secretsbundle_secret_value.test", tfjsonpath.New("port"), knownvalue.Int64Exact(27017)),
				statecheck.ExpectKnownValue("data.secretsbundle_secret_value.test", tfjsonpath.New("ssl"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.secretsbundle_secret_value.string_ssl", tfjsonpath.New("ssl"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.secretsbundle_secret_value.string_ssl", tfjsonpath.New("port"), knownvalue.Null()),
			},
		}},
	})
}

// A secret that is not RDS JSON still reads: the whole string, and null fields.
func TestAccSecretValueDataSourceNotJSON(t *testing.T) {
	endpoint := harness.LocalStackEndpoint(t)
	api := testAccSecretsManager(t, endpoint)
	plain, _, _ := testAccSecretValue(t, api, "tf-acc-secret-plain", "just a token")
	partial, _, _ := testAccSecretValue(t, api, "tf-acc-secret-partial", `{"username":"only_me","port":"3306"}`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: testAccProviderBlock(endpoint) + fmt.Sprintf(`
data "secretsbundle_secret_value" "plain" {
  secret_id = %q
}

data "secretsbundle_secret_value" "partial" {
  secret_id = %q
}
`, plain, partial),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.secretsbundle_secret_value.plain", tfjsonpath.New("secret_string"), knownvalue.StringExact("just a token")),
				statecheck.ExpectKnownValue("data.secretsbundle_secret_value.plain", tfjsonpath.New("username"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.secretsbundle_secret_value.plain", tfjsonpath.New("port"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.secretsbundle_secret_value.partial", tfjsonpath.New("username"), knownvalue.StringExact("only_me")),
				statecheck.ExpectKnownValue("data.secretsbundle_secret_value.partial", tfjsonpath.New("port"), knownvalue.Int64Exact(3306)),
				statecheck.ExpectKnownValue("data.secretsbundle_secret_value.partial", tfjsonpath.New("password"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.secretsbundle_secret_value.partial", tfjsonpath.New("host"), knownvalue.Null()),
			},
		}},
	})
}

func TestAccSecretValueDataSourceErrors(t *testing.T) {
	endpoint := harness.LocalStackEndpoint(t)
	api := testAccSecretsManager(t, endpoint)
	name, _, _ := testAccSecretValue(t, api, "tf-acc-secret-errors", rdsSecretJSON("u", "error-case-password"))
	deleted, _, _ := testAccSecretValue(t, api, "tf-acc-secret-deleted", rdsSecretJSON("u", "deleted-case-password"))
	if _, err := api.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(deleted), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
		t.Fatalf("scheduling deletion of %s: %v", deleted, err)
	}
	cases := map[string]struct {
		arguments string
		want      string
	}{
		"secret not found":    {`secret_id = "tf-acc-no-such-secret"`, `(?s)Secret not found.*"tf-acc-no-such-secret"`},
		"stage not found":     {fmt.Sprintf("secret_id = %q\nversion_stage = \"NOPE\"", name), `(?s)Secret version not found.*stage "NOPE"`},
		"version not found":   {fmt.Sprintf("secret_id = %q\nversion_id = \"00000000-0000-0000-0000-000000000000\"", name), `(?s)Secret version not found.*no version "00000000-0000-0000-0000-000000000000"`},
		"marked for deletion": {fmt.Sprintf("secret_id = %q", deleted), `(?s)Secret is marked for deletion.*restore-secret`},
	}
	for caseName, tc := range cases {
		t.Run(caseName, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      testAccProviderBlock(endpoint) + "data \"secretsbundle_secret_value\" \"test\" {\n" + tc.arguments + "\n}\n",
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
}

// Bad arguments fail at plan time, naming the attribute, before any AWS call.
func TestSecretValueBadArguments(t *testing.T) {
	isolateAWSEnvironment(t)
	cases := map[string]struct {
		kind      string
		arguments string
		want      string
	}{
		"data source both versions": {"data", "secret_id = \"s\"\nversion_id = \"v\"\nversion_stage = \"AWSCURRENT\"", `(?s)Attribute "version_stage" cannot be specified when "version_id" is specified|Attribute "version_id" cannot be specified when "version_stage" is specified`},
		"data source empty id":      {"data", `secret_id = ""`, `(?s)Attribute secret_id string length must be between 1 and 2048`},
		"ephemeral both versions":   {"ephemeral", "secret_id = \"s\"\nversion_id = \"v\"\nversion_stage = \"AWSCURRENT\"", `(?s)Attribute "version_stage" cannot be specified when "version_id" is specified|Attribute "version_id" cannot be specified when "version_stage" is specified`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				TerraformVersionChecks:   ephemeralTerraformVersionChecks,
				Steps: []resource.TestStep{{
					Config:      "provider \"secretsbundle\" {\n region = \"us-east-1\"\n}\n" + tc.kind + " \"secretsbundle_secret_value\" \"test\" {\n" + tc.arguments + "\n}\n",
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
}
