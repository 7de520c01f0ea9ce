package bundle

import "encoding/json"

// ReadOnlyEvents are the Secrets Manager API calls that CloudTrail records as read-only: a rule
// on them needs the state that delivers read-only management events.
var ReadOnlyEvents = []string{"GetSecretValue", "DescribeSecret", "ListSecretVersionIds", "GetResourcePolicy", "BatchGetSecretValue", "ListSecrets", "GetRandomPassword", "ValidateResourcePolicy"}

// AlertEvents are the events a deletion alert may watch.
var AlertEvents = append([]string{
	"DeleteSecret", "RestoreSecret", "PutSecretValue", "UpdateSecret", "UpdateSecretVersionStage", "RotateSecret",
	"CancelRotateSecret", "StopReplicationToReplica", "RemoveRegionsFromReplication", "ReplicateSecretToRegions",
	"PutResourcePolicy", "DeleteResourcePolicy", "TagResource", "UntagResource",
}, ReadOnlyEvents...)

// Rule states of EventBridge.
const (
	ruleStateEnabled               = "ENABLED"
	ruleStateWithManagementReadEvt = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
)

// RuleState is ENABLED, or the state that also delivers read-only management events when one of
// events is read-only: EventBridge drops those otherwise.
func RuleState(events []string) string {
	for _, e := range events {
		for _, r := range ReadOnlyEvents {
			if e == r {
				return ruleStateWithManagementReadEvt
			}
		}
	}
	return ruleStateEnabled
}

// EventPattern matches CloudTrail records of events on this secret, however the caller named it:
// CloudTrail records the secretId request parameter as given (name or ARN), and some events carry
// the ARN in responseElements or resources under arn or aRN.
func EventPattern(secretName, secretARN string, events []string) string {
	ids := []string{secretName, secretARN}
	pattern := map[string]any{
		"source":      []string{"aws.secretsmanager"},
		"detail-type": []string{"AWS API Call via CloudTrail"},
		"detail": map[string]any{
			"eventSource": []string{"secretsmanager.amazonaws.com"},
			"eventName":   events,
			"$or": []any{
				map[string]any{"requestParameters": map[string]any{"secretId": ids}},
				map[string]any{"requestParameters": map[string]any{"name": ids}},
				map[string]any{"responseElements": map[string]any{"arn": []string{secretARN}}},
				map[string]any{"resources": map[string]any{"arn": []string{secretARN}}},
				map[string]any{"resources": map[string]any{"aRN": []string{secretARN}}},
			},
		},
	}
	encoded, err := json.Marshal(pattern)
	if err != nil {
		// Only strings, maps and slices of them: Marshal cannot fail.
		panic(err)
	}
	return string(encoded)
}
