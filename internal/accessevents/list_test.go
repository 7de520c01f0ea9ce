package accessevents

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	"golang.org/x/time/rate"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudtrail/types"
)

const (
	testARN  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-db-AbCdEf"
	testName = "app-db"
)

// fastOptions keeps the pacing logic but not its waiting, for tests that are not about time.
func fastOptions() Options {
	return Options{Limiter: rate.NewLimiter(rate.Inf, 1), Backoff: func(int) time.Duration { return time.Millisecond }, MaxAttempts: 4}
}

func testQuery(now time.Time, maxEvents int) Query {
	return Query{SecretARN: testARN, Start: now.Add(-24 * time.Hour), End: now, MaxEvents: maxEvents}
}

func eventIDs(events []Event) []string {
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.EventID
	}
	return ids
}

func TestListPagesAcrossPageBoundaries(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	fake := &fakeCloudTrail{events: map[string][]types.Event{testARN: testEvents(130, now)}}
	result, err := List(context.Background(), fake, testQuery(now, 130), fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(result.Events) != 130 || result.Truncated {
		t.Fatalf("got %d events, truncated %v; want all 130, not truncated", len(result.Events), result.Truncated)
	}
	for i := 1; i < len(result.Events); i++ {
		if result.Events[i].EventTime.After(result.Events[i-1].EventTime) {
			t.Fatalf("event %d (%s) is newer than event %d: want newest first", i, result.Events[i].EventTime, i-1)
		}
	}
	if result.Requests != 3 {
		t.Errorf("made %d requests, want 3 pages of at most 50", result.Requests)
	}
	if fake.calls[1].nextToken != "50" || fake.calls[2].nextToken != "100" {
		t.Errorf("did not follow NextToken: %+v", fake.calls)
	}
}

func TestListStopsAtMaxEvents(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	fake := &fakeCloudTrail{events: map[string][]types.Event{testARN: testEvents(500, now)}}
	result, err := List(context.Background(), fake, testQuery(now, 60), fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(result.Events) != 60 || !result.Truncated {
		t.Fatalf("got %d events, truncated %v; want 60, truncated", len(result.Events), result.Truncated)
	}
	if result.Requests != 2 {
		t.Errorf("made %d requests for 60 events, want 2: it must stop as soon as it has max_events", result.Requests)
	}
	if result.Events[0].EventID != "e-0000" || result.Events[59].EventID != "e-0059" {
		t.Errorf("want the 60 newest events, got %s..%s", result.Events[0].EventID, result.Events[59].EventID)
	}
}

func TestListExactlyMaxEventsIsNotTruncated(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	fake := &fakeCloudTrail{events: map[string][]types.Event{testARN: testEvents(30, now)}}
	result, err := List(context.Background(), fake, testQuery(now, 30), fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(result.Events) != 30 || result.Truncated {
		t.Fatalf("got %d events, truncated %v; want 30, not truncated", len(result.Events), result.Truncated)
	}
}

func TestListFiltersEventNamesClientSide(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	var events []types.Event
	names := []string{"GetSecretValue", "DescribeSecret", "PutSecretValue"}
	for i := range 90 {
		events = append(events, testEvent(fmt.Sprintf("e-%d", i), names[i%3], now.Add(-time.Duration(i)*time.Second), "arn:aws:iam::123456789012:user/u", "10.0.0.2"))
	}
	fake := &fakeCloudTrail{events: map[string][]types.Event{testARN: events}}
	query := testQuery(now, 100)
	query.EventNames = []string{"PutSecretValue", "DescribeSecret"}
	result, err := List(context.Background(), fake, query, fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(result.Events) != 60 {
		t.Fatalf("got %d events, want the 60 DescribeSecret and PutSecretValue ones", len(result.Events))
	}
	for _, e := range result.Events {
		if e.EventName == "GetSecretValue" {
			t.Fatalf("event %s should have been filtered out", e.EventID)
		}
	}
}

func TestListMergesARNAndNameLookups(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	byARN := []types.Event{
		testEvent("a1", "GetSecretValue", now, "arn:aws:iam::123456789012:user/u", "10.0.0.1"),
		testEvent("both", "GetSecretValue", now.Add(-2*time.Second), "arn:aws:iam::123456789012:user/u", "10.0.0.1"),
		testEvent("a3", "GetSecretValue", now.Add(-4*time.Second), "arn:aws:iam::123456789012:user/u", "10.0.0.1"),
	}
	byName := []types.Event{
		testEvent("n1", "GetSecretValue", now.Add(-time.Second), "arn:aws:iam::123456789012:user/v", "10.0.0.9"),
		testEvent("both", "GetSecretValue", now.Add(-2*time.Second), "arn:aws:iam::123456789012:user/u", "10.0.0.1"),
		testEvent("n3", "GetSecretValue", now.Add(-5*time.Second), "arn:aws:iam::123456789012:user/v", "10.0.0.9"),
	}
	fake := &fakeCloudTrail{events: map[string][]types.Event{testARN: byARN, testName: byName}}
	query := testQuery(now, 50)
	query.SecretName = testName
	result, err := List(context.Background(), fake, query, fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(eventIDs(result.Events), ","), "a1,n1,both,a3,n3"; got != want {
		t.Fatalf("events %s, want %s: merged newest first, each once", got, want)
	}
}

// A CloudTrail that records events under both the ARN and the name answers both lookups alike:
// after the first pages show it, only one is followed, so the budget is not spent twice.
func TestListFollowsOneOfTwoLookupsThatAgree(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	events := testEvents(300, now)
	for _, name := range []string{testARN, testName} {
		t.Run("superset by "+name, func(t *testing.T) {
			other := testName
			if name == testName {
				other = testARN
			}
			// The other lookup lists every second event of this one.
			var fewer []types.Event
			for i, event := range events {
				if i%2 == 0 {
					fewer = append(fewer, event)
				}
			}
			fake := &fakeCloudTrail{events: map[string][]types.Event{name: events, other: fewer}}
			query := testQuery(now, 300)
			query.SecretName = testName
			result, err := List(context.Background(), fake, query, fastOptions())
			if err != nil {
				t.Fatal(err)
			}
			if len(result.Events) != 300 || result.Requests != 7 {
				t.Fatalf("got %d events with %d requests, want 300 with 6 pages of the fuller lookup and 1 of the other", len(result.Events), result.Requests)
			}
		})
	}
}

// Within one second, the order CloudTrail gives the events both lookups list is kept, even when
// the name's lookup has a newer event of that second than the ARN's.
func TestListMergeKeepsOrderWithinASecond(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	event := func(id string) types.Event {
		return testEvent(id, "GetSecretValue", now, "arn:aws:iam::123456789012:user/u", "10.0.0.1")
	}
	fake := &fakeCloudTrail{events: map[string][]types.Event{
		testARN:  {event("3"), event("2")},
		testName: {event("4"), event("3"), event("2"), event("1")},
	}}
	query := testQuery(now, 50)
	query.SecretName = testName
	result, err := List(context.Background(), fake, query, fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(eventIDs(result.Events), ","), "4,3,2,1"; got != want {
		t.Fatalf("events %s, want %s", got, want)
	}
}

func TestListRetriesThrottlingWithBackoff(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	throttled := &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
	fake := &fakeCloudTrail{
		events:   map[string][]types.Event{testARN: testEvents(120, now)},
		failures: map[int]error{2: throttled, 3: throttled, 5: throttled},
	}
	var backoffs []int
	options := fastOptions()
	options.Backoff = func(retry int) time.Duration { backoffs = append(backoffs, retry); return time.Millisecond }
	result, err := List(context.Background(), fake, testQuery(now, 120), options)
	if err != nil {
		t.Fatal(err)
	}
	if len(result.Events) != 120 {
		t.Fatalf("got %d events after throttling, want all 120", len(result.Events))
	}
	if result.Requests != 6 {
		t.Errorf("made %d requests, want 3 pages + 3 retries", result.Requests)
	}
	if got := len(backoffs); got != 3 || backoffs[0] != 1 || backoffs[1] != 2 || backoffs[2] != 1 {
		t.Errorf("backoff calls %v, want [1 2 1]: growing per page, reset after success", backoffs)
	}
}

func TestListGivesUpAfterMaxAttempts(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	throttled := &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
	fake := &fakeCloudTrail{events: map[string][]types.Event{testARN: testEvents(10, now)},
		failures: map[int]error{1: throttled, 2: throttled, 3: throttled, 4: throttled}}
	_, err := List(context.Background(), fake, testQuery(now, 10), fastOptions())
	if err == nil || !strings.Contains(err.Error(), "after 4 attempts") || !strings.Contains(err.Error(), testARN) {
		t.Fatalf("error %v, want one naming the secret and the 4 attempts", err)
	}
}

func TestListDoesNotRetryAccessDenied(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	fake := &fakeCloudTrail{failures: map[int]error{1: &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "no"}}}
	_, err := List(context.Background(), fake, testQuery(now, 10), fastOptions())
	if err == nil || !strings.Contains(err.Error(), "cloudtrail:LookupEvents") {
		t.Fatalf("error %v, want access denied naming the permission", err)
	}
	if len(fake.calls) != 1 {
		t.Errorf("made %d calls, want 1: access denied is not retried", len(fake.calls))
	}
}

func TestListStopsWhenCanceledDuringBackoff(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	fake := &fakeCloudTrail{failures: map[int]error{1: &smithy.GenericAPIError{Code: "ThrottlingException"}}}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	options := fastOptions()
	options.Backoff = func(int) time.Duration { return time.Hour }
	start := time.Now()
	_, err := List(ctx, fake, testQuery(now, 10), options)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("error %v after %s, want the deadline, promptly", err, time.Since(start))
	}
}

// The limiter paces every call, retries included: never more than 2 in any one-second window.
func TestListKeepsToTwoRequestsPerSecond(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	fake := &fakeCloudTrail{
		events:   map[string][]types.Event{testARN: testEvents(200, now)},
		failures: map[int]error{2: &smithy.GenericAPIError{Code: "ThrottlingException"}},
	}
	options := Options{Limiter: NewLimiter(), Backoff: func(int) time.Duration { return 0 }, MaxAttempts: 4}
	if _, err := List(context.Background(), fake, testQuery(now, 200), options); err != nil {
		t.Fatal(err)
	}
	times := fake.callTimes()
	if len(times) != 5 {
		t.Fatalf("made %d calls, want 4 pages and 1 retry", len(times))
	}
	if peak := peakPerSecond(times); peak > 2 {
		t.Fatalf("peak of %d requests in one second, want at most 2", peak)
	}
}

// peakPerSecond is the most calls that started within any one-second window [t, t+1s).
func peakPerSecond(times []time.Time) int {
	sorted := slices.SortedFunc(slices.Values(times), time.Time.Compare)
	peak := 0
	for i, start := range sorted {
		j := i
		for j < len(sorted) && sorted[j].Sub(start) < time.Second {
			j++
		}
		peak = max(peak, j-i)
	}
	return peak
}

func TestExponentialBackoff(t *testing.T) {
	backoff := ExponentialBackoff(time.Second, 20*time.Second)
	for retry, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 6: 20 * time.Second, 60: 20 * time.Second} {
		for range 20 {
			if got := backoff(retry); got < want/2 || got > want {
				t.Fatalf("retry %d waited %s, want between %s and %s", retry, got, want/2, want)
			}
		}
	}
}

// A rare event on a busy secret: looked up by event name, the listing reads one page, not the 400
// pages of 20,000 reads a lookup by the secret would, and keeps only this secret's event.
func TestListLooksUpRareEventsByName(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	const otherARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:other-XyZ123"
	reads := testEvents(20000, now)
	deletion := testEvent("d-ours", "DeleteSecret", now.Add(-90*time.Minute), "arn:aws:iam::123456789012:user/mallory", "203.0.113.9")
	fake := &fakeCloudTrail{events: map[string][]types.Event{
		testARN:  append(reads, deletion),
		otherARN: {testEvent("d-other", "DeleteSecret", now.Add(-time.Minute), "arn:aws:iam::123456789012:user/ops", "10.0.0.3")},
	}}
	query := testQuery(now, 50)
	query.EventNames = []string{"DeleteSecret"}
	result, err := List(context.Background(), fake, query, fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	if ids := eventIDs(result.Events); len(ids) != 1 || ids[0] != "d-ours" || result.Truncated {
		t.Fatalf("listed %v (truncated %v), want only this secret's deletion d-ours", ids, result.Truncated)
	}
	if result.Requests != 1 || fake.calls[0].key != types.LookupAttributeKeyEventName || fake.calls[0].resourceName != "DeleteSecret" {
		t.Errorf("made %d requests (%+v), want one lookup by EventName DeleteSecret", result.Requests, fake.calls)
	}
}

// Reads are looked up by the secret: a lookup by GetSecretValue would page through every secret's
// reads in the account.
func TestListLooksUpReadsBySecret(t *testing.T) {
	for _, names := range [][]string{{"GetSecretValue"}, {"DeleteSecret", "BatchGetSecretValue"}, {"DescribeSecret"}, nil} {
		if ServerSideNames(names) {
			t.Errorf("ServerSideNames(%q) = true, want a lookup by the secret", names)
		}
	}
	for _, names := range [][]string{{"DeleteSecret"}, {"RotationFailed", "RotationAbandoned"}, {"PutResourcePolicy", "RestoreSecret"}} {
		if !ServerSideNames(names) {
			t.Errorf("ServerSideNames(%q) = false, want a lookup by event name", names)
		}
	}
}

// The page budget stops a listing that finds nothing: truncated, out of pages, no error.
func TestListStopsAtPageBudget(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	var describes []types.Event
	for i := range 5000 {
		describes = append(describes, testEvent(fmt.Sprintf("x-%d", i), "DescribeSecret", now.Add(-time.Duration(i)*time.Second), "arn:aws:iam::123456789012:user/scanner", "10.0.0.4"))
	}
	fake := &fakeCloudTrail{events: map[string][]types.Event{testARN: describes}}
	query := testQuery(now, 50)
	query.EventNames, query.MaxPages = []string{"GetSecretValue"}, 20
	result, err := List(context.Background(), fake, query, fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(result.Events) != 0 || !result.Truncated || !result.OutOfPages || result.Pages != 20 || len(fake.calls) != 20 {
		t.Fatalf("got %d events, truncated %v, out of pages %v, %d pages, %d calls; want 0 events, truncated and out of pages after 20 pages",
			len(result.Events), result.Truncated, result.OutOfPages, result.Pages, len(fake.calls))
	}
	// Enough pages: the same listing is complete and not out of pages.
	query.MaxPages = 100
	result, err = List(context.Background(), &fakeCloudTrail{events: fake.events}, query, fastOptions())
	if err != nil || result.Truncated || result.OutOfPages || result.Pages != 100 {
		t.Fatalf("with 100 pages: %+v, %v; want all 100 pages read, not truncated", result, err)
	}
}

// Throttled attempts do not spend the page budget; the default budget covers max events through
// both lookups and 20 pages more.
func TestListPageBudgetCountsPages(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	throttled := &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
	fake := &fakeCloudTrail{events: map[string][]types.Event{testARN: testEvents(100, now)}, failures: map[int]error{1: throttled, 2: throttled}}
	query := testQuery(now, 100)
	query.MaxPages = 2
	result, err := List(context.Background(), fake, query, fastOptions())
	if err != nil || len(result.Events) != 100 || result.OutOfPages || result.Requests != 4 || result.Pages != 2 {
		t.Fatalf("got %+v, %v; want 100 events in 2 pages after 2 throttled attempts", result, err)
	}
	if got := DefaultMaxPages(50); got != 22 {
		t.Errorf("DefaultMaxPages(50) = %d, want 22", got)
	}
	if got := DefaultMaxPages(1000); got != 60 {
		t.Errorf("DefaultMaxPages(1000) = %d, want 60", got)
	}
}
