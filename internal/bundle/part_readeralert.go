package bundle

import (
	"slices"
	"strings"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/accessevents"
)

const readerRulePrefix = "secretsbundle-reader-"

// ReaderEvents are the calls that read the secret's value, which the unexpected reader alert watches.
var ReaderEvents = []string{"BatchGetSecretValue", "GetSecretValue"}

// ReaderAlert is the alert on a read of the secret's value by an identity outside Readers.
type ReaderAlert struct {
	Enabled bool
}

var readerRule = watchRule{
	part:      PartReaderRule,
	prefix:    readerRulePrefix,
	what:      "reads by identities outside readers",
	attribute: "reader_alert_rule_arn",
	wanted: func(spec *Spec) bool {
		return spec.Alert.Enabled && spec.ReaderAlert.Enabled && len(spec.Readers) > 0
	},
	ids: func(st *State) *RuleIDs { return &st.ReaderRule },
	pattern: func(d Deps, spec *Spec, st *State) string {
		return ReaderEventPattern(spec.Name, st.SecretARN, ExpectedReaders(spec.Readers, st.RoleARN, d.AWS.CallerARN))
	},
	// GetSecretValue and BatchGetSecretValue are read-only: only this state receives them.
	state:   ruleStateWithManagementReadEvt,
	changed: func(prior, spec *Spec) bool { return !slices.Equal(prior.Readers, spec.Readers) },
}

// readerRulePart is the unexpected reader alert's EventBridge rule and its target, the alert's topic.
var readerRulePart = watchPart(&readerRule)

// ExpectedReaders are the wildcard patterns of the identities whose reads do not alert: the
// readers, the rotator's role and the identity Terraform runs as (every session of its role
// when it is an assumed role). EventBridge's wildcard knows * only: a reader's ? becomes *, which
// expects a little more than the reader says, never less.
func ExpectedReaders(readers []string, rotatorRoleARN, callerARN string) []string {
	var out []string
	for _, r := range readers {
		out = append(out, strings.ReplaceAll(r, "?", "*"))
	}
	for _, arn := range []string{rotatorRoleARN, accessevents.CallerPattern(callerARN)} {
		if arn != "" {
			out = append(out, arn)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ReaderEventPattern matches GetSecretValue and BatchGetSecretValue on this secret (as
// EventPattern names it) by any identity outside expected: a user (or root) whose ARN matches none
// of them, or a role session whose ARN and role ARN (sessionContext.sessionIssuer.arn) both match
// none. Calls AWS services make on their own (type AWSService) never alert.
func ReaderEventPattern(secretName, secretARN string, expected []string) string {
	outside := []any{map[string]any{"anything-but": map[string]any{"wildcard": expected}}}
	return marshalPattern(secretEventPattern(secretName, secretARN, ReaderEvents, map[string]any{"userIdentity": map[string]any{"$or": []any{
		map[string]any{"type": []any{map[string]any{"anything-but": []string{"AssumedRole", "AWSService"}}}, "arn": outside},
		map[string]any{"type": []string{"AssumedRole"}, "arn": outside, "sessionContext": map[string]any{"sessionIssuer": map[string]any{"arn": outside}}},
	}}}))
}
