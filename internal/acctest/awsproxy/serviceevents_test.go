package awsproxy

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
)

// TestLookupEventsListsServiceEvents: the rotation events the upstream's extension recorded since
// the proxy started are answered by LookupEvents, once each, with their record as written; the
// ones before the proxy started are not.
func TestLookupEventsListsServiceEvents(t *testing.T) {
	clock := newFakeClock()
	upstream := newFakeUpstream(t)
	const secret = "arn:aws:secretsmanager:us-east-1:000000000000:secret:app/db-AbCdEf"
	record := func(id, name, when string) map[string]any {
		return map[string]any{
			"eventVersion": "1.08", "userIdentity": map[string]any{"accountId": "000000000000", "invokedBy": "secretsmanager.amazonaws.com"},
			"eventTime": when, "eventSource": "secretsmanager.amazonaws.com", "eventName": name, "awsRegion": "us-east-1",
			"additionalEventData": map[string]any{"SecretId": secret}, "eventID": id, "readOnly": false,
			"eventType": "AwsServiceEvent", "recipientAccountId": "000000000000",
		}
	}
	listed, _ := json.Marshal(map[string]any{"Events": []any{
		record("before", "RotationStarted", "2026-03-01T11:59:00Z"),
		record("started", "RotationStarted", "2026-03-01T12:00:01Z"),
		record("failed", "RotationFailed", "2026-03-01T12:00:02Z"),
	}})
	upstream.answer("GET "+serviceEventsPath, http.StatusOK, "application/json", string(listed))
	p := startProxy(t, Options{Upstream: upstream.server.URL, DisableEventBridge: true, Now: clock.Now})
	clock.Advance(5 * time.Second)
	input := &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyResourceName, AttributeValue: aws.String(secret)}}}
	for range 2 {
		events := lookup(t, p, clock, input)
		if got := names(events); len(got) != 2 || got[0] != "failed" || got[1] != "started" {
			t.Fatalf("LookupEvents answered %v, want the two rotation events since the proxy started, newest first, once each", got)
		}
		var detail map[string]any
		if err := json.Unmarshal([]byte(aws.ToString(events[0].CloudTrailEvent)), &detail); err != nil {
			t.Fatal(err)
		}
		if detail["eventType"] != "AwsServiceEvent" || aws.ToString(events[0].EventName) != "RotationFailed" || aws.ToString(events[0].ReadOnly) != "false" {
			t.Errorf("the service event reads as %v (%s)", detail, aws.ToString(events[0].EventName))
		}
	}
}
