package bundle

import (
	"context"
	"errors"
	"fmt"
	"slices"

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
	id: func(st *State) string {
		if st.TopicCreated {
			return st.TopicARN
		}
		return ""
	},
	label:  func(st *State) string { return "SNS topic " + st.TopicARN },
	create: func(ctx context.Context, d Deps, spec *Spec, st *State) error { return d.createTopic(ctx, spec, st) },
	update: func(ctx context.Context, d Deps, c *change) error {
		return d.retag(ctx, d.topicTagger(c.st.TopicARN), c.prior, c.spec)
	},
	remove:      func(ctx context.Context, d Deps, st *State) error { return d.deleteTopic(ctx, st) },
	find:        func(ctx context.Context, d Deps, spec *Spec, st *State) error { return d.findTopic(ctx, spec.Name, st) },
	deleteStage: 1,
}

// subscriptionsPart are the e-mail subscriptions to a created topic; they go with the topic.
var subscriptionsPart = part{
	name:  PartSubscriptions,
	needs: []string{PartTopic},
	// Wanted with no address too: an update that removes the last one must unsubscribe it.
	wanted: wantsCreatedTopic,
	id: func(st *State) string {
		if st.TopicCreated {
			return st.TopicARN
		}
		return ""
	},
	create: func(ctx context.Context, d Deps, spec *Spec, st *State) error {
		return d.subscribe(ctx, spec.Alert.EmailAddresses, st)
	},
	update: func(ctx context.Context, d Deps, c *change) error {
		return d.updateSubscriptions(ctx, c.prior, c.spec, c.st, c.plan[PartTopic] == Add)
	},
}

func (d Deps) topicARN(secretName string) string {
	a := d.arns()
	return fmt.Sprintf("arn:%s:sns:%s:%s:%s", a.Partition, a.Region, a.account(), TopicName(secretName))
}

func (d Deps) createTopic(ctx context.Context, spec *Spec, st *State) error {
	name := TopicName(spec.Name)
	out, err := d.AWS.SNS.CreateTopic(ctx, &sns.CreateTopicInput{
		Name:       aws.String(name),
		Attributes: map[string]string{"Policy": TopicPolicy(d.arns(), d.topicARN(spec.Name), RuleName(spec.Name)).String()},
		Tags:       snsTags(partTags(spec)),
	})
	if err != nil {
		return fmt.Errorf("creating SNS topic %s for the deletion alert: %w", name, err)
	}
	st.TopicARN, st.TopicCreated = aws.ToString(out.TopicArn), true
	return nil
}

// findTopic records the bundle's topic when it exists and carries the bundle tag.
func (d Deps) findTopic(ctx context.Context, secretName string, st *State) error {
	arn := d.topicARN(secretName)
	tags, err := d.AWS.SNS.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("looking up SNS topic %s: %w", arn, err)
	}
	if hasBundleTag(tagMap(tags.Tags, func(t snstypes.Tag) (*string, *string) { return t.Key, t.Value }), secretName) {
		st.TopicARN, st.TopicCreated = arn, true
	}
	return nil
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
	st.TopicARN, st.TopicCreated, st.SubscriptionARNs = "", false, nil
	return nil
}

func (d Deps) subscribe(ctx context.Context, emails []string, st *State) error {
	for _, email := range emails {
		out, err := d.AWS.SNS.Subscribe(ctx, &sns.SubscribeInput{
			TopicArn: aws.String(st.TopicARN), Protocol: aws.String("email"), Endpoint: aws.String(email),
			ReturnSubscriptionArn: true,
		})
		if err != nil {
			return fmt.Errorf("subscribing %s to SNS topic %s: %w", email, st.TopicARN, err)
		}
		st.SubscriptionARNs = append(st.SubscriptionARNs, aws.ToString(out.SubscriptionArn))
	}
	return nil
}

// updateSubscriptions subscribes added addresses and unsubscribes removed ones that are
// confirmed; a pending subscription has no ARN to unsubscribe and lapses after three days.
func (d Deps) updateSubscriptions(ctx context.Context, prior, spec *Spec, st *State, newTopic bool) error {
	if newTopic {
		st.SubscriptionARNs = nil
		return d.subscribe(ctx, spec.Alert.EmailAddresses, st)
	}
	if err := d.subscribe(ctx, without(spec.Alert.EmailAddresses, prior.Alert.EmailAddresses), st); err != nil {
		return err
	}
	removed := without(prior.Alert.EmailAddresses, spec.Alert.EmailAddresses)
	if len(removed) == 0 {
		return nil
	}
	var errs []error
	paginator := sns.NewListSubscriptionsByTopicPaginator(d.AWS.SNS, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(st.TopicARN)})
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing the subscriptions of SNS topic %s: %w", st.TopicARN, err)
		}
		for _, sub := range page.Subscriptions {
			arn := aws.ToString(sub.SubscriptionArn)
			if !slices.Contains(removed, aws.ToString(sub.Endpoint)) || !isARN(arn) {
				continue
			}
			if _, err := d.AWS.SNS.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(arn)}); err != nil && !isNotFound(err) {
				errs = append(errs, fmt.Errorf("unsubscribing %s from SNS topic %s: %w", aws.ToString(sub.Endpoint), st.TopicARN, err))
			}
		}
	}
	return errors.Join(errs...)
}

func isARN(s string) bool { return len(s) > 4 && s[:4] == "arn:" }

func without(list, remove []string) []string {
	var out []string
	for _, s := range list {
		if !slices.Contains(remove, s) {
			out = append(out, s)
		}
	}
	return out
}
