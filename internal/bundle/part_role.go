package bundle

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/kms"
)

// rolePart is the rotator's IAM role, named after the secret.
var rolePart = part{
	name:   PartRole,
	id:     func(st *State) string { return st.RoleName },
	label:  func(st *State) string { return "IAM role " + st.RoleName },
	create: func(ctx context.Context, d Deps, spec *Spec, st *State) error { return d.createRole(ctx, spec, st) },
	tagger: func(d Deps, st *State) tagger { return d.roleTagger(st.RoleName) },
	remove: func(ctx context.Context, d Deps, st *State) error { return d.deleteRole(ctx, st) },
	read: func(ctx context.Context, d Deps, o *observation) error {
		out, err := d.findRoleByName(ctx, o.prior.RoleName)
		switch {
		case isNotFound(err):
			forgetRole(o.st)
		case err != nil:
			return fmt.Errorf("reading IAM role %s: %w", o.prior.RoleName, err)
		case out.Role != nil && out.Role.Arn != nil:
			o.st.RoleARN = aws.ToString(out.Role.Arn)
		}
		return nil
	},
	forget:      forgetRole,
	attributes:  []Attribute{{Name: "rotation_role_arn", Get: func(st *State) string { return st.RoleARN }, Set: (*State).SetRoleARN}},
	locatedFrom: PartFunction,
	locate: func(_ context.Context, _ Deps, o *observation) error {
		// The role is the function's.
		if f := o.s.function; o.st.FunctionName != "" && f != nil {
			o.st.SetRoleARN(aws.ToString(f.Configuration.Role))
		}
		return nil
	},
	find:        func(ctx context.Context, d Deps, spec *Spec, st *State) error { return d.findRole(ctx, spec.Name, st) },
	deleteStage: 1,
}

// keysMayChange: the keys are resolved again when the key or the master secret changes.
func keysMayChange(prior, spec *Spec) bool {
	alternating := func(s *Spec) string {
		if s.Rotation.Strategy == StrategyAlternatingUsers {
			return s.Rotation.MasterSecretARN
		}
		return ""
	}
	return prior.KMSKeyID != spec.KMSKeyID || alternating(prior) != alternating(spec)
}

func forgetRole(st *State) { st.RoleName, st.RoleARN = "", "" }

// rolePolicyPart is the role's inline policy: what the rotator may do. It is put on every update,
// because it follows the secret, the key, the master secret and the VPC.
var rolePolicyPart = part{
	name:   PartRolePolicy,
	needs:  []string{PartRole},
	id:     func(st *State) string { return st.RolePolicy },
	label:  func(st *State) string { return "role policy " + st.RolePolicy },
	create: func(ctx context.Context, d Deps, spec *Spec, st *State) error { return d.putRolePolicy(ctx, spec, st) },
	update: func(ctx context.Context, d Deps, c *change) error { return d.putRolePolicy(ctx, c.spec, c.st) },
	remove: func(ctx context.Context, d Deps, st *State) error { return d.deleteRolePolicy(ctx, st) },
	forget: func(st *State) { st.RolePolicy = "" },
	attributes: []Attribute{
		{Name: "kms_key_arn", Get: func(st *State) string { return st.KeyARNs.Secret }, Set: func(st *State, v string) { st.KeyARNs.Secret = v }, unknownWhenSpec: keysMayChange},
		{Name: "master_kms_key_arn", Get: func(st *State) string { return st.KeyARNs.Master }, Set: func(st *State, v string) { st.KeyARNs.Master = v }, unknownWhenSpec: keysMayChange},
	},
	locatedFrom: PartRole,
	deletedWith: PartRole,
	find: func(_ context.Context, _ Deps, spec *Spec, st *State) error {
		// Deleting a policy that is not there counts as done, so the name is enough.
		if st.RoleName == "" {
			st.RoleName = RoleName(spec.Name)
		}
		st.RolePolicy = RolePolicyName
		return nil
	},
}

func (d Deps) createRole(ctx context.Context, spec *Spec, st *State) error {
	name := RoleName(spec.Name)
	out, err := d.AWS.IAM.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String(name),
		AssumeRolePolicyDocument: aws.String(TrustPolicy().String()),
		Description:              aws.String("Rotates the secret " + spec.Name + " (secretsbundle)"),
		Tags:                     iamTags(partTags(spec)),
	})
	if isAlreadyExists(err) {
		// The SDK retried a CreateRole whose answer was lost: the role is ours if it carries our tag.
		if findErr := d.findRole(ctx, spec.Name, st); findErr == nil && st.RoleName != "" {
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("creating IAM role %s for the rotator: %w", name, err)
	}
	st.RoleName, st.RoleARN = name, aws.ToString(out.Role.Arn)
	return nil
}

