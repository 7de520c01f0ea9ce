package bundle

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

func created(t *testing.T, f *fakeAWS) (*Spec, *State) {
	t.Helper()
	spec := testSpec()
	st, err := Create(context.Background(), f.deps(), spec)
	if err != nil {
		t.Fatal(err)
	}
	f.calls = nil
	return spec, st
}

// TestReadIsOneRoundOfAtMostTwelveCalls: eight calls read the parts, and four more the guards
// (the role's inline policy, its other inline and attached managed policies, the topic's policy),
// all in one round.
func TestReadIsOneRoundOfAtMostTwelveCalls(t *testing.T) {
	f := newFakeAWS()
	_, st := created(t, f)
	f.latency = 20 * time.Millisecond
	got, obs, err := Read(context.Background(), f.deps(), testSpec(), st)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.calls); n > 12 {
		t.Errorf("Read made %d calls: %v", n, f.ops())
	}
	for _, c := range f.calls {
		for _, other := range f.calls {
			if other.end.Before(c.start) {
				t.Fatalf("%s started after %s ended: Read is not one round", c.op, other.op)
			}
		}
	}
	if obs == nil || obs.FunctionName == "" || obs.PermissionID == "" || obs.RuleARN == "" || obs.TopicARN == "" || obs.RolePolicy == "" {
		t.Fatalf("Read lost parts that exist: %+v", obs)
	}
	if len(obs.Drifted) > 0 {
		t.Errorf("Read of a bundle as created reports %v changed outside Terraform", obs.Drifted)
	}
	if got.Credentials.Host != "db.internal" || got.Credentials.Port != 5432 {
		t.Errorf("credential keys not read back: %+v", got.Credentials)
	}
}

func TestReadReportsEachMissingPart(t *testing.T) {
	f := newFakeAWS()
	_, st := created(t, f)
	delete(f.functions, st.FunctionName)
	delete(f.permissions, st.FunctionName)
	delete(f.topics, st.TopicARN)
	_, obs, err := Read(context.Background(), f.deps(), testSpec(), st)
	if err != nil {
		t.Fatal(err)
	}
	if obs == nil {
		t.Fatal("the bundle is reported gone although its secret exists")
	}
	if obs.FunctionName != "" || obs.PermissionID != "" || obs.TopicARN != "" {
		t.Errorf("missing parts still in state: %+v", obs)
	}
	if obs.RoleName == "" || obs.RuleName == "" {
		t.Errorf("parts that exist were dropped: %+v", obs)
	}
}

// A secret deleted outside Terraform while the rest of the bundle exists keeps the bundle in state
// (so that apply replaces it or destroy removes the rest); once nothing is left, it is gone.
func TestReadDeletedSecretKeepsTheSurvivors(t *testing.T) {
	f := newFakeAWS()
	_, st := created(t, f)
	delete(f.secrets, st.SecretARN)
	_, obs, err := Read(context.Background(), f.deps(), testSpec(), st)
	if err != nil {
		t.Fatal(err)
	}
	if obs == nil || !obs.SecretDeleted {
		t.Fatalf("Read = %+v; want the survivors kept with SecretDeleted", obs)
	}
	if obs.RoleName == "" || obs.FunctionName == "" || obs.RuleName == "" || obs.LogGroupName == "" {
		t.Errorf("survivors dropped from state: %+v", obs)
	}
	if err := Delete(context.Background(), f.deps(), obs, 0); err != nil {
		t.Fatalf("destroying the survivors: %v", err)
	}
	if left := f.leftovers(); len(left) > 0 {
		t.Errorf("destroy after the secret's deletion left %v", left)
	}

	_, st = created(t, f)
	delete(f.secrets, st.SecretARN)
	for name := range f.roles {
		delete(f.roles, name)
	}
	delete(f.policies, st.RolePolicy)
	delete(f.functions, st.FunctionName)
	delete(f.permissions, st.FunctionName)
	delete(f.rules, st.RuleName)
	delete(f.targets, st.RuleName)
	delete(f.topics, st.TopicARN)
	delete(f.logGroups, st.LogGroupName)
	_, obs, err = Read(context.Background(), f.deps(), testSpec(), st)
	if err != nil || obs != nil {
		t.Fatalf("Read = %+v, %v; want the bundle gone when no part is left", obs, err)
	}
}

