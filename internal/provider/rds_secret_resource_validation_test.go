package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/awsproxy"
)

// badConfig is a configuration that must fail at plan time, and the error it must show.
type badConfig struct {
	name        string
	credentials string
	rotation    string
	alert       string
	top         string
	want        string
}

func (c badConfig) hcl(endpoint string) string {
	name := `name = "prod/orders/db"`
	if strings.Contains(c.top, "name") {
		name = ""
	}
	credentials := c.credentials
	if credentials == "" {
		credentials = `engine = "postgres"
    host = "db.internal"
    username = "app"`
	}
	return testAccProviderBlock(endpoint) + fmt.Sprintf(`
resource "secretsbundle_rds_secret" "test" {
  %s
  %s
  credentials = {
    %s
  }
  %s
  %s
}
`, name, c.top, credentials, c.rotation, c.alert)
}

var badConfigs = []badConfig{
	{name: "policy not JSON", top: `policy = "not json"`, want: `(?s)Invalid resource policy.*Attribute policy must be a JSON policy document.*is not a JSON policy document`},
	{name: "policy public", top: `policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Principal = "*", Action = "secretsmanager:GetSecretValue", Resource = "*"}]})`, want: `(?s)Invalid resource policy.*every principal.*BlockPublicPolicy`},
	{name: "policy public AWS", top: `policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Principal = { AWS = "*" }, Action = "secretsmanager:GetSecretValue", Resource = "*"}]})`, want: `(?s)Invalid resource policy.*every principal`},
	{name: "policy and readers", top: "policy = jsonencode({Version = \"2012-10-17\", Statement = []})\nreaders = [\"arn:aws:iam::123456789012:role/app\"]", want: `(?s)Attribute "readers" cannot be specified when "policy" is specified`},
	{name: "reader not an ARN", top: `readers = ["app"]`, want: `(?s)readers.*must be an IAM ARN or ARN pattern`},
	{name: "name characters", top: `name = "prod orders"`, want: `Attribute name must be 1 to 512 characters of letters, digits and /_\+=\.@-`},
	{name: "name too long", top: `name = "` + strings.Repeat("a", 513) + `"`, want: `Attribute name must be 1 to 512 characters`},
	{name: "name and prefix", top: "name = \"a\"\nname_prefix = \"b\"", want: `(?s)name_prefix.*cannot be specified when.*name|name.*cannot be specified when.*name_prefix`},
	{name: "no name", top: `description = "nameless"`, want: `Missing secret name`},
	{name: "prefix characters", top: `name_prefix = "a b"`, want: `Attribute name_prefix must be 1 to 486 characters`},
	{name: "recovery window 1", top: `recovery_window_in_days = 1`, want: `(?s)recovery_window_in_days.*0.*7.*30`},
	{name: "recovery window 31", top: `recovery_window_in_days = 31`, want: `(?s)recovery_window_in_days.*0.*7.*30`},
	{name: "description too long", top: `description = "` + strings.Repeat("d", 2049) + `"`, want: `(?s)Attribute description string length must be at most 2048`},
	{name: "engine unknown", credentials: "engine = \"oracle\"\nhost = \"h\"\nusername = \"u\"", want: `(?s)Attribute credentials\.engine value must be one of.*postgres.*mysql.*mariadb.*aurora-postgresql.*aurora-mysql.*mongo.*redshift`},
	{name: "port zero", credentials: "engine = \"postgres\"\nhost = \"h\"\nusername = \"u\"\nport = 0", want: `(?s)Attribute credentials\.port value must be between 1 and 65535`},
	{name: "port too big", credentials: "engine = \"postgres\"\nhost = \"h\"\nusername = \"u\"\nport = 65536", want: `(?s)Attribute credentials\.port value must be between 1 and 65535`},
	{name: "no engine", credentials: "host = \"h\"\nusername = \"u\"", want: `(?s)Attribute credentials\.engine is required unless database`},
	{name: "no host", credentials: "engine = \"postgres\"\nusername = \"u\"", want: `(?s)Attribute credentials\.host is required unless database`},
	{name: "no username", credentials: "engine = \"postgres\"\nhost = \"h\"", want: `(?s)username.*required`},
	{name: "empty username", credentials: "engine = \"postgres\"\nhost = \"h\"\nusername = \"\"", want: `(?s)Attribute credentials\.username string length must be between 1 and 128`},
	{name: "password version without password", credentials: "engine = \"postgres\"\nhost = \"h\"\nusername = \"u\"\npassword_wo_version = 2", want: `(?s)credentials\.password_wo.*must be specified`},
	{name: "database both identifiers", top: "database = {\ninstance_identifier = \"a\"\ncluster_identifier = \"b\"\n}", want: `(?s)cluster_identifier.*instance_identifier|instance_identifier.*cluster_identifier`},
	{name: "database identifier characters", top: "database = {\ninstance_identifier = \"a_b\"\n}", want: `(?s)Attribute database\.instance_identifier must be 1 to 63 characters`},
	{name: "days zero", rotation: `rotation = { automatically_after_days = 0 }`, want: `(?s)Attribute rotation\.automatically_after_days value must be between 1 and 1000`},
	{name: "days 1001", rotation: `rotation = { automatically_after_days = 1001 }`, want: `(?s)Attribute rotation\.automatically_after_days value must be between 1 and 1000`},
	{name: "days and schedule", rotation: "rotation = {\nautomatically_after_days = 7\nschedule_expression = \"rate(7 days)\"\n}", want: `(?s)automatically_after_days.*schedule_expression|schedule_expression.*automatically_after_days`},
	{name: "schedule not rate or cron", rotation: `rotation = { schedule_expression = "every day" }`, want: `(?s)Attribute rotation\.schedule_expression must be rate\(N hours\).*not a rate\(\) or cron\(\)`},
	{name: "rate hours too few", rotation: `rotation = { schedule_expression = "rate(2 hours)" }`, want: `(?s)rotation\.schedule_expression.*2 hours is outside 4 to 23`},
	{name: "rate days too many", rotation: `rotation = { schedule_expression = "rate(1001 days)" }`, want: `(?s)rotation\.schedule_expression.*1001 days is outside 1 to 1000`},
	{name: "cron five fields", rotation: `rotation = { schedule_expression = "cron(0 4 * * ?)" }`, want: `(?s)rotation\.schedule_expression.*cron needs 6 fields`},
	{name: "cron both days", rotation: `rotation = { schedule_expression = "cron(0 4 1 * MON *)" }`, want: `(?s)rotation\.schedule_expression.*day-of-month and day-of-week must be \?`},
	{name: "duration format", rotation: `rotation = { duration = "90m" }`, want: `(?s)Attribute rotation\.duration must be a whole number of hours from 1h to 24h`},
	{name: "duration over a day", rotation: `rotation = { duration = "25h" }`, want: `(?s)rotation\.duration.*25 hours is outside 1 to 24`},
	{name: "duration not shorter than interval", rotation: "rotation = {\nschedule_expression = \"rate(4 hours)\"\nduration = \"4h\"\n}", want: `(?s)Attribute rotation\.duration \(4h\) must be shorter than the time between rotations`},
	{name: "duration one day every day", rotation: "rotation = {\nautomatically_after_days = 1\nduration = \"24h\"\n}", want: `(?s)rotation\.duration \(24h\) must be shorter`},
	{name: "strategy unknown", rotation: `rotation = { strategy = "triple_users" }`, want: `(?s)Attribute rotation\.strategy value must be one of.*single_user.*alternating_users`},
	{name: "alternating without master", rotation: `rotation = { strategy = "alternating_users" }`, want: `(?s)Attribute rotation\.master_secret_arn is required when rotation\.strategy is alternating_users`},
	{name: "master not an ARN", rotation: "rotation = {\nstrategy = \"alternating_users\"\nmaster_secret_arn = \"master\"\n}", want: `(?s)Attribute rotation\.master_secret_arn must be the full ARN of one secret.*not an ARN`},
	{name: "master ARN with a wildcard", rotation: "rotation = {\nstrategy = \"alternating_users\"\nmaster_secret_arn = \"arn:aws:secretsmanager:us-east-1:123456789012:secret:*\"\n}", want: `(?s)Attribute rotation\.master_secret_arn must be the full ARN of one secret.*a wildcard matches more than one secret`},
	{name: "master ARN with a suffix wildcard", rotation: "rotation = {\nstrategy = \"alternating_users\"\nmaster_secret_arn = \"arn:aws:secretsmanager:us-east-1:123456789012:secret:db/master-??????\"\n}", want: `(?s)rotation\.master_secret_arn.*a wildcard matches more than one secret`},
	{name: "master ARN without suffix", rotation: "rotation = {\nstrategy = \"alternating_users\"\nmaster_secret_arn = \"arn:aws:secretsmanager:us-east-1:123456789012:secret:db/master\"\n}", want: `(?s)rotation\.master_secret_arn.*not the ARN of a secret with its six-character suffix`},
	{name: "master ARN of another service", rotation: "rotation = {\nstrategy = \"alternating_users\"\nmaster_secret_arn = \"arn:aws:sns:us-east-1:123456789012:t\"\n}", want: `(?s)rotation\.master_secret_arn.*an ARN of sns, not of secretsmanager`},
	{name: "password too short", rotation: `rotation = { password_length = 3 }`, want: `(?s)Attribute rotation\.password_length value must be between 4 and 4096`},
	{name: "password too long", rotation: `rotation = { password_length = 4097 }`, want: `(?s)Attribute rotation\.password_length value must be between 4 and 4096`},
	{name: "exclude not printable", rotation: `rotation = { exclude_characters = "ab\u00e9" }`, want: `(?s)Attribute rotation\.exclude_characters must hold only printable ASCII`},
	{name: "architecture", rotation: `rotation = { lambda = { architecture = "ppc64" } }`, want: `(?s)Attribute rotation\.lambda\.architecture value must be one of.*arm64.*x86_64`},
	{name: "memory too small", rotation: `rotation = { lambda = { memory_size = 64 } }`, want: `(?s)Attribute rotation\.lambda\.memory_size value must be between 128 and 10240`},
	{name: "memory too big", rotation: `rotation = { lambda = { memory_size = 10241 } }`, want: `(?s)Attribute rotation\.lambda\.memory_size value must be between 128 and 10240`},
	{name: "timeout zero", rotation: `rotation = { lambda = { timeout = 0 } }`, want: `(?s)Attribute rotation\.lambda\.timeout value must be between 1 and 900`},
	{name: "timeout too long", rotation: `rotation = { lambda = { timeout = 901 } }`, want: `(?s)Attribute rotation\.lambda\.timeout value must be between 1 and 900`},
	{name: "function name", rotation: `rotation = { lambda = { name = "my.rotator" } }`, want: `(?s)Attribute rotation\.lambda\.name must be 1 to 64 characters of letters, digits, - and _`},
	{name: "subnet id", rotation: "rotation = { lambda = {\nsubnet_ids = [\"subnet-xyz\"]\nsecurity_group_ids = [\"sg-0123456789abcdef0\"]\n} }", want: `(?s)rotation\.lambda\.subnet_ids.*must be an id such as subnet-0123456789abcdef0`},
	{name: "security group id", rotation: "rotation = { lambda = {\nsubnet_ids = [\"subnet-0123456789abcdef0\"]\nsecurity_group_ids = [\"group-1\"]\n} }", want: `(?s)rotation\.lambda\.security_group_ids.*must be an id such as sg-0123456789abcdef0`},
	{name: "subnets without groups", rotation: "rotation = { lambda = {\nsubnet_ids = [\"subnet-0123456789abcdef0\"]\n} }", want: `(?s)rotation\.lambda\.subnet_ids and rotation\.lambda\.security_group_ids go together`},
	{name: "log retention", rotation: `rotation = { lambda = { log_retention_days = 2 } }`, want: `(?s)Attribute rotation\.lambda\.log_retention_days value must be one of`},
	{name: "e-mail syntax", alert: `deletion_alert = { email_addresses = ["oncall"] }`, want: `(?s)deletion_alert\.email_addresses.*must be an e-mail address`},
	{name: "e-mail with display name", alert: `deletion_alert = { email_addresses = ["On Call <oncall@example.com>"] }`, want: `(?s)deletion_alert\.email_addresses.*must be an e-mail address`},
	{name: "SMS number not E.164", alert: `deletion_alert = { sms_numbers = ["555-0100"] }`, want: `(?s)deletion_alert\.sms_numbers.*must be a phone number in E\.164 form`},
	{name: "SMS number without plus", alert: `deletion_alert = { sms_numbers = ["14155550100"] }`, want: `(?s)deletion_alert\.sms_numbers.*must be a phone number in E\.164 form`},
	{name: "topic and SMS numbers", alert: "deletion_alert = {\nsns_topic_arn = \"arn:aws:sns:us-east-1:123456789012:t\"\nsms_numbers = [\"+14155550100\"]\n}", want: `(?s)sms_numbers.*sns_topic_arn|sns_topic_arn.*sms_numbers`},
	{name: "topic not an ARN", alert: `deletion_alert = { sns_topic_arn = "alerts" }`, want: `(?s)Attribute deletion_alert\.sns_topic_arn must be the ARN of a sns resource`},
	{name: "topic and e-mails", alert: "deletion_alert = {\nsns_topic_arn = \"arn:aws:sns:us-east-1:123456789012:t\"\nemail_addresses = [\"a@example.com\"]\n}", want: `(?s)email_addresses.*sns_topic_arn|sns_topic_arn.*email_addresses`},
	{name: "subscription protocol unknown", alert: `deletion_alert = { subscriptions = [{ protocol = "smtp", endpoint = "oncall@example.com" }] }`, want: `(?s)deletion_alert\.subscriptions.*protocol value must be one of:.*"sqs".*"lambda".*"https".*"email-json".*got: "smtp"`},
	{name: "subscription protocol email", alert: `deletion_alert = { subscriptions = [{ protocol = "email", endpoint = "oncall@example.com" }] }`, want: `(?s)deletion_alert\.subscriptions.*protocol value must be one of:.*"sqs"`},
	{name: "sqs endpoint not an ARN", alert: `deletion_alert = { subscriptions = [{ protocol = "sqs", endpoint = "alerts" }] }`, want: `(?s)Invalid subscription endpoint.*deletion_alert\.subscriptions.*endpoint must be the ARN of an SQS queue.*for protocol "sqs", got "alerts": not an ARN`},
	{name: "sqs endpoint a topic", alert: `deletion_alert = { subscriptions = [{ protocol = "sqs", endpoint = "arn:aws:sns:us-east-1:123456789012:t" }] }`, want: `(?s)Invalid subscription endpoint.*an ARN of sns, not of sqs`},
	{name: "lambda endpoint not a function", alert: `deletion_alert = { subscriptions = [{ protocol = "lambda", endpoint = "arn:aws:lambda:us-east-1:123456789012:layer:x:1" }] }`, want: `(?s)Invalid subscription endpoint.*the ARN of a Lambda function.*not the ARN of a function`},
	{name: "https endpoint http", alert: `deletion_alert = { subscriptions = [{ protocol = "https", endpoint = "http://hooks.example.com/x" }] }`, want: `(?s)Invalid subscription endpoint.*endpoint must be an https:// URL.*for protocol "https", got "http://hooks\.example\.com/x"`},
	{name: "email-json endpoint", alert: `deletion_alert = { subscriptions = [{ protocol = "email-json", endpoint = "oncall" }] }`, want: `(?s)Invalid subscription endpoint.*must be an e-mail address.*for protocol "email-json"`},
	{name: "topic and subscriptions", alert: "deletion_alert = {\nsns_topic_arn = \"arn:aws:sns:us-east-1:123456789012:t\"\nsubscriptions = [{ protocol = \"sqs\", endpoint = \"arn:aws:sqs:us-east-1:123456789012:q\" }]\n}", want: `(?s)subscriptions.*sns_topic_arn|sns_topic_arn.*subscriptions`},
	{name: "unknown event", alert: `deletion_alert = { events = ["DropSecret"] }`, want: `(?s)deletion_alert\.events.*value must be one of.*DeleteSecret`},
	// ListSecrets and GetRandomPassword never name a secret: a rule on them could never fire.
	{name: "event naming no secret", alert: `deletion_alert = { events = ["DeleteSecret", "ListSecrets"] }`, want: `(?s)deletion_alert\.events.*value must be one of.*DeleteSecret`},
	{name: "GetRandomPassword", alert: `deletion_alert = { events = ["GetRandomPassword"] }`, want: `(?s)deletion_alert\.events.*value must be one of`},
	{name: "no events", alert: `deletion_alert = { events = [] }`, want: `(?s)Attribute deletion_alert\.events set must contain at least 1`},
	{name: "reserved tag", top: `tags = { "secretsbundle:bundle" = "x" }`, want: `(?s)tags.*secretsbundle:bundle`},
	{name: "username ends in _clone", credentials: "engine = \"postgres\"\nhost = \"h\"\nusername = \"app_clone\"", rotation: "rotation = {\nstrategy = \"alternating_users\"\nmaster_secret_arn = \"arn:aws:secretsmanager:us-east-1:123456789012:secret:master-AbCdEf\"\n}", want: `(?s)credentials\.username.*"app_clone" ends in "_clone"`},
	{name: "redshift with alternating users", credentials: "engine = \"redshift\"\nhost = \"h\"\nusername = \"etl\"", rotation: "rotation = {\nstrategy = \"alternating_users\"\nmaster_secret_arn = \"arn:aws:secretsmanager:us-east-1:123456789012:secret:master-AbCdEf\"\n}", want: `(?s)rotation\.strategy "alternating_users" is not supported with credentials\.engine "redshift".*single_user`},
	{name: "CA bundle not PEM", credentials: "engine = \"postgres\"\nhost = \"h\"\nusername = \"u\"\nssl_ca_bundle = \"not a certificate\"", want: `(?s)Invalid CA bundle.*credentials\.ssl_ca_bundle must be one or more PEM certificates`},
	{name: "CA bundle too long", credentials: "engine = \"postgres\"\nhost = \"h\"\nusername = \"u\"\nssl_ca_bundle = \"" + strings.Repeat("A", 3001) + "\"", want: `(?s)CA bundle too long.*credentials\.ssl_ca_bundle is 3001 characters; at most 3000`},
	{name: "tag key aws: prefix", top: `tags = { "AWS:team" = "orders" }`, want: `(?s)Invalid tag key.*Attribute tags\["AWS:team"\] must not begin with aws:`},
	{name: "KMS key not an identifier", top: `kms_key_id = "orders-key"`, want: `(?s)Invalid KMS key identifier.*Attribute kms_key_id must be a KMS key id.*alias ARN.*got "orders-key"`},
	{name: "KMS ARN of a grant", top: `kms_key_id = "arn:aws:kms:us-east-1:123456789012:grant/abc"`, want: `(?s)Invalid KMS key identifier.*kms_key_id.*neither key/<key id> nor alias/<name>`},
	{name: "KMS ARN of another service", top: `kms_key_id = "arn:aws:iam::123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"`, want: `(?s)Invalid KMS key identifier.*an ARN of iam, not of kms`},
	{name: "PostgreSQL user name over 63 bytes", credentials: "engine = \"postgres\"\nhost = \"h\"\nusername = \"" + strings.Repeat("u", 64) + "\"", want: `(?s)User name too long.*credentials\.username.*is 64 bytes; engine "postgres" allows at most 63`},
	{name: "MariaDB user name over 80 characters", credentials: "engine = \"mariadb\"\nhost = \"h\"\nusername = \"" + strings.Repeat("é", 81) + "\"", want: `(?s)User name too long.*is 81 characters; engine "mariadb" allows at most 80`},
	{name: "MySQL clone over 32 characters", credentials: "engine = \"mysql\"\nhost = \"h\"\nusername = \"" + strings.Repeat("u", 27) + "\"", rotation: "rotation = {\nstrategy = \"alternating_users\"\nmaster_secret_arn = \"arn:aws:secretsmanager:us-east-1:123456789012:secret:master-AbCdEf\"\n}", want: `(?s)User name too long.*makes the alternating user "u+_clone", 33 characters; engine "mysql" allows at most 32: shorten the user name by 1`},
	{name: "timeout syntax", top: "timeouts {\ncreate = \"ten minutes\"\n}", want: `(?s)Invalid Attribute Value Time Duration.*"ten minutes" must be a string containing a sequence of decimal numbers`},
}

