package bundle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs"
	logstypes "github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs/types"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials"
)

// Read reads every part at once, in one round of at most eight calls (and, when a rotation is
// stuck with AWSPENDING, a ninth that reads the rotator's error from its log group), and returns
// the bundle in the shapes of a desired one: the Spec AWS reports, normalised against prior (the
// Spec of the last apply) by the rules of normalise, and the State of the parts that still exist
// (missing ones have empty ids). A nil State means the bundle is gone: the secret does not exist
// or is scheduled for deletion, and neither does any other part.
func Read(ctx context.Context, d Deps, prior *Spec, priorState *State) (*Spec, *State, error) {
	st := *priorState
	st.SecretDeleted, st.SecretDeletionDate, st.RotationFailed = false, time.Time{}, false
	var s seen
	err := d.readParts(ctx, priorState, &st, &s)
	// Only survivors of a failed rollback have no secret to read: gone once they are.
	gone := priorState.SecretARN == "" && len(priorState.Parts()) == 0
	if st.SecretDeleted {
		gone = !d.survivorsOfDeletedSecret(ctx, &st)
	}
	if gone {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	d.readRotationError(ctx, priorState, &st, &s)
	return normalise(prior, &st, &s), &st, nil
}

// readParts makes the round of calls, concurrently: each goroutine writes its own fields of st
// and s only.
func (d Deps) readParts(ctx context.Context, priorState, st *State, seen *seen) error {
	var mu sync.Mutex
	var errs []error
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, err)
	}
	// targetLost joins the rule's after the wait.
	targetLost := false
	var wg sync.WaitGroup
	if priorState.SecretARN != "" {
		readSecret(ctx, d, st, seen, &wg, fail)
	}
	if priorState.RoleName != "" {
		wg.Go(func() {
			_, err := d.AWS.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(priorState.RoleName)})
			if isNotFound(err) {
				st.RoleName, st.RoleARN, st.RolePolicy = "", "", ""
			} else if err != nil {
				fail(fmt.Errorf("reading IAM role %s: %w", priorState.RoleName, err))
			}
		})
	}
	if priorState.FunctionName != "" {
		wg.Go(func() {
			out, err := d.AWS.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(priorState.FunctionName)})
			if isNotFound(err) {
				st.FunctionName, st.FunctionARN, st.CodeSHA256 = "", "", ""
				return
			} else if err != nil {
				fail(fmt.Errorf("reading Lambda function %s: %w", priorState.FunctionName, err))
				return
			}
			seen.readFunction(d, st, priorState, out)
		})
		wg.Go(func() {
			out, err := d.AWS.Lambda.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String(priorState.FunctionName)})
			if isNotFound(err) {
				st.PermissionID = ""
				return
			} else if err != nil {
				fail(fmt.Errorf("reading the policy of Lambda function %s: %w", priorState.FunctionName, err))
				return
			}
			if !policyHasStatement(aws.ToString(out.Policy), permissionID) {
				st.PermissionID = ""
			}
		})
	}
	if priorState.RuleName != "" {
		wg.Go(func() {
			out, err := d.AWS.Events.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(priorState.RuleName)})
			if isNotFound(err) {
				st.RuleName, st.RuleARN = "", ""
				return
			} else if err != nil {
				fail(fmt.Errorf("reading EventBridge rule %s: %w", priorState.RuleName, err))
				return
			}
			seen.alertEvents = patternEvents(aws.ToString(out.EventPattern))
		})
		wg.Go(func() {
			out, err := d.AWS.Events.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String(priorState.RuleName)})
			if err != nil {
				// A missing rule is reported by DescribeRule; the target matters only with the rule.
				return
			}
			targeted := false
			for _, t := range out.Targets {
				targeted = targeted || (aws.ToString(t.Id) == alertTargetID && aws.ToString(t.Arn) == priorState.TopicARN)
			}
			targetLost = !targeted
		})
	}
	if priorState.TopicCreated && priorState.TopicARN != "" {
		// Listing the subscriptions tells both whether the topic exists and who is subscribed.
		wg.Go(func() {
			subs, err := d.listSubscriptions(ctx, priorState.TopicARN)
			if isNotFound(err) {
				st.TopicARN, st.Subscriptions = "", nil
				return
			} else if err != nil {
				fail(fmt.Errorf("reading SNS topic %s: %w", priorState.TopicARN, err))
				return
			}
			d.confirmations(ctx, subs, priorPending(priorState))
			st.Subscriptions = subs
		})
	}
	wg.Wait()
	if targetLost {
		// A rule without its target alerts nobody: re-create it like a lost rule.
		st.RuleARN = ""
	}
	if st.FunctionName == "" {
		st.PermissionID = ""
	}
	return errors.Join(errs...)
}

