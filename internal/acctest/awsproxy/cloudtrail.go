package awsproxy

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

const (
	lookupEventsTarget = "LookupEvents"
	maxLookupResults   = 50
	// lookupWindow is how far back LookupEvents looks by default: CloudTrail's event history.
	lookupWindow = 90 * 24 * time.Hour
)

// cloudTrailIdentity is CloudTrail's userIdentity.
type cloudTrailIdentity struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
	ARN         string `json:"arn"`
	AccountID   string `json:"accountId"`
	AccessKeyID string `json:"accessKeyId,omitempty"`
	UserName    string `json:"userName,omitempty"`
	// SessionContext names the role of an assumed role's session, as CloudTrail records it.
	SessionContext *cloudTrailSessionContext `json:"sessionContext,omitempty"`
}

type cloudTrailSessionContext struct {
	SessionIssuer cloudTrailSessionIssuer `json:"sessionIssuer"`
}

type cloudTrailSessionIssuer struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
	ARN         string `json:"arn"`
	AccountID   string `json:"accountId"`
	UserName    string `json:"userName"`
}

// sessionIssuer is the role of an assumed-role session ARN
// (arn:aws:sts::123456789012:assumed-role/app/session): the identity's IssuerARN when the proxy
// knows the role's path, otherwise the role ARN without a path.
func sessionIssuer(id Identity) *cloudTrailSessionContext {
	fields := strings.SplitN(id.ARN, ":", 6) // arn, partition, sts, "", account, assumed-role/role/session
	if id.Type != "AssumedRole" || len(fields) != 6 || !strings.HasPrefix(fields[5], "assumed-role/") {
		return nil
	}
	role, _, _ := strings.Cut(strings.TrimPrefix(fields[5], "assumed-role/"), "/")
	issuer := id.IssuerARN
	if issuer == "" {
		issuer = "arn:" + fields[1] + ":iam::" + fields[4] + ":role/" + role
	}
	principalID, _, _ := strings.Cut(id.PrincipalID, ":")
	return &cloudTrailSessionContext{SessionIssuer: cloudTrailSessionIssuer{Type: "Role", PrincipalID: principalID, ARN: issuer, AccountID: fields[4], UserName: role}}
}

// cloudTrailEvent is a CloudTrail management event record, field order as CloudTrail writes it.
type cloudTrailEvent struct {
	EventVersion       string             `json:"eventVersion"`
	UserIdentity       cloudTrailIdentity `json:"userIdentity"`
	EventTime          string             `json:"eventTime"`
	EventSource        string             `json:"eventSource"`
	EventName          string             `json:"eventName"`
	AWSRegion          string             `json:"awsRegion"`
	SourceIPAddress    string             `json:"sourceIPAddress"`
	UserAgent          string             `json:"userAgent"`
	ErrorCode          string             `json:"errorCode,omitempty"`
	ErrorMessage       string             `json:"errorMessage,omitempty"`
	RequestParameters  map[string]any     `json:"requestParameters"`
	ResponseElements   map[string]any     `json:"responseElements"`
	RequestID          string             `json:"requestID"`
	EventID            string             `json:"eventID"`
	ReadOnly           bool               `json:"readOnly"`
	EventType          string             `json:"eventType"`
	ManagementEvent    bool               `json:"managementEvent"`
	RecipientAccountID string             `json:"recipientAccountId"`
	EventCategory      string             `json:"eventCategory"`
}

func eventSource(service string) string { return service + ".amazonaws.com" }

// toCloudTrailEvent renders a call as CloudTrail records it. CloudTrail writes parameter names in
// lower camel case (secretId), whatever the API's spelling.
func toCloudTrailEvent(call Call) cloudTrailEvent {
	identity := cloudTrailIdentity{
		Type:        call.Identity.Type,
		PrincipalID: call.Identity.PrincipalID,
		ARN:         call.Identity.ARN,
		AccountID:   call.Identity.AccountID,
		AccessKeyID: call.AccessKeyID,
	}
	if call.Identity.Type == "IAMUser" {
		identity.UserName = call.Identity.UserName
	}
	identity.SessionContext = sessionIssuer(call.Identity)
	params, _ := lowerCamelKeys(call.Parameters).(map[string]any)
	response, _ := lowerCamelKeys(call.Response).(map[string]any)
	if call.Service == "secretsmanager" && response != nil {
		// lowerCamelKeys made ARN aRN; CloudTrail writes arn, or aRN for some operations before 2024.
		if arn, ok := response["aRN"]; ok {
			delete(response, "aRN")
			response[secretsManagerARNKey(call.Operation, call.arnKey)] = arn
		}
	}
	return cloudTrailEvent{
		EventVersion:       "1.08",
		UserIdentity:       identity,
		EventTime:          call.Start.UTC().Format("2006-01-02T15:04:05Z"),
		EventSource:        eventSource(call.Service),
		EventName:          call.Operation,
		AWSRegion:          call.Region,
		SourceIPAddress:    call.SourceIP,
		UserAgent:          call.UserAgent,
		ErrorCode:          call.ErrorCode,
		ErrorMessage:       call.ErrorMessage,
		RequestParameters:  params,
		ResponseElements:   response,
		RequestID:          call.RequestID,
		EventID:            call.EventID,
		ReadOnly:           call.ReadOnly,
		EventType:          "AwsApiCall",
		ManagementEvent:    true,
		RecipientAccountID: call.Identity.AccountID,
		EventCategory:      "Management",
	}
}

