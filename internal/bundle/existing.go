package bundle

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// existingBundle lists the parts of a bundle of spec's name that exist in AWS and carry the bundle
// tag, when its secret does: what an interrupted apply (Terraform killed mid-create, which keeps
// nothing in state) or another state left. Lookups that fail are left out: the list is advice.
func (d Deps) existingBundle(ctx context.Context, spec *Spec) []string {
	secret, err := d.findSecretByID(ctx, spec.Name)
	if err != nil || !hasBundleTag(secretTagMap(secret.Tags), spec.Name) {
		return nil
	}
	parts := []string{"secret " + aws.ToString(secret.ARN)}
	role := RoleName(d.AWS.Region, spec.Name)
	if _, err := d.findRoleByName(ctx, role); err == nil {
		if tags, err := d.roleTags(ctx, role); err == nil && hasBundleTag(tags, spec.Name) {
			parts = append(parts, "IAM role "+role)
		}
	}
	function := FunctionName(spec.Name, spec.Rotation.Lambda.Name)
	if fn, err := d.findFunctionByName(ctx, function); err == nil && hasBundleTag(fn.Tags, spec.Name) {
		parts = append(parts, "Lambda function "+function)
	}
	logGroup := LogGroupName(function)
	if _, err := d.findLogGroupByName(ctx, logGroup); err == nil {
		if tags, err := d.logGroupTags(ctx, logGroup); err == nil && hasBundleTag(tags, spec.Name) {
			parts = append(parts, "log group "+logGroup)
		}
	}
	rule := RuleName(spec.Name)
	if out, err := d.findRuleByName(ctx, rule); err == nil {
		if tags, err := d.ruleTags(ctx, rule, aws.ToString(out.Arn)); err == nil && hasBundleTag(tags, spec.Name) {
			parts = append(parts, "EventBridge rule "+rule)
		}
	}
	if owned, err := d.topicOwned(ctx, d.topicARN(spec.Name), spec.Name); err == nil && owned {
		parts = append(parts, "SNS topic "+d.topicARN(spec.Name))
	}
	return parts
}

// takeOverAdvice is what a create says when a bundle of its name exists outside its state.
func takeOverAdvice(name string, parts []string) string {
	return fmt.Sprintf("a bundle of secret %s already exists in AWS, tagged %s = %q, but is in no state of this configuration: "+
		"an apply interrupted before it could save the state (Terraform killed, a second Ctrl-C), or another workspace's. It has: %s. "+
		"To take it over here, add an import block with this resource's address and apply again (import reads every part and the next apply completes what is missing):\n\n"+
		"import {\n  to = secretsbundle_rds_secret.example # this resource's address\n  id = %q\n}\n\n"+
		"If another workspace manages it, leave it there and choose another name",
		name, BundleTagKey, name, strings.Join(parts, ", "), name)
}
