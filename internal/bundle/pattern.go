package bundle

import (
	"encoding/json"
	"strings"
)

// event is a Secrets Manager event CloudTrail records: an API call, or an event the service logs.
type event struct {
	name string
	// readOnly: CloudTrail records it as read-only, so a rule on it needs the state that delivers
	// read-only management events.
	readOnly bool
	// alert: its record names the secret (requestParameters.secretId, name or secretIdList, or
	// the ARN in responseElements), so a deletion alert may watch it.
	alert bool
}

// secretsManagerEvents is the one list of Secrets Manager's CloudTrail events. ListSecrets and
// GetRandomPassword name no secret, so a rule on them could never fire for one: they are not
// offered to the alert.
var secretsManagerEvents = []event{
	{name: "DeleteSecret", alert: true}, {name: "RestoreSecret", alert: true}, {name: "PutSecretValue", alert: true},
	{name: "UpdateSecret", alert: true}, {name: "UpdateSecretVersionStage", alert: true}, {name: "RotateSecret", alert: true},
	{name: "CancelRotateSecret", alert: true}, {name: "StopReplicationToReplica", alert: true},
	{name: "RemoveRegionsFromReplication", alert: true}, {name: "ReplicateSecretToRegions", alert: true},
	{name: "PutResourcePolicy", alert: true}, {name: "DeleteResourcePolicy", alert: true},
	{name: "TagResource", alert: true}, {name: "UntagResource", alert: true},
	{name: "GetSecretValue", readOnly: true, alert: true}, {name: "DescribeSecret", readOnly: true, alert: true},
	{name: "ListSecretVersionIds", readOnly: true, alert: true}, {name: "GetResourcePolicy", readOnly: true, alert: true},
	{name: "BatchGetSecretValue", readOnly: true, alert: true}, {name: "ValidateResourcePolicy", readOnly: true, alert: true},
	{name: "ListSecrets", readOnly: true}, {name: "GetRandomPassword", readOnly: true},
	{name: "CreateSecret"},
	{name: "CancelSecretVersionDelete"}, {name: "EndSecretVersionDelete"}, {name: "StartSecretVersionDelete"},
	{name: "RotationAbandoned"}, {name: "RotationFailed"}, {name: "RotationStarted"}, {name: "RotationSucceeded"},
	{name: "ReplicationFailed"}, {name: "ReplicationStarted"}, {name: "ReplicationSucceeded"},
}

func eventNames(keep func(event) bool) []string {
	var names []string
	for _, e := range secretsManagerEvents {
		if keep(e) {
			names = append(names, e.name)
		}
	}
	return names
}

// ReadOnlyEvents are the Secrets Manager API calls that CloudTrail records as read-only.
var ReadOnlyEvents = eventNames(func(e event) bool { return e.readOnly })

// AlertEvents are the events a deletion alert may watch.
var AlertEvents = eventNames(func(e event) bool { return e.alert })

// SecretsManagerEventNames are every Secrets Manager event CloudTrail records.
var SecretsManagerEventNames = eventNames(func(event) bool { return true })

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

// EventPattern matches CloudTrail records of events on this secret, however the caller named it,
// and never those of a neighbour (app/db2, app/db-2 for app/db): every value is matched exactly.
// CloudTrail records the secretId request parameter as given: the name, the full ARN or the
// partial ARN (without the random suffix); BatchGetSecretValue lists ids in secretIdList.
// Responses carry the full ARN in responseElements under arn or, for some operations before
// January 2024, aRN (AWS re:Post "secrets-manager-arn"); resources carry it as ARN.
func EventPattern(secretName, secretARN string, events []string) string {
	ids := []string{secretName, secretARN}
	if partial := partialARN(secretARN); partial != "" {
		ids = append(ids, partial)
	}
	arns := []string{secretARN}
	pattern := map[string]any{
		"source":      []string{"aws.secretsmanager"},
		"detail-type": []string{"AWS API Call via CloudTrail"},
		"detail": map[string]any{
			"eventSource": []string{"secretsmanager.amazonaws.com"},
			"eventName":   events,
			"$or": []any{
				map[string]any{"requestParameters": map[string]any{"secretId": ids}},
				map[string]any{"requestParameters": map[string]any{"name": []string{secretName}}},
				map[string]any{"requestParameters": map[string]any{"secretIdList": ids}},
				map[string]any{"responseElements": map[string]any{"arn": arns}},
				map[string]any{"responseElements": map[string]any{"aRN": arns}},
				map[string]any{"resources": map[string]any{"ARN": arns}},
				map[string]any{"resources": map[string]any{"arn": arns}},
				map[string]any{"resources": map[string]any{"aRN": arns}},
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

// partialARN is a secret's ARN without the six random characters (and their hyphen) Secrets
// Manager appends, which callers may use as secretId; "" when arn has no such suffix.
func partialARN(arn string) string {
	const suffix = len("-AbCdEf")
	i := strings.LastIndex(arn, ":secret:")
	if i < 0 || len(arn)-i-len(":secret:") <= suffix || arn[len(arn)-suffix] != '-' {
		return ""
	}
	return arn[:len(arn)-suffix]
}
