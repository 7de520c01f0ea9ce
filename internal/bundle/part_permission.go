package bundle

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

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
		policy, err := readPermission(ctx, d, o.prior.FunctionName, o.st)
		o.s.permissionChangedOutside = o.st.PermissionID != "" && !onlyBundleGrant(policy, o.st.SecretARN)
		return err
	},
	drifted: func(_ Deps, o *observation, _ *Spec) bool { return o.s.permissionChangedOutside },
	// A repair removes the statements the bundle did not add, and puts its grant back when it
	// was replaced by another of the same id.
	update: func(ctx context.Context, d Deps, c *change) error {
		if c.plan[PartPermission] != Repair {
			return nil
		}
		return d.repairPermission(ctx, c.st)
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
		_, err := readPermission(ctx, d, st.FunctionName, st)
		return err
	},
}

// readPermission keeps st's permission only when the function's policy holds its statement, and
// returns the policy. A denied or failed read is an error, never taken for "no grant".
func readPermission(ctx context.Context, d Deps, functionName string, st *State) (string, error) {
	policy, err := d.findFunctionPolicy(ctx, functionName)
	switch {
	case isNotFound(err):
		st.PermissionID = ""
	case err != nil:
		return "", fmt.Errorf("reading the resource policy of Lambda function %s: %w", functionName, err)
	case !policyHasStatement(policy, permissionID):
		st.PermissionID = ""
	}
	return policy, nil
}

// grantStatement is a statement of a function's policy, as Lambda reports it.
type grantStatement struct {
	Sid       string                    `json:"Sid"`
	Effect    string                    `json:"Effect"`
	Principal any                       `json:"Principal"`
	Action    any                       `json:"Action"`
	Condition map[string]map[string]any `json:"Condition"`
}

func grantStatements(policy string) []grantStatement {
	var doc struct {
		Statement []grantStatement `json:"Statement"`
	}
	if json.Unmarshal([]byte(policy), &doc) != nil {
		return nil
	}
	return doc.Statement
}

// isBundleGrant reports whether s is the bundle's grant: Secrets Manager may invoke the function
// for this secret only.
func (s grantStatement) isBundleGrant(secretARN string) bool {
	if s.Sid != permissionID || s.Effect != "Allow" || !sameStrings(s.Action, "lambda:InvokeFunction") {
		return false
	}
	principal, ok := s.Principal.(map[string]any)
	if !ok || !sameStrings(principal["Service"], secretsManagerService) {
		return false
	}
	for _, keys := range s.Condition {
		for key, value := range keys {
			if strings.EqualFold(key, "AWS:SourceArn") && sameStrings(value, secretARN) {
				return true
			}
		}
	}
	return false
}

// sameStrings reports whether a policy value (a string or a list of strings) is exactly want.
func sameStrings(value any, want string) bool {
	switch v := value.(type) {
	case string:
		return v == want
	case []any:
		return len(v) == 1 && v[0] == want
	}
	return false
}

// onlyBundleGrant reports whether the function's policy holds the bundle's grant and nothing else.
// An unreported policy counts as the bundle's.
func onlyBundleGrant(policy, secretARN string) bool {
	if policy == "" {
		return true
	}
	statements := grantStatements(policy)
	return len(statements) == 1 && statements[0].isBundleGrant(secretARN)
}

// repairPermission removes the statements of the function's policy that are not the bundle's
// grant, and adds the grant again when its statement was replaced.
func (d Deps) repairPermission(ctx context.Context, st *State) error {
	policy, err := d.findFunctionPolicy(ctx, st.FunctionName)
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("reading the resource policy of Lambda function %s: %w", st.FunctionName, err)
	}
	grant := false
	for _, s := range grantStatements(policy) {
		if s.isBundleGrant(st.SecretARN) {
			grant = true
			continue
		}
		_, err := d.AWS.Lambda.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String(st.FunctionName), StatementId: aws.String(s.Sid)})
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("removing the statement %s, added outside Terraform, from the policy of Lambda function %s: %w", s.Sid, st.FunctionName, err)
		}
	}
	if grant {
		return nil
	}
	return d.addPermission(ctx, st)
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
	return slices.ContainsFunc(grantStatements(policy), func(s grantStatement) bool { return s.Sid == sid })
}
