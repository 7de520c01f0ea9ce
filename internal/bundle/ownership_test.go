package bundle

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// deletes lists the delete calls in the record.
func deletes(f *fakeAWS) []string {
	var out []string
	for _, op := range f.ops() {
		if strings.HasPrefix(op, "Delete") || op == "Unsubscribe" || op == "RemoveTargets" || op == "RemovePermission" {
			out = append(out, op)
		}
	}
	return out
}

// A second workspace applying the same bundle: the secret's name is taken, and so are the role's
// and the log group's; SNS would answer CreateTopic with the first bundle's topic. The create fails,
// and its rollback deletes nothing of the first bundle (it used to delete its topic).
func TestCreateOfASecondWorkspaceLeavesTheFirstBundleIntact(t *testing.T) {
	f := newFakeAWS()
	first, err := Create(context.Background(), f.deps(), testSpec())
	if err != nil {
		t.Fatal(err)
	}
	before, subscriptions := f.leftovers(), slices.Clone(f.subscriptions[first.TopicARN])
	f.age()
	f.calls = nil
	f.fail("CreateSecret", apiError("ResourceExistsException", "The operation failed because the secret prod/orders/db already exists."))
	f.fail("CreateRole", apiError("EntityAlreadyExists", "Role with name "+RoleName("us-east-1", "prod/orders/db")+" already exists."))
	f.fail("CreateLogGroup", apiError("ResourceAlreadyExistsException", "The specified log group already exists"))
	st, err := Create(context.Background(), f.deps(), testSpec())
	if err == nil || st != nil {
		t.Fatalf("second Create = %+v, %v; want an error and no state", st, err)
	}
	for _, want := range []string{"SNS topic " + first.TopicARN + " already exists and this apply did not create it", "another Terraform state", "secret prod/orders/db already exists"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if slices.Contains(f.ops(), "CreateTopic") {
		t.Error("CreateTopic was called for a topic that exists: SNS would answer with the first bundle's")
	}
	if d := deletes(f); len(d) > 0 {
		t.Errorf("the rollback deleted %v of the first bundle", d)
	}
	if after := f.leftovers(); !slices.Equal(after, before) {
		t.Errorf("objects after the second create = %v, want the first bundle's %v", after, before)
	}
	if !slices.Equal(f.subscriptions[first.TopicARN], subscriptions) {
		t.Errorf("the first bundle's subscriptions are now %v, were %v", f.subscriptions[first.TopicARN], subscriptions)
	}
}

// A rule of the bundle's name that this apply did not make (PutRule would overwrite it) fails the
// create, naming whose it is, and is neither changed nor deleted.
func TestCreateNeverTakesARuleAlreadyThere(t *testing.T) {
	for tag, want := range map[string]string{
		"":               "has no tag secretsbundle:bundle",
		"prod/orders/db": "another Terraform state (workspace) manages, or that an interrupted apply left",
		"other/secret":   `"other/secret", another bundle's`,
	} {
		t.Run(tag, func(t *testing.T) {
			f := newFakeAWS()
			name := RuleName("prod/orders/db")
			f.rules[name] = true
			f.tags[name] = map[string]string{}
			if tag != "" {
				f.tags[name][BundleTagKey] = tag
			}
			_, err := Create(context.Background(), f.deps(), testSpec())
			if err == nil || !strings.Contains(err.Error(), "EventBridge rule "+name+" already exists and this apply did not create it") || !strings.Contains(err.Error(), want) {
				t.Fatalf("Create = %v; want the rule named as already there, %q", err, want)
			}
			if slices.Contains(f.ops(), "PutRule") || slices.Contains(f.ops(), "DeleteRule") || !f.rules[name] {
				t.Errorf("the rule already there was put or deleted: %v", f.ops())
			}
			if left := f.leftovers(); !slices.Equal(left, []string{"rule " + name}) {
				t.Errorf("left after the rollback: %v; want only the rule that was there", left)
			}
		})
	}
}

// A look-up before a create that got no answer (a dropped connection) is not a create whose answer
// was lost: the rollback must not look for the object by name and tag and delete it, since the
// bundle of a second workspace carries the same tag.
func TestRollbackDoesNotDeleteWhatAFailedLookUpFound(t *testing.T) {
	for _, op := range []string{"GetTopicAttributes", "DescribeRule"} {
		t.Run(op, func(t *testing.T) {
			f := newFakeAWS()
			first, err := Create(context.Background(), f.deps(), testSpec())
			if err != nil {
				t.Fatal(err)
			}
			// The second create's secret, role and log group are its own (another region's, say).
			delete(f.secrets, first.SecretARN)
			delete(f.roles, first.RoleName)
			delete(f.policies, first.RoleName)
			delete(f.logGroups, first.LogGroupName)
			delete(f.functions, first.FunctionName)
			if op == "DescribeRule" {
				delete(f.topics, first.TopicARN)
			}
			f.calls = nil
			f.fail(op, errors.New("read tcp 127.0.0.1:4566: connection reset by peer"))
			if _, err := Create(context.Background(), f.deps(), testSpec()); err == nil || !strings.Contains(err.Error(), "before creating it") {
				t.Fatalf("Create = %v; want the failed look-up", err)
			}
			if op == "GetTopicAttributes" && (!f.topics[first.TopicARN] || slices.Contains(f.ops(), "DeleteTopic")) {
				t.Errorf("the topic already there was deleted: %v", f.ops())
			}
			if !f.rules[first.RuleName] || slices.Contains(f.ops(), "DeleteRule") {
				t.Errorf("the rule already there was deleted: %v", f.ops())
			}
		})
	}
}

// Import takes only the parts that carry the bundle's tag, so that a destroy after it deletes
// nothing the bundle did not make: a role, log group and rule of the derived names without the tag
// stay out of state and outlive the destroy.
func TestImportThenDestroyDeletesOnlyTaggedParts(t *testing.T) {
	f := newFakeAWS()
	_, st := created(t, f)
	for _, name := range []string{st.RoleName, st.LogGroupName, st.RuleName} {
		f.tags[name] = map[string]string{"team": "someone else"}
	}
	_, found, err := Find(context.Background(), f.deps(), "prod/orders/db")
	if err != nil {
		t.Fatal(err)
	}
	if found.RoleName != "" || found.RoleARN != "" || found.LogGroupName != "" || found.RuleName != "" || found.RuleARN != "" {
		t.Errorf("Find took untagged parts: role %q, log group %q, rule %q", found.RoleName, found.LogGroupName, found.RuleName)
	}
	if found.FunctionName != st.FunctionName || found.SecretARN != st.SecretARN {
		t.Errorf("Find = %+v; want the tagged secret and function", found)
	}
	if err := Delete(context.Background(), f.deps(), found, 0); err != nil {
		t.Fatal(err)
	}
	left := f.leftovers()
	for _, want := range []string{"role " + st.RoleName, "log group " + st.LogGroupName, "rule " + st.RuleName} {
		if !slices.Contains(left, want) {
			t.Errorf("destroy after import deleted the untagged %s (left: %v)", want, left)
		}
	}
	if slices.Contains(left, "secret "+st.SecretARN) || len(f.functions) > 0 {
		t.Errorf("destroy after import left the bundle's own parts: %v", left)
	}
}

// A new lambda.name renews the rotator in place: the new function, its log group and its grant
// are made, the schedule points at the new function, and only then are the old function and its
// log group deleted. The secret is neither deleted nor made again.
func TestUpdateRenewsTheFunctionForANewName(t *testing.T) {
	f := newFakeAWS()
	prior, st := created(t, f)
	spec := testSpec()
	spec.Rotation.Lambda.Name = "orders-rotator"
	changes := Plan(prior, spec, st)
	for _, name := range []string{PartFunction, PartLogGroup, PartPermission} {
		if changes[name] != Renew || !changes.NewIdentity(name) {
			t.Errorf("Plan for %s = %v; want it renewed", name, changes[name])
		}
	}
	if changes[PartSecret] != Modify || changes[PartRole] != Modify {
		t.Errorf("Plan = %v; want the secret and the role kept", changes)
	}
	oldFunction, oldGroup := st.FunctionName, st.LogGroupName
	next, err := Update(context.Background(), f.deps(), prior, spec, st)
	if err != nil {
		t.Fatal(err)
	}
	if next.SecretARN != st.SecretARN || next.FunctionName != "orders-rotator" || next.LogGroupName != LogGroupName("orders-rotator") || next.PermissionID == "" {
		t.Errorf("state after the rename = %+v", next)
	}
	if _, ok := f.functions[oldFunction]; ok || f.logGroups[oldGroup] {
		t.Errorf("the old function %s or log group %s outlived the rename", oldFunction, oldGroup)
	}
	if _, ok := f.functions["orders-rotator"]; !ok || !f.logGroups[LogGroupName("orders-rotator")] || !f.permissions["orders-rotator"] {
		t.Errorf("the new function, log group or grant is missing: %v", f.leftovers())
	}
	ops := f.ops()
	if slices.Contains(ops, "DeleteSecret") || slices.Contains(ops, "CreateSecret") {
		t.Errorf("the rename touched the secret's existence: %v", ops)
	}
	rotate := slices.Index(ops, "RotateSecret")
	for _, before := range []string{"CreateFunction", "CreateLogGroup", "AddPermission"} {
		if i := slices.Index(ops, before); i < 0 || i > rotate {
			t.Errorf("%s not before the schedule was pointed at the new function: %v", before, ops)
		}
	}
	if i := slices.Index(ops, "DeleteFunction"); i < rotate {
		t.Errorf("the old function was deleted before the schedule pointed elsewhere: %v", ops)
	}
	rotated := sentOnce[*secretsmanager.RotateSecretInput](t, f, "RotateSecret")
	if aws.ToString(rotated.RotationLambdaARN) != functionARN("orders-rotator") || aws.ToBool(rotated.RotateImmediately) {
		t.Errorf("RotateSecret = %s immediately=%v; want the new function, not rotating now", aws.ToString(rotated.RotationLambdaARN), aws.ToBool(rotated.RotateImmediately))
	}
	// Back to the derived name: renewed again, the configured one deleted.
	f.calls = nil
	again, err := Update(context.Background(), f.deps(), spec, testSpec(), next)
	if err != nil {
		t.Fatal(err)
	}
	if again.FunctionName != oldFunction {
		t.Errorf("function after renaming back = %s, want %s", again.FunctionName, oldFunction)
	}
	if _, ok := f.functions["orders-rotator"]; ok {
		t.Error("the configured function outlived the rename back")
	}
}

// Create or restore: a secret of the bundle's name scheduled for deletion and carrying its tag is
// restored and adopted (its value kept); without the opt-in, or without the tag, the create fails
// with the advice and the secret stays scheduled for deletion, untouched.
func TestCreateRestoresOnlyATaggedSecretScheduledForDeletion(t *testing.T) {
	scheduledDeletionWait = 10 * time.Millisecond
	t.Cleanup(func() { scheduledDeletionWait = time.Minute })
	for name, c := range map[string]struct {
		optIn bool
		tags  map[string]string
		want  string // "" restores
	}{
		"tagged, opted in":     {optIn: true, tags: map[string]string{BundleTagKey: "prod/orders/db", "team": "old"}},
		"untagged, opted in":   {optIn: true, tags: map[string]string{"team": "orders"}, want: "has no tag secretsbundle:bundle = \"prod/orders/db\", so it is not this bundle's and restore_if_scheduled_for_deletion leaves it alone"},
		"another bundle's tag": {optIn: true, tags: map[string]string{BundleTagKey: "prod/other"}, want: "it is not this bundle's"},
		"tagged, no opt-in":    {tags: map[string]string{BundleTagKey: "prod/orders/db"}, want: "a replacement of a bundle under the same name meets the secret its destroy scheduled for deletion); set restore_if_scheduled_for_deletion = true to restore and adopt it"},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeAWS()
			f.scheduled["prod/orders/db"] = c.tags
			spec := testSpec()
			spec.RestoreScheduledForDeletion = c.optIn
			st, err := Create(context.Background(), f.deps(), spec)
			if c.want != "" {
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("Create = %v; want %q", err, c.want)
				}
				if slices.Contains(f.ops(), "RestoreSecret") || slices.Contains(f.ops(), "secretsmanager.TagResource") || slices.Contains(f.ops(), "DeleteSecret") {
					t.Errorf("a secret that is not ours was touched: %v", f.ops())
				}
				if _, held := f.scheduled["prod/orders/db"]; !held {
					t.Error("the secret is no longer scheduled for deletion")
				}
				// A recovery window holds the name for days: no use retrying the create.
				if n := len(sent[*secretsmanager.CreateSecretInput](t, f, "CreateSecret")); n != 1 {
					t.Errorf("CreateSecret was tried %d times against a name a recovery window holds", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.SecretARN != secretARN("prod/orders/db") || !slices.Contains(f.ops(), "RestoreSecret") {
				t.Fatalf("state %+v, calls %v; want the restored secret adopted", st, f.ops())
			}
			if got := f.secrets[st.SecretARN]; !strings.Contains(got, `"password":"restored"`) {
				t.Errorf("the restored secret's value was overwritten: %s", got)
			}
			// The old tag team = old becomes the configuration's team = orders.
			tagged := sentOnce[*secretsmanager.TagResourceInput](t, f, "secretsmanager.TagResource")
			if got := secretTagMap(tagged.Tags); got["team"] != "orders" {
				t.Errorf("TagResource sent %v; want the configuration's tags", got)
			}
		})
	}
}

// A create that restored the secret and then failed puts the secret back as it was, scheduled for
// deletion: it never force-deletes what this apply did not create.
func TestRollbackOfARestoreSchedulesTheSecretForDeletionAgain(t *testing.T) {
	f := newFakeAWS()
	f.scheduled["prod/orders/db"] = map[string]string{BundleTagKey: "prod/orders/db"}
	f.fail("CreateFunction", apiError("InvalidParameterValueException", "injected"))
	spec := testSpec()
	spec.RestoreScheduledForDeletion = true
	if _, err := Create(context.Background(), f.deps(), spec); err == nil {
		t.Fatal("Create succeeded; want the injected failure")
	}
	deleted := sentOnce[*secretsmanager.DeleteSecretInput](t, f, "DeleteSecret")
	if aws.ToBool(deleted.ForceDeleteWithoutRecovery) || aws.ToInt64(deleted.RecoveryWindowInDays) != restoredRollbackWindow {
		t.Errorf("the restored secret was deleted with force=%v window=%d; want it scheduled for deletion again", aws.ToBool(deleted.ForceDeleteWithoutRecovery), aws.ToInt64(deleted.RecoveryWindowInDays))
	}
}

// An apply killed mid-create leaves a tagged secret, role and log group in no state. The next
// create fails on the taken name, lists what exists, gives the import block, and deletes nothing;
// import then finds the bundle, and an update completes it.
func TestCreateAfterAnInterruptedApplyNamesThePartsAndTheImport(t *testing.T) {
	f := newFakeAWS()
	first, err := Create(context.Background(), f.deps(), testSpec())
	if err != nil {
		t.Fatal(err)
	}
	f.age()
	f.calls = nil
	f.fail("CreateSecret", apiError("ResourceExistsException", "The operation failed because the secret prod/orders/db already exists."))
	f.fail("CreateRole", apiError("EntityAlreadyExists", "Role already exists."))
	f.fail("CreateLogGroup", apiError("ResourceAlreadyExistsException", "The specified log group already exists"))
	_, err = Create(context.Background(), f.deps(), testSpec())
	var createErr *CreateError
	if !errors.As(err, &createErr) {
		t.Fatalf("Create = %v; want a CreateError", err)
	}
	for _, want := range []string{"a bundle of secret prod/orders/db already exists in AWS", "secret " + first.SecretARN, "IAM role " + first.RoleName,
		"Lambda function " + first.FunctionName, "log group " + first.LogGroupName, "EventBridge rule " + first.RuleName, "SNS topic " + first.TopicARN,
		"import {\n  to = secretsbundle_rds_secret.example # this resource's address\n  id = \"prod/orders/db\"\n}"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%s", want, err)
		}
	}
	if d := deletes(f); len(d) > 0 {
		t.Errorf("the failed create deleted %v", d)
	}
	spec, found, err := Find(context.Background(), f.deps(), "prod/orders/db")
	if err != nil {
		t.Fatal(err)
	}
	if found.SecretARN != first.SecretARN || found.FunctionName != first.FunctionName || found.RoleName != first.RoleName {
		t.Errorf("import found %+v; want the bundle's parts", found)
	}
	f.calls = nil
	if _, err := Update(context.Background(), f.deps(), spec, testSpec(), found); err != nil {
		t.Fatalf("the apply after the import: %v", err)
	}
	if slices.Contains(f.ops(), "CreateSecret") || slices.Contains(f.ops(), "CreateFunction") {
		t.Errorf("the apply after the import made parts anew: %v", f.ops())
	}
}

