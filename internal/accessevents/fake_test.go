package accessevents

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudtrail"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudtrail/types"
)

// fakeCloudTrail answers LookupEvents from per-resource event lists (newest first), in pages of
// MaxResults, and records when each call came. failures answers calls by their 1-based number.
type fakeCloudTrail struct {
	mu       sync.Mutex
	events   map[string][]types.Event
	failures map[int]error
	calls    []fakeCall
}

type fakeCall struct {
	at           time.Time
	key          types.LookupAttributeKey
	resourceName string // the lookup attribute's value
	nextToken    string
}

// byEventName is what CloudTrail answers a lookup by event name: that event on every resource,
// newest first, each listing the resources it was recorded under.
func (f *fakeCloudTrail) byEventName(name string) []types.Event {
	byID := map[string]*types.Event{}
	var events []*types.Event
	for _, resource := range slices.Sorted(maps.Keys(f.events)) {
		for _, event := range f.events[resource] {
			if aws.ToString(event.EventName) != name {
				continue
			}
			e, ok := byID[aws.ToString(event.EventId)]
			if !ok {
				copied := event
				e = &copied
				byID[aws.ToString(event.EventId)], events = e, append(events, e)
			}
			e.Resources = append(e.Resources, types.Resource{ResourceName: aws.String(resource)})
		}
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].EventTime.After(*events[j].EventTime) })
	out := make([]types.Event, len(events))
	for i, e := range events {
		out[i] = *e
	}
	return out
}

func (f *fakeCloudTrail) LookupEvents(_ context.Context, params *cloudtrail.LookupEventsInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.LookupEventsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(params.LookupAttributes) != 1 {
		return nil, fmt.Errorf("fake: want exactly one lookup attribute, got %+v", params.LookupAttributes)
	}
	key, name := params.LookupAttributes[0].AttributeKey, aws.ToString(params.LookupAttributes[0].AttributeValue)
	var matching []types.Event
	switch key {
	case types.LookupAttributeKeyResourceName:
		matching = f.events[name]
	case types.LookupAttributeKeyEventName:
		matching = f.byEventName(name)
	default:
		return nil, fmt.Errorf("fake: lookup attribute %s not supported", key)
	}
	f.calls = append(f.calls, fakeCall{at: time.Now(), key: key, resourceName: name, nextToken: aws.ToString(params.NextToken)})
	if err := f.failures[len(f.calls)]; err != nil {
		return nil, err
	}
	var window []types.Event
	for _, event := range matching {
		if !event.EventTime.Before(params.StartTime.Truncate(time.Second)) && !event.EventTime.After(*params.EndTime) {
			window = append(window, event)
		}
	}
	offset := 0
	if params.NextToken != nil {
		offset, _ = strconv.Atoi(*params.NextToken)
	}
	size := int(aws.ToInt32(params.MaxResults))
	if size == 0 || size > 50 {
		return nil, fmt.Errorf("fake: MaxResults %d out of 1..50", size)
	}
	end := min(offset+size, len(window))
	out := &cloudtrail.LookupEventsOutput{Events: window[offset:end]}
	if end < len(window) {
		out.NextToken = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

func (f *fakeCloudTrail) callTimes() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	var times []time.Time
	for _, c := range f.calls {
		times = append(times, c.at)
	}
	return times
}

// testEvent is a CloudTrail event as LookupEvents returns it, with its record JSON.
func testEvent(id, name string, at time.Time, principalARN, sourceIP string) types.Event {
	record := map[string]any{
		"eventVersion": "1.08",
		"userIdentity": map[string]any{
			"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": principalARN,
			"accountId": "123456789012", "accessKeyId": "AKIA" + id, "userName": "user-" + id,
		},
		"eventTime":       at.UTC().Format(time.RFC3339),
		"eventSource":     "secretsmanager.amazonaws.com",
		"eventName":       name,
		"awsRegion":       "us-east-1",
		"sourceIPAddress": sourceIP,
		"userAgent":       "agent/" + id,
		"requestID":       "req-" + id,
		"eventID":         id,
		"readOnly":        true,
		"eventType":       "AwsApiCall",
	}
	encoded, _ := json.Marshal(record)
	return types.Event{
		EventId:         aws.String(id),
		EventName:       aws.String(name),
		EventSource:     aws.String("secretsmanager.amazonaws.com"),
		EventTime:       aws.Time(at.Truncate(time.Second)),
		ReadOnly:        aws.String("true"),
		AccessKeyId:     aws.String("AKIA" + id),
		Username:        aws.String("user-" + id),
		CloudTrailEvent: aws.String(string(encoded)),
	}
}

// testEvents makes n GetSecretValue events one second apart, newest (now) first, with ids e-0000,
// e-0001...
func testEvents(n int, now time.Time) []types.Event {
	events := make([]types.Event, n)
	for i := range events {
		events[i] = testEvent(fmt.Sprintf("e-%04d", i), "GetSecretValue", now.Add(-time.Duration(i)*time.Second),
			"arn:aws:iam::123456789012:user/reader", "10.0.0.1")
	}
	return events
}
