package accessevents

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	"golang.org/x/time/rate"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudtrail"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudtrail/types"
)

// API is the part of CloudTrail a listing needs.
type API interface {
	LookupEvents(ctx context.Context, params *cloudtrail.LookupEventsInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.LookupEventsOutput, error)
}

// pageSize is the most events LookupEvents returns per call.
const pageSize = 50

// Query says which events to list.
type Query struct {
	// SecretARN is looked up as ResourceName; SecretName too when set, because CloudTrail records
	// some events (such as calls that failed before the secret was resolved) under the name the
	// caller used. When the first pages show one lookup lists all the other does, only it is
	// followed.
	SecretARN  string
	SecretName string
	// EventNames keeps only these events. LookupEvents allows one lookup attribute per call: when
	// every name is a write (ServerSideNames), the lookup is by event name, one cursor per name,
	// and the secret is matched here; otherwise the lookup is by the secret and the names are
	// matched here.
	EventNames []string
	Start, End time.Time
	MaxEvents  int
	// MaxPages bounds the LookupEvents pages read (throttled attempts are bounded by Options);
	// 0 is DefaultMaxPages(MaxEvents).
	MaxPages int
}

// DefaultMaxPages is a listing's page budget when none is given: the pages max events take through
// both of the secret's lookups (ARN and name), and 20 more (1,000 events that do not match, 10
// seconds at CloudTrail's 2 requests per second).
func DefaultMaxPages(maxEvents int) int {
	return 20 + 2*((maxEvents+pageSize-1)/pageSize)
}

// MaxMaxPages is the largest page budget a listing may be given (about 17 minutes).
const MaxMaxPages = 2000

// readEvents are the Secrets Manager events that a busy secret records many times a day: a lookup by
// their name would page through every secret's reads in the account, so they are looked up by the
// secret instead.
var readEvents = []string{"GetSecretValue", "BatchGetSecretValue", "DescribeSecret", "ListSecretVersionIds", "GetResourcePolicy"}

// ServerSideNames tells whether the listing of these events looks them up by event name (rare
// writes, such as DeleteSecret or RotationFailed: CloudTrail returns only them) rather than by the
// secret (whose reads may be thousands a day).
func ServerSideNames(names []string) bool {
	if len(names) == 0 {
		return false
	}
	for _, name := range names {
		if slices.Contains(readEvents, name) {
			return false
		}
	}
	return true
}

// Result is a listing, newest first.
type Result struct {
	Events []Event
	// Truncated is true when MaxEvents or MaxPages stopped the listing while more matching events
	// may exist.
	Truncated bool
	// OutOfPages is true when the page budget (MaxPages) stopped it.
	OutOfPages bool
	// Pages is how many pages were read.
	Pages int
	// Requests is how many LookupEvents calls were made, retries included.
	Requests int
}

// Options are the listing's pacing. The zero value is CloudTrail's: the shared limiter of 2
// requests per second, exponential backoff from 1 s to 20 s, 8 attempts per page.
type Options struct {
	// Limiter paces every LookupEvents call, retries included. Calls for the same account and
	// region must share one (SharedLimiter) for the pacing to mean anything.
	Limiter *rate.Limiter
	// Backoff is the wait before retry n (1, 2, ...) of a throttled or failed call.
	Backoff     func(retry int) time.Duration
	MaxAttempts int
}

func (o Options) withDefaults() Options {
	if o.Limiter == nil {
		o.Limiter = SharedLimiter("")
	}
	if o.Backoff == nil {
		o.Backoff = ExponentialBackoff(time.Second, 20*time.Second)
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = 8
	}
	return o
}

// ExponentialBackoff doubles from base up to limit, with jitter so that concurrent listers that
// were throttled together do not come back together.
func ExponentialBackoff(base, limit time.Duration) func(int) time.Duration {
	return func(retry int) time.Duration {
		d := base << min(retry-1, 30)
		if d > limit || d <= 0 {
			d = limit
		}
		return d/2 + rand.N(d/2+1)
	}
}

