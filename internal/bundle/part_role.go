package bundle

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
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
	locate: func(ctx context.Context, d Deps, o *observation) error {
		// The role is the function's.
		if f := o.s.function; o.st.FunctionName != "" && f != nil {
			o.st.SetRoleARN(aws.ToString(f.Configuration.Role))
			tags, err := d.roleTags(ctx, o.st.RoleName)
			return o.s.locatedTag(PartRole, tags, err)
		}
		return nil
	},
	owned:       ownedByTag(PartRole),
	find:        func(ctx context.Context, d Deps, spec *Spec, st *State) error { return d.findRole(ctx, spec.Name, st) },
	deleteStage: 1,
}

func forgetRole(st *State) { st.RoleName, st.RoleARN = "", "" }

// rolePolicyPart is the role's inline policy: what the rotator may do. It is put on every update,
// because it follows the secret, the key, the master secret and the VPC.
var rolePolicyPart = part{
	name:        PartRolePolicy,
	needs:       []string{PartRole},
	id:          func(st *State) string { return st.RolePolicy },
	label:       func(st *State) string { return "role policy " + st.RolePolicy },
	create:      func(ctx context.Context, d Deps, spec *Spec, st *State) error { return d.putRolePolicy(ctx, spec, st) },
	update:      func(ctx context.Context, d Deps, c *change) error { return d.putRolePolicy(ctx, c.spec, c.st) },
	remove:      func(ctx context.Context, d Deps, st *State) error { return d.deleteRolePolicy(ctx, st) },
	forget:      func(st *State) { st.RolePolicy = "" },
	locatedFrom: PartRole,
	deletedWith: PartRole,
	find: func(_ context.Context, d Deps, spec *Spec, st *State) error {
		// Deleting a policy that is not there counts as done, so the name is enough.
		if st.RoleName == "" {
			st.RoleName = RoleName(d.AWS.Region, spec.Name)
		}
		st.RolePolicy = RolePolicyName
		return nil
	},
}

func (d Deps) createRole(ctx context.Context, spec *Spec, st *State) error {
	name := RoleName(d.AWS.Region, spec.Name)
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
	name := RoleName(d.AWS.Region, secretName)
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
	tags, err := d.roleTags(ctx, name)
	if err != nil {
		return err
	}
	if hasBundleTag(tags, secretName) && createdSince(aws.ToTime(out.Role.CreateDate), d.began) {
		// The inline policy may be on it too; deleting one that is not there counts as done.
		st.RoleName, st.RoleARN, st.RolePolicy = name, aws.ToString(out.Role.Arn), RolePolicyName
	}
	return nil
}

func (d Deps) roleTags(ctx context.Context, name string) (map[string]string, error) {
	tags, err := d.AWS.IAM.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String(name)})
	if err != nil {
		return nil, fmt.Errorf("reading the tags of IAM role %s: %w", name, err)
	}
	return tagMap(tags.Tags, func(t iamtypes.Tag) (*string, *string) { return t.Key, t.Value }), nil
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
