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
