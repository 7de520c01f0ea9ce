package bundle

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs"
	logstypes "github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs/types"
)

// The finders: one per AWS object, as terraform-provider-aws's findSecretByID. Each returns the
// object or an error; an object that does not exist is errNotFound (isNotFound says so too), so
// that create, read, delete, import, the sweeper and the tests tell "gone" in one way.

// errNotFound is a finder's answer for an object that does not exist.
var errNotFound = errors.New("not found")

// findSecretByID describes the secret named or ARN'd id. A secret scheduled for deletion counts as
// not found; its description comes with the error when AWS gave one (DeletedDate says until when).
func (d Deps) findSecretByID(ctx context.Context, id string) (*secretsmanager.DescribeSecretOutput, error) {
	out, err := d.AWS.SecretsManager.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(id)})
	switch {
	case isNotFound(err) || awsclient.IsSecretMarkedForDeletion(err):
		return nil, fmt.Errorf("secret %s: %w (%w)", id, errNotFound, err)
	case err != nil:
		return nil, err
	case out.DeletedDate != nil:
		return out, fmt.Errorf("secret %s is scheduled for deletion: %w", id, errNotFound)
	}
	return out, nil
}

// findRoleByName gets the IAM role.
func (d Deps) findRoleByName(ctx context.Context, name string) (*iam.GetRoleOutput, error) {
	return d.AWS.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
}

// findFunctionByName gets the Lambda function, its configuration and tags.
func (d Deps) findFunctionByName(ctx context.Context, name string) (*lambda.GetFunctionOutput, error) {
	out, err := d.AWS.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)})
	if err == nil && out.Configuration == nil {
		err = fmt.Errorf("Lambda function %s: %w", name, errNotFound)
	}
	return out, err
}

// findFunctionPolicy gets the function's resource policy (the invoke grants); a function without
// one has none.
func (d Deps) findFunctionPolicy(ctx context.Context, functionName string) (string, error) {
	out, err := d.AWS.Lambda.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String(functionName)})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Policy), nil
}

// findLogGroupByName describes the log group of exactly that name (DescribeLogGroups matches by
// prefix).
func (d Deps) findLogGroupByName(ctx context.Context, name string) (*logstypes.LogGroup, error) {
	out, err := d.AWS.Logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(name)})
	if err != nil {
		return nil, err
	}
	if i := slices.IndexFunc(out.LogGroups, func(g logstypes.LogGroup) bool { return aws.ToString(g.LogGroupName) == name }); i >= 0 {
		return &out.LogGroups[i], nil
	}
	return nil, fmt.Errorf("log group %s: %w", name, errNotFound)
}

// findRuleByName describes the EventBridge rule.
func (d Deps) findRuleByName(ctx context.Context, name string) (*eventbridge.DescribeRuleOutput, error) {
	return d.AWS.Events.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(name)})
}

// findAlertTarget returns the rule's alert target (the topic), or errNotFound when the rule has none.
func (d Deps) findAlertTarget(ctx context.Context, ruleName string) (*ebtypes.Target, error) {
	out, err := d.AWS.Events.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String(ruleName)})
	if err != nil {
		return nil, err
	}
	if i := slices.IndexFunc(out.Targets, func(t ebtypes.Target) bool { return aws.ToString(t.Id) == alertTargetID }); i >= 0 {
		return &out.Targets[i], nil
	}
	return nil, fmt.Errorf("the alert target of EventBridge rule %s: %w", ruleName, errNotFound)
}
