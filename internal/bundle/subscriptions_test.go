package bundle

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

const (
	queueARN  = "arn:aws:sqs:us-east-1:123456789012:alerts"
	hookURL   = "https://hooks.example.com/secret-deleted"
	oncallSMS = "+14155550100"
)

func subscribedSpec() *Spec {
	spec := testSpec()
	spec.Alert.SMSNumbers = []string{oncallSMS}
	spec.Alert.Subscriptions = []Subscription{{Protocol: "sqs", Endpoint: queueARN}, {Protocol: "https", Endpoint: hookURL}}
	return spec
}

// subscriptionsOf is what st says of the topic's subscriptions, as "protocol endpoint pending".
func subscriptionsOf(st *State) []string {
	var out []string
	for _, s := range st.Subscriptions {
		entry := s.Protocol + " " + s.Endpoint
		if s.PendingConfirmation {
			entry += " pending"
		}
		out = append(out, entry)
	}
	return out
}

// Create subscribes every protocol's endpoint; the ones that must confirm are recorded pending.
func TestCreateSubscribesEveryProtocol(t *testing.T) {
	f := newFakeAWS()
	st, err := Create(context.Background(), f.deps(), subscribedSpec())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"email oncall@example.com pending", "https " + hookURL + " pending", "sms " + oncallSMS, "sqs " + queueARN}
	if got := subscriptionsOf(st); !slices.Equal(got, want) {
		t.Errorf("state's subscriptions %q, want %q", got, want)
	}
	var protocols []string
	for _, c := range f.calls {
		if in, ok := c.input.(*sns.SubscribeInput); ok {
			protocols = append(protocols, aws.ToString(in.Protocol))
		}
	}
	slices.Sort(protocols)
	if !slices.Equal(protocols, []string{"email", "https", "sms", "sqs"}) {
		t.Errorf("Subscribe was called for %v", protocols)
	}
}

// A subscription removed outside Terraform is missing from what Read lists, and the next Update
// subscribes it again, without touching the others.
func TestUpdateRepairsASubscriptionRemovedOutOfBand(t *testing.T) {
	f := newFakeAWS()
	spec := subscribedSpec()
	st, err := Create(context.Background(), f.deps(), spec)
	if err != nil {
		t.Fatal(err)
	}
	var queueSub string
	for _, s := range st.Subscriptions {
		if s.Protocol == "sqs" {
			queueSub = s.ARN
		}
	}
	if _, err := f.deps().AWS.SNS.Unsubscribe(context.Background(), &sns.UnsubscribeInput{SubscriptionArn: aws.String(queueSub)}); err != nil {
		t.Fatal(err)
	}
	observed, obs, err := Read(context.Background(), f.deps(), spec, st)
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(obs.Subscriptions, func(s SubscriptionState) bool { return s.Protocol == "sqs" }) {
		t.Fatalf("Read still sees the queue's subscription: %q", subscriptionsOf(obs))
	}
	// The observed Spec lacks the queue (drift in the plan) and keeps the others.
	if !slices.Equal(observed.Alert.Subscriptions, []Subscription{{Protocol: "https", Endpoint: hookURL}}) ||
		!slices.Equal(observed.Alert.EmailAddresses, spec.Alert.EmailAddresses) || !slices.Equal(observed.Alert.SMSNumbers, spec.Alert.SMSNumbers) {
		t.Fatalf("observed alert %+v, want the configured one without the queue", observed.Alert)
	}
	f.calls = nil
	updated, err := Update(context.Background(), f.deps(), observed, spec, obs)
	if err != nil {
		t.Fatal(err)
	}
	var subscribed []string
	for _, c := range f.calls {
		switch in := c.input.(type) {
		case *sns.SubscribeInput:
			subscribed = append(subscribed, aws.ToString(in.Protocol)+" "+aws.ToString(in.Endpoint))
		case *sns.UnsubscribeInput:
			t.Errorf("Update unsubscribed %s", aws.ToString(in.SubscriptionArn))
		}
	}
	if !slices.Equal(subscribed, []string{"sqs " + queueARN}) {
		t.Errorf("Update subscribed %q, want only the queue again", subscribed)
	}
	if !slices.Contains(subscriptionsOf(updated), "sqs "+queueARN) {
		t.Errorf("state after the repair %q lacks the queue", subscriptionsOf(updated))
	}
}

