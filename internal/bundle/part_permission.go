package bundle

import (
	"context"
	"fmt"

	"encoding/json"

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
	remove:      func(ctx context.Context, d Deps, st *State) error { return d.removePermission(ctx, st) },
	deletedWith: PartFunction,
	read: func(ctx context.Context, d Deps, o *observation) error {
		return readPermission(ctx, d, o.prior.FunctionName, o.st)
	},
	forget:      func(st *State) { st.PermissionID = "" },
	attributes:  []Attribute{{Name: "rotation_permission_id", Get: func(st *State) string { return st.PermissionID }, Set: func(st *State, v string) { st.PermissionID = v }}},
	locatedFrom: PartFunction,
	locate: func(_ context.Context, _ Deps, o *observation) error {
		// The grant is a statement of the function's policy, by its id; read checks it is there.
		if o.st.FunctionName != "" {
			o.st.PermissionID = permissionID
		}
		return nil
	},
	find: func(ctx context.Context, d Deps, _ *Spec, st *State) error {
		if st.FunctionName == "" {
			return nil
		}
		st.PermissionID = permissionID
		return readPermission(ctx, d, st.FunctionName, st)
	},
}

// readPermission keeps st's permission only when the function's policy holds its statement. A
// denied or failed read is an error, never taken for "no grant".
func readPermission(ctx context.Context, d Deps, functionName string, st *State) error {
	policy, err := d.findFunctionPolicy(ctx, functionName)
	switch {
	case isNotFound(err):
		st.PermissionID = ""
	case err != nil:
		return fmt.Errorf("reading the resource policy of Lambda function %s: %w", functionName, err)
	case !policyHasStatement(policy, permissionID):
		st.PermissionID = ""
	}
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

func policyHasStatement(policy, sid string) bool {
	var doc struct {
		Statement []struct {
			Sid string `json:"Sid"`
		} `json:"Statement"`
	}
	if json.Unmarshal([]byte(policy), &doc) != nil {
		return false
	}
	for _, s := range doc.Statement {
		if s.Sid == sid {
			return true
		}
	}
	return false
}