func lowerCamelKeys(value any) any {
	switch typed := value.(type) {
	case map[string]any:
		if typed == nil {
			return nil
		}
		out := make(map[string]any, len(typed))
		for key, inner := range typed {
			out[lowerFirst(key)] = lowerCamelKeys(inner)
		}
		return out
	case []any:
		out := make([]any, len(typed))
		for i, inner := range typed {
			out[i] = lowerCamelKeys(inner)
		}
		return out
	}
	return value
}

func lowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToLower(r)) + s[size:]
}

// lookupRequest is CloudTrail's LookupEvents input.
type lookupRequest struct {
	LookupAttributes []struct {
		AttributeKey   string
		AttributeValue string
	}
	StartTime     json.RawMessage
	EndTime       json.RawMessage
	EventCategory string
	MaxResults    *int
	NextToken     *string
}

type lookupResource struct {
	ResourceType string
	ResourceName string
}

type lookupEvent struct {
	EventId         string
	EventName       string
	ReadOnly        string
	AccessKeyId     string
	EventTime       float64
	EventSource     string
	Username        string
	Resources       []lookupResource
	CloudTrailEvent string
}

type lookupResponse struct {
	Events    []lookupEvent
	NextToken string `json:",omitempty"`
	lastSeq   int64
}

// lookupAttributeKeys are the keys CloudTrail's LookupAttributes accept.
var lookupAttributeKeys = map[string]func(Call, string) bool{
	"EventId":     func(c Call, v string) bool { return c.EventID == v },
	"EventName":   func(c Call, v string) bool { return c.Operation == v },
	"ReadOnly":    func(c Call, v string) bool { return strconv.FormatBool(c.ReadOnly) == v },
	"Username":    func(c Call, v string) bool { return c.Identity.UserName == v },
	"EventSource": func(c Call, v string) bool { return eventSource(c.Service) == v },
	"AccessKeyId": func(c Call, v string) bool { return c.AccessKeyID == v },
	"ResourceType": func(c Call, v string) bool {
		for _, r := range c.Resources {
			if r.Type == v {
				return true
			}
		}
		return false
	},
	"ResourceName": func(c Call, v string) bool {
		for _, r := range c.Resources {
			if r.matches(v) {
				return true
			}
		}
		return false
	},
}

// parseTimestamp reads a JSON 1.1 timestamp: epoch seconds (what the SDKs send) or an ISO 8601
// string (what hand-written requests often use).
func parseTimestamp(raw json.RawMessage) (time.Time, bool, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return time.Time{}, false, nil
	}
	var seconds float64
	if err := json.Unmarshal(trimmed, &seconds); err == nil {
		whole, frac := math.Modf(seconds)
		return time.Unix(int64(whole), int64(frac*1e9)), true, nil
	}
	var text string
	if err := json.Unmarshal(trimmed, &text); err == nil {
		if parsed, err := time.Parse(time.RFC3339, text); err == nil {
			return parsed, true, nil
		}
		if epoch, err := strconv.ParseFloat(text, 64); err == nil {
			whole, frac := math.Modf(epoch)
			return time.Unix(int64(whole), int64(frac*1e9)), true, nil
		}
	}
	return time.Time{}, false, fmt.Errorf("timestamp %s is neither epoch seconds nor ISO 8601", trimmed)
}

// lookupQuery is a validated LookupEvents request.
type lookupQuery struct {
	match       func(Call) bool
	start, end  time.Time
	maxResults  int
	fingerprint string
	afterSeq    int64 // from NextToken: only calls older than this
	insights    bool
}