// Read reports a subscription pending until its endpoint confirms: AWS lists it without an ARN,
// and once listed with one, Read asks once whether it is confirmed.
func TestReadReportsPendingConfirmation(t *testing.T) {
	f := newFakeAWS()
	st, err := Create(context.Background(), f.deps(), subscribedSpec())
	if err != nil {
		t.Fatal(err)
	}
	_, obs, err := Read(context.Background(), f.deps(), subscribedSpec(), st)
	if err != nil {
		t.Fatal(err)
	}
	if got := subscriptionsOf(obs); !slices.Contains(got, "email oncall@example.com pending") || !slices.Contains(got, "https "+hookURL+" pending") {
		t.Fatalf("before confirmation: %q", got)
	}
	for arn := range f.pending {
		f.pending[arn] = false // the endpoints confirm
	}
	f.calls = nil
	_, obs, err = Read(context.Background(), f.deps(), subscribedSpec(), obs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"email oncall@example.com", "https " + hookURL, "sms " + oncallSMS, "sqs " + queueARN}
	if got := subscriptionsOf(obs); !slices.Equal(got, want) {
		t.Errorf("after confirmation: %q, want %q", got, want)
	}
	if n := countOps(f.ops(), "GetSubscriptionAttributes"); n != 2 {
		t.Errorf("Read asked GetSubscriptionAttributes %d times, want 2 (the two that were pending)", n)
	}
	// Confirmed ones are not asked again.
	f.calls = nil
	if _, _, err := Read(context.Background(), f.deps(), subscribedSpec(), obs); err != nil {
		t.Fatal(err)
	}
	if n := countOps(f.ops(), "GetSubscriptionAttributes"); n != 0 {
		t.Errorf("Read asked about confirmed subscriptions %d times", n)
	}
}

// A subscriber dropped from the configuration is unsubscribed; a pending one cannot be (it has
// no ARN yet) and stays until SNS lets it lapse.
func TestUpdateUnsubscribesRemovedSubscribers(t *testing.T) {
	f := newFakeAWS()
	prior := subscribedSpec()
	st, err := Create(context.Background(), f.deps(), prior)
	if err != nil {
		t.Fatal(err)
	}
	// Someone subscribes their own queue to the bundle's topic: not the bundle's to remove.
	if _, err := f.deps().AWS.SNS.Subscribe(context.Background(), &sns.SubscribeInput{TopicArn: aws.String(st.TopicARN), Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN + "-theirs")}); err != nil {
		t.Fatal(err)
	}
	spec := subscribedSpec()
	spec.Alert.Subscriptions = nil
	spec.Alert.SMSNumbers = nil
	f.calls = nil
	updated, err := Update(context.Background(), f.deps(), prior, spec, st)
	if err != nil {
		t.Fatal(err)
	}
	if n := countOps(f.ops(), "Unsubscribe"); n != 2 {
		t.Errorf("Update unsubscribed %d subscriptions, want 2 (sms and sqs; the https one is pending): %v", n, f.ops())
	}
	want := []string{"email oncall@example.com pending", "https " + hookURL + " pending", "sqs " + queueARN + "-theirs"}
	if got := subscriptionsOf(updated); !slices.Equal(got, want) {
		t.Errorf("state after the update %q, want %q", got, want)
	}
}

func countOps(ops []string, op string) int {
	n := 0
	for _, o := range ops {
		if o == op {
			n++
		}
	}
	return n
}
