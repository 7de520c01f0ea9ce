package bundle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	awspolicy "github.com/hashicorp/awspolicyequivalence"
)

// PartResourcePolicy is the secret's resource policy, as Plan reports it.
const PartResourcePolicy = "resource policy"

// resourcePolicyPart is the secret's resource policy: the configured one (Spec.ResourcePolicy),
// or, with readers, one that denies GetSecretValue to everyone but them and the rotator's role. It
// is put with BlockPublicPolicy, so AWS refuses a policy that opens the secret to the world, and
// goes with the secret.
var resourcePolicyPart = part{
	name:   PartResourcePolicy,
	needs:  []string{PartSecret, PartRole},
	wanted: func(spec *Spec) bool { return spec.ResourcePolicy != "" || len(spec.Readers) > 0 },
	id:     func(st *State) string { return st.ResourcePolicy },
	label:  func(st *State) string { return "resource policy of secret " + st.SecretARN },
	create: func(ctx context.Context, d Deps, spec *Spec, st *State) error {
		return d.putResourcePolicy(ctx, spec, st)
	},
	current: func(spec *Spec, st *State) bool {
		return PoliciesEquivalent(st.ResourcePolicy, DesiredResourcePolicy(spec, st))
	},
	update: func(ctx context.Context, d Deps, c *change) error {
		if c.plan[PartResourcePolicy] == Keep {
			return nil
		}
		return d.putResourcePolicy(ctx, c.spec, c.st)
	},
	remove: func(ctx context.Context, d Deps, st *State) error {
		_, err := d.AWS.SecretsManager.DeleteResourcePolicy(ctx, &secretsmanager.DeleteResourcePolicyInput{SecretId: aws.String(st.SecretARN)})
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("deleting the resource policy of secret %s: %w", st.SecretARN, err)
		}
		st.ResourcePolicy = ""
		return nil
	},
	read: func(ctx context.Context, d Deps, o *observation) error {
		policy, err := d.findResourcePolicy(ctx, o.st.SecretARN)
		switch {
		case isNotFound(err):
			o.st.ResourcePolicy = ""
		case err != nil:
			return fmt.Errorf("reading the resource policy of secret %s: %w", o.st.SecretARN, err)
		default:
			o.st.ResourcePolicy = policy
		}
		return nil
	},
	forget: func(st *State) { st.ResourcePolicy = "" },
	attributes: []Attribute{{Name: "resource_policy", Get: func(st *State) string { return st.ResourcePolicy }, Set: func(st *State, v string) { st.ResourcePolicy = v },
		// Any change shows, drift of the readers' policy included.
		unknownWhen: func(c Changes) bool { return c[PartResourcePolicy] != Keep }}},
	// A configured policy changed or removed outside Terraform shows as the policy AWS reports;
	// one that says the same in other words is no change.
	observed: func(prior, spec *Spec, st *State) {
		if prior.ResourcePolicy != "" && !PoliciesEquivalent(prior.ResourcePolicy, st.ResourcePolicy) {
			spec.ResourcePolicy = st.ResourcePolicy
		}
	},
	locatedFrom: PartSecret,
	deletedWith: PartSecret,
}

// findResourcePolicy gets the secret's resource policy; a secret without one has errNotFound.
func (d Deps) findResourcePolicy(ctx context.Context, secretARN string) (string, error) {
	out, err := d.AWS.SecretsManager.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: aws.String(secretARN)})
	if err != nil {
		return "", err
	}
	if aws.ToString(out.ResourcePolicy) == "" {
		return "", fmt.Errorf("the resource policy of secret %s: %w", secretARN, errNotFound)
	}
	return aws.ToString(out.ResourcePolicy), nil
}

func (d Deps) putResourcePolicy(ctx context.Context, spec *Spec, st *State) error {
	policy := DesiredResourcePolicy(spec, st)
	_, err := d.AWS.SecretsManager.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{
		SecretId: aws.String(st.SecretARN), ResourcePolicy: aws.String(policy), BlockPublicPolicy: aws.Bool(true),
	})
	if err != nil {
		return fmt.Errorf("putting the resource policy of secret %s: %w", st.SecretARN, err)
	}
	st.ResourcePolicy = policy
	return nil
}

