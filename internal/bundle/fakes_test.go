package bundle

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs"
	logtypes "github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs/types"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/kms"
)

// fakeAWS is an in-memory AWS for the unit tests: it keeps which objects exist, records every
// call with its start and end, and fails calls on request. The service fakes embed the awsclient
// interfaces so that a call this package should not make panics.
type fakeAWS struct {
	mu                    sync.Mutex
	calls                 []fakeCall
	faults                map[string][]error // per operation, consumed one per call; nil entries pass
	latency               time.Duration
	inFlight, maxInFlight int

	secrets     map[string]string // ARN → value
	rotation    map[string]bool
	roles       map[string]bool
	policies    map[string]bool
	logGroups   map[string]bool
	functions   map[string]lambdatypes.State
	permissions map[string]bool
	topics      map[string]bool
	// subscriptions by topic ARN; pending holds the ARNs of unconfirmed ones.
	subscriptions    map[string][]snstypes.Subscription
	pending          map[string]bool
	nextSubscription int
	rules            map[string]bool
	topicPolicies    map[string]string
	targets          map[string]bool
	// pendingPolls is how many GetFunctionConfiguration calls answer Pending before Active.
	pendingPolls int
	logEvents    []string
	// currentVersion holds AWSCURRENT; empty means "rotated".
	currentVersion string
	// pendingVersion, when set, holds AWSPENDING (a rotation in flight or failed).
	pendingVersion string
	// logPageSize pages FilterLogEvents answers; 0 answers in one page.
	logPageSize int
	// tags are the tags an object was created with, by role, log group and rule name and topic
	// ARN; an object without an entry answers with the bundle tag of prod/orders/db.
	tags map[string]map[string]string
	// scheduled are the secrets scheduled for deletion, by name, with their tags: their name is
	// held (CreateSecret refuses it) until RestoreSecret.
	scheduled map[string]map[string]string
	// resourcePolicies are the secrets' resource policies by ARN.
	resourcePolicies map[string]string
	// keys are KMS keys by every identifier DescribeKey takes (id, alias name) → key ARN;
	// awsManaged lists the ARNs of AWS managed keys.
	keys       map[string]string
	awsManaged map[string]bool
	// secretKeys are the KmsKeyId DescribeSecret reports per secret ARN.
	secretKeys map[string]string
	// The guards as put: the role's trust and inline policy documents, other inline policies and
	// attached managed policies by role; the grant's source by function; the rule's pattern
	// and state by rule; the topic's policy by topic.
	trustPolicies    map[string]string
	rolePolicies     map[string]string
	extraPolicies    map[string][]string
	attachedPolicies map[string][]string
	grantSources     map[string]string
	rulePatterns     map[string]string
	ruleStates       map[string]string
	// lost are operations whose answer is lost after they acted: the caller hears errLostAnswer.
	lost map[string]bool
	// logGroupCreated is when CreateLogGroup made each group; DescribeLogGroups reports it (now for
	// a group the test put there itself).
	logGroupCreated map[string]time.Time
	// roleCreated is when CreateRole made each role; GetRole reports it.
	roleCreated map[string]time.Time
}

// age makes the log groups made so far an hour old: a later Create does not take them for its own.
func (f *fakeAWS) age() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for name := range f.logGroupCreated {
		f.logGroupCreated[name] = time.Now().Add(-time.Hour)
	}
	for name := range f.roleCreated {
		f.roleCreated[name] = time.Now().Add(-time.Hour)
	}
}

// errLostAnswer is a dropped connection after AWS acted: no API error.
var errLostAnswer = errors.New("read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer")

type fakeCall struct {
	op         string
	start, end time.Time
	// input is the call's input as sent (a *service.XInput), for the tests of what each part sends.
	input any
}

func newFakeAWS() *fakeAWS {
	return &fakeAWS{
		faults: map[string][]error{}, secrets: map[string]string{}, rotation: map[string]bool{}, roles: map[string]bool{},
		policies: map[string]bool{}, logGroups: map[string]bool{}, functions: map[string]lambdatypes.State{},
		permissions: map[string]bool{}, topics: map[string]bool{}, subscriptions: map[string][]snstypes.Subscription{}, pending: map[string]bool{}, rules: map[string]bool{}, targets: map[string]bool{},
		keys: map[string]string{}, awsManaged: map[string]bool{}, secretKeys: map[string]string{},
		trustPolicies: map[string]string{}, rolePolicies: map[string]string{}, extraPolicies: map[string][]string{}, attachedPolicies: map[string][]string{},
		grantSources: map[string]string{}, rulePatterns: map[string]string{}, ruleStates: map[string]string{}, topicPolicies: map[string]string{},
		tags: map[string]map[string]string{}, scheduled: map[string]map[string]string{},
	}
}

func (f *fakeAWS) deps() Deps {
	return Deps{
		AWS: &awsclient.Client{
			SecretsManager: fakeSecrets{f: f}, IAM: fakeIAM{f: f}, Logs: fakeLogs{f: f}, Lambda: fakeLambda{f: f},
			SNS: fakeSNS{f: f}, Events: fakeEvents{f: f}, KMS: fakeKMS{f: f},
			Region: "us-east-1", AccountID: "123456789012", Partition: "aws",
		},
		RotatorCode: func(arch string) ([]byte, error) { return []byte("zip for " + arch), nil },
	}
}

// fail makes the next calls of op return errs in turn.
func (f *fakeAWS) fail(op string, errs ...error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[op] = append(f.faults[op], errs...)
}

// callIn records op with its input (a *service.XInput), waits the latency, and returns the
// injected fault if there is one. apply runs under the lock when the call succeeds.
func (f *fakeAWS) callIn(input any, op string, apply func() error) error {
	f.mu.Lock()
	start := time.Now()
	f.inFlight++
	f.maxInFlight = max(f.maxInFlight, f.inFlight)
	var err error
	if faults := f.faults[op]; len(faults) > 0 {
		err, f.faults[op] = faults[0], faults[1:]
	}
	f.mu.Unlock()
	time.Sleep(f.latency)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inFlight--
	if err == nil && apply != nil {
		err = apply()
	}
	if err == nil && f.lost[op] {
		err = errLostAnswer
	}
	f.calls = append(f.calls, fakeCall{op: op, start: start, end: time.Now(), input: input})
	return err
}

