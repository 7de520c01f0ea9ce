package bundle

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

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

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials"
)

// These tests assert what each part sends to AWS, from the inputs the fake records: a change in
// a part (part_*.go) that drops or alters a field (the rotation window, the immediate flag, the deletion
// window, the VPC, ...) fails one of them.

// sent returns the inputs of every recorded call of op, which must be of type T.
func sent[T any](t *testing.T, f *fakeAWS, op string) []T {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []T
	for _, c := range f.calls {
		if c.op != op {
			continue
		}
		in, ok := c.input.(T)
		if !ok {
			t.Fatalf("%s was recorded with input %T", op, c.input)
		}
		out = append(out, in)
	}
	return out
}

// sentOnce is sent for an operation called exactly once.
func sentOnce[T any](t *testing.T, f *fakeAWS, op string) T {
	t.Helper()
	ins := sent[T](t, f, op)
	if len(ins) != 1 {
		t.Fatalf("%s was called %d times, want once: %v", op, len(ins), f.ops())
	}
	return ins[0]
}

// vpcSpec is testSpec with a KMS key and the rotator in a VPC.
func vpcSpec() *Spec {
	spec := testSpec()
	spec.KMSKeyID = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	spec.Rotation.Lambda.SubnetIDs = []string{"subnet-a", "subnet-b"}
	spec.Rotation.Lambda.SecurityGroupIDs = []string{"sg-1"}
	return spec
}

var wantTags = map[string]string{"team": "orders", BundleTagKey: "prod/orders/db"}

func TestCreateSendsTheSecretWithKMSKeyDescriptionAndTags(t *testing.T) {
	f := newFakeAWS()
	if _, err := Create(context.Background(), f.deps(), vpcSpec()); err != nil {
		t.Fatal(err)
	}
	in := sentOnce[*secretsmanager.CreateSecretInput](t, f, "CreateSecret")
	if aws.ToString(in.Name) != "prod/orders/db" || aws.ToString(in.Description) != "orders" {
		t.Errorf("CreateSecret name/description = %q/%q", aws.ToString(in.Name), aws.ToString(in.Description))
	}
	if aws.ToString(in.KmsKeyId) != vpcSpec().KMSKeyID {
		t.Errorf("CreateSecret KmsKeyId = %q, want the spec's key", aws.ToString(in.KmsKeyId))
	}
	if aws.ToString(in.ClientRequestToken) == "" {
		t.Error("CreateSecret has no ClientRequestToken: a retried create could make two versions")
	}
	for _, want := range []string{`"username":"app"`, `"host":"db.internal"`, `"engine":"postgres"`, `"password":"`} {
		if !strings.Contains(aws.ToString(in.SecretString), want) {
			t.Errorf("CreateSecret value lacks %s", want)
		}
	}
	if got := smTagMap(in.Tags); !maps.Equal(got, wantTags) {
		t.Errorf("CreateSecret tags = %v, want %v", got, wantTags)
	}

	// Without a key, none is sent (Secrets Manager then uses aws/secretsmanager).
	f = newFakeAWS()
	if _, err := Create(context.Background(), f.deps(), testSpec()); err != nil {
		t.Fatal(err)
	}
	if in := sentOnce[*secretsmanager.CreateSecretInput](t, f, "CreateSecret"); in.KmsKeyId != nil {
		t.Errorf("CreateSecret sent KmsKeyId %q although the spec has none", aws.ToString(in.KmsKeyId))
	}
}

