package bundle

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
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

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
)

// This file holds one create and one delete per part, shared by Create, Update and Delete.

// Lambda settings of the rotator.
const (
	rotatorRuntime        = "provided.al2023"
	rotatorHandler        = "bootstrap"
	envPasswordLength     = "PASSWORD_LENGTH"
	envExcludeCharacters  = "EXCLUDE_CHARACTERS"
	envRotationStrategy   = "ROTATION_STRATEGY"
	envSecretsManagerURL  = "SECRETS_MANAGER_ENDPOINT"
	secretsManagerService = "secretsmanager.amazonaws.com"
)

// scheduledDeletionWait bounds the wait for a force-deleted secret's name to become free; a
// variable so that tests need not wait a minute.
var scheduledDeletionWait = time.Minute

func (d Deps) createSecret(ctx context.Context, spec *Spec, st *State, value, token string) error {
	input := &secretsmanager.CreateSecretInput{
		Name:               aws.String(spec.Name),
		SecretString:       aws.String(value),
		ClientRequestToken: aws.String(token),
		Tags:               secretTags(partTags(spec)),
	}
	if spec.Description != "" {
		input.Description = aws.String(spec.Description)
	}
	if spec.KMSKeyID != "" {
		input.KmsKeyId = aws.String(spec.KMSKeyID)
	}
	// A name freed by a deletion without recovery is usable again seconds later; one still in
	// its recovery window is not for days, so the wait is capped well below the create timeout.
	retryCtx, cancel := context.WithTimeout(ctx, scheduledDeletionWait)
	defer cancel()
	var out *secretsmanager.CreateSecretOutput
	err := retryOn(retryCtx, func() (err error) {
		out, err = d.AWS.SecretsManager.CreateSecret(ctx, input)
		return err
	}, errScheduledForDeletion)
	if errScheduledForDeletion.matches(err) {
		return fmt.Errorf("creating secret %s: a secret of that name is scheduled for deletion and still in its recovery window; restore it (aws secretsmanager restore-secret --secret-id %s) and import it, delete it for good (aws secretsmanager delete-secret --force-delete-without-recovery), or choose another name: %w", spec.Name, spec.Name, err)
	}
	if err != nil {
		return fmt.Errorf("creating secret %s: %w", spec.Name, err)
	}
	st.SecretARN, st.SecretName, st.VersionID = aws.ToString(out.ARN), spec.Name, aws.ToString(out.VersionId)
	return nil
}

func (d Deps) deleteSecret(ctx context.Context, st *State, recoveryWindowInDays int64) error {
	if st.SecretARN == "" {
		return nil
	}
	input := &secretsmanager.DeleteSecretInput{SecretId: aws.String(st.SecretARN)}
	if recoveryWindowInDays == 0 {
		input.ForceDeleteWithoutRecovery = aws.Bool(true)
	} else {
		input.RecoveryWindowInDays = aws.Int64(recoveryWindowInDays)
	}
	if _, err := d.AWS.SecretsManager.DeleteSecret(ctx, input); err != nil && !isNotFound(err) && !awsclient.IsSecretMarkedForDeletion(err) {
		return fmt.Errorf("deleting secret %s: %w", st.SecretARN, err)
	}
	st.SecretARN = ""
	return nil
}

func (d Deps) createRole(ctx context.Context, spec *Spec, st *State) error {
	name := RoleName(spec.Name)
	out, err := d.AWS.IAM.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String(name),
		AssumeRolePolicyDocument: aws.String(TrustPolicy().String()),
		Description:              aws.String("Rotates the secret " + spec.Name + " (secretsbundle)"),
		Tags:                     iamTags(partTags(spec)),
	})
	if err != nil {
		return fmt.Errorf("creating IAM role %s for the rotator: %w", name, err)
	}
	st.RoleName, st.RoleARN = name, aws.ToString(out.Role.Arn)
	return nil
}

