package bundle

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func testSpec() *Spec {
	return &Spec{
		Name:                 "prod/orders/db",
		Description:          "orders",
		RecoveryWindowInDays: 30,
		Credentials:          Credentials{Engine: "postgres", Host: "db.internal", Port: 5432, DBName: "orders", Username: "app"},
		Rotation: Rotation{
			Enabled: true, AutomaticallyAfterDays: 30, Duration: "3h", RotateImmediately: true, WaitForFirstRotation: true,
			Strategy: StrategySingleUser, PasswordLength: 32, ExcludeCharacters: ":/@\"'\\",
			Lambda: Lambda{Architecture: "arm64", MemorySize: 128, Timeout: 30, LogRetentionDays: 30},
		},
		Alert: Alert{Enabled: true, EmailAddresses: []string{"oncall@example.com"}, Events: []string{"DeleteSecret"}},
		Tags:  map[string]string{"team": "orders"},
	}
}

func TestCreateOrdersStagesAndRunsIndependentPartsConcurrently(t *testing.T) {
	f := newFakeAWS()
	f.latency = 20 * time.Millisecond
	st, err := Create(context.Background(), f.deps(), testSpec())
	if err != nil {
		t.Fatal(err)
	}
	// Stage 1 before stage 2, stage 2 before the permission, the permission before the schedule.
	for _, before := range []string{"CreateSecret", "CreateRole", "CreateLogGroup", "CreateTopic"} {
		for _, after := range []string{"PutRolePolicy", "CreateFunction", "PutRule", "Subscribe"} {
			if !f.lastEnd(t, before).Before(f.firstStart(t, after)) {
				t.Errorf("%s started before %s ended", after, before)
			}
		}
	}
	if !f.lastEnd(t, "GetFunctionConfiguration").Before(f.firstStart(t, "AddPermission")) {
		t.Error("AddPermission started before the function was Active")
	}
	if !f.lastEnd(t, "AddPermission").Before(f.firstStart(t, "RotateSecret")) {
		t.Error("RotateSecret started before AddPermission ended")
	}
	if f.maxInFlight < 4 {
		t.Errorf("at most %d calls ran at once; the four independent parts of stage 1 should run together", f.maxInFlight)
	}
	if st.SecretARN == "" || st.RoleARN == "" || st.FunctionARN == "" || st.PermissionID == "" || st.RuleARN == "" || !st.TopicCreated || st.LogGroupName == "" {
		t.Errorf("state misses parts: %+v", st)
	}
	if !st.RotationEnabled || st.VersionID != "rotated" || st.LastRotationError != "" {
		t.Errorf("first rotation not recorded: %+v", st)
	}
}

