package bundle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// wantsCreatedTopic: the alert is on and names no topic, so the bundle makes its own.
func wantsCreatedTopic(spec *Spec) bool { return spec.Alert.Enabled && spec.Alert.TopicARN == "" }

// topicPart is the alert's SNS topic, with its policy, when the bundle creates it. A topic given
// by ARN is the user's: it is never created, tagged or deleted.
var topicPart = part{
	name:   PartTopic,
	wanted: wantsCreatedTopic,
	id:     createdTopicARN,
	label:  func(st *State) string { return "SNS topic " + st.TopicARN },
	create: func(ctx context.Context, d Deps, spec *Spec, st *State) error { return d.createTopic(ctx, spec, st) },
	tagger: func(d Deps, st *State) tagger { return d.topicTagger(st.TopicARN) },
	remove: func(ctx context.Context, d Deps, st *State) error { return d.deleteTopic(ctx, st) },
	// Listing the subscriptions tells both whether the topic exists and who is subscribed; the
	// topic's attributes, read at once, hold its policy.
	read: func(ctx context.Context, d Deps, o *observation) error {
		var policy string
		var policyErr error
		var wg sync.WaitGroup
		wg.Go(func() { policy, policyErr = d.findTopicPolicy(ctx, o.prior.TopicARN) })
		subs, err := d.listSubscriptions(ctx, o.prior.TopicARN)
		wg.Wait()
		switch {
		case isNotFound(err) || isNotFound(policyErr):
			forgetTopic(o.st)
		case err != nil:
			return fmt.Errorf("reading SNS topic %s: %w", o.prior.TopicARN, err)
		case policyErr != nil:
			return fmt.Errorf("reading the attributes of SNS topic %s: %w", o.prior.TopicARN, policyErr)
		default:
			d.confirmations(ctx, subs, priorPending(o.prior))
			o.st.Subscriptions = subs
			o.s.topicPolicy = policy
		}
		return nil
	},
	forget: forgetTopic,
	// A topic policy that is not the bundle's (someone else may publish, or the rule may not) is
	// put back.
	drifted: func(d Deps, o *observation, _ *Spec) bool {
		return o.s.topicPolicy != "" && !PoliciesEquivalent(o.s.topicPolicy, d.topicPolicy(o.st.TopicARN, o.st.SecretName))
	},
	update: func(ctx context.Context, d Deps, c *change) error {
		if c.plan[PartTopic] != Repair {
			return nil
		}
		_, err := d.AWS.SNS.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(c.st.TopicARN),
			AttributeName: aws.String("Policy"), AttributeValue: aws.String(d.topicPolicy(c.st.TopicARN, c.spec.Name))})
		if err != nil {
			return fmt.Errorf("putting back the policy of SNS topic %s: %w", c.st.TopicARN, err)
		}
		return nil
	},
	// The topic the alert publishes to, given or created.
	attributes:  []Attribute{{Name: "alert_topic_arn", Get: func(st *State) string { return st.TopicARN }, Set: func(st *State, v string) { st.TopicARN = v }, unknownWhen: alertChanged}},
	locatedFrom: PartRule,
	locate: func(ctx context.Context, d Deps, o *observation) error {
		// The topic is the rule's target; the bundle's own when it carries the bundle tag, else
		// given by ARN.
		o.st.TopicARN = o.s.alertTopicARN
		if o.st.TopicARN == "" {
			return nil
		}
		owned, err := d.topicOwned(ctx, o.st.TopicARN, o.st.SecretName)
		o.st.TopicCreated = owned
		return err
	},
	find:        func(ctx context.Context, d Deps, spec *Spec, st *State) error { return d.findTopic(ctx, spec.Name, st) },
	deleteStage: 1,
}

func forgetTopic(st *State) { st.TopicARN, st.TopicCreated, st.Subscriptions = "", false, nil }

// subscriptionsPart are the subscriptions to a created topic (e-mail, SMS and the general list);
// they go with the topic. Update also re-subscribes the ones removed outside Terraform.
var subscriptionsPart = part{
	name:  PartSubscriptions,
	needs: []string{PartTopic},
	// Wanted with no address too: an update that removes the last one must unsubscribe it.
	wanted:      wantsCreatedTopic,
	id:          createdTopicARN,
	locatedFrom: PartTopic,
	create: func(ctx context.Context, d Deps, spec *Spec, st *State) error {
		return d.subscribeAll(ctx, spec, st)
	},
	update: func(ctx context.Context, d Deps, c *change) error {
		return d.updateSubscriptions(ctx, c.prior, c.spec, c.st, c.plan[PartTopic] == Add)
	},
}