// A schedule change while a rotation is in flight: Secrets Manager refuses it ("A previous
// rotation isn't complete"), and the error names the rotation, and says when it failed and how to
// end it.
func TestScheduleChangeDuringARotationNamesIt(t *testing.T) {
	for name, c := range map[string]struct {
		logs []string
		want string
	}{
		"in flight": {want: "the rotation of AWSPENDING version pending-token is in flight, and Secrets Manager takes no new schedule until it ends; wait for it to finish"},
		"failed": {logs: []string{`{"step":"setSecret","token":"pending-token","outcome":"failed","code":"db_login_failed","error":"refused"}`},
			want: "the rotation of AWSPENDING version pending-token failed (setSecret step failed (db_login_failed): refused) and waits to be re-attempted"},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeAWS()
			prior, st := created(t, f)
			f.pendingVersion = "pending-token"
			f.logEvents = c.logs
			f.fail("RotateSecret", apiError("InvalidRequestException", "A previous rotation isn't complete. That rotation will be reattempted."))
			spec := testSpec()
			spec.Rotation.AutomaticallyAfterDays = 14
			_, err := Update(context.Background(), f.deps(), prior, spec, st)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "previous rotation isn't complete") {
				t.Fatalf("Update = %v; want %q with AWS's words", err, c.want)
			}
		})
	}
}