func TestCreateSendsTheFunctionConfiguration(t *testing.T) {
	f := newFakeAWS()
	st, err := Create(context.Background(), f.deps(), vpcSpec())
	if err != nil {
		t.Fatal(err)
	}
	in := sentOnce[*lambda.CreateFunctionInput](t, f, "CreateFunction")
	if aws.ToString(in.FunctionName) != st.FunctionName || aws.ToString(in.Role) != st.RoleARN {
		t.Errorf("CreateFunction name/role = %q/%q, want %q/%q", aws.ToString(in.FunctionName), aws.ToString(in.Role), st.FunctionName, st.RoleARN)
	}
	if in.Runtime != lambdatypes.Runtime(rotatorRuntime) || aws.ToString(in.Handler) != rotatorHandler {
		t.Errorf("CreateFunction runtime/handler = %s/%s", in.Runtime, aws.ToString(in.Handler))
	}
	if !slices.Equal(in.Architectures, []lambdatypes.Architecture{lambdatypes.ArchitectureArm64}) {
		t.Errorf("CreateFunction architectures = %v, want [arm64]", in.Architectures)
	}
	if string(in.Code.ZipFile) != "zip for arm64" {
		t.Errorf("CreateFunction code = %q, want the arm64 build", in.Code.ZipFile)
	}
	if aws.ToInt32(in.MemorySize) != 128 || aws.ToInt32(in.Timeout) != 30 {
		t.Errorf("CreateFunction memory/timeout = %d/%d, want 128/30", aws.ToInt32(in.MemorySize), aws.ToInt32(in.Timeout))
	}
	wantEnv := map[string]string{credentials.EnvPasswordLength: "32", credentials.EnvExcludeCharacters: ":/@\"'\\", credentials.EnvRotationStrategy: StrategySingleUser}
	if in.Environment == nil || !maps.Equal(in.Environment.Variables, wantEnv) {
		t.Errorf("CreateFunction environment = %v, want %v", in.Environment, wantEnv)
	}
	if in.VpcConfig == nil || !slices.Equal(in.VpcConfig.SubnetIds, []string{"subnet-a", "subnet-b"}) || !slices.Equal(in.VpcConfig.SecurityGroupIds, []string{"sg-1"}) {
		t.Errorf("CreateFunction VpcConfig = %+v, want the spec's subnets and security groups", in.VpcConfig)
	}
	if !maps.Equal(in.Tags, wantTags) {
		t.Errorf("CreateFunction tags = %v, want %v", in.Tags, wantTags)
	}

	// The provider block's Secrets Manager endpoint is passed on; no VPC sends no VpcConfig.
	f = newFakeAWS()
	spec := testSpec()
	spec.Rotation.Lambda.Architecture = "x86_64"
	deps := f.deps()
	deps.AWS.Endpoints = map[string]string{"secretsmanager": "https://secretsmanager.example"}
	if _, err := Create(context.Background(), deps, spec); err != nil {
		t.Fatal(err)
	}
	in = sentOnce[*lambda.CreateFunctionInput](t, f, "CreateFunction")
	if in.VpcConfig != nil {
		t.Errorf("CreateFunction sent VpcConfig %+v for a function outside any VPC", in.VpcConfig)
	}
	if in.Environment.Variables[credentials.EnvSecretsManagerEndpoint] != "https://secretsmanager.example" {
		t.Errorf("CreateFunction environment %v lacks the endpoint", in.Environment.Variables)
	}
	if !slices.Equal(in.Architectures, []lambdatypes.Architecture{lambdatypes.ArchitectureX8664}) || string(in.Code.ZipFile) != "zip for x86_64" {
		t.Errorf("CreateFunction architectures/code = %v/%q, want x86_64", in.Architectures, in.Code.ZipFile)
	}
}

func TestCreateSendsTheScheduleWindowAndImmediateFlag(t *testing.T) {
	for _, tc := range []struct {
		name        string
		edit        func(*Spec)
		immediately bool
		days        int64
		expression  string
		duration    string
	}{
		{name: "days and window, rotate now", edit: func(*Spec) {}, immediately: true, days: 30, duration: "3h"},
		{name: "not now", edit: func(s *Spec) { s.Rotation.RotateImmediately = false }, days: 30, duration: "3h"},
		{name: "expression without window", edit: func(s *Spec) {
			s.Rotation.ScheduleExpression, s.Rotation.AutomaticallyAfterDays, s.Rotation.Duration = "rate(10 days)", 0, ""
		}, immediately: true, expression: "rate(10 days)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAWS()
			spec := testSpec()
			tc.edit(spec)
			st, err := Create(context.Background(), f.deps(), spec)
			if err != nil {
				t.Fatal(err)
			}
			in := sentOnce[*secretsmanager.RotateSecretInput](t, f, "RotateSecret")
			checkRotateInput(t, in, st, tc.immediately, tc.days, tc.expression, tc.duration)
		})
	}
}