// parseLookup validates a LookupEvents request as CloudTrail does.
func parseLookup(body []byte, now time.Time) (lookupQuery, *awsError) {
	var request lookupRequest
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &request); err != nil {
			return lookupQuery{}, &awsError{Code: "SerializationException", Message: "the LookupEvents request is not valid JSON: " + err.Error()}
		}
	}
	query := lookupQuery{maxResults: maxLookupResults, match: func(Call) bool { return true }}
	if len(request.LookupAttributes) > 1 {
		return query, &awsError{Code: "InvalidLookupAttributesException", Message: "You cannot specify more than one lookup attribute."}
	}
	if len(request.LookupAttributes) == 1 {
		attribute := request.LookupAttributes[0]
		test, ok := lookupAttributeKeys[attribute.AttributeKey]
		if !ok {
			return query, &awsError{Code: "InvalidLookupAttributesException", Message: fmt.Sprintf("Invalid attribute key: %s", attribute.AttributeKey)}
		}
		if attribute.AttributeValue == "" {
			return query, &awsError{Code: "InvalidLookupAttributesException", Message: "Attribute value must not be empty."}
		}
		query.match = func(c Call) bool { return test(c, attribute.AttributeValue) }
	}
	switch request.EventCategory {
	case "":
	case "insight":
		query.insights = true
	default:
		return query, &awsError{Code: "InvalidEventCategoryException", Message: fmt.Sprintf("Invalid event category: %s", request.EventCategory)}
	}
	start, hasStart, err := parseTimestamp(request.StartTime)
	if err != nil {
		return query, &awsError{Code: "InvalidTimeRangeException", Message: err.Error()}
	}
	end, hasEnd, err := parseTimestamp(request.EndTime)
	if err != nil {
		return query, &awsError{Code: "InvalidTimeRangeException", Message: err.Error()}
	}
	if !hasEnd {
		end = now
	}
	if !hasStart {
		start = now.Add(-lookupWindow)
	}
	if start.After(end) {
		return query, &awsError{Code: "InvalidTimeRangeException", Message: "Start time must be before end time."}
	}
	query.start, query.end = start, end
	if request.MaxResults != nil {
		if *request.MaxResults < 1 || *request.MaxResults > maxLookupResults {
			return query, &awsError{Code: "InvalidMaxResultsException", Message: fmt.Sprintf("MaxResults must be between 1 and %d.", maxLookupResults)}
		}
		query.maxResults = *request.MaxResults
	}
	// A token is only valid for the query it was issued for, as on AWS.
	sum := sha256.New()
	fmt.Fprintf(sum, "%v|%s|%s|%s", request.LookupAttributes, request.StartTime, request.EndTime, request.EventCategory)
	query.fingerprint = hex.EncodeToString(sum.Sum(nil))[:16]
	if request.NextToken != nil {
		seq, ok := decodeNextToken(*request.NextToken, query.fingerprint)
		if !ok {
			return query, &awsError{Code: "InvalidNextTokenException", Message: "Invalid NextToken."}
		}
		query.afterSeq = seq
	}
	return query, nil
}

func encodeNextToken(seq int64, fingerprint string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%s:%d", fingerprint, seq)))
}

func decodeNextToken(token, fingerprint string) (int64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, false
	}
	prefix, seqText, ok := strings.Cut(string(raw), ":")
	if !ok || prefix != fingerprint {
		return 0, false
	}
	seq, err := strconv.ParseInt(seqText, 10, 64)
	return seq, err == nil
}

// lookupEvents answers a query from the record, newest first. calls must be in arrival order;
// visibleBefore hides calls that ended later (CloudTrail's delivery delay).
func lookupEvents(calls []Call, query lookupQuery, visibleBefore time.Time) lookupResponse {
	response := lookupResponse{Events: []lookupEvent{}}
	if query.insights {
		return response
	}
	for i := len(calls) - 1; i >= 0; i-- {
		call := calls[i]
		if query.afterSeq > 0 && call.Seq >= query.afterSeq {
			continue
		}
		eventTime := call.Start.Truncate(time.Second)
		if !call.Management || call.End.After(visibleBefore) ||
			eventTime.Before(query.start.Truncate(time.Second)) || eventTime.After(query.end) || !query.match(call) {
			continue
		}
		if len(response.Events) == query.maxResults {
			response.NextToken = encodeNextToken(response.lastSeq, query.fingerprint)
			break
		}
		response.Events = append(response.Events, toLookupEvent(call))
		response.lastSeq = call.Seq
	}
	return response
}

func toLookupEvent(call Call) lookupEvent {
	detail := []byte(call.ServiceEvent)
	if call.ServiceEvent == nil {
		detail, _ = json.Marshal(toCloudTrailEvent(call))
	}
	resources := []lookupResource{}
	for _, r := range call.Resources {
		name := r.ARN
		if name == "" {
			name = r.Name
		}
		resources = append(resources, lookupResource{ResourceType: r.Type, ResourceName: name})
	}
	return lookupEvent{
		EventId:         call.EventID,
		EventName:       call.Operation,
		ReadOnly:        strconv.FormatBool(call.ReadOnly),
		AccessKeyId:     call.AccessKeyID,
		EventTime:       float64(call.Start.Truncate(time.Second).Unix()),
		EventSource:     eventSource(call.Service),
		Username:        call.Identity.UserName,
		Resources:       resources,
		CloudTrailEvent: string(detail),
	}
}
