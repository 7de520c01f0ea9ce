package bundle

import (
	"encoding/json"
	"slices"
)

// Rotation events Secrets Manager records in CloudTrail as service events.
const (
	EventRotationFailed    = "RotationFailed"
	EventRotationAbandoned = "RotationAbandoned"
	serviceEventDetailType = "AWS Service Event via CloudTrail"
	rotationRulePrefix     = "secretsbundle-rotation-"
)

// RotationAlertEvents are the rotation events a rotation alert may watch.
var RotationAlertEvents = []string{EventRotationAbandoned, EventRotationFailed, "RotationStarted", "RotationSucceeded"}

// DefaultRotationAlertEvents are what a rotation alert watches unless configured otherwise.
var DefaultRotationAlertEvents = []string{EventRotationAbandoned, EventRotationFailed}

// RotationAlert is the alert on the secret's rotation events, to the deletion alert's topic.
type RotationAlert struct {
	Enabled bool
	Events  []string
}

var rotationRule = watchRule{
	part:      PartRotationRule,
	prefix:    rotationRulePrefix,
	what:      "rotation events",
	attribute: "rotation_alert_rule_arn",
	wanted:    func(spec *Spec) bool { return spec.Alert.Enabled && spec.RotationAlert.Enabled },
	ids:       func(st *State) *RuleIDs { return &st.RotationRule },
	pattern: func(_ Deps, spec *Spec, st *State) string {
		return RotationEventPattern(spec.Name, st.SecretARN, spec.RotationAlert.Events)
	},
	state: ruleStateEnabled,
	changed: func(prior, spec *Spec) bool {
		return !slices.Equal(prior.RotationAlert.Events, spec.RotationAlert.Events)
	},
}

// rotationRulePart is the rotation alert's EventBridge rule and its target, the alert's topic.
var rotationRulePart = watchPart(&rotationRule)

// RotationEventPattern matches Secrets Manager's rotation service events of this secret: CloudTrail
// records them with detail-type "AWS Service Event via CloudTrail" and the secret's ARN in
// additionalEventData.SecretId.
func RotationEventPattern(secretName, secretARN string, events []string) string {
	return marshalPattern(map[string]any{
		"source":      []string{"aws.secretsmanager"},
		"detail-type": []string{serviceEventDetailType},
		"detail": map[string]any{
			"eventSource":         []string{"secretsmanager.amazonaws.com"},
			"eventName":           events,
			"additionalEventData": map[string]any{"SecretId": []string{secretARN, secretName}},
		},
	})
}

func marshalPattern(pattern map[string]any) string {
	encoded, err := json.Marshal(pattern)
	if err != nil {
		// Only strings, maps and slices of them: Marshal cannot fail.
		panic(err)
	}
	return string(encoded)
}

// alertRuleNames are the names of every alert rule of the bundle: the created topic's policy lets
// these, and only these, publish.
func alertRuleNames(secretName string) []string {
	return []string{RuleName(secretName), rotationRule.name(secretName), readerRule.name(secretName)}
}
