package bundle

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs"
)

// errAnswerLost is what the SDK returns when the connection drops after AWS acted: no API error.
var errAnswerLost = errors.New("read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer")

// taggedIAM is the fake IAM with tags on every role, and a CreateRole whose answer can be lost
// (the role is made, the caller hears errAnswerLost) or whose SDK retry meets the role it made.
type taggedIAM struct {
	fakeIAM
	answer error
	bundle string
}

func (s taggedIAM) CreateRole(ctx context.Context, in *iam.CreateRoleInput, opts ...func(*iam.Options)) (*iam.CreateRoleOutput, error) {
	out, err := s.fakeIAM.CreateRole(ctx, in, opts...)
	if err == nil && s.answer != nil {
		return nil, s.answer
	}
	return out, err
}

func (s taggedIAM) GetRole(ctx context.Context, in *iam.GetRoleInput, opts ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	if _, err := s.fakeIAM.GetRole(ctx, in, opts...); err != nil {
		return nil, err
	}
	return &iam.GetRoleOutput{Role: &iamtypes.Role{RoleName: in.RoleName, CreateDate: aws.Time(time.Now()),
		Arn: aws.String("arn:aws:iam::123456789012:role/" + aws.ToString(in.RoleName))}}, nil
}

func (s taggedIAM) ListRoleTags(_ context.Context, in *iam.ListRoleTagsInput, _ ...func(*iam.Options)) (*iam.ListRoleTagsOutput, error) {
	return &iam.ListRoleTagsOutput{Tags: []iamtypes.Tag{{Key: aws.String(BundleTagKey), Value: aws.String(s.bundle)}}}, nil
}

func TestCreateRollbackFindsThePartWhoseAnswerWasLost(t *testing.T) {
	f := newFakeAWS()
	d := f.deps()
	d.AWS.IAM = taggedIAM{fakeIAM: fakeIAM{f: f}, answer: errAnswerLost, bundle: testSpec().Name}
	st, err := Create(context.Background(), d, testSpec())
	if err == nil || st != nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("Create = %v, %v; want the lost answer's error and no state", st, err)
	}
	if left := f.leftovers(); len(left) > 0 {
		t.Errorf("left behind although the rollback could find them by name and tag: %v", left)
	}
	if !contains(f.ops(), "DeleteRole") {
		t.Errorf("the role made by the create whose answer was lost was never deleted: %v", f.ops())
	}
}

func TestCreateAdoptsItsOwnRoleOnAlreadyExists(t *testing.T) {
	f := newFakeAWS()
	d := f.deps()
	// The first CreateRole made the role and its answer was lost; the SDK's retry hears this.
	d.AWS.IAM = taggedIAM{fakeIAM: fakeIAM{f: f}, answer: apiError("EntityAlreadyExists", "Role with name already exists."), bundle: testSpec().Name}
	spec := testSpec()
	st, err := Create(context.Background(), d, spec)
	if err != nil {
		t.Fatalf("Create = %v; want the tagged role adopted", err)
	}
	if st.RoleName != RoleName(d.AWS.Region, spec.Name) || st.RoleARN == "" {
		t.Errorf("state role = %q %q, want the adopted role", st.RoleName, st.RoleARN)
	}
}

// panickyLogs panics in CreateLogGroup, as a bug in a stage's goroutine would.
type panickyLogs struct{ fakeLogs }

func (panickyLogs) CreateLogGroup(context.Context, *cloudwatchlogs.CreateLogGroupInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.CreateLogGroupOutput, error) {
	panic("nil map write")
}

func TestCreateRecoversAPanicAndRollsBack(t *testing.T) {
	f := newFakeAWS()
	d := f.deps()
	d.AWS.Logs = panickyLogs{fakeLogs{f: f}}
	st, err := Create(context.Background(), d, testSpec())
	if err == nil || st != nil || !strings.Contains(err.Error(), "panic: nil map write") {
		t.Fatalf("Create = %v, %v; want the panic as an error and no state", st, err)
	}
	if left := f.leftovers(); len(left) > 0 {
		t.Errorf("left behind after a panic: %v", left)
	}
}