// List pages through LookupEvents for the query's secret, newest first, until it has
// MaxEvents matching events or the window is exhausted.
func List(ctx context.Context, api API, query Query, options Options) (*Result, error) {
	options = options.withDefaults()
	if query.MaxEvents <= 0 {
		query.MaxEvents = DefaultMaxEvents
	}
	if query.MaxPages <= 0 {
		query.MaxPages = DefaultMaxPages(query.MaxEvents)
	}
	lister := &lister{api: api, query: query, options: options, result: &Result{}}
	var cursors []*cursor
	if ServerSideNames(query.EventNames) {
		for _, name := range query.EventNames {
			cursors = append(cursors, &cursor{key: types.LookupAttributeKeyEventName, value: name})
		}
	} else {
		cursors = []*cursor{{key: types.LookupAttributeKeyResourceName, value: query.SecretARN}}
		if query.SecretName != "" && query.SecretName != query.SecretARN {
			cursors = append(cursors, &cursor{key: types.LookupAttributeKeyResourceName, value: query.SecretName})
		}
	}
	if len(cursors) == 2 && cursors[0].key == types.LookupAttributeKeyResourceName {
		if _, err := lister.newest(ctx, cursors); err != nil {
			return lister.stopped(err)
		}
		cursors = withoutContained(cursors)
	}
	seen := map[string]bool{}
	for len(lister.result.Events) < query.MaxEvents {
		next, err := lister.newest(ctx, cursors)
		if err != nil {
			return lister.stopped(err)
		}
		if next == nil {
			return lister.result, nil
		}
		event := next.pop()
		if !lister.wanted(event, seen) {
			continue
		}
		seen[event.EventID] = true
		lister.result.Events = append(lister.result.Events, event)
	}
	lister.result.Truncated = lister.moreMayExist(cursors, seen)
	return lister.result, nil
}

// errOutOfPages stops a listing that has spent its page budget.
var errOutOfPages = errors.New("page budget spent")

// stopped ends a listing on err: the page budget's end is a truncated result, anything else
// an error.
func (l *lister) stopped(err error) (*Result, error) {
	if !errors.Is(err, errOutOfPages) {
		return nil, err
	}
	l.result.OutOfPages, l.result.Truncated = true, true
	return l.result, nil
}

type lister struct {
	api     API
	query   Query
	options Options
	result  *Result
}

// cursor walks the pages of one lookup attribute value: the secret (ResourceName) or an event name.
type cursor struct {
	key       types.LookupAttributeKey
	value     string
	buffer    []Event
	nextToken *string
	started   bool
}

func (c *cursor) exhausted() bool { return len(c.buffer) == 0 && c.started && c.nextToken == nil }

func (c *cursor) pop() Event {
	event := c.buffer[0]
	c.buffer = c.buffer[1:]
	return event
}

// newest fills the cursors' buffers as needed and returns the one whose next event is the most
// recent, or nil when all are exhausted. CloudTrail keeps whole seconds, so times often tie; a tie
// goes to the cursor that lists the other's head further down, which keeps CloudTrail's own order
// of the events both list, and otherwise to the earlier cursor (the ARN's).
func (l *lister) newest(ctx context.Context, cursors []*cursor) (*cursor, error) {
	var best *cursor
	for _, c := range cursors {
		for len(c.buffer) == 0 && !c.exhausted() {
			if err := l.fetch(ctx, c); err != nil {
				return nil, err
			}
		}
		if len(c.buffer) == 0 {
			continue
		}
		switch {
		case best == nil:
			best = c
		case c.buffer[0].EventTime.After(best.buffer[0].EventTime):
			best = c
		case c.buffer[0].EventTime.Equal(best.buffer[0].EventTime) && c.listsLater(best.buffer[0].EventID):
			best = c
		}
	}
	return best, nil
}

// withoutContained keeps one of the ARN's and the name's cursors when their first pages show that
// one lookup lists every event the other does: a CloudTrail that records events under both the
// ARN and the name answers both lookups alike, and following both would spend twice the account's
// shared request budget for nothing. Lookups that differ are both kept.
func withoutContained(cursors []*cursor) []*cursor {
	byARN, byName := cursors[0], cursors[1]
	switch {
	case byARN.covers(byName):
		return []*cursor{byARN}
	case byName.covers(byARN):
		return []*cursor{byName}
	}
	return cursors
}

// covers tells whether this cursor's first page lists every event of the other's first page that
// falls within it. Both lookups list events in CloudTrail's one order, so the other's events must
// be found here as a prefix of its page, and what follows the prefix may only be events older than
// this page's last one, on pages not read yet. Event times alone cannot tell: CloudTrail keeps
// whole seconds, and a busy second spans pages.
func (c *cursor) covers(other *cursor) bool {
	if len(c.buffer) == 0 {
		return false
	}
	ids := map[string]bool{}
	for _, event := range c.buffer {
		ids[event.EventID] = true
	}
	prefix := 0
	for prefix < len(other.buffer) && ids[other.buffer[prefix].EventID] {
		prefix++
	}
	rest := other.buffer[prefix:]
	if len(rest) > 0 {
		if c.nextToken == nil || rest[0].EventTime.After(c.buffer[len(c.buffer)-1].EventTime) {
			return false
		}
		for _, event := range rest {
			if ids[event.EventID] {
				return false
			}
		}
	}
	return prefix > 0
}