func TestUpdateRecreatesOnlyTheMissingPart(t *testing.T) {
	f := newFakeAWS()
	spec, st := created(t, f)
	delete(f.rules, st.RuleName)
	delete(f.targets, st.RuleName)
	_, obs, err := Read(context.Background(), f.deps(), spec, st)
	if err != nil {
		t.Fatal(err)
	}
	f.calls = nil
	next, err := Update(context.Background(), f.deps(), spec, testSpec(), obs)
	if err != nil {
		t.Fatal(err)
	}
	ops := f.ops()
	for _, op := range []string{"CreateSecret", "CreateRole", "CreateFunction", "CreateTopic", "AddPermission", "RotateSecret", "PutSecretValue", "UpdateFunctionConfiguration"} {
		if slices.Contains(ops, op) {
			t.Errorf("Update called %s although that part was unchanged: %v", op, ops)
		}
	}
	if !slices.Contains(ops, "PutRule") || !slices.Contains(ops, "PutTargets") || next.RuleARN == "" {
		t.Errorf("the rule was not re-created: %v", ops)
	}
}

func TestUpdateNeverWritesThePasswordBack(t *testing.T) {
	f := newFakeAWS()
	spec, st := created(t, f)
	f.secrets[st.SecretARN] = `{"engine":"postgres","host":"db.internal","port":5432,"username":"app","password":"rotated-by-lambda","extra":"kept"}`
	changed := testSpec()
	changed.Credentials.Host = "db2.internal"
	if _, err := Update(context.Background(), f.deps(), spec, changed, st); err != nil {
		t.Fatal(err)
	}
	value := f.secrets[st.SecretARN]
	for _, want := range []string{`"host":"db2.internal"`, `"password":"rotated-by-lambda"`, `"extra":"kept"`} {
		if !strings.Contains(value, want) {
			t.Errorf("new value %s lacks %s", value, want)
		}
	}
}

func TestUpdateChangesScheduleAndFunctionInPlace(t *testing.T) {
	f := newFakeAWS()
	spec, st := created(t, f)
	changed := testSpec()
	changed.Rotation.AutomaticallyAfterDays = 7
	changed.Rotation.Lambda.MemorySize = 256
	changed.Tags = map[string]string{"team": "payments"}
	if _, err := Update(context.Background(), f.deps(), spec, changed, st); err != nil {
		t.Fatal(err)
	}
	ops := f.ops()
	for _, op := range []string{"RotateSecret", "UpdateFunctionConfiguration", "secretsmanager.TagResource", "TagRole"} {
		if !slices.Contains(ops, op) {
			t.Errorf("Update did not call %s: %v", op, ops)
		}
	}
	if slices.Contains(ops, "CreateFunction") || slices.Contains(ops, "CreateSecret") {
		t.Errorf("Update replaced parts: %v", ops)
	}
}

func TestUpdateDisablingTheAlertDeletesRuleAndCreatedTopic(t *testing.T) {
	f := newFakeAWS()
	spec, st := created(t, f)
	changed := testSpec()
	changed.Alert.Enabled = false
	next, err := Update(context.Background(), f.deps(), spec, changed, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.rules) > 0 || len(f.topics) > 0 || next.RuleName != "" || next.TopicARN != "" {
		t.Errorf("rule or topic left: rules %v topics %v state %+v", f.rules, f.topics, next)
	}
}

func TestDeleteRemovesEverythingSecretLast(t *testing.T) {
	f := newFakeAWS()
	_, st := created(t, f)
	if err := Delete(context.Background(), f.deps(), st, 7); err != nil {
		t.Fatal(err)
	}
	if left := f.leftovers(); len(left) > 0 {
		t.Errorf("left after delete: %v", left)
	}
	ops := f.ops()
	if ops[len(ops)-1] != "DeleteSecret" {
		t.Errorf("the secret was not deleted last: %v", ops)
	}
}