func TestPlanAgreesWithUpdate(t *testing.T) {
	prior, spec := testSpec(), testSpec()
	st := &State{SecretARN: "arn:s", RoleName: "r", RolePolicy: RolePolicyName, LogGroupName: "g", FunctionName: "f",
		RuleName: "rule", RuleARN: "arn:rule", TopicARN: "arn:t", TopicCreated: true, RotationEnabled: true}
	if changes := Plan(prior, spec, st); changes[PartFunction] != Modify || changes[PartPermission] != Add || changes[PartRule] != Modify {
		t.Errorf("Plan = %v; want the function modified, the missing permission added, the rule kept in place", changes)
	}
	spec.Alert.Enabled = false
	changes := Plan(prior, spec, st)
	if changes[PartRule] != Remove || changes[PartTopic] != Remove || !changes.NewIdentity(PartRule) {
		t.Errorf("Plan with the alert off = %v; want rule and topic removed", changes)
	}
	spec = testSpec()
	spec.Alert.TopicARN = "arn:aws:sns:us-east-1:123456789012:given"
	if changes := Plan(prior, spec, st); changes[PartRule] != Replace || changes[PartTopic] != Remove {
		t.Errorf("Plan with a given topic = %v; want the rule replaced and the created topic removed", changes)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// driftedLambda reports the function with an environment variable added outside Terraform.
type driftedLambda struct{ fakeLambda }

func (s driftedLambda) GetFunction(ctx context.Context, in *lambda.GetFunctionInput, opts ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error) {
	out, err := s.fakeLambda.GetFunction(ctx, in, opts...)
	if err == nil {
		out.Configuration.Environment = &lambdatypes.EnvironmentResponse{Variables: map[string]string{
			"PASSWORD_LENGTH": "32", "EXCLUDE_CHARACTERS": "", "ROTATION_STRATEGY": "single_user",
			"SECRETS_MANAGER_ENDPOINT": "https://attacker.example"}}
	}
	return out, err
}

func TestReadSeesTheFunctionEnvironmentChangedOutsideAndUpdatePutsItBack(t *testing.T) {
	f := newFakeAWS()
	spec, st := created(t, f)
	d := f.deps()
	d.AWS.Lambda = driftedLambda{fakeLambda{f: f}}
	_, obs, err := Read(context.Background(), d, spec, st)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(obs.Drifted, PartFunction) || Plan(spec, spec, obs)[PartFunction] != Repair {
		t.Fatalf("code hash after Read = %q, want the function marked as changed outside Terraform", obs.CodeSHA256)
	}
	f.calls = nil
	if _, err := Update(context.Background(), f.deps(), spec, testSpec(), obs); err != nil {
		t.Fatal(err)
	}
	if !contains(f.ops(), "UpdateFunctionConfiguration") {
		t.Errorf("Update did not put the function's configuration back: %v", f.ops())
	}
}

func TestUpdateRemovingTheLastAddressUnsubscribesIt(t *testing.T) {
	f := newFakeAWS()
	spec, st := created(t, f)
	next := testSpec()
	next.Alert.EmailAddresses = nil
	f.calls = nil
	if _, err := Update(context.Background(), f.deps(), spec, next, st); err != nil {
		t.Fatal(err)
	}
	if !contains(f.ops(), "ListSubscriptionsByTopic") {
		t.Errorf("Update did not look for the removed address's subscription: %v", f.ops())
	}
}

// Every part whose create can lose its answer is found by its name and the bundle tag and deleted
// by the rollback (the finders of the cleanup path), whichever create it was.
func TestCreateRollbackFindsEveryPartWhoseAnswerWasLost(t *testing.T) {
	for op, deleted := range map[string]string{
		"CreateSecret":   "DeleteSecret",
		"CreateLogGroup": "DeleteLogGroup",
		"CreateFunction": "DeleteFunction",
		"CreateTopic":    "DeleteTopic",
		"PutRule":        "DeleteRule",
	} {
		t.Run(op, func(t *testing.T) {
			f := newFakeAWS()
			f.lost = map[string]bool{op: true}
			findAgain := findAgainAfter
			findAgainAfter = []time.Duration{time.Millisecond}
			defer func() { findAgainAfter = findAgain }()
			st, err := Create(context.Background(), f.deps(), testSpec())
			if err == nil || st != nil || !strings.Contains(err.Error(), "connection reset") {
				t.Fatalf("Create = %v, %v; want the lost answer's error and no state", st, err)
			}
			if left := f.leftovers(); len(left) > 0 {
				t.Errorf("left behind although the rollback could find them by name and tag: %v", left)
			}
			if !contains(f.ops(), deleted) {
				t.Errorf("what %s made was never deleted (%s): %v", op, deleted, f.ops())
			}
		})
	}
}