// TestRDSSecretBadConfigurations plans each bad configuration against an in-process AWS proxy
// whose upstream does not exist: every one must fail at plan time, naming the attribute, and the
// proxy must record no AWS call at all.
func TestRDSSecretBadConfigurations(t *testing.T) {
	isolateAWSEnvironment(t)
	if len(badConfigs) < 40 {
		t.Fatalf("only %d bad configurations; the issue asks for at least 40", len(badConfigs))
	}
	proxy, err := awsproxy.Start(context.Background(), awsproxy.Options{Listen: "127.0.0.1:0", Upstream: "http://127.0.0.1:9", DisableEventBridge: true})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	for _, c := range badConfigs {
		t.Run(c.name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:   c.hcl(proxy.URL()),
					PlanOnly: true,
					// Terraform wraps messages at 80 columns: any space in the pattern matches any run of whitespace.
					ExpectError: regexp.MustCompile(strings.ReplaceAll(c.want, " ", `\s+`)),
				}},
			})
		})
	}
	if calls := proxy.Calls(); len(calls) > 0 {
		t.Errorf("bad configurations reached AWS: %d calls, first %s", len(calls), calls[0].Key())
	}
}

// firstRotationConfigs plan a create past validation, into ModifyPlan: want is the error, or empty
// for a way out of it, which must plan.
var firstRotationConfigs = []badConfig{
	{name: "single user without password rotates at once (defaults)", top: `description = "defaults"`, want: `(?s)First rotation would fail.*rotation\.rotate_immediately is true \(the default\) and rotation\.strategy is "single_user".*credentials\.password_wo is not set.*give the user's current password in credentials\.password_wo.*rotation\.strategy = "alternating_users" with rotation\.master_secret_arn`},
	{name: "single user without password rotates at once", rotation: "rotation = {\nstrategy = \"single_user\"\nrotate_immediately = true\n}", want: `(?s)First rotation would fail.*credentials\.password_wo is not set.*alternating_users.*master_secret_arn`},
	{name: "the advice is one that works", top: `description = "advice"`, want: `(?s)First rotation would fail.*create the bundle with rotation\.enabled = false.*then turn rotation on.*rotation\.rotate_immediately = false alone does not help.*testSecret`},
	{name: "password given", credentials: "engine = \"postgres\"\nhost = \"h\"\nusername = \"u\"\npassword_wo = \"current\"\npassword_wo_version = 1"},
	{name: "alternating users", rotation: "rotation = {\nstrategy = \"alternating_users\"\nmaster_secret_arn = \"arn:aws:secretsmanager:us-east-1:123456789012:secret:master-AbCdEf\"\n}"},
	{name: "no rotation at creation", rotation: `rotation = { rotate_immediately = false }`},
	{name: "rotation off", rotation: `rotation = { enabled = false }`},
}

