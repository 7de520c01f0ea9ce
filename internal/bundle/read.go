package bundle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
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

// Observed is what Read found: the parts that still exist (missing ones have empty ids in State)
// and the settings Terraform manages, for drift.
type Observed struct {
	State State
	// Gone: the secret does not exist or is scheduled for deletion, and neither does any other
	// part, so the bundle is gone.
	Gone bool
	// SecretDeleted: the secret was deleted (or scheduled for deletion) outside Terraform while
	// other parts of the bundle still exist. The state keeps them, so that an apply replaces the
	// bundle or a destroy removes them, and no part is left that state does not know about.
	SecretDeleted bool
	// SecretDeletionDate is when a secret scheduled for deletion will be deleted, when known.
	SecretDeletionDate time.Time

	Description string
	KMSKeyID    string
	// Tags are the secret's tags without the bundle tag.
	Tags map[string]string
	// Credentials are the managed keys of the current version, when it could be read.
	Credentials *CredentialKeys

	AutomaticallyAfterDays int64
	ScheduleExpression     string
	Duration               string

	// Function settings, when the function exists.
	Architecture      string
	MemorySize        int64
	Timeout           int64
	PasswordLength    int64
	ExcludeCharacters string
	Strategy          string
	// SSLCABundle is the function's DB_CA_BUNDLE_PEM.
	SSLCABundle      string
	SubnetIDs        []string
	SecurityGroupIDs []string
	VPCID            string

	AlertEvents []string
	// RotationFailure is the rotator's logged error for a rotation still pending, when one is.
	RotationFailure string
	// pendingVersion is a version with AWSPENDING but not AWSCURRENT: a rotation in progress or failed.
	pendingVersion string
}

// Read reads every part at once, in one round of at most eight calls (and, when a rotation is
// stuck with AWSPENDING, a ninth that reads the rotator's error from its log group; when a
// subscription was waiting for its confirmation, one more each that asks whether it still is).
func Read(ctx context.Context, d Deps, prior *State) (*Observed, error) {
	obs := &Observed{State: *prior}
	st := &obs.State
	var mu sync.Mutex
	var errs []error
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, err)
	}
	// Each goroutine writes its own fields only; targetLost joins the rule's after the wait.
	targetLost := false
	var wg sync.WaitGroup
	if prior.SecretARN == "" {
		// Only survivors of a failed rollback: no secret to read, and gone once they are.
		obs.Gone = len(prior.Parts()) == 0
	} else {
		readSecret(ctx, d, obs, &wg, fail)
	}
	if prior.RoleName != "" {
		wg.Go(func() {
			_, err := d.AWS.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(prior.RoleName)})
			if isNotFound(err) {
				st.RoleName, st.RoleARN, st.RolePolicy = "", "", ""
			} else if err != nil {
				fail(fmt.Errorf("reading IAM role %s: %w", prior.RoleName, err))
			}
		})
	}
	if prior.FunctionName != "" {
		wg.Go(func() {
			out, err := d.AWS.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(prior.FunctionName)})
			if isNotFound(err) {
				st.FunctionName, st.FunctionARN, st.CodeSHA256 = "", "", ""
				return
			} else if err != nil {
				fail(fmt.Errorf("reading Lambda function %s: %w", prior.FunctionName, err))
				return
			}
			obs.readFunction(d, prior, out)
		})
		wg.Go(func() {
			out, err := d.AWS.Lambda.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String(prior.FunctionName)})
			if isNotFound(err) {
				st.PermissionID = ""
				return
			} else if err != nil {
				fail(fmt.Errorf("reading the policy of Lambda function %s: %w", prior.FunctionName, err))
				return
			}
			if !policyHasStatement(aws.ToString(out.Policy), permissionID) {
				st.PermissionID = ""
			}
		})
	}
	if prior.RuleName != "" {
		wg.Go(func() {
			out, err := d.AWS.Events.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(prior.RuleName)})
			if isNotFound(err) {
				st.RuleName, st.RuleARN = "", ""
				return
			} else if err != nil {
				fail(fmt.Errorf("reading EventBridge rule %s: %w", prior.RuleName, err))
				return
			}
			obs.AlertEvents = patternEvents(aws.ToString(out.EventPattern))
		})
		wg.Go(func() {
			out, err := d.AWS.Events.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String(prior.RuleName)})
			if err != nil {
				// A missing rule is reported by DescribeRule; the target matters only with the rule.
				return
			}
			targeted := false
			for _, t := range out.Targets {
				targeted = targeted || (aws.ToString(t.Id) == alertTargetID && aws.ToString(t.Arn) == prior.TopicARN)
			}
			targetLost = !targeted
		})
	}
	if prior.TopicCreated && prior.TopicARN != "" {
		// Listing the subscriptions tells both whether the topic exists and who is subscribed.
		wg.Go(func() {
			subs, err := d.listSubscriptions(ctx, prior.TopicARN)
			if isNotFound(err) {
				st.TopicARN, st.Subscriptions = "", nil
				return
			} else if err != nil {
				fail(fmt.Errorf("reading SNS topic %s: %w", prior.TopicARN, err))
				return
			}
			d.confirmations(ctx, subs, priorPending(prior))
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
	if obs.SecretDeleted {
		obs.Gone = !d.survivorsOfDeletedSecret(ctx, st)
	}
	if obs.pendingVersion != "" {
		// Only a stuck rotation costs a ninth call: the rotator's log says why it is stuck.
		obs.RotationFailure, _ = d.rotationFailure(ctx, st, obs.pendingVersion)
	}
	if err := errors.Join(errs...); err != nil && !obs.Gone {
		return nil, err
	}
	return obs, nil
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

// readSecret reads the secret's description and value, concurrently, into obs.
func readSecret(ctx context.Context, d Deps, obs *Observed, wg *sync.WaitGroup, fail func(error)) {
	prior := obs.State
	wg.Go(func() {
		out, err := d.AWS.SecretsManager.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(prior.SecretARN)})
		switch {
		case isNotFound(err) || awsclient.IsSecretMarkedForDeletion(err):
			obs.SecretDeleted = true
		case err != nil:
			fail(fmt.Errorf("reading secret %s: %w", prior.SecretARN, err))
		case out.DeletedDate != nil:
			obs.SecretDeleted = true
			// AWS documents DeletedDate as the date the secret is scheduled to be deleted.
			obs.SecretDeletionDate = *out.DeletedDate
		default:
			obs.readSecret(out)
		}
	})
	wg.Go(func() {
		// The value is read for drift only: when it cannot be read (no permission, or not JSON)
		// the keys are simply not compared, and DescribeSecret reports a missing secret.
		out, err := d.AWS.SecretsManager.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(prior.SecretARN)})
		if err == nil {
			if keys, ok := parseCredentialKeys(aws.ToString(out.SecretString)); ok {
				obs.Credentials = &keys
			}
		}
	})
}