func checkRotateInput(t *testing.T, in *secretsmanager.RotateSecretInput, st *State, immediately bool, days int64, expression, duration string) {
	t.Helper()
	if aws.ToString(in.SecretId) != st.SecretARN || aws.ToString(in.RotationLambdaARN) != st.FunctionARN {
		t.Errorf("RotateSecret secret/function = %q/%q, want %q/%q", aws.ToString(in.SecretId), aws.ToString(in.RotationLambdaARN), st.SecretARN, st.FunctionARN)
	}
	if in.RotateImmediately == nil || *in.RotateImmediately != immediately {
		t.Errorf("RotateSecret RotateImmediately = %v, want %v (nil means true on AWS)", in.RotateImmediately, immediately)
	}
	if aws.ToString(in.ClientRequestToken) == "" {
		t.Error("RotateSecret has no ClientRequestToken")
	}
	r := in.RotationRules
	if r == nil {
		t.Fatal("RotateSecret has no RotationRules")
	}
	if got := aws.ToInt64(r.AutomaticallyAfterDays); got != days || (days == 0) != (r.AutomaticallyAfterDays == nil) {
		t.Errorf("RotationRules.AutomaticallyAfterDays = %v, want %d", r.AutomaticallyAfterDays, days)
	}
	if got := aws.ToString(r.ScheduleExpression); got != expression || (expression == "") != (r.ScheduleExpression == nil) {
		t.Errorf("RotationRules.ScheduleExpression = %v, want %q", r.ScheduleExpression, expression)
	}
	if got := aws.ToString(r.Duration); got != duration || (duration == "") != (r.Duration == nil) {
		t.Errorf("RotationRules.Duration = %v, want %q", r.Duration, duration)
	}
}

func TestUpdateSendsTheNewScheduleWithoutRotatingNow(t *testing.T) {
	f := newFakeAWS()
	spec, st := created(t, f)
	changed := testSpec()
	changed.Rotation.AutomaticallyAfterDays = 7
	changed.Rotation.Duration = "2h"
	next, err := Update(context.Background(), f.deps(), spec, changed, st)
	if err != nil {
		t.Fatal(err)
	}
	in := sentOnce[*secretsmanager.RotateSecretInput](t, f, "RotateSecret")
	checkRotateInput(t, in, next, false, 7, "", "2h")
}

func TestUpdateSendsTheFunctionConfiguration(t *testing.T) {
	f := newFakeAWS()
	spec, st := created(t, f)
	changed := vpcSpec()
	changed.Rotation.Lambda.MemorySize = 256
	changed.Rotation.Lambda.Timeout = 60
	changed.Rotation.PasswordLength = 40
	if _, err := Update(context.Background(), f.deps(), spec, changed, st); err != nil {
		t.Fatal(err)
	}
	in := sentOnce[*lambda.UpdateFunctionConfigurationInput](t, f, "UpdateFunctionConfiguration")
	if aws.ToString(in.FunctionName) != st.FunctionName || aws.ToString(in.Role) != st.RoleARN {
		t.Errorf("UpdateFunctionConfiguration name/role = %q/%q", aws.ToString(in.FunctionName), aws.ToString(in.Role))
	}
	if aws.ToInt32(in.MemorySize) != 256 || aws.ToInt32(in.Timeout) != 60 {
		t.Errorf("UpdateFunctionConfiguration memory/timeout = %d/%d, want 256/60", aws.ToInt32(in.MemorySize), aws.ToInt32(in.Timeout))
	}
	if in.Environment == nil || in.Environment.Variables[credentials.EnvPasswordLength] != "40" {
		t.Errorf("UpdateFunctionConfiguration environment = %v, want PASSWORD_LENGTH 40", in.Environment)
	}
	if in.VpcConfig == nil || !slices.Equal(in.VpcConfig.SubnetIds, []string{"subnet-a", "subnet-b"}) || !slices.Equal(in.VpcConfig.SecurityGroupIds, []string{"sg-1"}) {
		t.Errorf("UpdateFunctionConfiguration VpcConfig = %+v, want the new subnets and security groups", in.VpcConfig)
	}

	// Leaving the VPC sends an empty VpcConfig (nil would leave the function in it).
	f.calls = nil
	if _, err := Update(context.Background(), f.deps(), changed, testSpec(), st); err != nil {
		t.Fatal(err)
	}
	in = sentOnce[*lambda.UpdateFunctionConfigurationInput](t, f, "UpdateFunctionConfiguration")
	if in.VpcConfig == nil || in.VpcConfig.SubnetIds == nil || len(in.VpcConfig.SubnetIds) != 0 || in.VpcConfig.SecurityGroupIds == nil || len(in.VpcConfig.SecurityGroupIds) != 0 {
		t.Errorf("UpdateFunctionConfiguration VpcConfig = %+v, want empty lists to leave the VPC", in.VpcConfig)
	}
}