func (d Deps) deleteRole(ctx context.Context, st *State) error {
	if st.RoleName == "" {
		return nil
	}
	if _, err := d.AWS.IAM.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(st.RoleName)}); err != nil && !isNotFound(err) {
		return fmt.Errorf("deleting IAM role %s: %w", st.RoleName, err)
	}
	st.RoleName, st.RoleARN = "", ""
	return nil
}

func (d Deps) putRolePolicy(ctx context.Context, spec *Spec, st *State) error {
	logGroup := LogGroupName(FunctionName(spec.Name, spec.Rotation.Lambda.Name))
	_, err := d.AWS.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
		RoleName:       aws.String(st.RoleName),
		PolicyName:     aws.String(RolePolicyName),
		PolicyDocument: aws.String(RolePolicy(d.arns(), spec, logGroup).String()),
	})
	if err != nil {
		return fmt.Errorf("putting the inline policy %s on IAM role %s: %w", RolePolicyName, st.RoleName, err)
	}
	st.RolePolicy = RolePolicyName
	return nil
}

func (d Deps) deleteRolePolicy(ctx context.Context, st *State) error {
	if st.RolePolicy == "" {
		return nil
	}
	_, err := d.AWS.IAM.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(st.RoleName), PolicyName: aws.String(st.RolePolicy)})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("deleting the inline policy %s of IAM role %s: %w", st.RolePolicy, st.RoleName, err)
	}
	st.RolePolicy = ""
	return nil
}

func (d Deps) createLogGroup(ctx context.Context, spec *Spec, st *State) error {
	name := LogGroupName(FunctionName(spec.Name, spec.Rotation.Lambda.Name))
	if _, err := d.AWS.Logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name), Tags: partTags(spec)}); err != nil {
		return fmt.Errorf("creating log group %s for the rotator: %w", name, err)
	}
	st.LogGroupName = name
	return nil
}

func (d Deps) putLogRetention(ctx context.Context, spec *Spec, st *State) error {
	if spec.Rotation.Lambda.LogRetentionDays == 0 {
		_, err := d.AWS.Logs.DeleteRetentionPolicy(ctx, &cloudwatchlogs.DeleteRetentionPolicyInput{LogGroupName: aws.String(st.LogGroupName)})
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("removing the retention of log group %s: %w", st.LogGroupName, err)
		}
		return nil
	}
	_, err := d.AWS.Logs.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{
		LogGroupName:    aws.String(st.LogGroupName),
		RetentionInDays: aws.Int32(int32(spec.Rotation.Lambda.LogRetentionDays)),
	})
	if err != nil {
		return fmt.Errorf("setting the retention of log group %s to %d days: %w", st.LogGroupName, spec.Rotation.Lambda.LogRetentionDays, err)
	}
	return nil
}

func (d Deps) deleteLogGroup(ctx context.Context, st *State) error {
	if st.LogGroupName == "" {
		return nil
	}
	if _, err := d.AWS.Logs.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String(st.LogGroupName)}); err != nil && !isNotFound(err) {
		return fmt.Errorf("deleting log group %s: %w", st.LogGroupName, err)
	}
	st.LogGroupName = ""
	return nil
}

// functionEnvironment is what the rotator reads: password rules, strategy and the endpoint.
func functionEnvironment(spec *Spec) map[string]string {
	env := map[string]string{
		envPasswordLength:    strconv.FormatInt(spec.Rotation.PasswordLength, 10),
		envExcludeCharacters: spec.Rotation.ExcludeCharacters,
		envRotationStrategy:  spec.Rotation.Strategy,
	}
	if spec.SecretsManagerEndpoint != "" {
		env[envSecretsManagerURL] = spec.SecretsManagerEndpoint
	}
	return env
}

