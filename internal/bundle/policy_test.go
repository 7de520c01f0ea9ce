package bundle

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials"
)

func statements(t *testing.T, doc PolicyDocument) map[string]map[string]any {
	t.Helper()
	var parsed struct {
		Statement []map[string]any
	}
	if err := json.Unmarshal([]byte(doc.String()), &parsed); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, s := range parsed.Statement {
		sid, _ := s["Sid"].(string)
		out[sid] = s
	}
	return out
}

func TestRolePolicyIsScopedToTheSecret(t *testing.T) {
	a := arnContext{Partition: "aws", Region: "us-east-1", AccountID: "123456789012"}
	spec := testSpec()
	got := statements(t, RolePolicy(a, spec, "/aws/lambda/f"))
	if r := got["RotateThisSecret"]["Resource"]; r != "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/db-??????" {
		t.Errorf("secret statement resource = %v", r)
	}
	if r := got["WriteOwnLogs"]["Resource"]; r != "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:*" {
		t.Errorf("logs resource = %v", r)
	}
	for _, sid := range []string{"UseSecretKey", "ReadMasterSecret", "RunInVPC"} {
		if _, ok := got[sid]; ok {
			t.Errorf("statement %s present without a CMK, master secret or VPC", sid)
		}
	}

	spec.KMSKeyID = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	spec.Rotation.Strategy = StrategyAlternatingUsers
	spec.Rotation.MasterSecretARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:master-AbCdEf"
	spec.Rotation.Lambda.SubnetIDs = []string{"subnet-0123456789abcdef0"}
	got = statements(t, RolePolicy(a, spec, "/aws/lambda/f"))
	kms := got["UseSecretKey"]
	if kms["Resource"] != spec.KMSKeyID || !strings.Contains(mustJSON(t, kms["Condition"]), "kms:EncryptionContext:SecretARN") {
		t.Errorf("KMS statement = %v", kms)
	}
	if got["ReadMasterSecret"]["Resource"] != spec.Rotation.MasterSecretARN {
		t.Errorf("master statement = %v", got["ReadMasterSecret"])
	}
	if _, ok := got["RunInVPC"]; !ok {
		t.Error("no ENI statement for a function in a VPC")
	}
}

func TestTopicPolicyAllowsOnlyTheRule(t *testing.T) {
	a := arnContext{Partition: "aws", Region: "us-east-1", AccountID: "123456789012"}
	got := statements(t, TopicPolicy(a, "arn:aws:sns:us-east-1:123456789012:t", "r"))["AllowThisRuleToPublish"]
	if !strings.Contains(mustJSON(t, got["Condition"]), `"aws:SourceArn":"arn:aws:events:us-east-1:123456789012:rule/r"`) {
		t.Errorf("topic policy condition = %v", got["Condition"])
	}
	if !strings.Contains(mustJSON(t, got["Principal"]), "events.amazonaws.com") {
		t.Errorf("topic policy principal = %v", got["Principal"])
	}
}

func TestPartialARN(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:secretsmanager:us-east-1:1:secret:app/db-AbCdEf":   "arn:aws:secretsmanager:us-east-1:1:secret:app/db",
		"arn:aws:secretsmanager:us-east-1:1:secret:app/db-2-xYz123": "arn:aws:secretsmanager:us-east-1:1:secret:app/db-2",
		"arn:aws:secretsmanager:us-east-1:1:secret:abcdefg":         "",
		"arn:aws:secretsmanager:us-east-1:1:secret:ab-cdef":         "",
		"not an arn": "",
	} {
		if got := partialARN(arn); got != want {
			t.Errorf("partialARN(%s) = %q, want %q", arn, got, want)
		}
	}
}

func TestAlertEventsNameTheSecret(t *testing.T) {
	for _, e := range []string{"ListSecrets", "GetRandomPassword"} {
		if slices.Contains(AlertEvents, e) {
			t.Errorf("AlertEvents offers %s, whose CloudTrail record never names a secret", e)
		}
	}
	for _, e := range ReadOnlyEvents {
		if !slices.Contains(AlertEvents, e) && e != "ListSecrets" && e != "GetRandomPassword" {
			t.Errorf("AlertEvents lacks the read-only %s", e)
		}
	}
}