// createdTopicARN is the id of the topic the bundle created; a given topic is not a part.
func createdTopicARN(st *State) string {
	if st.TopicCreated {
		return st.TopicARN
	}
	return ""
}

func (d Deps) topicARN(secretName string) string {
	a := d.arns()
	return fmt.Sprintf("arn:%s:sns:%s:%s:%s", a.Partition, a.Region, a.account(), TopicName(secretName))
}

// createTopic makes the alert's topic. SNS answers CreateTopic for a name that exists with the
// existing topic, as if it had made it, so the topic is looked up first: one already there is not
// this apply's, and adopting it would let the rollback (or a destroy) delete another bundle's
// alert.
func (d Deps) createTopic(ctx context.Context, spec *Spec, st *State) error {
	name := TopicName(spec.Name)
	arn := d.topicARN(spec.Name)
	_, err := d.AWS.SNS.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	switch {
	case err == nil:
		found, _ := d.topicTags(ctx, arn)
		return fmt.Errorf("creating SNS topic %s for the deletion alert: %w", name, alreadyThere("SNS topic "+arn, found, spec.Name))
	case !isNotFound(err):
		return notCreated{fmt.Errorf("looking up SNS topic %s before creating it: %w", arn, err)}
	}
	out, err := d.AWS.SNS.CreateTopic(ctx, &sns.CreateTopicInput{
		Name:       aws.String(name),
		Attributes: map[string]string{"Policy": d.topicPolicy(d.topicARN(spec.Name), spec.Name)},
		Tags:       snsTags(partTags(spec)),
	})
	if err != nil {
		return fmt.Errorf("creating SNS topic %s for the deletion alert: %w", name, err)
	}
	st.TopicARN, st.TopicCreated = aws.ToString(out.TopicArn), true
	return nil
}

// topicPolicy is the created topic's policy: only the bundle's rule publishes.
func (d Deps) topicPolicy(topicARN, secretName string) string {
	return TopicPolicy(d.arns(), topicARN, alertRuleNames(secretName)...).String()
}

// findTopicPolicy gets the topic's policy (GetTopicAttributes).
func (d Deps) findTopicPolicy(ctx context.Context, topicARN string) (string, error) {
	out, err := d.AWS.SNS.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(topicARN)})
	if err != nil {
		return "", err
	}
	return out.Attributes["Policy"], nil
}

// findTopic records the bundle's topic when it exists and carries the bundle tag.
func (d Deps) findTopic(ctx context.Context, secretName string, st *State) error {
	arn := d.topicARN(secretName)
	owned, err := d.topicOwned(ctx, arn, secretName)
	if owned {
		st.TopicARN, st.TopicCreated = arn, true
	}
	return err
}

// topicOwned reports whether the topic exists and carries the bundle tag.
func (d Deps) topicOwned(ctx context.Context, arn, secretName string) (bool, error) {
	tags, err := d.topicTags(ctx, arn)
	if isNotFound(err) {
		return false, nil
	}
	return err == nil && hasBundleTag(tags, secretName), err
}

func (d Deps) topicTags(ctx context.Context, arn string) (map[string]string, error) {
	tags, err := d.AWS.SNS.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("looking up SNS topic %s: %w", arn, err)
	}
	return tagMap(tags.Tags, func(t snstypes.Tag) (*string, *string) { return t.Key, t.Value }), nil
}

func (d Deps) deleteTopic(ctx context.Context, st *State) error {
	if st.TopicARN == "" {
		return nil
	}
	if st.TopicCreated {
		if _, err := d.AWS.SNS.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(st.TopicARN)}); err != nil && !isNotFound(err) {
			return fmt.Errorf("deleting SNS topic %s: %w", st.TopicARN, err)
		}
	}
	forgetTopic(st)
	return nil
}

// Subscription is one subscriber of the alert's created topic: an SNS protocol and endpoint.
type Subscription struct {
	Protocol string
	Endpoint string
}

