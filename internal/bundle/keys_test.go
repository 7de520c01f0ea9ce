package bundle

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/kms"
)

const (
	testKeyARN    = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	testMasterKey = "arn:aws:kms:us-east-1:123456789012:key/9999abcd-12ab-34cd-56ef-1234567890ab"
	otherAccount  = "arn:aws:kms:us-east-1:210987654321:key/5555abcd-12ab-34cd-56ef-1234567890ab"
	awsManagedKey = "arn:aws:kms:us-east-1:123456789012:key/0000abcd-12ab-34cd-56ef-1234567890ab"
)

// sentRolePolicy is the statements of the one PutRolePolicy a create sent, by Sid.
func sentRolePolicy(t *testing.T, f *fakeAWS) map[string]map[string]any {
	t.Helper()
	in := sentOnce[*iam.PutRolePolicyInput](t, f, "PutRolePolicy")
	var doc struct{ Statement []map[string]any }
	if err := json.Unmarshal([]byte(aws.ToString(in.PolicyDocument)), &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, s := range doc.Statement {
		sid, _ := s["Sid"].(string)
		out[sid] = s
	}
	return out
}

// kms_key_id in each of its forms grants the rotator the key by its ARN: a key ARN (of this account
// or another) as it is, without a call; an alias name, alias ARN or key id resolved with
// DescribeKey; an AWS managed key needs no grant.
func TestRolePolicyGrantsTheKeyInEveryForm(t *testing.T) {
	for _, c := range []struct {
		keyID, want string
		describes   bool
	}{
		{testKeyARN, testKeyARN, false},
		{otherAccount, otherAccount, false},
		{"alias/orders", testKeyARN, true},
		{"arn:aws:kms:us-east-1:123456789012:alias/orders", testKeyARN, true},
		{"1234abcd-12ab-34cd-56ef-1234567890ab", testKeyARN, true},
		{"alias/managed", "", true},
		{"alias/aws/secretsmanager", "", false},
	} {
		t.Run(c.keyID, func(t *testing.T) {
			f := newFakeAWS()
			for _, id := range []string{"alias/orders", "arn:aws:kms:us-east-1:123456789012:alias/orders", "1234abcd-12ab-34cd-56ef-1234567890ab"} {
				f.keys[id] = testKeyARN
			}
			f.keys["alias/managed"], f.awsManaged[awsManagedKey] = awsManagedKey, true
			spec := testSpec()
			spec.KMSKeyID = c.keyID
			st, err := Create(context.Background(), f.deps(), spec)
			if err != nil {
				t.Fatal(err)
			}
			grant, granted := sentRolePolicy(t, f)["UseSecretKey"]
			if c.want == "" && granted {
				t.Errorf("an AWS managed key got a grant: %v", grant)
			}
			if c.want != "" && (!granted || grant["Resource"] != c.want) {
				t.Errorf("grant %v, want Decrypt and GenerateDataKey on %s", grant, c.want)
			}
			if st.KeyARNs.Secret != c.want {
				t.Errorf("State.KeyARNs.Secret = %q, want %q", st.KeyARNs.Secret, c.want)
			}
			if got := len(sent[*kms.DescribeKeyInput](t, f, "DescribeKey")); (got > 0) != c.describes {
				t.Errorf("%d DescribeKey calls, want a call: %v", got, c.describes)
			}
		})
	}
}

// A key that cannot be resolved stops the create at the role policy, naming kms_key_id and the two
// ways out; nothing is granted on a guess.
func TestUnresolvableKeyFailsTheCreate(t *testing.T) {
	f := newFakeAWS()
	spec := testSpec()
	spec.KMSKeyID = "alias/none"
	_, err := Create(context.Background(), f.deps(), spec)
	if err == nil || !strings.Contains(err.Error(), `resolving kms_key_id "alias/none"`) || !strings.Contains(err.Error(), "give the key ARN") {
		t.Fatalf("err = %v; want the key named with the ways out", err)
	}
	if len(sent[*iam.PutRolePolicyInput](t, f, "PutRolePolicy")) != 0 {
		t.Error("the role policy was put although the key was not resolved")
	}
}

// Alternating users: the master secret's customer managed key is granted kms:Decrypt for the master
// secret only; a master under the AWS managed key, or one that cannot be described, gets none.
func TestRolePolicyGrantsTheMasterSecretsKey(t *testing.T) {
	const master = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1234-AbCdEf"
	for name, c := range map[string]struct {
		kmsKeyID string
		want     string
	}{
		"customer managed key by ARN": {testMasterKey, testMasterKey},
		"customer managed key by id":  {"9999abcd-12ab-34cd-56ef-1234567890ab", testMasterKey},
		"AWS managed key":             {"", ""},
		"not described":               {"fail", ""},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeAWS()
			f.keys["9999abcd-12ab-34cd-56ef-1234567890ab"] = testMasterKey
			f.secrets[master] = `{"username":"postgres","password":"master-password"}`
			if c.kmsKeyID != "fail" {
				f.secretKeys[master] = c.kmsKeyID
			}
			spec := testSpec()
			spec.Rotation.Strategy, spec.Rotation.MasterSecretARN = StrategyAlternatingUsers, master
			if c.kmsKeyID == "fail" {
				delete(f.secrets, master) // DescribeSecret of the master answers not found
			}
			if _, err := Create(context.Background(), f.deps(), spec); err != nil {
				t.Fatal(err)
			}
			grant, granted := sentRolePolicy(t, f)["UseMasterSecretKey"]
			if c.want == "" && granted {
				t.Fatalf("master key grant %v, want none", grant)
			}
			if c.want != "" {
				condition, _ := json.Marshal(grant["Condition"])
				if !granted || grant["Resource"] != c.want || grant["Action"] != "kms:Decrypt" || !strings.Contains(string(condition), master) {
					t.Errorf("master key grant %v (condition %s), want kms:Decrypt on %s for %s only", grant, condition, c.want, master)
				}
			}
		})
	}
}

// Refresh and import read the granted keys back from the role policy as RolePolicy writes them.
func TestGrantedKeysReadBack(t *testing.T) {
	a := arnContext{Partition: "aws", Region: "us-east-1", AccountID: "123456789012"}
	spec := testSpec()
	spec.Rotation.Strategy, spec.Rotation.MasterSecretARN = StrategyAlternatingUsers, "arn:aws:secretsmanager:us-east-1:123456789012:secret:m-AbCdEf"
	want := KeyARNs{Secret: testKeyARN, Master: testMasterKey}
	if got := grantedKeys(RolePolicy(a, spec, "/aws/lambda/f", want).String()); got != want {
		t.Errorf("grantedKeys = %+v, want %+v", got, want)
	}
	if got := grantedKeys(RolePolicy(a, testSpec(), "/aws/lambda/f").String()); got != (KeyARNs{}) {
		t.Errorf("grantedKeys of a policy without keys = %+v", got)
	}
	if got := grantedKeys("not json"); got != (KeyARNs{}) {
		t.Errorf("grantedKeys of a broken document = %+v", got)
	}
}