// DesiredResourcePolicy is the policy the bundle puts on the secret: the configured one, or the
// readers' policy; "" when neither is set.
func DesiredResourcePolicy(spec *Spec, st *State) string {
	if spec.ResourcePolicy != "" {
		return spec.ResourcePolicy
	}
	if len(spec.Readers) == 0 {
		return ""
	}
	return ReadersPolicy(spec.Readers, st.RoleARN).String()
}

// ReadersPolicy denies secretsmanager:GetSecretValue to every principal whose ARN matches none of
// readers (IAM ARNs or patterns with *) or the rotator's role, which must keep reading the secret
// to rotate it.
func ReadersPolicy(readers []string, rotatorRoleARN string) PolicyDocument {
	allowed := slices.Clone(readers)
	if rotatorRoleARN != "" && !slices.Contains(allowed, rotatorRoleARN) {
		allowed = append(allowed, rotatorRoleARN)
	}
	slices.Sort(allowed)
	return PolicyDocument{Version: "2012-10-17", Statement: []PolicyStatement{{
		Sid:       "DenyGetSecretValueExceptReaders",
		Effect:    "Deny",
		Principal: map[string]any{"AWS": "*"},
		Action:    "secretsmanager:GetSecretValue",
		Resource:  "*",
		Condition: map[string]any{"StringNotLike": map[string]any{"aws:PrincipalArn": allowed}},
	}}}
}

// PoliciesEquivalent reports whether two policy documents say the same, as terraform-provider-aws
// compares them (awspolicyequivalence: order, single values and lists, whitespace do not count).
// Two empty policies are equivalent; an empty and a set one are not.
func PoliciesEquivalent(a, b string) bool {
	if a == "" || b == "" {
		return a == b
	}
	equivalent, err := awspolicy.PoliciesAreEquivalent(a, b)
	return err == nil && equivalent
}

// Errors of CheckResourcePolicy.
var (
	errPolicyNotJSON   = errors.New("is not a JSON policy document")
	errPolicyPublic    = errors.New("allows access to every principal (\"Principal\": \"*\"), which Secrets Manager's BlockPublicPolicy refuses")
	errPolicyStatement = errors.New("has no Statement")
)

// CheckResourcePolicy is the plan-time check of a configured resource policy: JSON with
// statements, and no Allow to every principal (what BlockPublicPolicy makes AWS refuse).
func CheckResourcePolicy(policy string) error {
	var doc struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		return fmt.Errorf("%w: %v", errPolicyNotJSON, err)
	}
	var statements []struct {
		Effect    string          `json:"Effect"`
		Principal json.RawMessage `json:"Principal"`
	}
	if len(doc.Statement) == 0 {
		return errPolicyStatement
	}
	if json.Unmarshal(doc.Statement, &statements) != nil {
		var one struct {
			Effect    string          `json:"Effect"`
			Principal json.RawMessage `json:"Principal"`
		}
		if err := json.Unmarshal(doc.Statement, &one); err != nil {
			return fmt.Errorf("%w: Statement: %v", errPolicyNotJSON, err)
		}
		statements = append(statements, one)
	}
	for _, s := range statements {
		if s.Effect == "Allow" && publicPrincipal(s.Principal) {
			return errPolicyPublic
		}
	}
	return nil
}

// publicPrincipal reports whether a statement's principal is everyone: "*" or {"AWS": "*"}.
func publicPrincipal(raw json.RawMessage) bool {
	var all string
	if json.Unmarshal(raw, &all) == nil {
		return all == "*"
	}
	var byType map[string]json.RawMessage
	if json.Unmarshal(raw, &byType) != nil {
		return false
	}
	for _, v := range byType {
		var one string
		if json.Unmarshal(v, &one) == nil && one == "*" {
			return true
		}
		var many []string
		if json.Unmarshal(v, &many) == nil && slices.Contains(many, "*") {
			return true
		}
	}
	return false
}
