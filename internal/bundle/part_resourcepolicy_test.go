package bundle

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

const appReader = "arn:aws:iam::123456789012:role/app-*"

func withReaders() *Spec {
	spec := testSpec()
	spec.Readers = []string{appReader}
	return spec
}

func TestCreatePutsTheReadersPolicyWithBlockPublicPolicy(t *testing.T) {
	f := newFakeAWS()
	st, err := Create(context.Background(), f.deps(), withReaders())
	if err != nil {
		t.Fatal(err)
	}
	var put *secretsmanager.PutResourcePolicyInput
	for _, c := range f.calls {
		if in, ok := c.input.(*secretsmanager.PutResourcePolicyInput); ok {
			put = in
		}
	}
	if put == nil || !aws.ToBool(put.BlockPublicPolicy) || aws.ToString(put.SecretId) != st.SecretARN {
		t.Fatalf("PutResourcePolicy = %+v, want the secret's policy with BlockPublicPolicy", put)
	}
	policy := aws.ToString(put.ResourcePolicy)
	for _, want := range []string{`"Effect":"Deny"`, "secretsmanager:GetSecretValue", appReader, st.RoleARN, "StringNotLike", "aws:PrincipalArn"} {
		if !strings.Contains(policy, want) {
			t.Errorf("readers policy %s lacks %s", policy, want)
		}
	}
	if st.ResourcePolicy != policy {
		t.Errorf("state records %q, want the policy put", st.ResourcePolicy)
	}
}

func TestCreateWithoutPolicyOrReadersPutsNone(t *testing.T) {
	f := newFakeAWS()
	st, err := Create(context.Background(), f.deps(), testSpec())
	if err != nil {
		t.Fatal(err)
	}
	if contains(f.ops(), "PutResourcePolicy") || st.ResourcePolicy != "" {
		t.Errorf("a bundle without policy or readers put one: %v, %q", f.ops(), st.ResourcePolicy)
	}
}

// A configured policy changed outside Terraform is drift of policy; one removed is a missing part;
// the same policy in other words is no change. Update puts the configured one back.
func TestReadReportsAndUpdateRepairsResourcePolicyDrift(t *testing.T) {
	configured := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"secretsmanager:DeleteSecret","Resource":"*"}]}`
	reworded := `{"Statement":[{"Resource":"*","Action":["secretsmanager:DeleteSecret"],"Principal":{"AWS":["*"]},"Effect":"Deny"}],"Version":"2012-10-17"}`
	changed := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:*","Resource":"*"}]}`
	for _, tc := range []struct {
		name       string
		outside    *string // nil removes the policy
		wantSpec   string
		wantAction Action
	}{
		{"reworded", &reworded, configured, Keep},
		{"changed", &changed, changed, Modify},
		{"removed", nil, "", Add},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAWS()
			spec := testSpec()
			spec.ResourcePolicy = configured
			st, err := Create(context.Background(), f.deps(), spec)
			if err != nil {
				t.Fatal(err)
			}
			if tc.outside == nil {
				delete(f.resourcePolicies, st.SecretARN)
			} else {
				f.resourcePolicies[st.SecretARN] = *tc.outside
			}
			observed, obs, err := Read(context.Background(), f.deps(), spec, st)
			if err != nil {
				t.Fatal(err)
			}
			if observed.ResourcePolicy != tc.wantSpec {
				t.Errorf("observed policy = %q, want %q", observed.ResourcePolicy, tc.wantSpec)
			}
			if got := Plan(spec, spec, obs)[PartResourcePolicy]; got != tc.wantAction {
				t.Errorf("Plan = %v, want %v", got, tc.wantAction)
			}
			f.calls = nil
			next, err := Update(context.Background(), f.deps(), spec, spec, obs)
			if err != nil {
				t.Fatal(err)
			}
			if put := contains(f.ops(), "PutResourcePolicy"); put != (tc.wantAction != Keep) {
				t.Errorf("Update put the policy: %v, want %v (%v)", put, tc.wantAction != Keep, f.ops())
			}
			if !PoliciesEquivalent(f.resourcePolicies[st.SecretARN], configured) || !PoliciesEquivalent(next.ResourcePolicy, configured) {
				t.Errorf("after Update the secret has %q, state %q; want the configured policy", f.resourcePolicies[st.SecretARN], next.ResourcePolicy)
			}
		})
	}
}

