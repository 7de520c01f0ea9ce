package bundle

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials"
)

// Read reads every part at once, in one round of the catalogue's reads (at most twelve calls, four
// of them for the guards; and, when a rotation is stuck with AWSPENDING, one more that reads the
// rotator's error from its log group), and returns the bundle in the shapes of a desired one: the Spec AWS reports, normalised
// against prior (the Spec of the last apply) by the rules of normalise, and the State of the parts
// that still exist (missing ones have empty ids). A nil State means the bundle is gone: the secret
// does not exist or is scheduled for deletion, and neither does any other part.
func Read(ctx context.Context, d Deps, prior *Spec, priorState *State) (*Spec, *State, error) {
	st := *priorState
	st.SecretDeleted, st.SecretDeletionDate, st.RotationFailed = false, time.Time{}, false
	o := &observation{prior: priorState, st: &st, s: &seen{}, spec: prior}
	err := observeStage(ctx, d, o, refreshed())
	// Only survivors of a failed rollback have no secret to read: gone once they are.
	gone := priorState.SecretARN == "" && len(priorState.Parts()) == 0
	if st.SecretDeleted {
		gone = !d.survivorsOfDeletedSecret(ctx, o)
	}
	if gone {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	d.readRotationError(ctx, priorState, &st, o.s)
	spec := normalise(prior, &st, o.s)
	st.Drifted = drifted(d, o, spec)
	return spec, &st, nil
}

// readRotationError sets LastRotationError: the rotator's logged error while a rotation is stuck
// with AWSPENDING (a ninth call, only then), none once a rotation has succeeded since, else the
// prior one.
func (d Deps) readRotationError(ctx context.Context, priorState, st *State, s *seen) {
	failure := ""
	// With rotation off, a pending version is a cancelled rotation's leftover: nothing will
	// re-attempt it, so it is not a failed rotation to warn about.
	if s.pendingVersion != "" && st.RotationEnabled {
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
	// alertTopicARN is the topic the alert rule targets; logRetentionDays the log group's
	// retention (import reads it).
	alertTopicARN    string
	logRetentionDays int64
	// functionChangedOutside: the function's environment, role, runtime, handler or layers are
	// not the bundle's.
	functionChangedOutside bool
	// roleChangedOutside: the role's trust policy is not the bundle's, or the role has inline
	// policies besides the bundle's or attached managed policies.
	roleChangedOutside bool
	// rolePolicy is the inline policy's document as IAM reports it (decoded).
	rolePolicy string
	// ruleChangedOutside: the rule's state or its pattern (beyond the events) is not the bundle's.
	ruleChangedOutside bool
	// permissionChangedOutside: the function's policy holds statements besides the bundle's
	// grant, or the grant is not the bundle's.
	permissionChangedOutside bool
	// topicPolicy is the created topic's policy as SNS reports it.
	topicPolicy string
	// locatedTags are, on import, the tags of the located parts whose reads do not report them
	// (role, log group, rule), by part: import takes only the parts that carry the bundle tag, so
	// that a destroy after it deletes nothing the bundle did not make.
	locatedTags map[string]map[string]string
}

// locatedTag records, on import, the tags of a located part; a part gone has none.
func (s *seen) locatedTag(part string, tags map[string]string, err error) error {
	if err != nil && !isNotFound(err) {
		return err
	}
	if s.locatedTags == nil {
		s.locatedTags = map[string]map[string]string{}
	}
	s.locatedTags[part] = tags
	return nil
}

// ownedByTag is the owned check of a part whose tags its locate read.
func ownedByTag(part string) func(o *observation) bool {
	return func(o *observation) bool { return hasBundleTag(o.s.locatedTags[part], o.st.SecretName) }
}

// normalise is the observed Spec: prior with what AWS reported in place of what it configured.
// A setting AWS does not report, or reports as the default the configuration left, stays as it
// was; each rule below is a row of TestReadNormalises.
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
	for _, p := range catalogue {
		if p.observed != nil {
			p.observed(prior, spec, st)
		}
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

// survivorsOfDeletedSecret reports whether any part but the secret still exists. Refresh never
// reads the log group (its absence changes nothing in a plan), so only here, on this rare path,
// its read runs too.
func (d Deps) survivorsOfDeletedSecret(ctx context.Context, o *observation) bool {
	if o.st.LogGroupName != "" && observeStage(ctx, d, o, []*part{&logGroupPart}) != nil {
		// Not knowing, the group counts as a survivor: destroy deletes what is there.
		o.st.LogGroupName = o.prior.LogGroupName
	}
	others := *o.st
	others.SecretARN = ""
	return len(others.Parts()) > 0
}

// readFunction keeps the function's configuration for normalise. Its whole environment and its
// role are compared with what the bundle deploys: a change made outside Terraform (an added
// variable, another endpoint, another role) is functionChangedOutside, and Plan repairs it.
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
	envChanged := c.Environment != nil && err == nil && !maps.Equal(env, want)
	// A layer runs beside the rotator with its credentials; another runtime or handler runs
	// other code. The code itself shows as rotation_code_sha256.
	runtimeChanged := c.Runtime != "" && c.Runtime != rotatorRuntime
	handlerChanged := c.Handler != nil && aws.ToString(c.Handler) != rotatorHandler
	s.functionChangedOutside = roleChanged || envChanged || runtimeChanged || handlerChanged || len(c.Layers) > 0
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
