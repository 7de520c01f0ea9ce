package awsproxy

import (
	"encoding/json"
	"time"
)

// Resource is an AWS object a call was about, as LookupEvents lists it.
type Resource struct {
	// Type is CloudTrail's resource type, e.g. AWS::SecretsManager::Secret.
	Type string `json:"type"`
	// Name is the name the caller used or the object has (a secret's name, a function's name).
	Name string `json:"name,omitempty"`
	// ARN is the object's ARN when the call or its response showed it.
	ARN string `json:"arn,omitempty"`
}

// Call is one recorded AWS API call. Secret values are never part of it.
type Call struct {
	// Seq orders calls (and marks) by the time they arrived.
	Seq   int64     `json:"seq"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`

	Service     string   `json:"service"`
	Operation   string   `json:"operation"`
	Region      string   `json:"region"`
	Protocol    string   `json:"protocol"`
	RequestID   string   `json:"requestId"`
	EventID     string   `json:"eventId"`
	AccessKeyID string   `json:"accessKeyId"`
	Identity    Identity `json:"identity"`
	SourceIP    string   `json:"sourceIp"`
	UserAgent   string   `json:"userAgent"`

	Resources []Resource `json:"resources,omitempty"`
	// Parameters are the request parameters with secret values removed.
	Parameters map[string]any `json:"parameters,omitempty"`
	// Response holds the JSON response elements of write calls, secret values removed.
	Response map[string]any `json:"response,omitempty"`

	Status       int    `json:"status"`
	ErrorCode    string `json:"errorCode,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
	ReadOnly     bool   `json:"readOnly"`
	Management   bool   `json:"management"`
	// ServiceEvent is, for an event a service recorded on its own (Secrets Manager's rotation
	// events, listed by the harness's LocalStack extension), its CloudTrail record as written;
	// nil for API calls.
	ServiceEvent json.RawMessage `json:"serviceEvent,omitempty"`
	// Fault names the fault rule that answered or delayed the call, if one did.
	Fault string `json:"fault,omitempty"`
	// arnKey is the proxy's ARN spelling when the call was recorded (Options.ARNKey).
	arnKey string
}

// Key is "service:Operation", the key CallsPerOperation uses (IAM's action syntax).
func (c Call) Key() string { return c.Service + ":" + c.Operation }

// Duration is how long the call took, from its request's arrival to its response's last byte.
func (c Call) Duration() time.Duration { return c.End.Sub(c.Start) }

// Mark is a named point in the record, set by a test between phases.
type Mark struct {
	Name string    `json:"name"`
	Seq  int64     `json:"seq"`
	Time time.Time `json:"time"`
}