// readRotationError sets LastRotationError: the rotator's logged error while a rotation is stuck
// with AWSPENDING (a ninth call, only then), none once a rotation has succeeded since, else the
// prior one.
func (d Deps) readRotationError(ctx context.Context, priorState, st *State, s *seen) {
	failure := ""
	if s.pendingVersion != "" {
		failure, _ = d.rotationFailure(ctx, st, s.pendingVersion)
	}
	switch {
	case failure != "":
		// A rotation out of band (the schedule, rotate-secret) failed where only the rotator's log sees it.
		st.LastRotationError, st.RotationFailed = failure, true
	case !st.LastRotatedDate.IsZero() && !st.LastRotatedDate.Truncate(time.Second).Equal(priorState.LastRotatedDate.Truncate(time.Second)):
		// A rotation succeeded since the error was recorded.
		st.LastRotationError = ""
	}
}

// seen is what the calls of one Read saw, before normalise turns it into a Spec. A nil pointer or
// an empty value is "not reported".
type seen struct {
	// secret is the secret's description, when DescribeSecret answered for a live secret.
	secret *secretsmanager.DescribeSecretOutput
	// credentials are the keys of the current version, when it could be read.
	credentials *CredentialKeys
	// function is the function's configuration, when it exists.
	function       *lambda.GetFunctionOutput
	env            map[string]string
	alertEvents    []string
	pendingVersion string
}