// TestRDSSecretFirstRotationPlan plans creates whose configuration is valid attribute by attribute:
// a single-user bundle that would rotate at once without credentials.password_wo fails at plan,
// naming both attributes and the ways out; each way out plans. The provider skips its credential
// check, so no plan reaches AWS (the proxy's upstream does not exist).
func TestRDSSecretFirstRotationPlan(t *testing.T) {
	isolateAWSEnvironment(t)
	proxy, err := awsproxy.Start(context.Background(), awsproxy.Options{Listen: "127.0.0.1:0", Upstream: "http://127.0.0.1:9", DisableEventBridge: true})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	for _, c := range firstRotationConfigs {
		t.Run(c.name, func(t *testing.T) {
			step := resource.TestStep{Config: offlineProvider(c.hcl(proxy.URL())), PlanOnly: true, ExpectNonEmptyPlan: true}
			if c.want != "" {
				step.ExpectError = regexp.MustCompile(strings.ReplaceAll(c.want, " ", `\s+`))
			}
			resource.UnitTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: []resource.TestStep{step}})
		})
	}
	if calls := proxy.Calls(); len(calls) > 0 {
		t.Errorf("planning reached AWS: %d calls, first %s", len(calls), calls[0].Key())
	}
}

// offlineProvider makes the provider block of config skip the calls Configure makes (the credential
// check and the account id), so that a plan that passes validation makes no AWS call.
func offlineProvider(config string) string {
	return strings.Replace(config, "  endpoints {", "  skip_credentials_validation = true\n  skip_requesting_account_id  = true\n  endpoints {", 1)
}

// TestRDSSecretNeedsAccountID applies a valid bundle with skip_requesting_account_id = true: the plan
// warns and the apply refuses before any AWS call, rather than write policies that name any
// account's secret, rule and log group.
func TestRDSSecretNeedsAccountID(t *testing.T) {
	isolateAWSEnvironment(t)
	proxy, err := awsproxy.Start(context.Background(), awsproxy.Options{Listen: "127.0.0.1:0", Upstream: "http://127.0.0.1:9", DisableEventBridge: true})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	valid := badConfig{name: "rotation off", rotation: `rotation = { enabled = false }`}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      offlineProvider(valid.hcl(proxy.URL())),
			ExpectError: regexp.MustCompile(`(?s)Account ID required.*skip_requesting_account_id\s+=\s+true\s+leaves\s+the\s+provider\s+without\s+the\s+account\s+ID`),
		}},
	})
	if calls := proxy.Calls(); len(calls) > 0 {
		t.Errorf("the apply reached AWS without an account id: %d calls, first %s", len(calls), calls[0].Key())
	}
}
