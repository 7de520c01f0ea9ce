package awsproxy

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// serviceEventsPath is where the harness's LocalStack extension lists the CloudTrail service
// events of Secrets Manager's rotations (RotationStarted, RotationSucceeded, RotationFailed,
// RotationAbandoned) in CloudTrail's shape. The extension puts them on EventBridge itself, once,
// however many proxies run; the proxy adds them to its record for LookupEvents only.
const serviceEventsPath = "/_secretsbundle/cloudtrail"

// serviceEvent is what the proxy reads of one listed record; the record itself is kept whole.
type serviceEvent struct {
	EventID             string `json:"eventID"`
	EventName           string `json:"eventName"`
	EventSource         string `json:"eventSource"`
	EventTime           string `json:"eventTime"`
	AWSRegion           string `json:"awsRegion"`
	RecipientAccountID  string `json:"recipientAccountId"`
	AdditionalEventData struct {
		SecretID string `json:"SecretId"`
	} `json:"additionalEventData"`
}

// pullServiceEvents adds to the record the service events the upstream recorded since this proxy
// started and that it has not added yet. An upstream without the extension (404) has none.
func (p *Proxy) pullServiceEvents(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	request, err := http.NewRequestWithContext(ctx, http.MethodGet, p.upstream.JoinPath(serviceEventsPath).String(), nil)
	if err != nil {
		return
	}
	response, err := (&http.Client{Transport: p.transport}).Do(request)
	if err != nil {
		return
	}
	defer response.Body.Close()
	var listed struct{ Events []json.RawMessage }
	if response.StatusCode != http.StatusOK || json.NewDecoder(response.Body).Decode(&listed) != nil {
		return
	}
	for _, raw := range listed.Events {
		var e serviceEvent
		if json.Unmarshal(raw, &e) != nil || e.EventID == "" {
			continue
		}
		when, err := time.Parse(time.RFC3339, e.EventTime)
		if err != nil || when.Before(p.started.Truncate(time.Second)) {
			continue
		}
		p.mu.Lock()
		if p.serviceEvents[e.EventID] {
			p.mu.Unlock()
			continue
		}
		p.serviceEvents[e.EventID] = true
		p.seq++
		call := Call{
			Seq: p.seq, Start: when, End: when, Service: "secretsmanager", Operation: e.EventName, Region: e.AWSRegion,
			EventID: e.EventID, Identity: Identity{AccountID: e.RecipientAccountID}, Status: http.StatusOK,
			Resources:  []Resource{{Type: "AWS::SecretsManager::Secret", ARN: e.AdditionalEventData.SecretID}},
			Management: true, ServiceEvent: raw,
		}
		p.calls = append(p.calls, call)
		if over := len(p.calls) - p.opts.MaxCalls; over > 0 {
			p.calls = append(p.calls[:0:0], p.calls[over:]...)
		}
		p.mu.Unlock()
	}
}