// normalise is the observed Spec: prior with what AWS reported in place of what it configured.
// A setting AWS does not report, or reports as the default the configuration left, stays as it
// was; each rule below is a row of TestNormalise.
func normalise(prior *Spec, st *State, s *seen) *Spec {
	spec := prior.clone()
	if out := s.secret; out != nil {
		spec.Description = aws.ToString(out.Description)
		// A secret under the AWS managed key reports no key id: the configured one stays.
		if kms := aws.ToString(out.KmsKeyId); kms != "" {
			spec.KMSKeyID = kms
		}
		spec.Tags, spec.DefaultTags = splitTags(secretTagMap(out.Tags), prior)
		spec.Rotation.Enabled = st.RotationEnabled
		// AWS keeps the last rules after CancelRotateSecret; while rotation is off they are not
		// the schedule, and the configured one applies when rotation is turned on again.
		if rules := out.RotationRules; rules != nil && st.RotationEnabled {
			days, expression := aws.ToInt64(rules.AutomaticallyAfterDays), aws.ToString(rules.ScheduleExpression)
			switch {
			case expression != "" && (prior.Rotation.ScheduleExpression != "" || days == 0):
				spec.Rotation.ScheduleExpression = expression
			case days != 0:
				spec.Rotation.AutomaticallyAfterDays = days
			}
			// An empty duration is AWS's "until the end of the day" and LocalStack's for every
			// window; it cannot tell a removed window from an unreported one, so only a reported
			// window counts.
			if duration := aws.ToString(rules.Duration); duration != "" {
				spec.Rotation.Duration = duration
			}
		}
	}
	// The function's environment says which strategy rotates the secret. A secret adopted by
	// import from elsewhere has no function of ours yet: a master secret in its value means
	// alternating users, as in AWS's rotation templates, except for an engine rotated by the
	// single-user strategy only (Redshift).
	strategy := s.env[credentials.EnvRotationStrategy]
	if strategy == "" && s.credentials != nil && s.credentials.MasterARN != "" && !credentials.SingleUserOnly(s.credentials.Engine) {
		strategy = StrategyAlternatingUsers
	}
	if c := s.credentials; c != nil {
		spec.Credentials.Engine, spec.Credentials.Host, spec.Credentials.Port = c.Engine, c.Host, c.Port
		// Alternating users: rotation moves the secret between the user and its _clone, and
		// both are the configured user.
		username := c.Username
		if prior.Credentials.Username == "" && strategy == StrategyAlternatingUsers {
			// Import: the configured user is the one without the suffix.
			username = strings.TrimSuffix(username, CloneSuffix)
		}
		if username != prior.Credentials.Username+CloneSuffix {
			spec.Credentials.Username = username
		}
		spec.Credentials.DBName = c.DBName
		spec.Credentials.SSL = c.SSL
		spec.Credentials.SSLCABundle = s.env[credentials.EnvDatabaseCABundlePEM]
		if c.MasterARN != "" {
			spec.Rotation.MasterSecretARN = c.MasterARN
		}
	}
	functionReported := st.FunctionName != "" && s.function != nil && s.function.Configuration != nil && len(s.function.Configuration.Architectures) > 0
	if functionReported {
		c := s.function.Configuration
		l := &spec.Rotation.Lambda
		l.Architecture = string(c.Architectures[0])
		l.MemorySize, l.Timeout = int64(aws.ToInt32(c.MemorySize)), int64(aws.ToInt32(c.Timeout))
		spec.Rotation.PasswordLength, _ = strconv.ParseInt(s.env[credentials.EnvPasswordLength], 10, 64)
		spec.Rotation.ExcludeCharacters = s.env[credentials.EnvExcludeCharacters]
		// Only a function in a VPC reports its placement; LocalStack never does, so an empty
		// answer cannot tell "moved out" from "not reported".
		if v := c.VpcConfig; v != nil && aws.ToString(v.VpcId) != "" {
			l.SubnetIDs, l.SecurityGroupIDs = sorted(v.SubnetIds), sorted(v.SecurityGroupIds)
		}
	}
	if strategy != "" && (functionReported || st.FunctionName == "") {
		spec.Rotation.Strategy = strategy
	}
	if len(s.alertEvents) > 0 {
		spec.Alert.Events = sorted(s.alertEvents)
	}
	if st.TopicCreated && st.TopicARN != "" {
		keepSubscribed(&spec.Alert, st.Subscriptions)
	}
	return spec
}

// keepSubscribed keeps in the alert's lists only the configured subscribers SNS still lists
// (confirmed or pending), so that one removed outside Terraform shows as drift and the next apply
// subscribes it again. Subscriptions made outside Terraform are not the bundle's: they show in
// State.Subscriptions only.
func keepSubscribed(a *Alert, listed []SubscriptionState) {
	absent := func(protocol string) func(string) bool {
		return func(endpoint string) bool {
			return !slices.ContainsFunc(listed, func(s SubscriptionState) bool { return s.Protocol == protocol && s.Endpoint == endpoint })
		}
	}
	a.EmailAddresses = slices.DeleteFunc(a.EmailAddresses, absent("email"))
	a.SMSNumbers = slices.DeleteFunc(a.SMSNumbers, absent("sms"))
	a.Subscriptions = slices.DeleteFunc(a.Subscriptions, func(sub Subscription) bool { return absent(sub.Protocol)(sub.Endpoint) })
}

// splitTags divides a part's tags (the bundle tag aside) into the resource's own tags and the
// provider's default tags: a tag is a default one when prior's default tags hold it with the same
// value and prior's own tags do not name it. Own and default together are exactly what AWS
// reported, so tags_all shows every change made outside Terraform.
func splitTags(tags map[string]string, prior *Spec) (own, defaults map[string]string) {
	own, defaults = map[string]string{}, map[string]string{}
	for k, v := range tags {
		if k == BundleTagKey {
			continue
		}
		if dv, ok := prior.DefaultTags[k]; ok && dv == v {
			if _, mine := prior.Tags[k]; !mine {
				defaults[k] = v
				continue
			}
		}
		own[k] = v
	}
	return own, defaults
}

func sorted(values []string) []string {
	out := slices.Clone(values)
	slices.Sort(out)
	return out
}