func TestCreateWithGivenTopicCreatesNoTopic(t *testing.T) {
	f := newFakeAWS()
	spec := testSpec()
	spec.Alert.TopicARN = "arn:aws:sns:us-east-1:123456789012:existing"
	st, err := Create(context.Background(), f.deps(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(f.ops(), "CreateTopic") || slices.Contains(f.ops(), "Subscribe") {
		t.Errorf("a topic was created or subscribed although one was given: %v", f.ops())
	}
	if st.TopicARN != spec.Alert.TopicARN || st.TopicCreated {
		t.Errorf("topic in state = %q created=%v", st.TopicARN, st.TopicCreated)
	}
}

func TestCreateRollsBackEverythingInReverseOrder(t *testing.T) {
	for _, op := range []string{"CreateSecret", "CreateRole", "CreateLogGroup", "CreateTopic", "PutRolePolicy", "CreateFunction", "GetFunctionConfiguration", "PutRule", "PutTargets", "Subscribe", "PutRetentionPolicy", "AddPermission", "RotateSecret"} {
		t.Run(op, func(t *testing.T) {
			f := newFakeAWS()
			f.fail(op, apiError("InternalFailure", "injected"))
			st, err := Create(context.Background(), f.deps(), testSpec())
			var createErr *CreateError
			if !errors.As(err, &createErr) || createErr.RollbackErr != nil || st != nil {
				t.Fatalf("Create = %v, %v; want a CreateError with a clean rollback and no state", st, err)
			}
			if !strings.Contains(err.Error(), "injected") || !strings.Contains(err.Error(), "deleted again") {
				t.Errorf("error %q should give the cause and say the rollback succeeded", err)
			}
			if left := f.leftovers(); len(left) > 0 {
				t.Errorf("left behind after rollback: %v", left)
			}
			ops := f.ops()
			if slices.Contains(ops, "DeleteSecret") && slices.Contains(ops, "DeleteFunction") &&
				slices.Index(ops, "DeleteFunction") > slices.Index(ops, "DeleteSecret") {
				t.Errorf("the function was deleted after the secret: %v", ops)
			}
			if slices.Contains(ops, "DeleteRole") && slices.Index(ops, "DeleteRolePolicy") > slices.Index(ops, "DeleteRole") {
				t.Errorf("the role was deleted before its policy: %v", ops)
			}
		})
	}
}

func TestCreateRollbackFailureKeepsSurvivorsInState(t *testing.T) {
	f := newFakeAWS()
	f.fail("AddPermission", apiError("InternalFailure", "injected"))
	f.fail("DeleteRole", apiError("ServiceFailure", "IAM is down"))
	st, err := Create(context.Background(), f.deps(), testSpec())
	var createErr *CreateError
	if !errors.As(err, &createErr) || createErr.RollbackErr == nil {
		t.Fatalf("want a CreateError with a failed rollback, got %v", err)
	}
	if st == nil || st.RoleName == "" {
		t.Fatalf("the surviving role is not in state: %+v", st)
	}
	if st.SecretARN != "" || st.FunctionName != "" || st.RuleName != "" || st.TopicARN != "" || st.RolePolicy != "" {
		t.Errorf("parts that were deleted are still in state: %+v", st)
	}
	if left := f.leftovers(); !slices.Equal(left, []string{"role " + RoleName("us-east-1", "prod/orders/db")}) {
		t.Errorf("AWS holds %v, want only the role", left)
	}
	if len(createErr.Survivors) != 1 || !strings.Contains(err.Error(), "IAM is down") || !strings.Contains(err.Error(), "terraform apply again") {
		t.Errorf("error should name the survivor and the next step: %v", err)
	}
}

func TestCreateRetriesExactlyThePropagationErrors(t *testing.T) {
	f := newFakeAWS()
	f.fail("CreateFunction", apiError("InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda."),
		apiError("InvalidParameterValueException", "The provided execution role does not have permissions to call CreateNetworkInterface on EC2"))
	f.fail("RotateSecret", apiError("AccessDeniedException", "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com."))
	f.fail("CreateSecret", apiError("InvalidRequestException", "You can't create this secret because a secret with this name is already scheduled for deletion."))
	if _, err := Create(context.Background(), f.deps(), testSpec()); err != nil {
		t.Fatalf("propagation errors should have been retried: %v", err)
	}
	for op, want := range map[string]int{"CreateFunction": 3, "RotateSecret": 2, "CreateSecret": 2} {
		if got := count(f.ops(), op); got != want {
			t.Errorf("%s called %d times, want %d", op, got, want)
		}
	}
}

func TestCreateDoesNotRetryOtherErrors(t *testing.T) {
	f := newFakeAWS()
	f.fail("CreateFunction", apiError("InvalidParameterValueException", "Unzipped size must be smaller than 262144000 bytes"))
	if _, err := Create(context.Background(), f.deps(), testSpec()); err == nil {
		t.Fatal("Create succeeded")
	}
	if got := count(f.ops(), "CreateFunction"); got != 1 {
		t.Errorf("CreateFunction called %d times, want 1", got)
	}
}

func TestCreatePropagationRetriesAreBoundedByTheTimeout(t *testing.T) {
	f := newFakeAWS()
	notAssumable := apiError("InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda.")
	for range 100 {
		f.fail("CreateFunction", notAssumable)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := Create(ctx, f.deps(), testSpec())
	if err == nil || !strings.Contains(err.Error(), "cannot be assumed") {
		t.Fatalf("want the last propagation error, got %v", err)
	}
	if elapsed := time.Since(start); elapsed > 4*time.Second {
		t.Errorf("Create took %s, beyond its 2s deadline", elapsed)
	}
	if left := f.leftovers(); len(left) > 0 {
		t.Errorf("rollback after the deadline left %v", left)
	}
}

func TestCreateWaitsForTheFunctionToBeActive(t *testing.T) {
	f := newFakeAWS()
	f.pendingPolls = 2
	if _, err := Create(context.Background(), f.deps(), testSpec()); err != nil {
		t.Fatal(err)
	}
	if got := count(f.ops(), "GetFunctionConfiguration"); got != 3 {
		t.Errorf("polled %d times, want 3 (2 Pending, then Active)", got)
	}
}

func TestCreateKeepsBundleWhenFirstRotationFails(t *testing.T) {
	f := newFakeAWS()
	// The rotation never finishes (no AWSCURRENT on its token) and the rotator logged why.
	f.logEvents = []string{`{"step":"setSecret","token":"rotated","outcome":"failed","code":"login_failed","error":"cannot log in as app"}`}
	deps := f.deps()
	deps.AWS.SecretsManager = neverRotates{fakeSecrets{f: f}}
	st, err := Create(context.Background(), deps, testSpec())
	if err != nil {
		t.Fatalf("a failed first rotation must not fail Create: %v", err)
	}
	if !strings.Contains(st.LastRotationError, "login_failed") || !strings.Contains(st.LastRotationError, "cannot log in as app") {
		t.Errorf("LastRotationError = %q", st.LastRotationError)
	}
}

func count(ops []string, op string) int {
	n := 0
	for _, o := range ops {
		if o == op {
			n++
		}
	}
	return n
}

func TestCreateGivesUpOnANameInItsRecoveryWindow(t *testing.T) {
	scheduledDeletionWait = time.Second
	defer func() { scheduledDeletionWait = time.Minute }()
	f := newFakeAWS()
	for range 20 {
		f.fail("CreateSecret", apiError("InvalidRequestException", "You can't create this secret because a secret with this name is already scheduled for deletion."))
	}
	start := time.Now()
	_, err := Create(context.Background(), f.deps(), testSpec())
	if err == nil || !strings.Contains(err.Error(), "restore-secret") || !strings.Contains(err.Error(), "choose another name") {
		t.Fatalf("want advice on the scheduled deletion, got %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("gave up after %s, want about the capped wait", time.Since(start))
	}
}
