package awsproxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/smithy-go"
)

// addCall puts a synthetic completed call in the record.
func addCall(p *Proxy, call Call) Call {
	p.mu.Lock()
	p.seq++
	call.Seq = p.seq
	p.mu.Unlock()
	if call.EventID == "" {
		call.EventID = fmt.Sprintf("event-%d", call.Seq)
	}
	if call.End.IsZero() {
		call.End = call.Start.Add(10 * time.Millisecond)
	}
	if call.Region == "" {
		call.Region = "us-east-1"
	}
	if call.Identity.Type == "" {
		call.Identity = p.ids.root()
	}
	call.ReadOnly = isReadOnly(call.Service, call.Operation)
	call.Management = isManagement(call.Service, call.Operation)
	p.finish(&call)
	return call
}

func lookupClient(p *Proxy) *cloudtrail.Client {
	cfg := sdkConfig("test")
	cfg.BaseEndpoint = aws.String(p.URL())
	return cloudtrail.NewFromConfig(cfg)
}

// lookupProxy is a proxy on a fake clock whose LookupEvents limit never gets in the way unless
// the test wants it: each lookup advances the clock by a second.
func lookupProxy(t *testing.T) (*Proxy, *fakeClock) {
	clock := newFakeClock()
	upstream := newFakeUpstream(t)
	return startProxy(t, Options{Upstream: upstream.server.URL, DisableEventBridge: true, Now: clock.Now}), clock
}

func lookup(t *testing.T, p *Proxy, clock *fakeClock, input *cloudtrail.LookupEventsInput) []cttypes.Event {
	t.Helper()
	var events []cttypes.Event
	paginator := cloudtrail.NewLookupEventsPaginator(lookupClient(p), input)
	for paginator.HasMorePages() {
		clock.Advance(time.Second)
		page, err := paginator.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, page.Events...)
	}
	return events
}

// names lists the events' ids, leaving out the test's own LookupEvents calls (which CloudTrail
// records too).
func names(events []cttypes.Event) []string {
	var out []string
	for _, e := range events {
		if aws.ToString(e.EventName) == "LookupEvents" {
			continue
		}
		out = append(out, aws.ToString(e.EventId))
	}
	return out
}

func TestLookupEventsNewestFirstWithPaging(t *testing.T) {
	p, clock := lookupProxy(t)
	base := clock.Now().Add(-time.Hour)
	var want []string
	for i := range 7 {
		call := addCall(p, Call{Service: "secretsmanager", Operation: "GetSecretValue", Start: base.Add(time.Duration(i) * time.Second), AccessKeyID: "test"})
		want = append([]string{call.EventID}, want...)
	}
	// A data event is recorded but not listed.
	addCall(p, Call{Service: "lambda", Operation: "Invoke", Start: base.Add(time.Minute)})

	clock.Advance(time.Second)
	first, err := lookupClient(p).LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(3)})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Events) != 3 || first.NextToken == nil {
		t.Fatalf("first page: %d events, token %v; want 3 and a token", len(first.Events), first.NextToken)
	}
	got := lookup(t, p, clock, &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(3)})
	if !slices.Equal(names(got), want) {
		t.Fatalf("events %v, want newest first %v", names(got), want)
	}
	if got := lookup(t, p, clock, &cloudtrail.LookupEventsInput{}); len(names(got)) != 7 {
		t.Fatalf("default page size: %d events, want 7", len(names(got)))
	}
}

