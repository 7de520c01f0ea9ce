package bundle

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

const secretsManagerService = "secretsmanager.amazonaws.com"

// permissionPart is the grant that lets Secrets Manager invoke the rotator for this secret only.
// It lives in the function's policy and goes with the function.
var permissionPart = part{
	name:        PartPermission,
	needs:       []string{PartFunction, PartSecret},
	id:          func(st *State) string { return st.PermissionID },
	label:       func(st *State) string { return "Lambda permission " + st.PermissionID },
	create:      func(ctx context.Context, d Deps, _ *Spec, st *State) error { return d.addPermission(ctx, st) },
	update:      func(context.Context, Deps, *change) error { return nil },
	remove:      func(ctx context.Context, d Deps, st *State) error { return d.removePermission(ctx, st) },
	deletedWith: PartFunction,
	find: func(ctx context.Context, d Deps, _ *Spec, st *State) error {
		if st.FunctionName == "" {
			return nil
		}
		policy, err := d.AWS.Lambda.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String(st.FunctionName)})
		if err == nil && policyHasStatement(aws.ToString(policy.Policy), permissionID) {
			st.PermissionID = permissionID
		} else if err != nil && !isNotFound(err) {
			return fmt.Errorf("reading the policy of Lambda function %s: %w", st.FunctionName, err)
		}
		return nil
	},
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
	// A statement already there with our id is on our own function: a retry after a lost answer.
	if _, err := d.AWS.Lambda.AddPermission(ctx, input); err != nil && !isAlreadyExists(err) {
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