// SubscriptionProtocols are the protocols deletion_alert.subscriptions takes; e-mail and SMS have
// their own lists (email_addresses, sms_numbers).
var SubscriptionProtocols = []string{"sqs", "lambda", "https", "email-json"}

// SubscriptionState is a subscription as SNS lists it.
type SubscriptionState struct {
	Protocol string
	Endpoint string
	// ARN is "" while the subscription waits for its confirmation and AWS lists it without one.
	ARN string
	// PendingConfirmation: the endpoint has not confirmed yet (e-mail, email-json and https
	// subscriptions must; SNS deletes unconfirmed ones after three days).
	PendingConfirmation bool
}

// needsConfirmation reports whether SNS waits for the endpoint to confirm a subscription.
func needsConfirmation(protocol string) bool {
	switch protocol {
	case "email", "email-json", "http", "https":
		return true
	}
	return false
}

// Subscribers are every subscription the alert asks for: e-mail addresses, SMS numbers and the
// general list, sorted.
func (a Alert) Subscribers() []Subscription {
	var out []Subscription
	for _, email := range a.EmailAddresses {
		out = append(out, Subscription{Protocol: "email", Endpoint: email})
	}
	for _, number := range a.SMSNumbers {
		out = append(out, Subscription{Protocol: "sms", Endpoint: number})
	}
	for _, sub := range a.Subscriptions {
		if !slices.Contains(out, sub) {
			out = append(out, sub)
		}
	}
	slices.SortFunc(out, compareSubscriptions)
	return out
}

func compareSubscriptions(a, b Subscription) int {
	if c := strings.Compare(a.Protocol, b.Protocol); c != 0 {
		return c
	}
	return strings.Compare(a.Endpoint, b.Endpoint)
}

func (d Deps) subscribeAll(ctx context.Context, spec *Spec, st *State) error {
	st.Subscriptions = nil
	return d.subscribe(ctx, spec.Alert.Subscribers(), st)
}

// subscribe subscribes each endpoint and records it in st; a subscription that needs its
// endpoint's confirmation is recorded as pending (Read learns when it is confirmed).
func (d Deps) subscribe(ctx context.Context, subs []Subscription, st *State) error {
	for _, sub := range subs {
		out, err := d.AWS.SNS.Subscribe(ctx, &sns.SubscribeInput{
			TopicArn: aws.String(st.TopicARN), Protocol: aws.String(sub.Protocol), Endpoint: aws.String(sub.Endpoint),
			ReturnSubscriptionArn: true,
		})
		if err != nil {
			return fmt.Errorf("subscribing %s (%s) to SNS topic %s: %w", sub.Endpoint, sub.Protocol, st.TopicARN, err)
		}
		arn := aws.ToString(out.SubscriptionArn)
		if !isARN(arn) {
			arn = ""
		}
		st.Subscriptions = slices.DeleteFunc(st.Subscriptions, func(s SubscriptionState) bool { return s.Protocol == sub.Protocol && s.Endpoint == sub.Endpoint })
		st.Subscriptions = append(st.Subscriptions, SubscriptionState{Protocol: sub.Protocol, Endpoint: sub.Endpoint, ARN: arn, PendingConfirmation: needsConfirmation(sub.Protocol)})
	}
	slices.SortFunc(st.Subscriptions, func(a, b SubscriptionState) int {
		return compareSubscriptions(Subscription{a.Protocol, a.Endpoint}, Subscription{b.Protocol, b.Endpoint})
	})
	return nil
}