func TestLookupEventsAttributes(t *testing.T) {
	p, clock := lookupProxy(t)
	start := clock.Now().Add(-time.Minute)
	secretARN := "arn:aws:secretsmanager:us-east-1:000000000000:secret:db-AbCdEf"
	get := addCall(p, Call{Service: "secretsmanager", Operation: "GetSecretValue", Start: start, AccessKeyID: "AKIAREADER",
		Identity:  Identity{Type: "IAMUser", UserName: "reader", ARN: "arn:aws:iam::000000000000:user/reader", AccountID: "000000000000"},
		Resources: []Resource{{Type: "AWS::SecretsManager::Secret", Name: "db", ARN: secretARN}}})
	del := addCall(p, Call{Service: "secretsmanager", Operation: "DeleteSecret", Start: start.Add(time.Second), AccessKeyID: "test",
		Resources: []Resource{{Type: "AWS::SecretsManager::Secret", Name: "db", ARN: secretARN}}})
	role := addCall(p, Call{Service: "iam", Operation: "CreateRole", Start: start.Add(2 * time.Second), AccessKeyID: "test",
		Resources: []Resource{{Type: "AWS::IAM::Role", Name: "rotator"}}})

	tests := []struct {
		key, value string
		want       []string
	}{
		{"EventId", del.EventID, []string{del.EventID}},
		{"EventName", "GetSecretValue", []string{get.EventID}},
		{"ReadOnly", "false", []string{role.EventID, del.EventID}},
		{"ReadOnly", "true", []string{get.EventID}},
		{"Username", "reader", []string{get.EventID}},
		{"Username", "root", []string{role.EventID, del.EventID}},
		{"ResourceType", "AWS::IAM::Role", []string{role.EventID}},
		{"ResourceName", secretARN, []string{del.EventID, get.EventID}},
		{"ResourceName", "db", []string{del.EventID, get.EventID}},
		{"EventSource", "iam.amazonaws.com", []string{role.EventID}},
		{"AccessKeyId", "AKIAREADER", []string{get.EventID}},
	}
	for _, test := range tests {
		t.Run(test.key+"="+test.value, func(t *testing.T) {
			got := lookup(t, p, clock, &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
				{AttributeKey: cttypes.LookupAttributeKey(test.key), AttributeValue: aws.String(test.value)},
			}})
			if !slices.Equal(names(got), test.want) {
				t.Errorf("events %v, want %v", names(got), test.want)
			}
		})
	}

	got := lookup(t, p, clock, &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
		{AttributeKey: cttypes.LookupAttributeKeyEventId, AttributeValue: aws.String(get.EventID)},
	}})
	event := got[0]
	if aws.ToString(event.Username) != "reader" || aws.ToString(event.AccessKeyId) != "AKIAREADER" ||
		aws.ToString(event.EventSource) != "secretsmanager.amazonaws.com" || aws.ToString(event.ReadOnly) != "true" ||
		!event.EventTime.Equal(start.Truncate(time.Second)) {
		t.Errorf("event fields %+v", event)
	}
	if len(event.Resources) != 1 || aws.ToString(event.Resources[0].ResourceName) != secretARN ||
		aws.ToString(event.Resources[0].ResourceType) != "AWS::SecretsManager::Secret" {
		t.Errorf("resources %+v, want the secret's ARN", event.Resources)
	}
	var detail map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(event.CloudTrailEvent)), &detail); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"userIdentity", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress",
		"userAgent", "requestParameters", "responseElements", "requestID", "eventID", "readOnly", "eventType",
		"managementEvent", "recipientAccountId"} {
		if _, ok := detail[field]; !ok {
			t.Errorf("CloudTrailEvent lacks %s: %v", field, detail)
		}
	}
	identity, _ := detail["userIdentity"].(map[string]any)
	if identity["type"] != "IAMUser" || identity["accessKeyId"] != "AKIAREADER" || identity["arn"] != "arn:aws:iam::000000000000:user/reader" {
		t.Errorf("userIdentity %v", identity)
	}
}

func TestLookupEventsTimeWindowAndVisibility(t *testing.T) {
	clock := newFakeClock()
	upstream := newFakeUpstream(t)
	p := startProxy(t, Options{Upstream: upstream.server.URL, DisableEventBridge: true, Now: clock.Now, EventVisibilityDelay: 5 * time.Minute})
	now := clock.Now()
	old := addCall(p, Call{Service: "secretsmanager", Operation: "DeleteSecret", Start: now.Add(-time.Hour)})
	middle := addCall(p, Call{Service: "secretsmanager", Operation: "DeleteSecret", Start: now.Add(-30 * time.Minute)})
	recent := addCall(p, Call{Service: "secretsmanager", Operation: "DeleteSecret", Start: now.Add(-time.Minute)})

	got := lookup(t, p, clock, &cloudtrail.LookupEventsInput{StartTime: aws.Time(now.Add(-45 * time.Minute)), EndTime: aws.Time(now)})
	if !slices.Equal(names(got), []string{middle.EventID}) {
		t.Errorf("window [-45m, now] with a 5m delivery delay: %v, want only %s", names(got), middle.EventID)
	}
	got = lookup(t, p, clock, &cloudtrail.LookupEventsInput{EndTime: aws.Time(now.Add(-50 * time.Minute))})
	if !slices.Equal(names(got), []string{old.EventID}) {
		t.Errorf("end -50m: %v, want %s", names(got), old.EventID)
	}
	clock.Advance(5 * time.Minute)
	got = lookup(t, p, clock, &cloudtrail.LookupEventsInput{})
	if !slices.Equal(names(got), []string{recent.EventID, middle.EventID, old.EventID}) {
		t.Errorf("after the delay: %v, want all three", names(got))
	}
}

