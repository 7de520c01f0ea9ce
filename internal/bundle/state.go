package bundle

import (
	"strings"
	"time"
)

// State is what exists of a bundle: the identifiers of its parts. An empty identifier means the
// part does not exist (not created yet, rolled back, or deleted out of band).
type State struct {
	SecretARN  string
	SecretName string
	VersionID  string
	// SecretRestored: this create restored the secret (RestoreScheduledForDeletion) rather than
	// creating it, so its rollback schedules it for deletion again instead of deleting it.
	SecretRestored bool

	RoleName     string
	RoleARN      string
	RolePolicy   string
	LogGroupName string
	FunctionName string
	FunctionARN  string
	CodeSHA256   string
	PermissionID string

	RuleName string
	RuleARN  string
	// RotationRule and ReaderRule are the rotation alert's and the unexpected reader alert's rules.
	RotationRule RuleIDs
	ReaderRule   RuleIDs
	TopicARN     string
	TopicCreated bool
	// Subscriptions are the subscriptions of a created topic, as last made or listed.
	Subscriptions []SubscriptionState
	// ResourcePolicy is the secret's resource policy as AWS reports it; "" when it has none.
	ResourcePolicy string
	// KeyARNs are the customer managed keys the role policy grants, resolved to key ARNs when it
	// was last put.
	KeyARNs KeyARNs

	RotationEnabled   bool
	LastRotatedDate   time.Time
	NextRotationDate  time.Time
	LastRotationError string

	// What Read saw that a plan must act on or a warning must say.
	//
	// SecretDeleted: the secret was deleted (or scheduled for deletion) outside Terraform while
	// other parts of the bundle still exist. The state keeps them, so that an apply replaces the
	// bundle or a destroy removes them, and no part is left that state does not know about.
	SecretDeleted bool
	// SecretDeletionDate is when a secret scheduled for deletion will be deleted, when known.
	SecretDeletionDate time.Time
	// RotationFailed: LastRotationError is the rotator's logged error of a rotation still pending.
	RotationFailed bool
	// CancelledRotation, after an Update that turned rotation off, says what rotation it cancelled
	// (its AWSPENDING version and, when the rotator logged it, its failure); "" when none was in
	// flight.
	CancelledRotation string
	// Drifted names the parts Read saw changed outside Terraform in ways no attribute shows (the
	// function's environment or role); Plan repairs them. The provider keeps it in private state
	// from the refresh to the apply.
	Drifted []string
}

// Parts lists the parts that exist, by the names errors and diagnostics use.
func (s *State) Parts() []string {
	var parts []string
	for _, p := range catalogue {
		if p.label != nil && p.id(s) != "" {
			parts = append(parts, p.label(s))
		}
	}
	return parts
}

// SetRoleARN records the rotator's role by its ARN: its name, and its inline policy, follow.
func (s *State) SetRoleARN(arn string) {
	s.RoleARN, s.RoleName, s.RolePolicy = arn, afterLast(arn, "/"), ""
	if s.RoleName != "" {
		s.RolePolicy = RolePolicyName
	}
}

// SetFunctionARN records the rotator by its ARN; its name follows.
func (s *State) SetFunctionARN(arn string) { s.FunctionARN, s.FunctionName = arn, afterLast(arn, ":") }

// SetRuleARN records the alert rule by its ARN; its name follows.
func (s *State) SetRuleARN(arn string) { s.RuleARN, s.RuleName = arn, afterLast(arn, "/") }

// afterLast is what follows the last sep in an ARN: a role's, function's or rule's name.
func afterLast(arn, sep string) string {
	if arn == "" {
		return ""
	}
	return arn[strings.LastIndex(arn, sep)+1:]
}