// updateSubscriptions makes the topic's subscriptions those of spec: it subscribes the missing
// ones (added to the configuration, or removed outside Terraform as Read saw) and unsubscribes
// the ones the configuration dropped that are confirmed; a pending subscription has no ARN to
// unsubscribe and lapses after three days. Subscriptions made outside Terraform are left alone.
// It lists the topic's subscriptions only when the configuration dropped one, for its ARN;
// otherwise st holds what Read listed.
func (d Deps) updateSubscriptions(ctx context.Context, prior, spec *Spec, st *State, newTopic bool) error {
	if newTopic {
		return d.subscribeAll(ctx, spec, st)
	}
	wanted := spec.Alert.Subscribers()
	var dropped []Subscription
	for _, sub := range prior.Alert.Subscribers() {
		if !slices.Contains(wanted, sub) {
			dropped = append(dropped, sub)
		}
	}
	known := st.Subscriptions
	if len(dropped) > 0 {
		wasPending := priorPending(st)
		listed, err := d.listSubscriptions(ctx, st.TopicARN)
		if err != nil {
			return err
		}
		d.confirmations(ctx, listed, wasPending)
		known = listed
	}
	var missing []Subscription
	for _, sub := range wanted {
		if !slices.ContainsFunc(known, func(s SubscriptionState) bool { return s.Protocol == sub.Protocol && s.Endpoint == sub.Endpoint }) {
			missing = append(missing, sub)
		}
	}
	var errs []error
	var kept []SubscriptionState
	for _, sub := range known {
		if sub.ARN == "" || !slices.Contains(dropped, Subscription{sub.Protocol, sub.Endpoint}) {
			// Wanted, made outside Terraform, or pending (it cannot be unsubscribed, and lapses).
			kept = append(kept, sub)
			continue
		}
		if _, err := d.AWS.SNS.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(sub.ARN)}); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("unsubscribing %s (%s) from SNS topic %s: %w", sub.Endpoint, sub.Protocol, st.TopicARN, err))
			kept = append(kept, sub)
		}
	}
	st.Subscriptions = kept
	if err := d.subscribe(ctx, missing, st); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// priorPending is a lookup of the subscriptions st knew as pending; unknown ones count as pending.
func priorPending(st *State) func(SubscriptionState) bool {
	known := map[Subscription]bool{}
	for _, s := range st.Subscriptions {
		known[Subscription{s.Protocol, s.Endpoint}] = s.PendingConfirmation
	}
	return func(s SubscriptionState) bool {
		pending, ok := known[Subscription{s.Protocol, s.Endpoint}]
		return !ok || pending
	}
}

// listSubscriptions lists the topic's subscriptions, every page. AWS lists a subscription that
// waits for confirmation with SubscriptionArn "PendingConfirmation".
func (d Deps) listSubscriptions(ctx context.Context, topicARN string) ([]SubscriptionState, error) {
	var out []SubscriptionState
	paginator := sns.NewListSubscriptionsByTopicPaginator(d.AWS.SNS, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(topicARN)})
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing the subscriptions of SNS topic %s: %w", topicARN, err)
		}
		for _, sub := range page.Subscriptions {
			s := SubscriptionState{Protocol: aws.ToString(sub.Protocol), Endpoint: aws.ToString(sub.Endpoint), ARN: aws.ToString(sub.SubscriptionArn)}
			if !isARN(s.ARN) {
				s.ARN, s.PendingConfirmation = "", true
			}
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b SubscriptionState) int {
		return compareSubscriptions(Subscription{a.Protocol, a.Endpoint}, Subscription{b.Protocol, b.Endpoint})
	})
	return out, nil
}

// confirmations asks SNS whether listed subscriptions that need a confirmation, and were pending
// (wasPending), are confirmed by now. AWS lists pending ones without an ARN, so with AWS this asks
// only once per subscription, when it has just been confirmed; emulators that list pending
// subscriptions with their ARN are asked each time. An unanswered question leaves it pending.
func (d Deps) confirmations(ctx context.Context, subs []SubscriptionState, wasPending func(SubscriptionState) bool) {
	var wg sync.WaitGroup
	for i := range subs {
		s := &subs[i]
		if s.ARN == "" || !needsConfirmation(s.Protocol) || !wasPending(*s) {
			continue
		}
		wg.Go(func() {
			out, err := d.AWS.SNS.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(s.ARN)})
			s.PendingConfirmation = err != nil || out.Attributes["PendingConfirmation"] == "true"
		})
	}
	wg.Wait()
}

func isARN(s string) bool { return len(s) > 4 && s[:4] == "arn:" }

func (d Deps) topicTagger(arn string) tagger {
	return tagger{what: "SNS topic " + arn,
		tag: func(ctx context.Context, set map[string]string) error {
			_, err := d.AWS.SNS.TagResource(ctx, &sns.TagResourceInput{ResourceArn: aws.String(arn), Tags: snsTags(set)})
			return err
		},
		untag: func(ctx context.Context, keys []string) error {
			_, err := d.AWS.SNS.UntagResource(ctx, &sns.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: keys})
			return err
		}}
}

func snsTags(tags map[string]string) []snstypes.Tag {
	return tagList(tags, func(k, v *string) snstypes.Tag { return snstypes.Tag{Key: k, Value: v} })
}