func TestUpdateSendsTheArchitectureWithTheCode(t *testing.T) {
	f := newFakeAWS()
	spec, st := created(t, f)
	changed := testSpec()
	changed.Rotation.Lambda.Architecture = "x86_64"
	if _, err := Update(context.Background(), f.deps(), spec, changed, st); err != nil {
		t.Fatal(err)
	}
	in := sentOnce[*lambda.UpdateFunctionCodeInput](t, f, "UpdateFunctionCode")
	if !slices.Equal(in.Architectures, []lambdatypes.Architecture{lambdatypes.ArchitectureX8664}) || string(in.ZipFile) != "zip for x86_64" {
		t.Errorf("UpdateFunctionCode architectures/code = %v/%q, want the x86_64 build", in.Architectures, in.ZipFile)
	}
}

func TestDeleteSendsTheRecoveryWindowOrForce(t *testing.T) {
	for _, window := range []int64{0, 7, 30} {
		f := newFakeAWS()
		_, st := created(t, f)
		arn := st.SecretARN
		if err := Delete(context.Background(), f.deps(), st, window); err != nil {
			t.Fatal(err)
		}
		in := sentOnce[*secretsmanager.DeleteSecretInput](t, f, "DeleteSecret")
		if aws.ToString(in.SecretId) != arn {
			t.Errorf("DeleteSecret SecretId = %q, want %q", aws.ToString(in.SecretId), arn)
		}
		if window == 0 {
			if !aws.ToBool(in.ForceDeleteWithoutRecovery) || in.RecoveryWindowInDays != nil {
				t.Errorf("window 0: DeleteSecret force=%v window=%v, want force and no window", in.ForceDeleteWithoutRecovery, in.RecoveryWindowInDays)
			}
			continue
		}
		if in.ForceDeleteWithoutRecovery != nil || aws.ToInt64(in.RecoveryWindowInDays) != window {
			t.Errorf("window %d: DeleteSecret force=%v window=%v", window, in.ForceDeleteWithoutRecovery, in.RecoveryWindowInDays)
		}
	}
}

func TestCreateRollbackForceDeletesTheSecret(t *testing.T) {
	f := newFakeAWS()
	f.fail("AddPermission", apiError("InternalFailure", "injected"))
	if _, err := Create(context.Background(), f.deps(), testSpec()); err == nil {
		t.Fatal("Create succeeded despite the injected failure")
	}
	in := sentOnce[*secretsmanager.DeleteSecretInput](t, f, "DeleteSecret")
	if !aws.ToBool(in.ForceDeleteWithoutRecovery) || in.RecoveryWindowInDays != nil {
		t.Errorf("rollback DeleteSecret force=%v window=%v: a rolled-back name must be free at once", in.ForceDeleteWithoutRecovery, in.RecoveryWindowInDays)
	}
}