func (obs *Observed) readSecret(out *secretsmanager.DescribeSecretOutput) {
	st := &obs.State
	st.SecretName = aws.ToString(out.Name)
	obs.Description = aws.ToString(out.Description)
	obs.KMSKeyID = aws.ToString(out.KmsKeyId)
	obs.Tags = map[string]string{}
	for _, t := range out.Tags {
		if aws.ToString(t.Key) != BundleTagKey {
			obs.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	st.RotationEnabled = aws.ToBool(out.RotationEnabled)
	st.LastRotatedDate, st.NextRotationDate = aws.ToTime(out.LastRotatedDate), aws.ToTime(out.NextRotationDate)
	for version, stages := range out.VersionIdsToStages {
		switch {
		case slices.Contains(stages, stageCurrent):
			st.VersionID = version
		case slices.Contains(stages, stagePending):
			obs.pendingVersion = version
		}
	}
	if rules := out.RotationRules; rules != nil {
		obs.AutomaticallyAfterDays = aws.ToInt64(rules.AutomaticallyAfterDays)
		obs.ScheduleExpression = aws.ToString(rules.ScheduleExpression)
		obs.Duration = aws.ToString(rules.Duration)
	}
}

// FunctionChangedOutside stands in State for the code hash of a function whose environment or
// role was changed outside Terraform: the plan then shows an update, which puts them back.
const FunctionChangedOutside = "configuration changed outside Terraform"

// readFunction reads the function's settings. Its whole environment and its role are compared
// with what the bundle deploys: a change made outside Terraform (an added variable, another
// endpoint, another role) shows as FunctionChangedOutside.
func (obs *Observed) readFunction(d Deps, prior *State, out *lambda.GetFunctionOutput) {
	c := out.Configuration
	if c == nil {
		return
	}
	obs.State.FunctionARN, obs.State.CodeSHA256 = aws.ToString(c.FunctionArn), aws.ToString(c.CodeSha256)
	if len(c.Architectures) > 0 {
		obs.Architecture = string(c.Architectures[0])
	}
	obs.MemorySize, obs.Timeout = int64(aws.ToInt32(c.MemorySize)), int64(aws.ToInt32(c.Timeout))
	var env map[string]string
	if c.Environment != nil {
		env = c.Environment.Variables
		obs.PasswordLength, _ = strconv.ParseInt(env[credentials.EnvPasswordLength], 10, 64)
		obs.ExcludeCharacters, obs.Strategy = env[credentials.EnvExcludeCharacters], env[credentials.EnvRotationStrategy]
		obs.SSLCABundle = env[credentials.EnvDatabaseCABundlePEM]
	}
	// The password rules, strategy and CA bundle show as attributes; the rest must be exactly the bundle's.
	want, err := d.environment(env[credentials.EnvPasswordLength], env[credentials.EnvExcludeCharacters], env[credentials.EnvRotationStrategy], env[credentials.EnvDatabaseCABundlePEM])
	roleChanged := c.Role != nil && prior.RoleARN != "" && aws.ToString(c.Role) != prior.RoleARN
	// A function that reports no environment at all shows as password_length 0 instead.
	envChanged := c.Environment != nil && !maps.Equal(env, want)
	if err == nil && (roleChanged || envChanged) {
		obs.State.CodeSHA256 = FunctionChangedOutside
	}
	if c.VpcConfig != nil {
		obs.SubnetIDs, obs.SecurityGroupIDs, obs.VPCID = c.VpcConfig.SubnetIds, c.VpcConfig.SecurityGroupIds, aws.ToString(c.VpcConfig.VpcId)
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