func (f *fakeAWS) ops() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ops []string
	for _, c := range f.calls {
		ops = append(ops, c.op)
	}
	return ops
}

// lastEnd and firstStart give the order of operations in the record.
func (f *fakeAWS) lastEnd(t *testing.T, op string) time.Time {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	var end time.Time
	for _, c := range f.calls {
		if c.op == op {
			end = c.end
		}
	}
	if end.IsZero() {
		t.Fatalf("%s was never called", op)
	}
	return end
}

func (f *fakeAWS) firstStart(t *testing.T, op string) time.Time {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		if c.op == op {
			return c.start
		}
	}
	t.Fatalf("%s was never called", op)
	return time.Time{}
}

// leftovers lists the objects that exist, for the rollback tests.
func (f *fakeAWS) leftovers() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for kind, m := range map[string]map[string]bool{"role": f.roles, "policy": f.policies, "log group": f.logGroups, "permission": f.permissions, "topic": f.topics, "rule": f.rules} {
		for k, ok := range m {
			if ok {
				out = append(out, kind+" "+k)
			}
		}
	}
	for k := range f.secrets {
		out = append(out, "secret "+k)
	}
	for k := range f.functions {
		out = append(out, "function "+k)
	}
	slices.Sort(out)
	return out
}

func apiError(code, message string) error {
	return &smithy.GenericAPIError{Code: code, Message: message}
}

func notFound(what string) error { return apiError("ResourceNotFoundException", what+" not found") }

type fakeSecrets struct {
	awsclient.SecretsManagerAPI
	f *fakeAWS
}

// secretName inverts secretARN.
func secretName(arn string) string {
	name := strings.TrimPrefix(arn, "arn:aws:secretsmanager:us-east-1:123456789012:secret:")
	return strings.TrimSuffix(name, "-AbCdEf")
}

func (s fakeSecrets) ListSecrets(_ context.Context, in *secretsmanager.ListSecretsInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.ListSecretsOutput, error) {
	out := &secretsmanager.ListSecretsOutput{}
	err := s.f.callIn(in, "ListSecrets", func() error {
		for arn := range s.f.secrets {
			out.SecretList = append(out.SecretList, smtypes.SecretListEntry{ARN: aws.String(arn), Name: aws.String(secretName(arn))})
		}
		return nil
	})
	return out, err
}

func secretARN(name string) string {
	return "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + name + "-AbCdEf"
}

