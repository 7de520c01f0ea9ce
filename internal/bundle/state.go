package bundle

import "time"

// State is what exists of a bundle: the identifiers of its parts. An empty identifier means the
// part does not exist (not created yet, rolled back, or deleted out of band).
type State struct {
	SecretARN  string
	SecretName string
	VersionID  string

	RoleName     string
	RoleARN      string
	RolePolicy   string
	LogGroupName string
	FunctionName string
	FunctionARN  string
	CodeSHA256   string
	PermissionID string

	RuleName     string
	RuleARN      string
	TopicARN     string
	TopicCreated bool
	// Subscriptions are the subscriptions of a created topic, as last made or listed.
	Subscriptions []SubscriptionState

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