func TestEventPatternAndRuleState(t *testing.T) {
	pattern := EventPattern("prod/db", "arn:aws:secretsmanager:us-east-1:1:secret:prod/db-AbCdEf", []string{"DeleteSecret"})
	for _, want := range []string{`"source":["aws.secretsmanager"]`, `"detail-type":["AWS API Call via CloudTrail"]`, `"eventName":["DeleteSecret"]`, `"secretId":["prod/db","arn:aws:secretsmanager:us-east-1:1:secret:prod/db-AbCdEf","arn:aws:secretsmanager:us-east-1:1:secret:prod/db"]`,
		`{"responseElements":{"aRN":["arn:aws:secretsmanager:us-east-1:1:secret:prod/db-AbCdEf"]}}`, `{"responseElements":{"arn":["arn:aws:secretsmanager:us-east-1:1:secret:prod/db-AbCdEf"]}}`,
		`{"resources":{"ARN":["arn:aws:secretsmanager:us-east-1:1:secret:prod/db-AbCdEf"]}}`, `{"requestParameters":{"name":["prod/db"]}}`} {
		if !strings.Contains(pattern, want) {
			t.Errorf("pattern %s lacks %s", pattern, want)
		}
	}
	if RuleState([]string{"DeleteSecret"}) != "ENABLED" || RuleState([]string{"DeleteSecret", "GetSecretValue"}) != "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS" {
		t.Error("rule state does not follow read-only events")
	}
}

func TestDerivedNamesAreValidAndUnique(t *testing.T) {
	long := strings.Repeat("x", 200)
	for _, name := range []string{"prod/orders/db", "prod.orders.db", long, long + "y", "a+b=c@d"} {
		for _, derived := range []string{FunctionName(name, ""), RoleName("ap-southeast-2", name), RoleName("us-gov-west-1", name), RuleName(name)} {
			if len(derived) > 64 || strings.ContainsAny(derived, "/.+=@") {
				t.Errorf("derived name %q of %q is not a valid Lambda/IAM/EventBridge name", derived, name)
			}
		}
	}
	if RoleName("us-east-1", "prod/orders/db") == RoleName("us-east-1", "prod.orders.db") || RoleName("us-east-1", long) == RoleName("us-east-1", long+"y") {
		t.Error("distinct secret names derive the same role name")
	}
	// IAM is global: the same secret name in two regions of one account has two roles.
	for _, name := range []string{"prod/orders/db", "app", long} {
		if RoleName("eu-west-1", name) == RoleName("eu-west-2", name) {
			t.Errorf("the role of secret %q has one name in two regions: %s", name, RoleName("eu-west-1", name))
		}
	}
	if got := RoleName("eu-west-1", "app"); got != "secretsbundle-rotator-eu-west-1-app" {
		t.Errorf("role name %q; want the region after the prefix", got)
	}
	if FunctionName("x", "mine") != "mine" {
		t.Error("a configured function name is not used")
	}
}

const (
	lowercase   = credentials.LowercaseCharacters
	uppercase   = credentials.UppercaseCharacters
	digits      = credentials.NumberCharacters
	punctuation = credentials.PunctuationCharacters
)

func TestGeneratePassword(t *testing.T) {
	password, err := firstPassword(Rotation{PasswordLength: 32, ExcludeCharacters: ":/@\"'\\"})
	if err != nil {
		t.Fatal(err)
	}
	if len(password) != 32 || strings.ContainsAny(password, ":/@\"'\\") {
		t.Errorf("password of length %d contains excluded characters", len(password))
	}
	for _, class := range []string{lowercase, uppercase, digits} {
		if !strings.ContainsAny(password, class) {
			t.Errorf("password lacks a character of %q", class)
		}
	}
	if _, err := firstPassword(Rotation{PasswordLength: 8, ExcludeCharacters: lowercase + uppercase + digits + punctuation}); err == nil {
		t.Error("excluding every character should fail")
	}
}

func TestSecretJSONKeepsPasswordAndUnknownKeys(t *testing.T) {
	spec := testSpec()
	ssl := true
	spec.Credentials.SSL = &ssl
	value, err := secretJSON(spec, `{"password":"from-rotation","custom":1,"host":"old"}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"password":"from-rotation"`, `"custom":1`, `"host":"db.internal"`, `"ssl":true`, `"port":5432`} {
		if !strings.Contains(value, want) {
			t.Errorf("%s lacks %s", value, want)
		}
	}
	if _, err := secretJSON(spec, ""); err == nil {
		t.Error("a value without any password should be refused")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSecretJSONKeepsTheAlternatingClone(t *testing.T) {
	spec := testSpec()
	value, err := secretJSON(spec, `{"username":"app_clone","password":"clone-password"}`)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(value, `"username":"app_clone"`) || !strings.Contains(value, `"password":"clone-password"`) {
		t.Errorf("an update split the clone from its password: %s", value)
	}
	spec.Credentials.Password = "pushed"
	value, _ = secretJSON(spec, `{"username":"app_clone","password":"clone-password"}`)
	if !strings.Contains(value, `"username":"app"`) {
		t.Errorf("a pushed password must go with the configured user: %s", value)
	}
}