func TestLookupEventsInvalidRequests(t *testing.T) {
	p, clock := lookupProxy(t)
	tests := []struct {
		name  string
		input cloudtrail.LookupEventsInput
		code  string
	}{
		{"two attributes", cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
			{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("A")},
			{AttributeKey: cttypes.LookupAttributeKeyUsername, AttributeValue: aws.String("B")},
		}}, "InvalidLookupAttributesException"},
		{"unknown attribute", cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
			{AttributeKey: "Color", AttributeValue: aws.String("A")},
		}}, "InvalidLookupAttributesException"},
		{"too many results", cloudtrail.LookupEventsInput{MaxResults: aws.Int32(51)}, "InvalidMaxResultsException"},
		{"bad token", cloudtrail.LookupEventsInput{NextToken: aws.String("bm90IGEgdG9rZW4")}, "InvalidNextTokenException"},
		{"start after end", cloudtrail.LookupEventsInput{StartTime: aws.Time(clock.Now()), EndTime: aws.Time(clock.Now().Add(-time.Hour))}, "InvalidTimeRangeException"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			clock.Advance(time.Second)
			_, err := lookupClient(p).LookupEvents(context.Background(), &test.input)
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != test.code {
				t.Errorf("error %v, want %s", err, test.code)
			}
		})
	}

	// A token only works for the query it came from.
	addCall(p, Call{Service: "secretsmanager", Operation: "DeleteSecret", Start: clock.Now().Add(-time.Minute)})
	addCall(p, Call{Service: "secretsmanager", Operation: "DeleteSecret", Start: clock.Now().Add(-time.Minute)})
	clock.Advance(time.Second)
	page, err := lookupClient(p).LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(1)})
	if err != nil || page.NextToken == nil {
		t.Fatalf("first page: %v, token %v", err, page)
	}
	clock.Advance(time.Second)
	_, err = lookupClient(p).LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(1), NextToken: page.NextToken,
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("DeleteSecret")}}})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidNextTokenException" {
		t.Errorf("token reused with other attributes: %v, want InvalidNextTokenException", err)
	}
}

func TestLookupEventsLimitIsTwoPerSecond(t *testing.T) {
	p, clock := lookupProxy(t)
	client := lookupClient(p)
	call := func() error {
		_, err := client.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{})
		return err
	}
	if err := call(); err != nil {
		t.Fatal(err)
	}
	if err := call(); err != nil {
		t.Fatal(err)
	}
	err := call()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ThrottlingException" {
		t.Fatalf("third call within a second: %v, want ThrottlingException", err)
	}
	clock.Advance(500 * time.Millisecond)
	if err := call(); err != nil {
		t.Fatalf("after half a second one more call is allowed: %v", err)
	}
	if err := call(); err == nil {
		t.Fatal("a second call within that half second was allowed")
	}
	// Throttled lookups are recorded too, so tests can check the rate a consumer keeps.
	counts := map[string]int{}
	for _, c := range p.Calls() {
		counts[c.ErrorCode]++
	}
	if counts[""] != 3 || counts["ThrottlingException"] != 2 {
		t.Fatalf("recorded lookups by error: %v, want 3 ok and 2 throttled", counts)
	}
}

func TestOtherCloudTrailOperationsAreRefused(t *testing.T) {
	p, _ := lookupProxy(t)
	_, err := lookupClient(p).CreateTrail(context.Background(), &cloudtrail.CreateTrailInput{Name: aws.String("t"), S3BucketName: aws.String("b")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "UnsupportedOperationException" {
		t.Fatalf("CreateTrail: %v, want UnsupportedOperationException", err)
	}
}

func TestFaultRulesApplyToLookupEvents(t *testing.T) {
	p, clock := lookupProxy(t)
	if _, err := p.AddFault(Rule{Kind: FaultError, Operation: "cloudtrail:LookupEvents", ErrorCode: "InvalidLookupAttributesException", Times: 1}); err != nil {
		t.Fatal(err)
	}
	addCall(p, Call{Service: "secretsmanager", Operation: "DeleteSecret", Start: clock.Now().Add(-time.Minute)})
	client := lookupClient(p)
	clock.Advance(time.Second)
	_, err := client.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidLookupAttributesException" {
		t.Fatalf("first LookupEvents: error %v, want the injected InvalidLookupAttributesException", err)
	}
	if got := names(lookup(t, p, clock, &cloudtrail.LookupEventsInput{})); len(got) != 1 {
		t.Errorf("after the rule's one time, LookupEvents listed %v, want the one DeleteSecret", got)
	}
}

// An assumed role's event names its role in sessionContext.sessionIssuer, as CloudTrail records
// it: with the path the proxy knows, or the role's name without one. A user's event has none.
func TestCloudTrailSessionIssuer(t *testing.T) {
	session := Identity{Type: "AssumedRole", PrincipalID: "AROAAPP:i-1", ARN: "arn:aws:sts::000000000000:assumed-role/app/i-1", AccountID: "000000000000", UserName: "i-1"}
	got := toCloudTrailEvent(Call{Identity: session}).UserIdentity.SessionContext
	if got == nil || got.SessionIssuer != (cloudTrailSessionIssuer{Type: "Role", PrincipalID: "AROAAPP", ARN: "arn:aws:iam::000000000000:role/app", AccountID: "000000000000", UserName: "app"}) {
		t.Errorf("session issuer %+v, want role app", got)
	}
	session.IssuerARN = "arn:aws:iam::000000000000:role/team/app"
	if got := toCloudTrailEvent(Call{Identity: session}).UserIdentity.SessionContext; got == nil || got.SessionIssuer.ARN != session.IssuerARN {
		t.Errorf("session issuer %+v, want the role's path kept", got)
	}
	user := Identity{Type: "IAMUser", ARN: "arn:aws:iam::000000000000:user/alice", AccountID: "000000000000", UserName: "alice"}
	if got := toCloudTrailEvent(Call{Identity: user}).UserIdentity.SessionContext; got != nil {
		t.Errorf("a user's event has session context %+v", got)
	}
}