func TestReadersPolicyChangedOutsideIsPutBack(t *testing.T) {
	f := newFakeAWS()
	spec := withReaders()
	st, err := Create(context.Background(), f.deps(), spec)
	if err != nil {
		t.Fatal(err)
	}
	f.resourcePolicies[st.SecretARN] = ReadersPolicy([]string{"arn:aws:iam::123456789012:role/intruder"}, st.RoleARN).String()
	_, obs, err := Read(context.Background(), f.deps(), spec, st)
	if err != nil {
		t.Fatal(err)
	}
	if got := Plan(spec, spec, obs)[PartResourcePolicy]; got != Modify {
		t.Fatalf("Plan = %v for a readers policy changed outside, want Modify", got)
	}
	if _, err := Update(context.Background(), f.deps(), spec, spec, obs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.resourcePolicies[st.SecretARN], appReader) || strings.Contains(f.resourcePolicies[st.SecretARN], "intruder") {
		t.Errorf("policy after Update = %s, want the readers' again", f.resourcePolicies[st.SecretARN])
	}
}

func TestUpdateWithoutReadersDeletesThePolicy(t *testing.T) {
	f := newFakeAWS()
	spec := withReaders()
	st, err := Create(context.Background(), f.deps(), spec)
	if err != nil {
		t.Fatal(err)
	}
	next, err := Update(context.Background(), f.deps(), spec, testSpec(), st)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.resourcePolicies[st.SecretARN]; ok || next.ResourcePolicy != "" {
		t.Errorf("the policy stayed after readers were removed: %q", next.ResourcePolicy)
	}
}

func TestFindImportsTheResourcePolicy(t *testing.T) {
	f := newFakeAWS()
	st, err := Create(context.Background(), f.deps(), withReaders())
	if err != nil {
		t.Fatal(err)
	}
	_, found, err := Find(context.Background(), f.deps(), "prod/orders/db")
	if err != nil {
		t.Fatal(err)
	}
	if found.ResourcePolicy != st.ResourcePolicy {
		t.Errorf("Find = %q, want the policy %q", found.ResourcePolicy, st.ResourcePolicy)
	}
	f.fail("GetResourcePolicy", apiError("AccessDeniedException", "not authorized to GetResourcePolicy"))
	if _, _, err := Find(context.Background(), f.deps(), "prod/orders/db"); err == nil || !strings.Contains(err.Error(), "reading the resource policy of secret") {
		t.Errorf("a denied GetResourcePolicy on import = %v, want an error naming the part", err)
	}
}

func TestCheckResourcePolicy(t *testing.T) {
	for policy, want := range map[string]error{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"secretsmanager:*","Resource":"*"}]}`:                                     nil,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:*","Resource":"*"}}`: nil,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`:                       errPolicyPublic,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:root","*"]},"Action":"x","Resource":"*"}]}`:        errPolicyPublic,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"x","Resource":"*"}}`:                                             errPolicyPublic,
		`{"Version":"2012-10-17"}`: errPolicyStatement,
		`not json`:                 errPolicyNotJSON,
		`{"Statement":"x"}`:        errPolicyNotJSON,
	} {
		if err := CheckResourcePolicy(policy); !errors.Is(err, want) || (want == nil) != (err == nil) {
			t.Errorf("CheckResourcePolicy(%s) = %v, want %v", policy, err, want)
		}
	}
}

func TestPoliciesEquivalent(t *testing.T) {
	a := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	b := `{"Statement":[{"Action":["secretsmanager:GetSecretValue"],"Resource":"*","Effect":"Deny","Principal":{"AWS":["*"]}}],"Version":"2012-10-17"}`
	if !PoliciesEquivalent(a, b) || PoliciesEquivalent(a, "") || !PoliciesEquivalent("", "") || PoliciesEquivalent(a, strings.Replace(a, "Deny", "Allow", 1)) {
		t.Error("PoliciesEquivalent does not compare by meaning")
	}
}
