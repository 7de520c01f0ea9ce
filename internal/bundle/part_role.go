package bundle

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"

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
	// A repair puts the trust policy back and takes off the policies the bundle did not put.
	update: func(ctx context.Context, d Deps, c *change) error {
		if c.plan[PartRole] != Repair {
			return nil
		}
		return d.repairRole(ctx, c.st.RoleName)
	},
	read:    readRole,
	forget:  forgetRole,
	drifted: func(_ Deps, o *observation, _ *Spec) bool { return o.s.roleChangedOutside },
	// A repair of the role or of its inline policy shows on the role.
	attributes: []Attribute{{Name: "rotation_role_arn", Get: func(st *State) string { return st.RoleARN }, Set: (*State).SetRoleARN,
		unknownWhen: func(c Changes) bool {
			return c.NewIdentity(PartRole) || c[PartRole] == Repair || c[PartRolePolicy] == Repair
		}}},
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

// grantedKeys are the keys a role policy grants, as RolePolicy writes them: what refresh and import
// report as kms_key_arn and master_kms_key_arn.
func grantedKeys(document string) KeyARNs {
	var policy struct {
		Statement []struct {
			Sid      string
			Resource any
		}
	}
	var keys KeyARNs
	if json.Unmarshal([]byte(document), &policy) != nil {
		return keys
	}
	for _, statement := range policy.Statement {
		resource, _ := statement.Resource.(string)
		switch statement.Sid {
		case "UseSecretKey":
			keys.Secret = resource
		case "UseMasterSecretKey":
			keys.Master = resource
		}
	}
	return keys
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

// readRole reads the role with its trust policy, and the names of its inline and attached managed
// policies, at once. A trust policy that is not the bundle's (another principal may assume the
// role), an inline policy besides the bundle's or any attached managed policy (AdministratorAccess)
// is a change outside Terraform that the next apply undoes.
func readRole(ctx context.Context, d Deps, o *observation) error {
	name := o.prior.RoleName
	var inline, attached []string
	var inlineErr, attachedErr error
	var wg sync.WaitGroup
	wg.Go(func() { inline, inlineErr = d.findRolePolicyNames(ctx, name) })
	wg.Go(func() { attached, attachedErr = d.findAttachedRolePolicies(ctx, name) })
	out, err := d.findRoleByName(ctx, name)
	wg.Wait()
	switch {
	case isNotFound(err):
		forgetRole(o.st)
		return nil
	case err != nil:
		return fmt.Errorf("reading IAM role %s: %w", name, err)
	}
	for _, e := range []error{inlineErr, attachedErr} {
		if e != nil && !isNotFound(e) {
			return fmt.Errorf("reading the policies of IAM role %s: %w", name, e)
		}
	}
	if out.Role == nil {
		return nil
	}
	if out.Role.Arn != nil {
		o.st.RoleARN = aws.ToString(out.Role.Arn)
	}
	trust := decodePolicy(aws.ToString(out.Role.AssumeRolePolicyDocument))
	trustChanged := trust != "" && !PoliciesEquivalent(trust, TrustPolicy().String())
	extraInline := slices.ContainsFunc(inline, func(n string) bool { return n != RolePolicyName })
	o.s.roleChangedOutside = trustChanged || extraInline || len(attached) > 0
	return nil
}

// decodePolicy is a policy document as IAM returns it: URL-encoded (RFC 3986), or as is when it
// is not (an emulator that answers in clear).
func decodePolicy(document string) string {
	if decoded, err := url.PathUnescape(document); err == nil {
		return decoded
	}
	return document
}

// repairRole puts the bundle's trust policy back, deletes the inline policies that are not the
// bundle's and detaches every managed policy (the policies themselves stay: they are not the
// bundle's to delete).
func (d Deps) repairRole(ctx context.Context, name string) error {
	if _, err := d.AWS.IAM.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(name), PolicyDocument: aws.String(TrustPolicy().String())}); err != nil {
		return fmt.Errorf("putting back the trust policy of IAM role %s: %w", name, err)
	}
	inline, err := d.findRolePolicyNames(ctx, name)
	if err != nil {
		return fmt.Errorf("listing the inline policies of IAM role %s: %w", name, err)
	}
	for _, policy := range inline {
		if policy == RolePolicyName {
			continue
		}
		if _, err := d.AWS.IAM.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(policy)}); err != nil && !isNotFound(err) {
			return fmt.Errorf("deleting the inline policy %s, put outside Terraform, of IAM role %s: %w", policy, name, err)
		}
	}
	attached, err := d.findAttachedRolePolicies(ctx, name)
	if err != nil {
		return fmt.Errorf("listing the managed policies attached to IAM role %s: %w", name, err)
	}
	for _, arn := range attached {
		if _, err := d.AWS.IAM.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(arn)}); err != nil && !isNotFound(err) {
			return fmt.Errorf("detaching the managed policy %s, attached outside Terraform, from IAM role %s: %w", arn, name, err)
		}
	}
	return nil
}

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
	read: func(ctx context.Context, d Deps, o *observation) error {
		document, err := d.findRolePolicy(ctx, o.prior.RoleName)
		switch {
		case isNotFound(err):
			o.st.RolePolicy = ""
		case err != nil:
			return fmt.Errorf("reading the inline policy %s of IAM role %s: %w", RolePolicyName, o.prior.RoleName, err)
		default:
			o.s.rolePolicy = document
			if o.prior.KeyARNs == (KeyARNs{}) {
				// Import, or a state from before the keys were recorded: the policy says which.
				o.st.KeyARNs = grantedKeys(document)
			}
		}
		return nil
	},
	// The policy is drift when it is neither the one the last apply put nor the one the observed
	// bundle wants (so an import, whose last apply is not known, or a setting AWS reports in
	// another form, is not taken for a change).
	drifted: func(d Deps, o *observation, observed *Spec) bool {
		if o.s.rolePolicy == "" || o.spec == nil {
			return false
		}
		for _, spec := range []*Spec{o.spec, observed} {
			if PoliciesEquivalent(o.s.rolePolicy, d.rotatorPolicy(spec, o.prior.KeyARNs)) {
				return false
			}
		}
		return true
	},
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

// rotatorPolicy is the role's inline policy for spec, granting the keys resolved for it.
func (d Deps) rotatorPolicy(spec *Spec, keys KeyARNs) string {
	return RolePolicy(d.arns(), spec, LogGroupName(FunctionName(spec.Name, spec.Rotation.Lambda.Name)), keys).String()
}

func (d Deps) putRolePolicy(ctx context.Context, spec *Spec, st *State) error {
	keys, err := d.resolveKeys(ctx, spec)
	if err != nil {
		return err
	}
	_, err = d.AWS.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
		RoleName:       aws.String(st.RoleName),
		PolicyName:     aws.String(RolePolicyName),
		PolicyDocument: aws.String(d.rotatorPolicy(spec, keys)),
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