func (s fakeSecrets) CreateSecret(_ context.Context, in *secretsmanager.CreateSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.CreateSecretOutput, error) {
	arn := secretARN(aws.ToString(in.Name))
	err := s.f.callIn(in, "CreateSecret", func() error {
		if _, held := s.f.scheduled[aws.ToString(in.Name)]; held {
			return apiError("InvalidRequestException", "You can't create this secret because a secret with this name is already scheduled for deletion.")
		}
		s.f.secrets[arn] = aws.ToString(in.SecretString)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &secretsmanager.CreateSecretOutput{ARN: aws.String(arn), Name: in.Name, VersionId: in.ClientRequestToken}, nil
}

func (s fakeSecrets) RestoreSecret(_ context.Context, in *secretsmanager.RestoreSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.RestoreSecretOutput, error) {
	return &secretsmanager.RestoreSecretOutput{}, s.f.callIn(in, "RestoreSecret", func() error {
		name := secretName(aws.ToString(in.SecretId))
		if _, held := s.f.scheduled[name]; !held {
			return notFound("secret")
		}
		delete(s.f.scheduled, name)
		s.f.secrets[secretARN(name)] = `{"engine":"postgres","host":"db.internal","port":5432,"dbname":"orders","username":"app","password":"restored"}`
		return nil
	})
}

func (s fakeSecrets) DeleteSecret(_ context.Context, in *secretsmanager.DeleteSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DeleteSecretOutput, error) {
	return &secretsmanager.DeleteSecretOutput{}, s.f.callIn(in, "DeleteSecret", func() error {
		if _, ok := s.f.secrets[aws.ToString(in.SecretId)]; !ok {
			return notFound("secret")
		}
		delete(s.f.secrets, aws.ToString(in.SecretId))
		return nil
	})
}

func (s fakeSecrets) DescribeSecret(_ context.Context, in *secretsmanager.DescribeSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	var out *secretsmanager.DescribeSecretOutput
	err := s.f.callIn(in, "DescribeSecret", func() error {
		arn := aws.ToString(in.SecretId)
		if tags, held := s.f.scheduled[secretName(arn)]; held {
			out = &secretsmanager.DescribeSecretOutput{ARN: aws.String(secretARN(secretName(arn))), Name: aws.String(secretName(arn)),
				DeletedDate: aws.Time(time.Now().Add(7 * 24 * time.Hour)), Tags: secretTags(tags),
				VersionIdsToStages: map[string][]string{"restored-version": {"AWSCURRENT"}}}
			return nil
		}
		if _, ok := s.f.secrets[arn]; !ok {
			arn = secretARN(arn) // the id may be the name
		}
		if _, ok := s.f.secrets[arn]; !ok {
			return notFound("secret")
		}
		name := secretName(arn)
		out = &secretsmanager.DescribeSecretOutput{ARN: aws.String(arn), Name: aws.String(name), RotationEnabled: aws.Bool(s.f.rotation[arn]),
			VersionIdsToStages: s.f.versionStages(),
			Tags:               []smtypes.Tag{{Key: aws.String(BundleTagKey), Value: aws.String(name)}}}
		if key := s.f.secretKeys[arn]; key != "" {
			out.KmsKeyId = aws.String(key)
		}
		return nil
	})
	return out, err
}

func (s fakeSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	var out *secretsmanager.GetSecretValueOutput
	err := s.f.callIn(in, "GetSecretValue", func() error {
		value, ok := s.f.secrets[aws.ToString(in.SecretId)]
		if !ok {
			return notFound("secret")
		}
		out = &secretsmanager.GetSecretValueOutput{SecretString: aws.String(value)}
		return nil
	})
	return out, err
}

func (s fakeSecrets) PutSecretValue(_ context.Context, in *secretsmanager.PutSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error) {
	err := s.f.callIn(in, "PutSecretValue", func() error { s.f.secrets[aws.ToString(in.SecretId)] = aws.ToString(in.SecretString); return nil })
	return &secretsmanager.PutSecretValueOutput{VersionId: in.ClientRequestToken}, err
}

// UpdateSecretVersionStage moves AWSCURRENT, refusing a RemoveFromVersionId that does not hold
// it, as Secrets Manager does; other labels are accepted and forgotten.
func (s fakeSecrets) UpdateSecretVersionStage(_ context.Context, in *secretsmanager.UpdateSecretVersionStageInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretVersionStageOutput, error) {
	err := s.f.callIn(in, "UpdateSecretVersionStage", func() error {
		if aws.ToString(in.VersionStage) != stageCurrent || in.MoveToVersionId == nil {
			return nil
		}
		if from := aws.ToString(in.RemoveFromVersionId); from != s.f.currentVersionID() {
			return apiError("InvalidParameterException", "The staging label AWSCURRENT is not attached to version "+from)
		}
		s.f.currentVersion = aws.ToString(in.MoveToVersionId)
		return nil
	})
	return &secretsmanager.UpdateSecretVersionStageOutput{}, err
}

func (s fakeSecrets) UpdateSecret(_ context.Context, in *secretsmanager.UpdateSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretOutput, error) {
	return &secretsmanager.UpdateSecretOutput{}, s.f.callIn(in, "UpdateSecret", nil)
}

func (s fakeSecrets) RotateSecret(_ context.Context, in *secretsmanager.RotateSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.RotateSecretOutput, error) {
	err := s.f.callIn(in, "RotateSecret", func() error { s.f.rotation[aws.ToString(in.SecretId)] = true; return nil })
	return &secretsmanager.RotateSecretOutput{VersionId: aws.String("rotated")}, err
}

func (s fakeSecrets) CancelRotateSecret(_ context.Context, in *secretsmanager.CancelRotateSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.CancelRotateSecretOutput, error) {
	return &secretsmanager.CancelRotateSecretOutput{}, s.f.callIn(in, "CancelRotateSecret", func() error { s.f.rotation[aws.ToString(in.SecretId)] = false; return nil })
}

func (s fakeSecrets) GetResourcePolicy(_ context.Context, in *secretsmanager.GetResourcePolicyInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetResourcePolicyOutput, error) {
	out := &secretsmanager.GetResourcePolicyOutput{}
	err := s.f.callIn(in, "GetResourcePolicy", func() error {
		if _, ok := s.f.secrets[aws.ToString(in.SecretId)]; !ok {
			return notFound("secret")
		}
		if policy, ok := s.f.resourcePolicies[aws.ToString(in.SecretId)]; ok {
			out.ResourcePolicy = aws.String(policy)
		}
		return nil
	})
	return out, err
}

func (s fakeSecrets) PutResourcePolicy(_ context.Context, in *secretsmanager.PutResourcePolicyInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.PutResourcePolicyOutput, error) {
	return &secretsmanager.PutResourcePolicyOutput{}, s.f.callIn(in, "PutResourcePolicy", func() error {
		if s.f.resourcePolicies == nil {
			s.f.resourcePolicies = map[string]string{}
		}
		s.f.resourcePolicies[aws.ToString(in.SecretId)] = aws.ToString(in.ResourcePolicy)
		return nil
	})
}

func (s fakeSecrets) DeleteResourcePolicy(_ context.Context, in *secretsmanager.DeleteResourcePolicyInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DeleteResourcePolicyOutput, error) {
	return &secretsmanager.DeleteResourcePolicyOutput{}, s.f.callIn(in, "DeleteResourcePolicy", func() error {
		delete(s.f.resourcePolicies, aws.ToString(in.SecretId))
		return nil
	})
}

func (s fakeSecrets) TagResource(_ context.Context, in *secretsmanager.TagResourceInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.TagResourceOutput, error) {
	return &secretsmanager.TagResourceOutput{}, s.f.callIn(in, "secretsmanager.TagResource", nil)
}

func (s fakeSecrets) UntagResource(_ context.Context, in *secretsmanager.UntagResourceInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.UntagResourceOutput, error) {
	return &secretsmanager.UntagResourceOutput{}, s.f.callIn(in, "secretsmanager.UntagResource", nil)
}

type fakeIAM struct {
	awsclient.IAMAPI
	f *fakeAWS
}

func (s fakeIAM) CreateRole(_ context.Context, in *iam.CreateRoleInput, _ ...func(*iam.Options)) (*iam.CreateRoleOutput, error) {
	err := s.f.callIn(in, "CreateRole", func() error {
		s.f.roles[aws.ToString(in.RoleName)] = true
		if s.f.roleCreated == nil {
			s.f.roleCreated = map[string]time.Time{}
		}
		s.f.roleCreated[aws.ToString(in.RoleName)] = time.Now()
		s.f.trustPolicies[aws.ToString(in.RoleName)] = aws.ToString(in.AssumeRolePolicyDocument)
		s.f.tags[aws.ToString(in.RoleName)] = iamTagMap(in.Tags)
		return nil
	})
	return &iam.CreateRoleOutput{Role: &iamtypes.Role{Arn: aws.String("arn:aws:iam::123456789012:role/" + aws.ToString(in.RoleName))}}, err
}

func (s fakeIAM) GetRole(_ context.Context, in *iam.GetRoleInput, _ ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	out := &iam.GetRoleOutput{}
	return out, s.f.callIn(in, "GetRole", func() error {
		name := aws.ToString(in.RoleName)
		if !s.f.roles[name] {
			return apiError("NoSuchEntity", "role not found")
		}
		if trust := s.f.trustPolicies[name]; trust != "" {
			// IAM answers with the document URL-encoded.
			out.Role = &iamtypes.Role{RoleName: in.RoleName, Arn: aws.String("arn:aws:iam::123456789012:role/" + name), AssumeRolePolicyDocument: aws.String(url.PathEscape(trust))}
			if created, ok := s.f.roleCreated[name]; ok {
				out.Role.CreateDate = aws.Time(created)
			}
		}
		return nil
	})
}

func (s fakeIAM) GetRolePolicy(_ context.Context, in *iam.GetRolePolicyInput, _ ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error) {
	out := &iam.GetRolePolicyOutput{}
	return out, s.f.callIn(in, "GetRolePolicy", func() error {
		name := aws.ToString(in.RoleName)
		if !s.f.policies[name] || aws.ToString(in.PolicyName) != RolePolicyName {
			return apiError("NoSuchEntity", "policy not found")
		}
		out.PolicyDocument = aws.String(url.PathEscape(s.f.rolePolicies[name]))
		return nil
	})
}

func (s fakeIAM) ListRolePolicies(_ context.Context, in *iam.ListRolePoliciesInput, _ ...func(*iam.Options)) (*iam.ListRolePoliciesOutput, error) {
	out := &iam.ListRolePoliciesOutput{}
	return out, s.f.callIn(in, "ListRolePolicies", func() error {
		name := aws.ToString(in.RoleName)
		if !s.f.roles[name] {
			return apiError("NoSuchEntity", "role not found")
		}
		if s.f.policies[name] {
			out.PolicyNames = append(out.PolicyNames, RolePolicyName)
		}
		out.PolicyNames = append(out.PolicyNames, s.f.extraPolicies[name]...)
		return nil
	})
}

func (s fakeIAM) ListAttachedRolePolicies(_ context.Context, in *iam.ListAttachedRolePoliciesInput, _ ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error) {
	out := &iam.ListAttachedRolePoliciesOutput{}
	return out, s.f.callIn(in, "ListAttachedRolePolicies", func() error {
		name := aws.ToString(in.RoleName)
		if !s.f.roles[name] {
			return apiError("NoSuchEntity", "role not found")
		}
		for _, arn := range s.f.attachedPolicies[name] {
			out.AttachedPolicies = append(out.AttachedPolicies, iamtypes.AttachedPolicy{PolicyArn: aws.String(arn)})
		}
		return nil
	})
}

func (s fakeIAM) UpdateAssumeRolePolicy(_ context.Context, in *iam.UpdateAssumeRolePolicyInput, _ ...func(*iam.Options)) (*iam.UpdateAssumeRolePolicyOutput, error) {
	return &iam.UpdateAssumeRolePolicyOutput{}, s.f.callIn(in, "UpdateAssumeRolePolicy", func() error {
		s.f.trustPolicies[aws.ToString(in.RoleName)] = aws.ToString(in.PolicyDocument)
		return nil
	})
}

func (s fakeIAM) DetachRolePolicy(_ context.Context, in *iam.DetachRolePolicyInput, _ ...func(*iam.Options)) (*iam.DetachRolePolicyOutput, error) {
	return &iam.DetachRolePolicyOutput{}, s.f.callIn(in, "DetachRolePolicy", func() error {
		name := aws.ToString(in.RoleName)
		s.f.attachedPolicies[name] = slices.DeleteFunc(s.f.attachedPolicies[name], func(arn string) bool { return arn == aws.ToString(in.PolicyArn) })
		return nil
	})
}

func (s fakeIAM) DeleteRole(_ context.Context, in *iam.DeleteRoleInput, _ ...func(*iam.Options)) (*iam.DeleteRoleOutput, error) {
	return &iam.DeleteRoleOutput{}, s.f.callIn(in, "DeleteRole", func() error {
		if s.f.policies[aws.ToString(in.RoleName)] {
			return apiError("DeleteConflict", "Cannot delete entity, must delete policies first.")
		}
		delete(s.f.roles, aws.ToString(in.RoleName))
		return nil
	})
}

func (s fakeIAM) PutRolePolicy(_ context.Context, in *iam.PutRolePolicyInput, _ ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error) {
	return &iam.PutRolePolicyOutput{}, s.f.callIn(in, "PutRolePolicy", func() error {
		s.f.policies[aws.ToString(in.RoleName)] = true
		s.f.rolePolicies[aws.ToString(in.RoleName)] = aws.ToString(in.PolicyDocument)
		return nil
	})
}

func (s fakeIAM) DeleteRolePolicy(_ context.Context, in *iam.DeleteRolePolicyInput, _ ...func(*iam.Options)) (*iam.DeleteRolePolicyOutput, error) {
	return &iam.DeleteRolePolicyOutput{}, s.f.callIn(in, "DeleteRolePolicy", func() error {
		name := aws.ToString(in.RoleName)
		if aws.ToString(in.PolicyName) != RolePolicyName {
			s.f.extraPolicies[name] = slices.DeleteFunc(s.f.extraPolicies[name], func(p string) bool { return p == aws.ToString(in.PolicyName) })
			return nil
		}
		delete(s.f.policies, name)
		return nil
	})
}

func (s fakeIAM) TagRole(_ context.Context, in *iam.TagRoleInput, _ ...func(*iam.Options)) (*iam.TagRoleOutput, error) {
	return &iam.TagRoleOutput{}, s.f.callIn(in, "TagRole", nil)
}

func (s fakeIAM) UntagRole(_ context.Context, in *iam.UntagRoleInput, _ ...func(*iam.Options)) (*iam.UntagRoleOutput, error) {
	return &iam.UntagRoleOutput{}, s.f.callIn(in, "UntagRole", nil)
}

type fakeLogs struct {
	awsclient.LogsAPI
	f *fakeAWS
}

func (s fakeLogs) CreateLogGroup(_ context.Context, in *cloudwatchlogs.CreateLogGroupInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.CreateLogGroupOutput, error) {
	return &cloudwatchlogs.CreateLogGroupOutput{}, s.f.callIn(in, "CreateLogGroup", func() error {
		s.f.logGroups[aws.ToString(in.LogGroupName)] = true
		s.f.tags[aws.ToString(in.LogGroupName)] = in.Tags
		if s.f.logGroupCreated == nil {
			s.f.logGroupCreated = map[string]time.Time{}
		}
		s.f.logGroupCreated[aws.ToString(in.LogGroupName)] = time.Now()
		return nil
	})
}

func (s fakeLogs) DeleteLogGroup(_ context.Context, in *cloudwatchlogs.DeleteLogGroupInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DeleteLogGroupOutput, error) {
	return &cloudwatchlogs.DeleteLogGroupOutput{}, s.f.callIn(in, "DeleteLogGroup", func() error { delete(s.f.logGroups, aws.ToString(in.LogGroupName)); return nil })
}

func (s fakeLogs) PutRetentionPolicy(_ context.Context, in *cloudwatchlogs.PutRetentionPolicyInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.PutRetentionPolicyOutput, error) {
	return &cloudwatchlogs.PutRetentionPolicyOutput{}, s.f.callIn(in, "PutRetentionPolicy", nil)
}

func (s fakeLogs) DeleteRetentionPolicy(_ context.Context, in *cloudwatchlogs.DeleteRetentionPolicyInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DeleteRetentionPolicyOutput, error) {
	return &cloudwatchlogs.DeleteRetentionPolicyOutput{}, s.f.callIn(in, "DeleteRetentionPolicy", nil)
}

// FilterLogEvents answers in pages of logPageSize events (all at once when 0), as CloudWatch Logs
// pages a long log.
func (s fakeLogs) FilterLogEvents(_ context.Context, in *cloudwatchlogs.FilterLogEventsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error) {
	out := &cloudwatchlogs.FilterLogEventsOutput{}
	err := s.f.callIn(in, "FilterLogEvents", func() error {
		start := 0
		if in.NextToken != nil {
			start, _ = strconv.Atoi(aws.ToString(in.NextToken))
		}
		end := len(s.f.logEvents)
		if s.f.logPageSize > 0 && start+s.f.logPageSize < end {
			end = start + s.f.logPageSize
			out.NextToken = aws.String(strconv.Itoa(end))
		}
		for _, m := range s.f.logEvents[min(start, len(s.f.logEvents)):end] {
			out.Events = append(out.Events, logtypes.FilteredLogEvent{Message: aws.String(m)})
		}
		return nil
	})
	return out, err
}

type fakeLambda struct {
	awsclient.LambdaAPI
	f *fakeAWS
}

func functionARN(name string) string { return "arn:aws:lambda:us-east-1:123456789012:function:" + name }

func (s fakeLambda) CreateFunction(_ context.Context, in *lambda.CreateFunctionInput, _ ...func(*lambda.Options)) (*lambda.CreateFunctionOutput, error) {
	err := s.f.callIn(in, "CreateFunction", func() error { s.f.functions[aws.ToString(in.FunctionName)] = lambdatypes.StatePending; return nil })
	return &lambda.CreateFunctionOutput{FunctionArn: aws.String(functionARN(aws.ToString(in.FunctionName))), CodeSha256: aws.String(CodeSHA256(in.Code.ZipFile))}, err
}

func (s fakeLambda) GetFunctionConfiguration(_ context.Context, in *lambda.GetFunctionConfigurationInput, _ ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error) {
	out := &lambda.GetFunctionConfigurationOutput{}
	err := s.f.callIn(in, "GetFunctionConfiguration", func() error {
		name := aws.ToString(in.FunctionName)
		if _, ok := s.f.functions[name]; !ok {
			return notFound("function")
		}
		if s.f.pendingPolls > 0 {
			s.f.pendingPolls--
		} else {
			s.f.functions[name] = lambdatypes.StateActive
		}
		out.State = s.f.functions[name]
		out.LastUpdateStatus = lambdatypes.LastUpdateStatusSuccessful
		return nil
	})
	return out, err
}

func (s fakeLambda) GetFunction(_ context.Context, in *lambda.GetFunctionInput, _ ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error) {
	out := &lambda.GetFunctionOutput{}
	err := s.f.callIn(in, "GetFunction", func() error {
		name := aws.ToString(in.FunctionName)
		if _, ok := s.f.functions[name]; !ok {
			return notFound("function")
		}
		out.Configuration = &lambdatypes.FunctionConfiguration{FunctionName: aws.String(name), FunctionArn: aws.String(functionARN(name)),
			Role: aws.String("arn:aws:iam::123456789012:role/" + RoleName("us-east-1", "prod/orders/db"))}
		out.Tags = map[string]string{BundleTagKey: "prod/orders/db"}
		return nil
	})
	return out, err
}

func (s fakeLambda) DeleteFunction(_ context.Context, in *lambda.DeleteFunctionInput, _ ...func(*lambda.Options)) (*lambda.DeleteFunctionOutput, error) {
	return &lambda.DeleteFunctionOutput{}, s.f.callIn(in, "DeleteFunction", func() error {
		delete(s.f.functions, aws.ToString(in.FunctionName))
		delete(s.f.permissions, aws.ToString(in.FunctionName))
		return nil
	})
}

func (s fakeLambda) AddPermission(_ context.Context, in *lambda.AddPermissionInput, _ ...func(*lambda.Options)) (*lambda.AddPermissionOutput, error) {
	return &lambda.AddPermissionOutput{}, s.f.callIn(in, "AddPermission", func() error {
		s.f.permissions[aws.ToString(in.FunctionName)] = true
		s.f.grantSources[aws.ToString(in.FunctionName)] = aws.ToString(in.SourceArn)
		return nil
	})
}

func (s fakeLambda) RemovePermission(_ context.Context, in *lambda.RemovePermissionInput, _ ...func(*lambda.Options)) (*lambda.RemovePermissionOutput, error) {
	return &lambda.RemovePermissionOutput{}, s.f.callIn(in, "RemovePermission", func() error { delete(s.f.permissions, aws.ToString(in.FunctionName)); return nil })
}

func (s fakeLambda) GetPolicy(_ context.Context, in *lambda.GetPolicyInput, _ ...func(*lambda.Options)) (*lambda.GetPolicyOutput, error) {
	out := &lambda.GetPolicyOutput{}
	err := s.f.callIn(in, "GetPolicy", func() error {
		if !s.f.permissions[aws.ToString(in.FunctionName)] {
			return notFound("policy")
		}
		out.Policy = aws.String(fmt.Sprintf(`{"Statement":[{"Sid":%q,"Effect":"Allow","Principal":{"Service":"secretsmanager.amazonaws.com"},"Action":"lambda:InvokeFunction","Condition":{"ArnLike":{"AWS:SourceArn":%q}}}]}`,
			permissionID, s.f.grantSources[aws.ToString(in.FunctionName)]))
		return nil
	})
	return out, err
}

func (s fakeLambda) UpdateFunctionConfiguration(_ context.Context, in *lambda.UpdateFunctionConfigurationInput, _ ...func(*lambda.Options)) (*lambda.UpdateFunctionConfigurationOutput, error) {
	return &lambda.UpdateFunctionConfigurationOutput{}, s.f.callIn(in, "UpdateFunctionConfiguration", nil)
}

func (s fakeLambda) UpdateFunctionCode(_ context.Context, in *lambda.UpdateFunctionCodeInput, _ ...func(*lambda.Options)) (*lambda.UpdateFunctionCodeOutput, error) {
	return &lambda.UpdateFunctionCodeOutput{CodeSha256: aws.String(CodeSHA256(in.ZipFile))}, s.f.callIn(in, "UpdateFunctionCode", nil)
}

type fakeSNS struct {
	awsclient.SNSAPI
	f *fakeAWS
}

func (s fakeSNS) CreateTopic(_ context.Context, in *sns.CreateTopicInput, _ ...func(*sns.Options)) (*sns.CreateTopicOutput, error) {
	arn := "arn:aws:sns:us-east-1:123456789012:" + aws.ToString(in.Name)
	err := s.f.callIn(in, "CreateTopic", func() error {
		s.f.topics[arn], s.f.topicPolicies[arn] = true, in.Attributes["Policy"]
		s.f.tags[arn] = snsTagMap(in.Tags)
		return nil
	})
	return &sns.CreateTopicOutput{TopicArn: aws.String(arn)}, err
}

func (s fakeSNS) DeleteTopic(_ context.Context, in *sns.DeleteTopicInput, _ ...func(*sns.Options)) (*sns.DeleteTopicOutput, error) {
	return &sns.DeleteTopicOutput{}, s.f.callIn(in, "DeleteTopic", func() error { delete(s.f.topics, aws.ToString(in.TopicArn)); return nil })
}

func (s fakeSNS) SetTopicAttributes(_ context.Context, in *sns.SetTopicAttributesInput, _ ...func(*sns.Options)) (*sns.SetTopicAttributesOutput, error) {
	return &sns.SetTopicAttributesOutput{}, s.f.callIn(in, "SetTopicAttributes", func() error {
		if !s.f.topics[aws.ToString(in.TopicArn)] {
			return apiError("NotFound", "Topic does not exist")
		}
		if aws.ToString(in.AttributeName) == "Policy" {
			s.f.topicPolicies[aws.ToString(in.TopicArn)] = aws.ToString(in.AttributeValue)
		}
		return nil
	})
}

func (s fakeSNS) GetTopicAttributes(_ context.Context, in *sns.GetTopicAttributesInput, _ ...func(*sns.Options)) (*sns.GetTopicAttributesOutput, error) {
	out := &sns.GetTopicAttributesOutput{}
	return out, s.f.callIn(in, "GetTopicAttributes", func() error {
		if !s.f.topics[aws.ToString(in.TopicArn)] {
			return apiError("NotFound", "Topic does not exist")
		}
		out.Attributes = map[string]string{"Policy": s.f.topicPolicies[aws.ToString(in.TopicArn)]}
		return nil
	})
}

// Subscribe records the subscription, pending when its protocol needs a confirmation; it answers
// with the ARN, as ReturnSubscriptionArn asks.
func (s fakeSNS) Subscribe(_ context.Context, in *sns.SubscribeInput, _ ...func(*sns.Options)) (*sns.SubscribeOutput, error) {
	out := &sns.SubscribeOutput{}
	return out, s.f.callIn(in, "Subscribe", func() error {
		topic := aws.ToString(in.TopicArn)
		for _, sub := range s.f.subscriptions[topic] {
			if aws.ToString(sub.Endpoint) == aws.ToString(in.Endpoint) && aws.ToString(sub.Protocol) == aws.ToString(in.Protocol) {
				out.SubscriptionArn = sub.SubscriptionArn
				return nil
			}
		}
		s.f.nextSubscription++
		arn := fmt.Sprintf("%s:sub-%d", topic, s.f.nextSubscription)
		s.f.subscriptions[topic] = append(s.f.subscriptions[topic], snstypes.Subscription{
			SubscriptionArn: aws.String(arn), Protocol: in.Protocol, Endpoint: in.Endpoint, TopicArn: in.TopicArn,
		})
		switch aws.ToString(in.Protocol) {
		case "email", "email-json", "https":
			s.f.pending[arn] = true
		}
		out.SubscriptionArn = aws.String(arn)
		return nil
	})
}

type fakeEvents struct {
	awsclient.EventsAPI
	f *fakeAWS
}

func (s fakeEvents) PutRule(_ context.Context, in *eventbridge.PutRuleInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutRuleOutput, error) {
	err := s.f.callIn(in, "PutRule", func() error {
		s.f.rules[aws.ToString(in.Name)] = true
		s.f.rulePatterns[aws.ToString(in.Name)], s.f.ruleStates[aws.ToString(in.Name)] = aws.ToString(in.EventPattern), string(in.State)
		if in.Tags != nil {
			s.f.tags[aws.ToString(in.Name)] = tagMap(in.Tags, func(t ebtypes.Tag) (*string, *string) { return t.Key, t.Value })
		}
		return nil
	})
	return &eventbridge.PutRuleOutput{RuleArn: aws.String("arn:aws:events:us-east-1:123456789012:rule/" + aws.ToString(in.Name))}, err
}

func (s fakeEvents) PutTargets(_ context.Context, in *eventbridge.PutTargetsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutTargetsOutput, error) {
	return &eventbridge.PutTargetsOutput{}, s.f.callIn(in, "PutTargets", func() error { s.f.targets[aws.ToString(in.Rule)] = true; return nil })
}

func (s fakeEvents) RemoveTargets(_ context.Context, in *eventbridge.RemoveTargetsInput, _ ...func(*eventbridge.Options)) (*eventbridge.RemoveTargetsOutput, error) {
	return &eventbridge.RemoveTargetsOutput{}, s.f.callIn(in, "RemoveTargets", func() error { delete(s.f.targets, aws.ToString(in.Rule)); return nil })
}

func (s fakeEvents) DeleteRule(_ context.Context, in *eventbridge.DeleteRuleInput, _ ...func(*eventbridge.Options)) (*eventbridge.DeleteRuleOutput, error) {
	return &eventbridge.DeleteRuleOutput{}, s.f.callIn(in, "DeleteRule", func() error { delete(s.f.rules, aws.ToString(in.Name)); return nil })
}

func (s fakeEvents) DescribeRule(_ context.Context, in *eventbridge.DescribeRuleInput, _ ...func(*eventbridge.Options)) (*eventbridge.DescribeRuleOutput, error) {
	out := &eventbridge.DescribeRuleOutput{}
	err := s.f.callIn(in, "DescribeRule", func() error {
		if !s.f.rules[aws.ToString(in.Name)] {
			return notFound("rule")
		}
		out.EventPattern = aws.String(s.f.rulePatterns[aws.ToString(in.Name)])
		out.State = ebtypes.RuleState(s.f.ruleStates[aws.ToString(in.Name)])
		out.Arn = aws.String("arn:aws:events:us-east-1:123456789012:rule/" + aws.ToString(in.Name))
		return nil
	})
	return out, err
}

func (s fakeEvents) ListTargetsByRule(_ context.Context, in *eventbridge.ListTargetsByRuleInput, _ ...func(*eventbridge.Options)) (*eventbridge.ListTargetsByRuleOutput, error) {
	out := &eventbridge.ListTargetsByRuleOutput{}
	err := s.f.callIn(in, "ListTargetsByRule", func() error {
		if !s.f.rules[aws.ToString(in.Rule)] {
			return notFound("rule " + aws.ToString(in.Rule))
		}
		if s.f.targets[aws.ToString(in.Rule)] {
			out.Targets = []ebtypes.Target{{Id: aws.String(alertTargetID), Arn: aws.String("arn:aws:sns:us-east-1:123456789012:" + TopicName("prod/orders/db"))}}
		}
		return nil
	})
	return out, err
}

func (s fakeLogs) TagResource(_ context.Context, in *cloudwatchlogs.TagResourceInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.TagResourceOutput, error) {
	return &cloudwatchlogs.TagResourceOutput{}, s.f.callIn(in, "logs.TagResource", nil)
}

func (s fakeLogs) UntagResource(_ context.Context, in *cloudwatchlogs.UntagResourceInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.UntagResourceOutput, error) {
	return &cloudwatchlogs.UntagResourceOutput{}, s.f.callIn(in, "logs.UntagResource", nil)
}

func (s fakeSNS) TagResource(_ context.Context, in *sns.TagResourceInput, _ ...func(*sns.Options)) (*sns.TagResourceOutput, error) {
	return &sns.TagResourceOutput{}, s.f.callIn(in, "sns.TagResource", nil)
}

func (s fakeSNS) UntagResource(_ context.Context, in *sns.UntagResourceInput, _ ...func(*sns.Options)) (*sns.UntagResourceOutput, error) {
	return &sns.UntagResourceOutput{}, s.f.callIn(in, "sns.UntagResource", nil)
}

func (s fakeEvents) TagResource(_ context.Context, in *eventbridge.TagResourceInput, _ ...func(*eventbridge.Options)) (*eventbridge.TagResourceOutput, error) {
	return &eventbridge.TagResourceOutput{}, s.f.callIn(in, "events.TagResource", nil)
}

func (s fakeEvents) UntagResource(_ context.Context, in *eventbridge.UntagResourceInput, _ ...func(*eventbridge.Options)) (*eventbridge.UntagResourceOutput, error) {
	return &eventbridge.UntagResourceOutput{}, s.f.callIn(in, "events.UntagResource", nil)
}

func (s fakeLambda) TagResource(_ context.Context, in *lambda.TagResourceInput, _ ...func(*lambda.Options)) (*lambda.TagResourceOutput, error) {
	return &lambda.TagResourceOutput{}, s.f.callIn(in, "lambda.TagResource", nil)
}

func (s fakeLambda) UntagResource(_ context.Context, in *lambda.UntagResourceInput, _ ...func(*lambda.Options)) (*lambda.UntagResourceOutput, error) {
	return &lambda.UntagResourceOutput{}, s.f.callIn(in, "lambda.UntagResource", nil)
}

func (s fakeSNS) ListTagsForResource(_ context.Context, in *sns.ListTagsForResourceInput, _ ...func(*sns.Options)) (*sns.ListTagsForResourceOutput, error) {
	out := &sns.ListTagsForResourceOutput{}
	return out, s.f.callIn(in, "sns.ListTagsForResource", func() error {
		out.Tags = snsTags(s.f.tagsOf(aws.ToString(in.ResourceArn)))
		return nil
	})
}

// tagsOf answers a tag listing: the object's tags, or the bundle tag of prod/orders/db.
func (f *fakeAWS) tagsOf(key string) map[string]string {
	if tags, ok := f.tags[key]; ok {
		return tags
	}
	return map[string]string{BundleTagKey: "prod/orders/db"}
}

func (s fakeIAM) ListRoleTags(_ context.Context, in *iam.ListRoleTagsInput, _ ...func(*iam.Options)) (*iam.ListRoleTagsOutput, error) {
	out := &iam.ListRoleTagsOutput{}
	return out, s.f.callIn(in, "ListRoleTags", func() error {
		if !s.f.roles[aws.ToString(in.RoleName)] {
			return apiError("NoSuchEntity", "role not found")
		}
		out.Tags = iamTags(s.f.tagsOf(aws.ToString(in.RoleName)))
		return nil
	})
}

func (s fakeLogs) ListTagsForResource(_ context.Context, in *cloudwatchlogs.ListTagsForResourceInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.ListTagsForResourceOutput, error) {
	out := &cloudwatchlogs.ListTagsForResourceOutput{}
	return out, s.f.callIn(in, "logs.ListTagsForResource", func() error {
		out.Tags = s.f.tagsOf(strings.TrimPrefix(aws.ToString(in.ResourceArn), "arn:aws:logs:us-east-1:123456789012:log-group:"))
		return nil
	})
}

func (s fakeEvents) ListTagsForResource(_ context.Context, in *eventbridge.ListTagsForResourceInput, _ ...func(*eventbridge.Options)) (*eventbridge.ListTagsForResourceOutput, error) {
	out := &eventbridge.ListTagsForResourceOutput{}
	return out, s.f.callIn(in, "events.ListTagsForResource", func() error {
		out.Tags = eventTags(s.f.tagsOf(aws.ToString(in.ResourceARN)[strings.LastIndex(aws.ToString(in.ResourceARN), "/")+1:]))
		return nil
	})
}

// ListSubscriptionsByTopic lists the subscriptions Subscribe made, as AWS does: a pending one
// (e-mail, email-json, https until confirmed) without its ARN.
func (s fakeSNS) ListSubscriptionsByTopic(_ context.Context, in *sns.ListSubscriptionsByTopicInput, _ ...func(*sns.Options)) (*sns.ListSubscriptionsByTopicOutput, error) {
	out := &sns.ListSubscriptionsByTopicOutput{}
	err := s.f.callIn(in, "ListSubscriptionsByTopic", func() error {
		topic := aws.ToString(in.TopicArn)
		if !s.f.topics[topic] {
			return apiError("NotFound", "Topic does not exist")
		}
		for _, sub := range s.f.subscriptions[topic] {
			listed := sub
			if s.f.pending[aws.ToString(sub.SubscriptionArn)] {
				listed.SubscriptionArn = aws.String("PendingConfirmation")
			}
			out.Subscriptions = append(out.Subscriptions, listed)
		}
		return nil
	})
	return out, err
}

func (s fakeSNS) GetSubscriptionAttributes(_ context.Context, in *sns.GetSubscriptionAttributesInput, _ ...func(*sns.Options)) (*sns.GetSubscriptionAttributesOutput, error) {
	out := &sns.GetSubscriptionAttributesOutput{}
	return out, s.f.callIn(in, "GetSubscriptionAttributes", func() error {
		out.Attributes = map[string]string{"PendingConfirmation": fmt.Sprint(s.f.pending[aws.ToString(in.SubscriptionArn)])}
		return nil
	})
}

func (s fakeSNS) Unsubscribe(_ context.Context, in *sns.UnsubscribeInput, _ ...func(*sns.Options)) (*sns.UnsubscribeOutput, error) {
	return &sns.UnsubscribeOutput{}, s.f.callIn(in, "Unsubscribe", func() error {
		for topic, subs := range s.f.subscriptions {
			s.f.subscriptions[topic] = slices.DeleteFunc(subs, func(sub snstypes.Subscription) bool {
				return aws.ToString(sub.SubscriptionArn) == aws.ToString(in.SubscriptionArn)
			})
		}
		return nil
	})
}

func (s fakeLogs) DescribeLogGroups(_ context.Context, in *cloudwatchlogs.DescribeLogGroupsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error) {
	out := &cloudwatchlogs.DescribeLogGroupsOutput{}
	return out, s.f.callIn(in, "DescribeLogGroups", func() error {
		for name := range s.f.logGroups {
			if strings.HasPrefix(name, aws.ToString(in.LogGroupNamePrefix)) {
				created, ok := s.f.logGroupCreated[name]
				if !ok {
					created = time.Now()
				}
				out.LogGroups = append(out.LogGroups, logtypes.LogGroup{LogGroupName: aws.String(name), CreationTime: aws.Int64(created.UnixMilli())})
			}
		}
		return nil
	})
}

func (f *fakeAWS) currentVersionID() string {
	if f.currentVersion == "" {
		return "rotated"
	}
	return f.currentVersion
}

func (f *fakeAWS) versionStages() map[string][]string {
	stages := map[string][]string{f.currentVersionID(): {stageCurrent}}
	if f.pendingVersion != "" {
		stages[f.pendingVersion] = []string{stagePending}
	}
	return stages
}

type fakeKMS struct{ f *fakeAWS }

func (k fakeKMS) DescribeKey(_ context.Context, in *kms.DescribeKeyInput, _ ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	var out *kms.DescribeKeyOutput
	err := k.f.callIn(in, "DescribeKey", func() error {
		arn, ok := k.f.keys[aws.ToString(in.KeyId)]
		if !ok {
			return &smithy.GenericAPIError{Code: "NotFoundException", Message: "Key '" + aws.ToString(in.KeyId) + "' does not exist"}
		}
		manager := "CUSTOMER"
		if k.f.awsManaged[arn] {
			manager = "AWS"
		}
		out = &kms.DescribeKeyOutput{KeyMetadata: &kms.KeyMetadata{Arn: aws.String(arn), KeyManager: aws.String(manager)}}
		return nil
	})
	return out, err
}
