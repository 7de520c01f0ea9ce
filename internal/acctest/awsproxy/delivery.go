package awsproxy

import (
	"context"
	"encoding/json"
	"log"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

const (
	cloudTrailDetailType = "AWS API Call via CloudTrail"
	// maxDetailBytes is EventBridge's entry size limit, with room for the envelope.
	maxDetailBytes = 250 * 1024
	// rulesCacheTTL bounds how stale the "does any rule want read-only events" answer may be.
	rulesCacheTTL  = 2 * time.Second
	putEventsBatch = 10
)

// delivery puts CloudTrail events on the upstream's default event bus, in record order, from one
// goroutine so a slow upstream never slows the calls being proxied. Its own requests go straight
// to the upstream and are therefore never recorded.
type delivery struct {
	upstream   string
	httpClient aws.HTTPClient
	logger     *log.Logger

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []Call
	busy    bool
	closed  bool
	clients map[string]*eventbridge.Client
	rules   map[string]rulesAnswer
	done    chan struct{}

	// failed counts events the upstream did not take; delivery is best effort, as CloudTrail's is.
	failed atomic.Int64
}

type rulesAnswer struct {
	wantsReadOnly bool
	at            time.Time
}

func newDelivery(upstream string, httpClient aws.HTTPClient, logger *log.Logger) *delivery {
	d := &delivery{
		upstream: upstream, httpClient: httpClient, logger: logger,
		clients: map[string]*eventbridge.Client{}, rules: map[string]rulesAnswer{},
		done: make(chan struct{}),
	}
	d.cond = sync.NewCond(&d.mu)
	go d.run()
	return d
}

func (d *delivery) enqueue(call Call) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	d.queue = append(d.queue, call)
	d.cond.Broadcast()
}

// flush waits until every event queued so far has been put (or has failed).
func (d *delivery) flush(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.cond.Broadcast()
	})
	defer stop()
	d.mu.Lock()
	defer d.mu.Unlock()
	for (len(d.queue) > 0 || d.busy) && ctx.Err() == nil {
		d.cond.Wait()
	}
	return ctx.Err()
}

func (d *delivery) close() {
	d.mu.Lock()
	d.closed = true
	d.cond.Broadcast()
	d.mu.Unlock()
	<-d.done
}

func (d *delivery) run() {
	defer close(d.done)
	for {
		d.mu.Lock()
		for len(d.queue) == 0 && !d.closed {
			d.cond.Wait()
		}
		if len(d.queue) == 0 && d.closed {
			d.mu.Unlock()
			return
		}
		batch := d.queue
		d.queue = nil
		d.busy = true
		d.mu.Unlock()

		d.deliver(batch)

		d.mu.Lock()
		d.busy = false
		d.cond.Broadcast()
		d.mu.Unlock()
	}
}

func (d *delivery) client(region string) *eventbridge.Client {
	d.mu.Lock()
	defer d.mu.Unlock()
	client, ok := d.clients[region]
	if !ok {
		client = eventbridge.New(eventbridge.Options{
			Region:       region,
			BaseEndpoint: aws.String(d.upstream),
			HTTPClient:   d.httpClient,
			Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		})
		d.clients[region] = client
	}
	return client
}

// wantsReadOnly tells whether a rule on the region's default bus has the state
// ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS: read-only events are put on the bus only then. On
// AWS only such rules see read-only events; the harness's LocalStack extension
// (secretsbundle_localstack/service_events.py) hands them to no other rule either.
func (d *delivery) wantsReadOnly(ctx context.Context, region string) bool {
	d.mu.Lock()
	cached, ok := d.rules[region]
	d.mu.Unlock()
	if ok && time.Since(cached.at) < rulesCacheTTL {
		return cached.wantsReadOnly
	}
	answer := rulesAnswer{at: time.Now()}
	input := &eventbridge.ListRulesInput{}
	for !answer.wantsReadOnly {
		page, err := d.client(region).ListRules(ctx, input)
		if err != nil {
			d.logger.Printf("eventbridge delivery: listing the rules of the default bus in %s failed, read-only events are not delivered: %v", region, err)
			break
		}
		for _, rule := range page.Rules {
			if rule.State == ebtypes.RuleStateEnabledWithAllCloudtrailManagementEvents {
				answer.wantsReadOnly = true
			}
		}
		if aws.ToString(page.NextToken) == "" {
			break
		}
		input.NextToken = page.NextToken
	}
	d.mu.Lock()
	d.rules[region] = answer
	d.mu.Unlock()
	return answer.wantsReadOnly
}

// forgetRules drops the cached answer of wantsReadOnly for region: a rule was put, deleted,
// enabled or disabled through the proxy, so the next read-only event asks again.
func (d *delivery) forgetRules(region string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.rules, region)
}

func (d *delivery) deliver(batch []Call) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var pending []ebtypes.PutEventsRequestEntry
	region := ""
	flush := func() {
		if len(pending) == 0 {
			return
		}
		out, err := d.client(region).PutEvents(ctx, &eventbridge.PutEventsInput{Entries: pending})
		switch {
		case err != nil:
			d.failed.Add(int64(len(pending)))
			d.logger.Printf("eventbridge delivery: PutEvents of %d CloudTrail events to the default bus in %s failed: %v", len(pending), region, err)
		case out.FailedEntryCount > 0:
			d.failed.Add(int64(out.FailedEntryCount))
			d.logger.Printf("eventbridge delivery: %d of %d CloudTrail events were refused by the default bus in %s", out.FailedEntryCount, len(pending), region)
		}
		pending = nil
	}
	for _, call := range batch {
		if call.ReadOnly && !d.wantsReadOnly(ctx, call.Region) {
			continue
		}
		if call.Region != region || len(pending) == putEventsBatch {
			flush()
			region = call.Region
		}
		pending = append(pending, ebtypes.PutEventsRequestEntry{
			Source:       aws.String("aws." + call.Service),
			DetailType:   aws.String(cloudTrailDetailType),
			Detail:       aws.String(eventDetail(call)),
			EventBusName: aws.String("default"),
			Time:         aws.Time(call.Start),
			Resources:    []string{},
		})
	}
	flush()
}

// eventDetail is the EventBridge detail of a call: its CloudTrail event, without request and
// response elements when these would exceed EventBridge's size limit.
func eventDetail(call Call) string {
	event := toCloudTrailEvent(call)
	detail, _ := json.Marshal(event)
	if len(detail) > maxDetailBytes {
		event.RequestParameters, event.ResponseElements = nil, nil
		detail, _ = json.Marshal(event)
	}
	return string(detail)
}