func vpcConfig(l Lambda) *lambdatypes.VpcConfig {
	// An empty VpcConfig takes a function out of its VPC; nil leaves it as it is.
	return &lambdatypes.VpcConfig{SubnetIds: nonNil(l.SubnetIDs), SecurityGroupIds: nonNil(l.SecurityGroupIDs)}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// CodeSHA256 is the base64 SHA-256 of a deployment package, as Lambda reports CodeSha256.
func CodeSHA256(zip []byte) string {
	sum := sha256.Sum256(zip)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func (d Deps) createFunction(ctx context.Context, spec *Spec, st *State) error {
	l := spec.Rotation.Lambda
	name := FunctionName(spec.Name, l.Name)
	code, err := d.RotatorCode(l.Architecture)
	if err != nil {
		return fmt.Errorf("loading the rotator for Lambda function %s: %w", name, err)
	}
	input := &lambda.CreateFunctionInput{
		FunctionName:  aws.String(name),
		Role:          aws.String(st.RoleARN),
		Runtime:       rotatorRuntime,
		Handler:       aws.String(rotatorHandler),
		Architectures: []lambdatypes.Architecture{lambdatypes.Architecture(l.Architecture)},
		Code:          &lambdatypes.FunctionCode{ZipFile: code},
		MemorySize:    aws.Int32(int32(l.MemorySize)),
		Timeout:       aws.Int32(int32(l.Timeout)),
		Environment:   &lambdatypes.Environment{Variables: functionEnvironment(spec)},
		Description:   aws.String("Rotates the secret " + spec.Name + " (secretsbundle)"),
		Tags:          partTags(spec),
	}
	if l.inVPC() {
		input.VpcConfig = vpcConfig(l)
	}
	var out *lambda.CreateFunctionOutput
	err = retryOn(ctx, func() (err error) {
		out, err = d.AWS.Lambda.CreateFunction(ctx, input)
		return err
	}, errRoleNotAssumable, errRoleLacksVPCAccess)
	if err != nil {
		return fmt.Errorf("creating Lambda function %s: %w", name, err)
	}
	st.FunctionName, st.FunctionARN, st.CodeSHA256 = name, aws.ToString(out.FunctionArn), aws.ToString(out.CodeSha256)
	if st.CodeSHA256 == "" {
		st.CodeSHA256 = CodeSHA256(code)
	}
	return d.waitFunctionReady(ctx, name)
}

func (d Deps) deleteFunction(ctx context.Context, st *State) error {
	if st.FunctionName == "" {
		return nil
	}
	if _, err := d.AWS.Lambda.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(st.FunctionName)}); err != nil && !isNotFound(err) {
		return fmt.Errorf("deleting Lambda function %s: %w", st.FunctionName, err)
	}
	st.FunctionName, st.FunctionARN, st.CodeSHA256, st.PermissionID = "", "", "", ""
	return nil
}

func (d Deps) addPermission(ctx context.Context, st *State) error {
	input := &lambda.AddPermissionInput{
		FunctionName: aws.String(st.FunctionName),
		StatementId:  aws.String(permissionID),
		Action:       aws.String("lambda:InvokeFunction"),
		Principal:    aws.String(secretsManagerService),
		SourceArn:    aws.String(st.SecretARN),
	}
	if d.AWS.AccountID != "" {
		input.SourceAccount = aws.String(d.AWS.AccountID)
	}
	if _, err := d.AWS.Lambda.AddPermission(ctx, input); err != nil {
		return fmt.Errorf("allowing Secrets Manager to invoke Lambda function %s: %w", st.FunctionName, err)
	}
	st.PermissionID = permissionID
	return nil
}

func (d Deps) removePermission(ctx context.Context, st *State) error {
	if st.PermissionID == "" {
		return nil
	}
	_, err := d.AWS.Lambda.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String(st.FunctionName), StatementId: aws.String(st.PermissionID)})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("removing permission %s from Lambda function %s: %w", st.PermissionID, st.FunctionName, err)
	}
	st.PermissionID = ""
	return nil
}