func TestDeleteKeepsAGivenTopic(t *testing.T) {
	f := newFakeAWS()
	spec := testSpec()
	spec.Alert.TopicARN = "arn:aws:sns:us-east-1:123456789012:existing"
	f.topics[spec.Alert.TopicARN] = true
	st, err := Create(context.Background(), f.deps(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := Delete(context.Background(), f.deps(), st, 0); err != nil {
		t.Fatal(err)
	}
	if !f.topics[spec.Alert.TopicARN] {
		t.Error("the given topic was deleted")
	}
}

func TestDeleteToleratesPartsAlreadyGone(t *testing.T) {
	f := newFakeAWS()
	_, st := created(t, f)
	delete(f.functions, st.FunctionName)
	delete(f.rules, st.RuleName)
	if err := Delete(context.Background(), f.deps(), st, 0); err != nil {
		t.Fatal(err)
	}
}

// A secret already scheduled for deletion (deleted out of band, or by a destroy that stopped
// half-way) is as good as gone: destroy removes the other parts and succeeds, whichever of Secrets
// Manager's two wordings DeleteSecret answers with.
func TestDeleteToleratesASecretAlreadyScheduledForDeletion(t *testing.T) {
	for _, message := range []string{
		"You tried to perform the operation on a secret that's currently marked deleted.",
		"You can't perform this operation on the secret because it was marked for deletion.",
	} {
		f := newFakeAWS()
		_, st := created(t, f)
		f.fail("DeleteSecret", apiError("InvalidRequestException", message))
		if err := Delete(context.Background(), f.deps(), st, 7); err != nil {
			t.Errorf("%q: %v", message, err)
		}
		if _, ok := f.functions[st.FunctionName]; ok {
			t.Errorf("%q: the rotator was left behind", message)
		}
	}
	// Any other InvalidRequestException still fails the destroy.
	f := newFakeAWS()
	_, st := created(t, f)
	f.fail("DeleteSecret", apiError("InvalidRequestException", "You can't delete secret that has replicas."))
	if err := Delete(context.Background(), f.deps(), st, 7); err == nil {
		t.Error("a refused DeleteSecret did not fail the destroy")
	}
}

func TestReadReportsTheErrorOfAStuckRotation(t *testing.T) {
	f := newFakeAWS()
	_, st := created(t, f)
	f.logEvents = []string{`{"step":"testSecret","token":"rotated","outcome":"failed","code":"login_failed","error":"pending password refused"}`}
	deps := f.deps()
	deps.AWS.SecretsManager = neverRotates{fakeSecrets{f: f}}
	_, obs, err := Read(context.Background(), deps, testSpec(), st)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(obs.LastRotationError, "login_failed") || !obs.RotationFailed {
		t.Errorf("LastRotationError = %q, RotationFailed = %v", obs.LastRotationError, obs.RotationFailed)
	}
	f.calls = nil
	if _, obs, _ := Read(context.Background(), f.deps(), testSpec(), st); obs.RotationFailed || slices.Contains(f.ops(), "FilterLogEvents") {
		t.Errorf("a finished rotation should not read the log: %q %v", obs.LastRotationError, f.ops())
	}
}

func TestFindAndSweepLocateEveryPartByTheSecret(t *testing.T) {
	f := newFakeAWS()
	_, st := created(t, f)
	_, got, err := Find(context.Background(), f.deps(), "prod/orders/db")
	if err != nil {
		t.Fatal(err)
	}
	if got.SecretARN != st.SecretARN || got.FunctionName != st.FunctionName || got.RoleName != st.RoleName ||
		got.RuleName != st.RuleName || got.TopicARN != st.TopicARN || !got.TopicCreated || got.PermissionID != st.PermissionID {
		t.Errorf("Find = %+v, want the parts of %+v", got, st)
	}
	swept, err := Sweep(context.Background(), f.deps(), "prod/")
	if err != nil || len(swept) != 1 {
		t.Fatalf("Sweep = %v, %v", swept, err)
	}
	if left := f.leftovers(); len(left) > 0 {
		t.Errorf("left after the sweep: %v", left)
	}
}

func TestUpdateDeploysANewRotatorBuild(t *testing.T) {
	f := newFakeAWS()
	spec, st := created(t, f)
	st.CodeSHA256 = "hash of the previous provider release's rotator"
	next, err := Update(context.Background(), f.deps(), spec, testSpec(), st)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(f.ops(), "UpdateFunctionCode") || next.CodeSHA256 != CodeSHA256([]byte("zip for arm64")) {
		t.Errorf("the new rotator was not deployed: %v, hash %q", f.ops(), next.CodeSHA256)
	}
	f.calls = nil
	if _, err := Update(context.Background(), f.deps(), spec, testSpec(), next); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(f.ops(), "UpdateFunctionCode") {
		t.Error("the same rotator was deployed again")
	}
}

// A read that Find cannot make is an error naming the part, never taken for "none": an import that
// took a denied DescribeLogGroups for "no retention" planned the retention away.
func TestFindReportsAReadItCannotMake(t *testing.T) {
	for op, want := range map[string]string{
		"DescribeLogGroups": "reading CloudWatch Logs log group",
		"GetPolicy":         "reading the resource policy of Lambda function",
	} {
		t.Run(op, func(t *testing.T) {
			f := newFakeAWS()
			created(t, f)
			f.fail(op, apiError("AccessDeniedException", "User: arn:aws:iam::123456789012:user/ops is not authorized"))
			_, _, err := Find(context.Background(), f.deps(), "prod/orders/db")
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "not authorized") {
				t.Fatalf("Find = %v, want an error %q with AWS's message", err, want)
			}
		})
	}
}
