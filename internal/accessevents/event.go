package accessevents

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudtrail/types"
)

// Event is one CloudTrail event, with the fields people look at to tell who did what from where.
// A field CloudTrail did not record is "".
type Event struct {
	EventID         string
	EventTime       time.Time
	EventName       string
	EventSource     string
	Username        string
	PrincipalARN    string
	PrincipalType   string
	AccessKeyID     string
	SourceIPAddress string
	UserAgent       string
	AWSRegion       string
	ErrorCode       string
	ErrorMessage    string
	ReadOnly        bool
	RequestID       string
	// IssuerARN is the role (with its path) of an assumed role's session, "" otherwise.
	IssuerARN string
	// Resources are the names (ARNs, or the name the caller used) of the resources LookupEvents
	// lists for the event.
	Resources []string
}

// names tells whether the event is about the secret of that ARN or name.
func (e Event) names(arn, name string) bool {
	for _, r := range e.Resources {
		if r != "" && (r == arn || r == name) {
			return true
		}
	}
	return false
}

// cloudTrailRecord is the part of CloudTrail's event record (the CloudTrailEvent JSON) we read.
type cloudTrailRecord struct {
	EventID         string `json:"eventID"`
	EventTime       string `json:"eventTime"`
	EventName       string `json:"eventName"`
	EventSource     string `json:"eventSource"`
	AWSRegion       string `json:"awsRegion"`
	SourceIPAddress string `json:"sourceIPAddress"`
	UserAgent       string `json:"userAgent"`
	ErrorCode       string `json:"errorCode"`
	ErrorMessage    string `json:"errorMessage"`
	RequestID       string `json:"requestID"`
	ReadOnly        *bool  `json:"readOnly"`
	UserIdentity    struct {
		Type           string `json:"type"`
		ARN            string `json:"arn"`
		AccessKeyID    string `json:"accessKeyId"`
		UserName       string `json:"userName"`
		InvokedBy      string `json:"invokedBy"`
		SessionContext struct {
			SessionIssuer struct {
				UserName string `json:"userName"`
				ARN      string `json:"arn"`
			} `json:"sessionIssuer"`
		} `json:"sessionContext"`
	} `json:"userIdentity"`
}

// ParseEvent reads a LookupEvents result. The event record's JSON is the source of truth; the
// summary fields LookupEvents adds fill what the record lacks, so an event whose record cannot be
// parsed still lists with its name, time and caller.
func ParseEvent(event types.Event) Event {
	parsed := Event{
		EventID:     aws.ToString(event.EventId),
		EventName:   aws.ToString(event.EventName),
		EventSource: aws.ToString(event.EventSource),
		Username:    aws.ToString(event.Username),
		AccessKeyID: aws.ToString(event.AccessKeyId),
	}
	if event.EventTime != nil {
		parsed.EventTime = event.EventTime.UTC()
	}
	parsed.ReadOnly, _ = strconv.ParseBool(aws.ToString(event.ReadOnly))
	for _, r := range event.Resources {
		parsed.Resources = append(parsed.Resources, aws.ToString(r.ResourceName))
	}

	var record cloudTrailRecord
	if event.CloudTrailEvent == nil || json.Unmarshal([]byte(*event.CloudTrailEvent), &record) != nil {
		return parsed
	}
	identity := record.UserIdentity
	parsed.EventID = firstOf(parsed.EventID, record.EventID)
	parsed.EventName = firstOf(parsed.EventName, record.EventName)
	parsed.EventSource = firstOf(parsed.EventSource, record.EventSource)
	parsed.AccessKeyID = firstOf(parsed.AccessKeyID, identity.AccessKeyID)
	parsed.PrincipalType = identity.Type
	// Calls AWS services make on a user's behalf carry no ARN, only the service that made them.
	parsed.PrincipalARN = firstOf(identity.ARN, identity.InvokedBy)
	parsed.Username = firstOf(parsed.Username, identity.UserName, sessionName(identity.Type, identity.ARN), identity.SessionContext.SessionIssuer.UserName)
	if identity.Type == "AssumedRole" {
		parsed.IssuerARN = identity.SessionContext.SessionIssuer.ARN
	}
	parsed.SourceIPAddress = record.SourceIPAddress
	parsed.UserAgent = record.UserAgent
	parsed.AWSRegion = record.AWSRegion
	parsed.ErrorCode = record.ErrorCode
	parsed.ErrorMessage = record.ErrorMessage
	parsed.RequestID = record.RequestID
	if record.ReadOnly != nil {
		parsed.ReadOnly = *record.ReadOnly
	}
	if parsed.EventTime.IsZero() {
		if t, err := time.Parse(time.RFC3339, record.EventTime); err == nil {
			parsed.EventTime = t.UTC()
		}
	}
	return parsed
}

// sessionName is the role session name of an assumed role's ARN
// (arn:aws:sts::123456789012:assumed-role/role-name/session-name), which CloudTrail shows as the
// user name of such calls.
func sessionName(identityType, arn string) string {
	if identityType != "AssumedRole" {
		return ""
	}
	_, resource, ok := strings.Cut(arn, ":assumed-role/")
	if !ok {
		return ""
	}
	segments := strings.Split(resource, "/")
	if len(segments) < 2 {
		return ""
	}
	return segments[len(segments)-1]
}

func firstOf(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