func TestCreateSendsRolePermissionLogAndAlertParts(t *testing.T) {
	f := newFakeAWS()
	spec := testSpec()
	st, err := Create(context.Background(), f.deps(), spec)
	if err != nil {
		t.Fatal(err)
	}
	role := sentOnce[*iam.CreateRoleInput](t, f, "CreateRole")
	if aws.ToString(role.AssumeRolePolicyDocument) != TrustPolicy().String() || !maps.Equal(iamTagMap(role.Tags), wantTags) {
		t.Errorf("CreateRole trust/tags = %s / %v", aws.ToString(role.AssumeRolePolicyDocument), iamTagMap(role.Tags))
	}
	policy := sentOnce[*iam.PutRolePolicyInput](t, f, "PutRolePolicy")
	if aws.ToString(policy.RoleName) != st.RoleName || aws.ToString(policy.PolicyDocument) != RolePolicy(f.deps().arns(), spec, st.LogGroupName).String() {
		t.Errorf("PutRolePolicy = %s on %s", aws.ToString(policy.PolicyDocument), aws.ToString(policy.RoleName))
	}
	perm := sentOnce[*lambda.AddPermissionInput](t, f, "AddPermission")
	if aws.ToString(perm.Principal) != secretsManagerService || aws.ToString(perm.Action) != "lambda:InvokeFunction" ||
		aws.ToString(perm.SourceArn) != st.SecretARN || aws.ToString(perm.SourceAccount) != "123456789012" || aws.ToString(perm.FunctionName) != st.FunctionName {
		t.Errorf("AddPermission = %+v", perm)
	}
	lg := sentOnce[*cloudwatchlogs.CreateLogGroupInput](t, f, "CreateLogGroup")
	if aws.ToString(lg.LogGroupName) != st.LogGroupName || !maps.Equal(lg.Tags, wantTags) {
		t.Errorf("CreateLogGroup = %s tags %v", aws.ToString(lg.LogGroupName), lg.Tags)
	}
	ret := sentOnce[*cloudwatchlogs.PutRetentionPolicyInput](t, f, "PutRetentionPolicy")
	if aws.ToInt32(ret.RetentionInDays) != 30 || aws.ToString(ret.LogGroupName) != st.LogGroupName {
		t.Errorf("PutRetentionPolicy = %d days on %s", aws.ToInt32(ret.RetentionInDays), aws.ToString(ret.LogGroupName))
	}
	topic := sentOnce[*sns.CreateTopicInput](t, f, "CreateTopic")
	if !maps.Equal(snsTagMap(topic.Tags), wantTags) || !strings.Contains(topic.Attributes["Policy"], RuleName(spec.Name)) {
		t.Errorf("CreateTopic tags %v policy %s", snsTagMap(topic.Tags), topic.Attributes["Policy"])
	}
	sub := sentOnce[*sns.SubscribeInput](t, f, "Subscribe")
	if aws.ToString(sub.Protocol) != "email" || aws.ToString(sub.Endpoint) != "oncall@example.com" || aws.ToString(sub.TopicArn) != st.TopicARN {
		t.Errorf("Subscribe = %+v", sub)
	}
	rule := sentOnce[*eventbridge.PutRuleInput](t, f, "PutRule")
	if aws.ToString(rule.EventPattern) != EventPattern(spec.Name, st.SecretARN, spec.Alert.Events) || rule.State != ebtypes.RuleStateEnabled || !maps.Equal(ebTagMap(rule.Tags), wantTags) {
		t.Errorf("PutRule pattern %s state %s tags %v", aws.ToString(rule.EventPattern), rule.State, ebTagMap(rule.Tags))
	}
	targets := sentOnce[*eventbridge.PutTargetsInput](t, f, "PutTargets")
	if len(targets.Targets) != 1 || aws.ToString(targets.Targets[0].Arn) != st.TopicARN {
		t.Errorf("PutTargets = %+v, want the topic", targets.Targets)
	}
}

