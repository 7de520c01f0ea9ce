package bundle

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs"
)

// Find locates a bundle's parts from its secret's name or ARN, for import. The secret must carry
// the bundle tag; the function is the secret's rotation function, the role the function's, the
// rule has the name derived from the secret's, and a topic is the bundle's own when it carries the
// bundle tag too. It returns the bundle in the shapes of a desired one: the Spec holds what the
// parts say of the configuration that Read cannot see (the function's own name, the log retention,
// the alert's topic and addresses); the rest is left for Read to observe.
func Find(ctx context.Context, d Deps, secretID string) (*Spec, *State, error) {
	secret, err := d.AWS.SecretsManager.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(secretID)})
	if err != nil {
		return nil, nil, fmt.Errorf("finding secret %s: %w", secretID, err)
	}
	name := aws.ToString(secret.Name)
	tagged := false
	for _, t := range secret.Tags {
		tagged = tagged || (aws.ToString(t.Key) == BundleTagKey && aws.ToString(t.Value) == name)
	}
	if !tagged {
		return nil, nil, fmt.Errorf("secret %s has no tag %s = %q, so it was not made by secretsbundle_rds_secret; to adopt it, tag it first (aws secretsmanager tag-resource --secret-id %s --tags Key=%s,Value=%s) and import again, see the guide \"Migrating from aws_secretsmanager_* resources\"", name, BundleTagKey, name, name, BundleTagKey, name)
	}
	spec, st := &Spec{Name: name}, &State{SecretARN: aws.ToString(secret.ARN), SecretName: name}

	functionName := FunctionName(name, "")
	if arn := aws.ToString(secret.RotationLambdaARN); arn != "" {
		functionName = arn[strings.LastIndex(arn, ":")+1:]
	}
	if fn, err := d.AWS.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(functionName)}); err == nil && fn.Tags[BundleTagKey] == name {
		c := fn.Configuration
		st.FunctionName, st.FunctionARN, st.CodeSHA256 = aws.ToString(c.FunctionName), aws.ToString(c.FunctionArn), aws.ToString(c.CodeSha256)
		if st.FunctionName != FunctionName(name, "") {
			spec.Rotation.Lambda.Name = st.FunctionName
		}
		// The role and the log group are the bundle's only when they carry its tag: a destroy
		// after the import deletes what state holds, and must not delete what it did not make.
		role := aws.ToString(c.Role)
		roleName := role[strings.LastIndex(role, "/")+1:]
		if tags, err := d.roleTags(ctx, roleName); isNotFound(err) || (err == nil && !hasBundleTag(tags, name)) {
			// Not the bundle's: left out of state, and the plan says the bundle makes its own.
		} else if err != nil {
			return nil, nil, err
		} else {
			st.RoleARN, st.RoleName, st.RolePolicy = role, roleName, RolePolicyName
		}
		logGroup := LogGroupName(st.FunctionName)
		if c.LoggingConfig != nil && aws.ToString(c.LoggingConfig.LogGroup) != "" {
			logGroup = aws.ToString(c.LoggingConfig.LogGroup)
		}
		// A denied or failed read is an error, as for the other parts: taken for "none", it would
		// import a bundle without its invoke grant or with the log retention off.
		policy, err := d.AWS.Lambda.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String(st.FunctionName)})
		if err != nil && !isNotFound(err) {
			return nil, nil, fmt.Errorf("reading the resource policy of Lambda function %s: %w", st.FunctionName, err)
		}
		if err == nil && policyHasStatement(aws.ToString(policy.Policy), permissionID) {
			st.PermissionID = permissionID
		}
		groups, err := d.AWS.Logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(logGroup)})
		if err != nil {
			return nil, nil, fmt.Errorf("reading CloudWatch Logs log group %s: %w", logGroup, err)
		}
		for _, g := range groups.LogGroups {
			if aws.ToString(g.LogGroupName) != logGroup {
				continue
			}
			tags, err := d.logGroupTags(ctx, logGroup)
			if err != nil {
				return nil, nil, err
			}
			if hasBundleTag(tags, name) {
				st.LogGroupName = logGroup
				spec.Rotation.Lambda.LogRetentionDays = int64(aws.ToInt32(g.RetentionInDays))
			}
		}
	} else if err != nil && !isNotFound(err) {
		return nil, nil, fmt.Errorf("finding the rotator %s of secret %s: %w", functionName, name, err)
	}

	ruleName := RuleName(name)
	rule, err := d.AWS.Events.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(ruleName)})
	if err != nil && !isNotFound(err) {
		return nil, nil, fmt.Errorf("finding the alert rule %s of secret %s: %w", ruleName, name, err)
	}
	owned := false
	if err == nil {
		tags, err := d.ruleTags(ctx, ruleName, aws.ToString(rule.Arn))
		if err != nil {
			return nil, nil, err
		}
		owned = hasBundleTag(tags, name)
	}
	if owned {
		st.RuleName, st.RuleARN = ruleName, aws.ToString(rule.Arn)
		targets, err := d.AWS.Events.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String(ruleName)})
		if err != nil {
			return nil, nil, fmt.Errorf("reading the targets of EventBridge rule %s: %w", ruleName, err)
		}
		for _, t := range targets.Targets {
			if aws.ToString(t.Id) == alertTargetID {
				st.TopicARN = aws.ToString(t.Arn)
			}
		}
	}
	if st.TopicARN != "" {
		tags, err := d.AWS.SNS.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: aws.String(st.TopicARN)})
		if err == nil {
			for _, t := range tags.Tags {
				st.TopicCreated = st.TopicCreated || (aws.ToString(t.Key) == BundleTagKey && aws.ToString(t.Value) == name)
			}
		}
		if st.TopicCreated {
			subs, err := d.AWS.SNS.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(st.TopicARN)})
			if err == nil {
				for _, s := range subs.Subscriptions {
					switch aws.ToString(s.Protocol) {
					case "email":
						spec.Alert.EmailAddresses = append(spec.Alert.EmailAddresses, aws.ToString(s.Endpoint))
					case "sms":
						spec.Alert.SMSNumbers = append(spec.Alert.SMSNumbers, aws.ToString(s.Endpoint))
					default:
						if slices.Contains(SubscriptionProtocols, aws.ToString(s.Protocol)) {
							spec.Alert.Subscriptions = append(spec.Alert.Subscriptions, Subscription{Protocol: aws.ToString(s.Protocol), Endpoint: aws.ToString(s.Endpoint)})
						}
					}
				}
			}
		}
	}
	// The alert is on when its rule exists; a topic the bundle did not create was given by ARN.
	spec.Alert.Enabled = st.RuleName != ""
	if st.TopicARN != "" && !st.TopicCreated {
		spec.Alert.TopicARN = st.TopicARN
	}
	return spec, st, nil
}
