package bundle

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
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
	rules       map[string]bool
	targets     map[string]bool
	// pendingPolls is how many GetFunctionConfiguration calls answer Pending before Active.
	pendingPolls int
	logEvents    []string
	// currentVersion holds AWSCURRENT; empty means "rotated".
	currentVersion string
	// pendingVersion, when set, holds AWSPENDING (a rotation in flight or failed).
	pendingVersion string
	// logPageSize pages FilterLogEvents answers; 0 answers in one page.
	logPageSize int
}

type fakeCall struct {
	op         string
	start, end time.Time
}

func newFakeAWS() *fakeAWS {
	return &fakeAWS{
		faults: map[string][]error{}, secrets: map[string]string{}, rotation: map[string]bool{}, roles: map[string]bool{},
		policies: map[string]bool{}, logGroups: map[string]bool{}, functions: map[string]lambdatypes.State{},
		permissions: map[string]bool{}, topics: map[string]bool{}, rules: map[string]bool{}, targets: map[string]bool{},
	}
}

func (f *fakeAWS) deps() Deps {
	return Deps{
		AWS: &awsclient.Client{
			SecretsManager: fakeSecrets{f: f}, IAM: fakeIAM{f: f}, Logs: fakeLogs{f: f}, Lambda: fakeLambda{f: f},
			SNS: fakeSNS{f: f}, Events: fakeEvents{f: f},
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

// call records op, waits the latency, and returns the injected fault if there is one. apply runs
// under the lock when the call succeeds.
func (f *fakeAWS) call(op string, apply func() error) error {
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
	f.calls = append(f.calls, fakeCall{op: op, start: start, end: time.Now()})
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

func (s fakeSecrets) ListSecrets(context.Context, *secretsmanager.ListSecretsInput, ...func(*secretsmanager.Options)) (*secretsmanager.ListSecretsOutput, error) {
	out := &secretsmanager.ListSecretsOutput{}
	err := s.f.call("ListSecrets", func() error {
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
	err := s.f.call("CreateSecret", func() error { s.f.secrets[arn] = aws.ToString(in.SecretString); return nil })
	if err != nil {
		return nil, err
	}
	return &secretsmanager.CreateSecretOutput{ARN: aws.String(arn), Name: in.Name, VersionId: in.ClientRequestToken}, nil
}

func (s fakeSecrets) DeleteSecret(_ context.Context, in *secretsmanager.DeleteSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DeleteSecretOutput, error) {
	return &secretsmanager.DeleteSecretOutput{}, s.f.call("DeleteSecret", func() error {
		if _, ok := s.f.secrets[aws.ToString(in.SecretId)]; !ok {
			return notFound("secret")
		}
		delete(s.f.secrets, aws.ToString(in.SecretId))
		return nil
	})
}

func (s fakeSecrets) DescribeSecret(_ context.Context, in *secretsmanager.DescribeSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	var out *secretsmanager.DescribeSecretOutput
	err := s.f.call("DescribeSecret", func() error {
		arn := aws.ToString(in.SecretId)
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
		return nil
	})
	return out, err
}

func (s fakeSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	var out *secretsmanager.GetSecretValueOutput
	err := s.f.call("GetSecretValue", func() error {
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
	err := s.f.call("PutSecretValue", func() error { s.f.secrets[aws.ToString(in.SecretId)] = aws.ToString(in.SecretString); return nil })
	return &secretsmanager.PutSecretValueOutput{VersionId: in.ClientRequestToken}, err
}

// UpdateSecretVersionStage moves AWSCURRENT, refusing a RemoveFromVersionId that does not hold
// it, as Secrets Manager does; other labels are accepted and forgotten.
func (s fakeSecrets) UpdateSecretVersionStage(_ context.Context, in *secretsmanager.UpdateSecretVersionStageInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretVersionStageOutput, error) {
	err := s.f.call("UpdateSecretVersionStage", func() error {
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

func (s fakeSecrets) UpdateSecret(context.Context, *secretsmanager.UpdateSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretOutput, error) {
	return &secretsmanager.UpdateSecretOutput{}, s.f.call("UpdateSecret", nil)
}

func (s fakeSecrets) RotateSecret(_ context.Context, in *secretsmanager.RotateSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.RotateSecretOutput, error) {
	err := s.f.call("RotateSecret", func() error { s.f.rotation[aws.ToString(in.SecretId)] = true; return nil })
	return &secretsmanager.RotateSecretOutput{VersionId: aws.String("rotated")}, err
}

func (s fakeSecrets) CancelRotateSecret(_ context.Context, in *secretsmanager.CancelRotateSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.CancelRotateSecretOutput, error) {
	return &secretsmanager.CancelRotateSecretOutput{}, s.f.call("CancelRotateSecret", func() error { s.f.rotation[aws.ToString(in.SecretId)] = false; return nil })
}

func (s fakeSecrets) TagResource(context.Context, *secretsmanager.TagResourceInput, ...func(*secretsmanager.Options)) (*secretsmanager.TagResourceOutput, error) {
	return &secretsmanager.TagResourceOutput{}, s.f.call("secretsmanager.TagResource", nil)
}

func (s fakeSecrets) UntagResource(context.Context, *secretsmanager.UntagResourceInput, ...func(*secretsmanager.Options)) (*secretsmanager.UntagResourceOutput, error) {
	return &secretsmanager.UntagResourceOutput{}, s.f.call("secretsmanager.UntagResource", nil)
}

type fakeIAM struct {
	awsclient.IAMAPI
	f *fakeAWS
}

func (s fakeIAM) CreateRole(_ context.Context, in *iam.CreateRoleInput, _ ...func(*iam.Options)) (*iam.CreateRoleOutput, error) {
	err := s.f.call("CreateRole", func() error { s.f.roles[aws.ToString(in.RoleName)] = true; return nil })
	return &iam.CreateRoleOutput{Role: &iamtypes.Role{Arn: aws.String("arn:aws:iam::123456789012:role/" + aws.ToString(in.RoleName))}}, err
}

func (s fakeIAM) GetRole(_ context.Context, in *iam.GetRoleInput, _ ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	return &iam.GetRoleOutput{}, s.f.call("GetRole", func() error {
		if !s.f.roles[aws.ToString(in.RoleName)] {
			return apiError("NoSuchEntity", "role not found")
		}
		return nil
	})
}

func (s fakeIAM) DeleteRole(_ context.Context, in *iam.DeleteRoleInput, _ ...func(*iam.Options)) (*iam.DeleteRoleOutput, error) {
	return &iam.DeleteRoleOutput{}, s.f.call("DeleteRole", func() error {
		if s.f.policies[aws.ToString(in.RoleName)] {
			return apiError("DeleteConflict", "Cannot delete entity, must delete policies first.")
		}
		delete(s.f.roles, aws.ToString(in.RoleName))
		return nil
	})
}

func (s fakeIAM) PutRolePolicy(_ context.Context, in *iam.PutRolePolicyInput, _ ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error) {
	return &iam.PutRolePolicyOutput{}, s.f.call("PutRolePolicy", func() error { s.f.policies[aws.ToString(in.RoleName)] = true; return nil })
}

func (s fakeIAM) DeleteRolePolicy(_ context.Context, in *iam.DeleteRolePolicyInput, _ ...func(*iam.Options)) (*iam.DeleteRolePolicyOutput, error) {
	return &iam.DeleteRolePolicyOutput{}, s.f.call("DeleteRolePolicy", func() error { delete(s.f.policies, aws.ToString(in.RoleName)); return nil })
}

func (s fakeIAM) TagRole(context.Context, *iam.TagRoleInput, ...func(*iam.Options)) (*iam.TagRoleOutput, error) {
	return &iam.TagRoleOutput{}, s.f.call("TagRole", nil)
}

func (s fakeIAM) UntagRole(context.Context, *iam.UntagRoleInput, ...func(*iam.Options)) (*iam.UntagRoleOutput, error) {
	return &iam.UntagRoleOutput{}, s.f.call("UntagRole", nil)
}

type fakeLogs struct {
	awsclient.LogsAPI
	f *fakeAWS
}

func (s fakeLogs) CreateLogGroup(_ context.Context, in *cloudwatchlogs.CreateLogGroupInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.CreateLogGroupOutput, error) {
	return &cloudwatchlogs.CreateLogGroupOutput{}, s.f.call("CreateLogGroup", func() error { s.f.logGroups[aws.ToString(in.LogGroupName)] = true; return nil })
}

func (s fakeLogs) DeleteLogGroup(_ context.Context, in *cloudwatchlogs.DeleteLogGroupInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DeleteLogGroupOutput, error) {
	return &cloudwatchlogs.DeleteLogGroupOutput{}, s.f.call("DeleteLogGroup", func() error { delete(s.f.logGroups, aws.ToString(in.LogGroupName)); return nil })
}

func (s fakeLogs) PutRetentionPolicy(context.Context, *cloudwatchlogs.PutRetentionPolicyInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.PutRetentionPolicyOutput, error) {
	return &cloudwatchlogs.PutRetentionPolicyOutput{}, s.f.call("PutRetentionPolicy", nil)
}

// FilterLogEvents answers in pages of logPageSize events (all at once when 0), as CloudWatch Logs
// pages a long log.
func (s fakeLogs) FilterLogEvents(_ context.Context, in *cloudwatchlogs.FilterLogEventsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error) {
	out := &cloudwatchlogs.FilterLogEventsOutput{}
	err := s.f.call("FilterLogEvents", func() error {
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
	err := s.f.call("CreateFunction", func() error { s.f.functions[aws.ToString(in.FunctionName)] = lambdatypes.StatePending; return nil })
	return &lambda.CreateFunctionOutput{FunctionArn: aws.String(functionARN(aws.ToString(in.FunctionName))), CodeSha256: aws.String(CodeSHA256(in.Code.ZipFile))}, err
}

func (s fakeLambda) GetFunctionConfiguration(_ context.Context, in *lambda.GetFunctionConfigurationInput, _ ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error) {
	out := &lambda.GetFunctionConfigurationOutput{}
	err := s.f.call("GetFunctionConfiguration", func() error {
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
	err := s.f.call("GetFunction", func() error {
		name := aws.ToString(in.FunctionName)
		if _, ok := s.f.functions[name]; !ok {
			return notFound("function")
		}
		out.Configuration = &lambdatypes.FunctionConfiguration{FunctionName: aws.String(name), FunctionArn: aws.String(functionARN(name)),
			Role: aws.String("arn:aws:iam::123456789012:role/" + RoleName("prod/orders/db"))}
		out.Tags = map[string]string{BundleTagKey: "prod/orders/db"}
		return nil
	})
	return out, err
}

func (s fakeLambda) DeleteFunction(_ context.Context, in *lambda.DeleteFunctionInput, _ ...func(*lambda.Options)) (*lambda.DeleteFunctionOutput, error) {
	return &lambda.DeleteFunctionOutput{}, s.f.call("DeleteFunction", func() error {
		delete(s.f.functions, aws.ToString(in.FunctionName))
		delete(s.f.permissions, aws.ToString(in.FunctionName))
		return nil
	})
}

func (s fakeLambda) AddPermission(_ context.Context, in *lambda.AddPermissionInput, _ ...func(*lambda.Options)) (*lambda.AddPermissionOutput, error) {
	return &lambda.AddPermissionOutput{}, s.f.call("AddPermission", func() error { s.f.permissions[aws.ToString(in.FunctionName)] = true; return nil })
}

func (s fakeLambda) RemovePermission(_ context.Context, in *lambda.RemovePermissionInput, _ ...func(*lambda.Options)) (*lambda.RemovePermissionOutput, error) {
	return &lambda.RemovePermissionOutput{}, s.f.call("RemovePermission", func() error { delete(s.f.permissions, aws.ToString(in.FunctionName)); return nil })
}

func (s fakeLambda) GetPolicy(_ context.Context, in *lambda.GetPolicyInput, _ ...func(*lambda.Options)) (*lambda.GetPolicyOutput, error) {
	out := &lambda.GetPolicyOutput{}
	err := s.f.call("GetPolicy", func() error {
		if !s.f.permissions[aws.ToString(in.FunctionName)] {
			return notFound("policy")
		}
		out.Policy = aws.String(fmt.Sprintf(`{"Statement":[{"Sid":%q}]}`, permissionID))
		return nil
	})
	return out, err
}

func (s fakeLambda) UpdateFunctionConfiguration(context.Context, *lambda.UpdateFunctionConfigurationInput, ...func(*lambda.Options)) (*lambda.UpdateFunctionConfigurationOutput, error) {
	return &lambda.UpdateFunctionConfigurationOutput{}, s.f.call("UpdateFunctionConfiguration", nil)
}

func (s fakeLambda) UpdateFunctionCode(_ context.Context, in *lambda.UpdateFunctionCodeInput, _ ...func(*lambda.Options)) (*lambda.UpdateFunctionCodeOutput, error) {
	return &lambda.UpdateFunctionCodeOutput{CodeSha256: aws.String(CodeSHA256(in.ZipFile))}, s.f.call("UpdateFunctionCode", nil)
}

type fakeSNS struct {
	awsclient.SNSAPI
	f *fakeAWS
}

func (s fakeSNS) CreateTopic(_ context.Context, in *sns.CreateTopicInput, _ ...func(*sns.Options)) (*sns.CreateTopicOutput, error) {
	arn := "arn:aws:sns:us-east-1:123456789012:" + aws.ToString(in.Name)
	err := s.f.call("CreateTopic", func() error { s.f.topics[arn] = true; return nil })
	return &sns.CreateTopicOutput{TopicArn: aws.String(arn)}, err
}

func (s fakeSNS) DeleteTopic(_ context.Context, in *sns.DeleteTopicInput, _ ...func(*sns.Options)) (*sns.DeleteTopicOutput, error) {
	return &sns.DeleteTopicOutput{}, s.f.call("DeleteTopic", func() error { delete(s.f.topics, aws.ToString(in.TopicArn)); return nil })
}

func (s fakeSNS) GetTopicAttributes(_ context.Context, in *sns.GetTopicAttributesInput, _ ...func(*sns.Options)) (*sns.GetTopicAttributesOutput, error) {
	return &sns.GetTopicAttributesOutput{}, s.f.call("GetTopicAttributes", func() error {
		if !s.f.topics[aws.ToString(in.TopicArn)] {
			return apiError("NotFound", "Topic does not exist")
		}
		return nil
	})
}

func (s fakeSNS) Subscribe(context.Context, *sns.SubscribeInput, ...func(*sns.Options)) (*sns.SubscribeOutput, error) {
	return &sns.SubscribeOutput{SubscriptionArn: aws.String("pending confirmation")}, s.f.call("Subscribe", nil)
}

type fakeEvents struct {
	awsclient.EventsAPI
	f *fakeAWS
}

func (s fakeEvents) PutRule(_ context.Context, in *eventbridge.PutRuleInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutRuleOutput, error) {
	err := s.f.call("PutRule", func() error { s.f.rules[aws.ToString(in.Name)] = true; return nil })
	return &eventbridge.PutRuleOutput{RuleArn: aws.String("arn:aws:events:us-east-1:123456789012:rule/" + aws.ToString(in.Name))}, err
}

func (s fakeEvents) PutTargets(_ context.Context, in *eventbridge.PutTargetsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutTargetsOutput, error) {
	return &eventbridge.PutTargetsOutput{}, s.f.call("PutTargets", func() error { s.f.targets[aws.ToString(in.Rule)] = true; return nil })
}

func (s fakeEvents) RemoveTargets(_ context.Context, in *eventbridge.RemoveTargetsInput, _ ...func(*eventbridge.Options)) (*eventbridge.RemoveTargetsOutput, error) {
	return &eventbridge.RemoveTargetsOutput{}, s.f.call("RemoveTargets", func() error { delete(s.f.targets, aws.ToString(in.Rule)); return nil })
}

func (s fakeEvents) DeleteRule(_ context.Context, in *eventbridge.DeleteRuleInput, _ ...func(*eventbridge.Options)) (*eventbridge.DeleteRuleOutput, error) {
	return &eventbridge.DeleteRuleOutput{}, s.f.call("DeleteRule", func() error { delete(s.f.rules, aws.ToString(in.Name)); return nil })
}

func (s fakeEvents) DescribeRule(_ context.Context, in *eventbridge.DescribeRuleInput, _ ...func(*eventbridge.Options)) (*eventbridge.DescribeRuleOutput, error) {
	out := &eventbridge.DescribeRuleOutput{}
	err := s.f.call("DescribeRule", func() error {
		if !s.f.rules[aws.ToString(in.Name)] {
			return notFound("rule")
		}
		out.EventPattern = aws.String(EventPattern("x", "y", []string{"DeleteSecret"}))
		return nil
	})
	return out, err
}

func (s fakeEvents) ListTargetsByRule(_ context.Context, in *eventbridge.ListTargetsByRuleInput, _ ...func(*eventbridge.Options)) (*eventbridge.ListTargetsByRuleOutput, error) {
	out := &eventbridge.ListTargetsByRuleOutput{}
	err := s.f.call("ListTargetsByRule", func() error {
		if s.f.targets[aws.ToString(in.Rule)] {
			out.Targets = []ebtypes.Target{{Id: aws.String(alertTargetID), Arn: aws.String("arn:aws:sns:us-east-1:123456789012:" + TopicName("prod/orders/db"))}}
		}
		return nil
	})
	return out, err
}

func (s fakeLogs) TagResource(context.Context, *cloudwatchlogs.TagResourceInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.TagResourceOutput, error) {
	return &cloudwatchlogs.TagResourceOutput{}, s.f.call("logs.TagResource", nil)
}

func (s fakeLogs) UntagResource(context.Context, *cloudwatchlogs.UntagResourceInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.UntagResourceOutput, error) {
	return &cloudwatchlogs.UntagResourceOutput{}, s.f.call("logs.UntagResource", nil)
}

func (s fakeSNS) TagResource(context.Context, *sns.TagResourceInput, ...func(*sns.Options)) (*sns.TagResourceOutput, error) {
	return &sns.TagResourceOutput{}, s.f.call("sns.TagResource", nil)
}

func (s fakeSNS) UntagResource(context.Context, *sns.UntagResourceInput, ...func(*sns.Options)) (*sns.UntagResourceOutput, error) {
	return &sns.UntagResourceOutput{}, s.f.call("sns.UntagResource", nil)
}

func (s fakeEvents) TagResource(context.Context, *eventbridge.TagResourceInput, ...func(*eventbridge.Options)) (*eventbridge.TagResourceOutput, error) {
	return &eventbridge.TagResourceOutput{}, s.f.call("events.TagResource", nil)
}

func (s fakeEvents) UntagResource(context.Context, *eventbridge.UntagResourceInput, ...func(*eventbridge.Options)) (*eventbridge.UntagResourceOutput, error) {
	return &eventbridge.UntagResourceOutput{}, s.f.call("events.UntagResource", nil)
}

func (s fakeLambda) TagResource(context.Context, *lambda.TagResourceInput, ...func(*lambda.Options)) (*lambda.TagResourceOutput, error) {
	return &lambda.TagResourceOutput{}, s.f.call("lambda.TagResource", nil)
}

func (s fakeLambda) UntagResource(context.Context, *lambda.UntagResourceInput, ...func(*lambda.Options)) (*lambda.UntagResourceOutput, error) {
	return &lambda.UntagResourceOutput{}, s.f.call("lambda.UntagResource", nil)
}

func (s fakeSNS) ListTagsForResource(context.Context, *sns.ListTagsForResourceInput, ...func(*sns.Options)) (*sns.ListTagsForResourceOutput, error) {
	return &sns.ListTagsForResourceOutput{Tags: []snstypes.Tag{{Key: aws.String(BundleTagKey), Value: aws.String("prod/orders/db")}}}, s.f.call("sns.ListTagsForResource", nil)
}

func (s fakeSNS) ListSubscriptionsByTopic(context.Context, *sns.ListSubscriptionsByTopicInput, ...func(*sns.Options)) (*sns.ListSubscriptionsByTopicOutput, error) {
	return &sns.ListSubscriptionsByTopicOutput{}, s.f.call("ListSubscriptionsByTopic", nil)
}

func (s fakeLogs) DescribeLogGroups(_ context.Context, in *cloudwatchlogs.DescribeLogGroupsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error) {
	out := &cloudwatchlogs.DescribeLogGroupsOutput{}
	return out, s.f.call("DescribeLogGroups", func() error {
		for name := range s.f.logGroups {
			if strings.HasPrefix(name, aws.ToString(in.LogGroupNamePrefix)) {
				out.LogGroups = append(out.LogGroups, logtypes.LogGroup{LogGroupName: aws.String(name)})
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