// survivorsOfDeletedSecret reports whether any part but the secret still exists. Read never looks
// at the log group (its absence changes nothing in a plan), so only here, on this rare path, one
// more call checks it.
func (d Deps) survivorsOfDeletedSecret(ctx context.Context, st *State) bool {
	if st.LogGroupName != "" {
		out, err := d.AWS.Logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(st.LogGroupName)})
		if err == nil && !slices.ContainsFunc(out.LogGroups, func(g logstypes.LogGroup) bool { return aws.ToString(g.LogGroupName) == st.LogGroupName }) {
			st.LogGroupName = ""
		}
	}
	others := *st
	others.SecretARN = ""
	return len(others.Parts()) > 0
}

// readSecret reads the secret's description and value, concurrently, into st and s.
func readSecret(ctx context.Context, d Deps, st *State, s *seen, wg *sync.WaitGroup, fail func(error)) {
	arn := st.SecretARN
	wg.Go(func() {
		out, err := d.AWS.SecretsManager.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(arn)})
		switch {
		case isNotFound(err) || awsclient.IsSecretMarkedForDeletion(err):
			st.SecretDeleted = true
		case err != nil:
			fail(fmt.Errorf("reading secret %s: %w", arn, err))
		case out.DeletedDate != nil:
			st.SecretDeleted = true
			// AWS documents DeletedDate as the date the secret is scheduled to be deleted.
			st.SecretDeletionDate = *out.DeletedDate
		default:
			s.secret = out
			st.SecretName = aws.ToString(out.Name)
			st.RotationEnabled = aws.ToBool(out.RotationEnabled)
			st.LastRotatedDate, st.NextRotationDate = aws.ToTime(out.LastRotatedDate), aws.ToTime(out.NextRotationDate)
			for version, stages := range out.VersionIdsToStages {
				switch {
				case slices.Contains(stages, stageCurrent):
					st.VersionID = version
				case slices.Contains(stages, stagePending):
					s.pendingVersion = version
				}
			}
		}
	})
	wg.Go(func() {
		// The value is read for drift only: when it cannot be read (no permission, or not JSON)
		// the keys are simply not compared, and DescribeSecret reports a missing secret.
		out, err := d.AWS.SecretsManager.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
		if err == nil {
			if keys, ok := parseCredentialKeys(aws.ToString(out.SecretString)); ok {
				s.credentials = &keys
			}
		}
	})
}

// FunctionChangedOutside stands in State for the code hash of a function whose environment or
// role was changed outside Terraform: the plan then shows an update, which puts them back.
const FunctionChangedOutside = "configuration changed outside Terraform"

// readFunction keeps the function's configuration for normalise. Its whole environment and its
// role are compared with what the bundle deploys: a change made outside Terraform (an added
// variable, another endpoint, another role) shows as FunctionChangedOutside.
func (s *seen) readFunction(d Deps, st, prior *State, out *lambda.GetFunctionOutput) {
	c := out.Configuration
	if c == nil {
		return
	}
	s.function = out
	st.FunctionARN, st.CodeSHA256 = aws.ToString(c.FunctionArn), aws.ToString(c.CodeSha256)
	if c.Environment == nil {
		// A function that reports no environment at all shows as password_length 0 instead.
		s.env = map[string]string{}
	} else {
		s.env = c.Environment.Variables
	}
	// The password rules, strategy and CA bundle show as attributes; the rest must be exactly the bundle's.
	env := s.env
	want, err := d.environment(env[credentials.EnvPasswordLength], env[credentials.EnvExcludeCharacters], env[credentials.EnvRotationStrategy], env[credentials.EnvDatabaseCABundlePEM])
	roleChanged := c.Role != nil && prior.RoleARN != "" && aws.ToString(c.Role) != prior.RoleARN
	envChanged := c.Environment != nil && !maps.Equal(env, want)
	if err == nil && (roleChanged || envChanged) {
		st.CodeSHA256 = FunctionChangedOutside
	}
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

// patternEvents reads the eventName list back from a rule pattern this package wrote.
func patternEvents(pattern string) []string {
	var p struct {
		Detail struct {
			EventName []string `json:"eventName"`
		} `json:"detail"`
	}
	if json.Unmarshal([]byte(pattern), &p) != nil {
		return nil
	}
	return p.Detail.EventName
}