func (d Deps) createTopic(ctx context.Context, spec *Spec, st *State) error {
	name := TopicName(spec.Name)
	a := d.arns()
	topicARN := fmt.Sprintf("arn:%s:sns:%s:%s:%s", a.Partition, a.Region, a.account(), name)
	out, err := d.AWS.SNS.CreateTopic(ctx, &sns.CreateTopicInput{
		Name:       aws.String(name),
		Attributes: map[string]string{"Policy": TopicPolicy(a, topicARN, RuleName(spec.Name)).String()},
		Tags:       snsTags(partTags(spec)),
	})
	if err != nil {
		return fmt.Errorf("creating SNS topic %s for the deletion alert: %w", name, err)
	}
	st.TopicARN, st.TopicCreated = aws.ToString(out.TopicArn), true
	return nil
}

func (d Deps) deleteTopic(ctx context.Context, st *State) error {
	if st.TopicARN == "" {
		return nil
	}
	if st.TopicCreated {
		if _, err := d.AWS.SNS.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(st.TopicARN)}); err != nil && !isNotFound(err) {
			return fmt.Errorf("deleting SNS topic %s: %w", st.TopicARN, err)
		}
	}
	st.TopicARN, st.TopicCreated, st.SubscriptionARNs = "", false, nil
	return nil
}

func (d Deps) subscribe(ctx context.Context, spec *Spec, st *State) error {
	for _, email := range spec.Alert.EmailAddresses {
		out, err := d.AWS.SNS.Subscribe(ctx, &sns.SubscribeInput{
			TopicArn: aws.String(st.TopicARN), Protocol: aws.String("email"), Endpoint: aws.String(email),
			ReturnSubscriptionArn: true,
		})
		if err != nil {
			return fmt.Errorf("subscribing %s to SNS topic %s: %w", email, st.TopicARN, err)
		}
		st.SubscriptionARNs = append(st.SubscriptionARNs, aws.ToString(out.SubscriptionArn))
	}
	return nil
}

func (d Deps) putRule(ctx context.Context, spec *Spec, st *State, tag bool) error {
	name := RuleName(spec.Name)
	input := &eventbridge.PutRuleInput{
		Name:         aws.String(name),
		Description:  aws.String("Alerts on " + fmt.Sprint(spec.Alert.Events) + " of the secret " + spec.Name + " (secretsbundle)"),
		EventPattern: aws.String(EventPattern(spec.Name, st.SecretARN, spec.Alert.Events)),
		State:        ebtypes.RuleState(RuleState(spec.Alert.Events)),
	}
	if tag {
		// PutRule replaces the tags only at creation; later changes go through TagResource.
		input.Tags = eventTags(partTags(spec))
	}
	out, err := d.AWS.Events.PutRule(ctx, input)
	if err != nil {
		return fmt.Errorf("putting EventBridge rule %s: %w", name, err)
	}
	st.RuleName, st.RuleARN = name, aws.ToString(out.RuleArn)
	return d.putTarget(ctx, st)
}

func (d Deps) putTarget(ctx context.Context, st *State) error {
	out, err := d.AWS.Events.PutTargets(ctx, &eventbridge.PutTargetsInput{
		Rule:    aws.String(st.RuleName),
		Targets: []ebtypes.Target{{Id: aws.String(alertTargetID), Arn: aws.String(st.TopicARN)}},
	})
	if err == nil && out.FailedEntryCount > 0 && len(out.FailedEntries) > 0 {
		err = fmt.Errorf("%s: %s", aws.ToString(out.FailedEntries[0].ErrorCode), aws.ToString(out.FailedEntries[0].ErrorMessage))
	}
	if err != nil {
		return fmt.Errorf("pointing EventBridge rule %s at SNS topic %s: %w", st.RuleName, st.TopicARN, err)
	}
	return nil
}