// Turning rotation off during a failed rotation says what it cancels, and the next refresh does not
// warn of a failed rotation that nothing will re-attempt.
func TestTurningRotationOffSaysWhatItCancels(t *testing.T) {
	f := newFakeAWS()
	prior, st := created(t, f)
	f.pendingVersion = "pending-token"
	f.logEvents = []string{`{"step":"setSecret","token":"pending-token","outcome":"failed","code":"db_login_failed","error":"refused"}`}
	spec := testSpec()
	spec.Rotation.Enabled = false
	next, err := Update(context.Background(), f.deps(), prior, spec, st)
	if err != nil {
		t.Fatal(err)
	}
	if want := "the rotation of AWSPENDING version pending-token, which had failed (setSecret step failed (db_login_failed): refused)"; next.CancelledRotation != want {
		t.Errorf("CancelledRotation = %q; want %q", next.CancelledRotation, want)
	}
	if !slices.Contains(f.ops(), "CancelRotateSecret") {
		t.Fatalf("rotation was not turned off: %v", f.ops())
	}
	_, read, err := Read(context.Background(), f.deps(), spec, next)
	if err != nil {
		t.Fatal(err)
	}
	if read.RotationFailed {
		t.Errorf("the refresh after turning rotation off warns of the cancelled rotation: %q", read.LastRotationError)
	}
	// Nothing in flight: nothing said.
	f.pendingVersion = ""
	spec2 := testSpec()
	again, err := Update(context.Background(), f.deps(), spec, spec2, next)
	if err != nil {
		t.Fatal(err)
	}
	f.calls = nil
	off, err := Update(context.Background(), f.deps(), spec2, spec, again)
	if err != nil || off.CancelledRotation != "" {
		t.Errorf("turning rotation off with none in flight: %q, %v", off.CancelledRotation, err)
	}
}