// findRole records the role derived from the secret name when it carries the bundle tag.
func (d Deps) findRole(ctx context.Context, secretName string, st *State) error {
	name := RoleName(secretName)
	out, err := d.findRoleByName(ctx, name)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("looking up IAM role %s: %w", name, err)
	}
	if out.Role == nil {
		return nil
	}
	tags, err := d.AWS.IAM.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String(name)})
	if err != nil {
		return fmt.Errorf("reading the tags of IAM role %s: %w", name, err)
	}
	owned := hasBundleTag(tagMap(tags.Tags, func(t iamtypes.Tag) (*string, *string) { return t.Key, t.Value }), secretName)
	if owned && createdSince(aws.ToTime(out.Role.CreateDate), d.began) {
		// The inline policy may be on it too; deleting one that is not there counts as done.
		st.RoleName, st.RoleARN, st.RolePolicy = name, aws.ToString(out.Role.Arn), RolePolicyName
	}
	return nil
}

// deleteRole deletes the role, its inline policy first.
func (d Deps) deleteRole(ctx context.Context, st *State) error {
	if st.RoleName == "" {
		return nil
	}
	if err := d.deleteRolePolicy(ctx, st); err != nil {
		return err
	}
	if _, err := d.AWS.IAM.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(st.RoleName)}); err != nil && !isNotFound(err) {
		return fmt.Errorf("deleting IAM role %s: %w", st.RoleName, err)
	}
	st.RoleName, st.RoleARN = "", ""
	return nil
}

func (d Deps) putRolePolicy(ctx context.Context, spec *Spec, st *State) error {
	keys, err := d.resolveKeys(ctx, spec)
	if err != nil {
		return err
	}
	logGroup := LogGroupName(FunctionName(spec.Name, spec.Rotation.Lambda.Name))
	_, err = d.AWS.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
		RoleName:       aws.String(st.RoleName),
		PolicyName:     aws.String(RolePolicyName),
		PolicyDocument: aws.String(RolePolicy(d.arns(), spec, logGroup, keys).String()),
	})
	if err != nil {
		return fmt.Errorf("putting the inline policy %s on IAM role %s: %w", RolePolicyName, st.RoleName, err)
	}
	st.RolePolicy, st.KeyARNs = RolePolicyName, keys
	return nil
}

// resolveKeys finds the key ARNs the role policy grants: kms_key_id in any of its forms (a key
// ARN as it is, so that a key of another account works; an alias or key id with DescribeKey), and
// the master secret's key for alternating users (from DescribeSecret of the master secret). AWS
// managed keys need no grant. A master secret that cannot be described gets no key grant: the
// operator then needs secretsmanager:DescribeSecret on it, which the docs say.
func (d Deps) resolveKeys(ctx context.Context, spec *Spec) (KeyARNs, error) {
	var keys KeyARNs
	if spec.KMSKeyID != "" {
		arn, err := d.customerKeyARN(ctx, spec.KMSKeyID)
		if err != nil {
			return keys, fmt.Errorf("resolving kms_key_id %q to its key ARN with kms:DescribeKey, for the rotator's grant: %w; allow kms:DescribeKey on the key, or give the key ARN", spec.KMSKeyID, err)
		}
		keys.Secret = arn
	}
	if spec.Rotation.Strategy == StrategyAlternatingUsers && spec.Rotation.MasterSecretARN != "" {
		out, err := d.AWS.SecretsManager.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(spec.Rotation.MasterSecretARN)})
		if err == nil && aws.ToString(out.KmsKeyId) != "" {
			if arn, err := d.customerKeyARN(ctx, aws.ToString(out.KmsKeyId)); err == nil {
				keys.Master = arn
			}
		}
	}
	return keys, nil
}

// customerKeyARN is the ARN of a customer managed key given in any form, or "" for an AWS managed
// key (alias/aws/...). A key ARN needs no call.
func (d Deps) customerKeyARN(ctx context.Context, keyID string) (string, error) {
	if isKeyARN(keyID) {
		return keyID, nil
	}
	if strings.HasPrefix(keyID, "alias/aws/") || strings.Contains(keyID, ":alias/aws/") {
		return "", nil
	}
	out, err := d.AWS.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	if err != nil {
		return "", err
	}
	if m := out.KeyMetadata; m != nil && aws.ToString(m.KeyManager) != "AWS" {
		return aws.ToString(m.Arn), nil
	}
	return "", nil
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

func (d Deps) roleTagger(name string) tagger {
	return tagger{what: "IAM role " + name,
		tag: func(ctx context.Context, set map[string]string) error {
			_, err := d.AWS.IAM.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String(name), Tags: iamTags(set)})
			return err
		},
		untag: func(ctx context.Context, keys []string) error {
			_, err := d.AWS.IAM.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String(name), TagKeys: keys})
			return err
		}}
}

func iamTags(tags map[string]string) []iamtypes.Tag {
	return tagList(tags, func(k, v *string) iamtypes.Tag { return iamtypes.Tag{Key: k, Value: v} })
}