func (d Deps) deleteRule(ctx context.Context, st *State) error {
	if st.RuleName == "" {
		return nil
	}
	_, err := d.AWS.Events.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(st.RuleName), Ids: []string{alertTargetID}})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("removing the target of EventBridge rule %s: %w", st.RuleName, err)
	}
	if _, err := d.AWS.Events.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String(st.RuleName)}); err != nil && !isNotFound(err) {
		return fmt.Errorf("deleting EventBridge rule %s: %w", st.RuleName, err)
	}
	st.RuleName, st.RuleARN = "", ""
	return nil
}

// rotationInput is the RotateSecret call that sets the schedule; immediately asks for a rotation now.
func rotationInput(spec *Spec, st *State, immediately bool, token string) *secretsmanager.RotateSecretInput {
	rules := &smtypes.RotationRulesType{}
	if spec.Rotation.ScheduleExpression != "" {
		rules.ScheduleExpression = aws.String(spec.Rotation.ScheduleExpression)
	} else {
		rules.AutomaticallyAfterDays = aws.Int64(spec.Rotation.AutomaticallyAfterDays)
	}
	if spec.Rotation.Duration != "" {
		rules.Duration = aws.String(spec.Rotation.Duration)
	}
	return &secretsmanager.RotateSecretInput{
		SecretId:           aws.String(st.SecretARN),
		RotationLambdaARN:  aws.String(st.FunctionARN),
		RotationRules:      rules,
		RotateImmediately:  aws.Bool(immediately),
		ClientRequestToken: aws.String(token),
	}
}

// rotate sets the schedule (and rotates now when immediately), retrying while the invoke grant
// propagates. It returns the version id of the rotation it started, if any.
func (d Deps) rotate(ctx context.Context, spec *Spec, st *State, immediately bool) (string, error) {
	input := rotationInput(spec, st, immediately, newToken())
	var out *secretsmanager.RotateSecretOutput
	err := retryOn(ctx, func() (err error) {
		out, err = d.AWS.SecretsManager.RotateSecret(ctx, input)
		return err
	}, errCannotInvoke, errCannotInvokeInvalidRequest)
	if err != nil && !immediately && strings.Contains(err.Error(), "testSecret") {
		return "", fmt.Errorf("setting the rotation schedule of secret %s: Secrets Manager tests a new schedule by running the rotator's testSecret step with the secret's current credentials, and it failed; the database is unreachable or the secret's password no longer logs in (changed out of band?). Bring the database back, or write the working password with credentials.password_wo and a new password_wo_version, then apply again: %w", st.SecretARN, err)
	}
	if err != nil {
		return "", fmt.Errorf("setting the rotation schedule of secret %s: %w", st.SecretARN, err)
	}
	st.RotationEnabled = true
	if immediately {
		return aws.ToString(out.VersionId), nil
	}
	return "", nil
}

func (d Deps) cancelRotation(ctx context.Context, st *State) error {
	if _, err := d.AWS.SecretsManager.CancelRotateSecret(ctx, &secretsmanager.CancelRotateSecretInput{SecretId: aws.String(st.SecretARN)}); err != nil && !isNotFound(err) {
		return fmt.Errorf("turning off rotation of secret %s: %w", st.SecretARN, err)
	}
	st.RotationEnabled = false
	return nil
}

func secretTags(tags map[string]string) []smtypes.Tag {
	var out []smtypes.Tag
	for k, v := range tags {
		out = append(out, smtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}

func iamTags(tags map[string]string) []iamtypes.Tag {
	var out []iamtypes.Tag
	for k, v := range tags {
		out = append(out, iamtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}

func snsTags(tags map[string]string) []snstypes.Tag {
	var out []snstypes.Tag
	for k, v := range tags {
		out = append(out, snstypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}

func eventTags(tags map[string]string) []ebtypes.Tag {
	var out []ebtypes.Tag
	for k, v := range tags {
		out = append(out, ebtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}