// listsLater tells whether the event is in the buffer after its head.
func (c *cursor) listsLater(eventID string) bool {
	for _, event := range c.buffer[1:] {
		if event.EventID == eventID {
			return true
		}
	}
	return false
}

func (l *lister) wanted(event Event, seen map[string]bool) bool {
	if event.EventID != "" && seen[event.EventID] {
		return false
	}
	if event.EventTime.Before(l.query.Start.Truncate(time.Second)) || event.EventTime.After(l.query.End) {
		return false
	}
	if ServerSideNames(l.query.EventNames) && !event.names(l.query.SecretARN, l.query.SecretName) {
		return false
	}
	return len(l.query.EventNames) == 0 || slices.Contains(l.query.EventNames, event.EventName)
}

// moreMayExist tells, once MaxEvents is reached, whether a matching event is already buffered or
// pages remain unread.
func (l *lister) moreMayExist(cursors []*cursor, seen map[string]bool) bool {
	for _, c := range cursors {
		if c.nextToken != nil || !c.started {
			return true
		}
		for _, event := range c.buffer {
			if l.wanted(event, seen) {
				return true
			}
		}
	}
	return false
}

// fetch reads the cursor's next page, retrying throttled and transient failures. Every attempt
// waits for the limiter, so retries spend the same 2-per-second budget as first tries.
func (l *lister) fetch(ctx context.Context, c *cursor) error {
	input := &cloudtrail.LookupEventsInput{
		LookupAttributes: []types.LookupAttribute{{AttributeKey: c.key, AttributeValue: aws.String(c.value)}},
		StartTime:        aws.Time(l.query.Start),
		EndTime:          aws.Time(l.query.End),
		MaxResults:       aws.Int32(pageSize),
		NextToken:        c.nextToken,
	}
	for attempt := 1; ; attempt++ {
		if l.result.Pages >= l.query.MaxPages {
			return errOutOfPages
		}
		if err := l.options.Limiter.Wait(ctx); err != nil {
			return fmt.Errorf("listing CloudTrail events for secret %s: stopped while waiting for the LookupEvents rate limit: %w", l.query.SecretARN, err)
		}
		l.result.Requests++
		out, err := l.api.LookupEvents(ctx, input, withoutSDKRetries)
		if err == nil {
			l.result.Pages++
			c.started = true
			c.nextToken = out.NextToken
			if aws.ToString(c.nextToken) == "" {
				c.nextToken = nil
			}
			for _, event := range out.Events {
				c.buffer = append(c.buffer, ParseEvent(event))
			}
			return nil
		}
		if !retryable(err) {
			return describe(err, l.query.SecretARN)
		}
		if attempt >= l.options.MaxAttempts {
			return fmt.Errorf("listing CloudTrail events for secret %s: LookupEvents still failing after %d attempts (CloudTrail allows 2 LookupEvents per second per account and region, shared with every other caller); try again later or lower max_events: %w", l.query.SecretARN, attempt, err)
		}
		timer := time.NewTimer(l.options.Backoff(attempt))
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("listing CloudTrail events for secret %s: stopped while backing off after %v: %w", l.query.SecretARN, err, ctx.Err())
		case <-timer.C:
		}
	}
}

// withoutSDKRetries turns off the SDK's own retries for LookupEvents: they would bypass the
// limiter and spend the account's shared budget faster than 2 per second. fetch retries instead.
func withoutSDKRetries(o *cloudtrail.Options) {
	o.Retryer = aws.NopRetryer{}
}

var throttlingCodes = []string{"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"}

func retryable(err error) bool {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && slices.Contains(throttlingCodes, apiErr.ErrorCode()) {
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary
}

func describe(err error, resourceName string) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "AccessDeniedException", "AccessDenied", "UnauthorizedOperation":
			return fmt.Errorf("listing CloudTrail events for secret %s: access denied; grant the provider's credentials cloudtrail:LookupEvents: %w", resourceName, err)
		case "InvalidTimeRangeException":
			return fmt.Errorf("listing CloudTrail events for secret %s: CloudTrail refused the time window; set start_time before end_time, within the last 90 days: %w", resourceName, err)
		}
	}
	return fmt.Errorf("listing CloudTrail events for secret %s: %w", resourceName, err)
}