func TestUpdateSendsTheChangedTags(t *testing.T) {
	f := newFakeAWS()
	spec, st := created(t, f)
	changed := testSpec()
	changed.Tags = map[string]string{"cost": "42"}
	if _, err := Update(context.Background(), f.deps(), spec, changed, st); err != nil {
		t.Fatal(err)
	}
	tag := sentOnce[*secretsmanager.TagResourceInput](t, f, "secretsmanager.TagResource")
	if got := smTagMap(tag.Tags); !maps.Equal(got, map[string]string{"cost": "42"}) || aws.ToString(tag.SecretId) != st.SecretARN {
		t.Errorf("secretsmanager.TagResource = %v on %s", got, aws.ToString(tag.SecretId))
	}
	untag := sentOnce[*secretsmanager.UntagResourceInput](t, f, "secretsmanager.UntagResource")
	if !slices.Equal(untag.TagKeys, []string{"team"}) {
		t.Errorf("secretsmanager.UntagResource keys = %v, want [team]", untag.TagKeys)
	}
	ltag := sentOnce[*lambda.TagResourceInput](t, f, "lambda.TagResource")
	if !maps.Equal(ltag.Tags, map[string]string{"cost": "42"}) || aws.ToString(ltag.Resource) != st.FunctionARN {
		t.Errorf("lambda.TagResource = %v on %s", ltag.Tags, aws.ToString(ltag.Resource))
	}
	lun := sentOnce[*lambda.UntagResourceInput](t, f, "lambda.UntagResource")
	if !slices.Equal(lun.TagKeys, []string{"team"}) {
		t.Errorf("lambda.UntagResource keys = %v", lun.TagKeys)
	}
	rtag := sentOnce[*iam.TagRoleInput](t, f, "TagRole")
	if got := iamTagMap(rtag.Tags); !maps.Equal(got, map[string]string{"cost": "42"}) {
		t.Errorf("TagRole = %v", got)
	}
}

func smTagMap(tags []smtypes.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func iamTagMap(tags []iamtypes.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func snsTagMap(tags []snstypes.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func ebTagMap(tags []ebtypes.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func TestUpdateExplainsAFailedConfigurationTest(t *testing.T) {
	f := newFakeAWS()
	spec, st := created(t, f)
	changed := testSpec()
	changed.Rotation.AutomaticallyAfterDays = 7
	f.fail("RotateSecret", apiError("InvalidRequestException", "the testSecret step of the rotation function failed: password authentication failed"))
	_, err := Update(context.Background(), f.deps(), spec, changed, st)
	if err == nil {
		t.Fatal("Update succeeded although the configuration test failed")
	}
	for _, want := range []string{"testSecret", "password_wo_version", "password authentication failed", st.SecretARN} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestCreateReportsARotatorStoppedAtItsTimeout(t *testing.T) {
	f := newFakeAWS()
	f.logEvents = []string{
		"START RequestId: 1 Version: $LATEST",
		"2026-11-30T03:42:05.080Z 1 Task timed out after 2.00 seconds",
		"END RequestId: 1",
	}
	deps := f.deps()
	deps.AWS.SecretsManager = neverRotates{fakeSecrets{f: f}}
	st, err := Create(context.Background(), deps, testSpec())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(st.LastRotationError, "Task timed out after 2.00 seconds") || !strings.Contains(st.LastRotationError, "rotation.lambda.timeout") {
		t.Errorf("LastRotationError = %q, want the timeout and the attribute to raise", st.LastRotationError)
	}
	// The wait reads the whole log from the rotation's start: a filter pattern would drop
	// Lambda's own lines, which carry no "failed".
	for _, in := range sent[*cloudwatchlogs.FilterLogEventsInput](t, f, "FilterLogEvents") {
		if in.FilterPattern != nil || in.StartTime == nil {
			t.Errorf("FilterLogEvents pattern %q, start %v: want no pattern and the rotation's start", aws.ToString(in.FilterPattern), in.StartTime)
		}
	}
}
