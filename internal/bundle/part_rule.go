package bundle

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// rulePart is the deletion alert's EventBridge rule and its target, the topic.
var rulePart = part{
	name:   PartRule,
	needs:  []string{PartSecret, PartTopic},
	wanted: func(spec *Spec) bool { return spec.Alert.Enabled },
	id:     func(st *State) string { return st.RuleName },
	label:  func(st *State) string { return "EventBridge rule " + st.RuleName },
	create: func(ctx context.Context, d Deps, spec *Spec, st *State) error {
		if err := d.ruleAbsent(ctx, spec.Name); err != nil {
			return err
		}
		return d.putRule(ctx, spec, st, true)
	},
	update: func(ctx context.Context, d Deps, c *change) error {
		// A rule whose target was lost (Read clears its ARN) alerts nobody: put it again.
		// A rule disabled or whose pattern was changed outside Terraform is put back.
		if c.plan[PartRule] == Replace || c.plan[PartRule] == Repair || c.st.RuleARN == "" || !slices.Equal(c.prior.Alert.Events, c.spec.Alert.Events) {
			return d.putRule(ctx, c.spec, c.st, false)
		}
		return nil
	},
	tagger:      func(d Deps, st *State) tagger { return d.ruleTagger(st.RuleName, st.RuleARN) },
	remove:      func(ctx context.Context, d Deps, st *State) error { return d.deleteRule(ctx, st) },
	read:        readRule,
	forget:      forgetRule,
	drifted:     func(_ Deps, o *observation, _ *Spec) bool { return o.s.ruleChangedOutside },
	attributes:  []Attribute{{Name: "alert_rule_arn", Get: func(st *State) string { return st.RuleARN }, Set: (*State).SetRuleARN, unknownWhen: alertChanged}},
	locatedFrom: PartSecret,
	locate: func(ctx context.Context, d Deps, o *observation) error {
		o.st.RuleName = RuleName(o.st.SecretName)
		tags, err := d.ruleTags(ctx, o.st.RuleName, d.arns().ruleARN(o.st.RuleName))
		return o.s.locatedTag(PartRule, tags, err)
	},
	owned:       ownedByTag(PartRule),
	find:        func(ctx context.Context, d Deps, spec *Spec, st *State) error { return d.findRule(ctx, spec.Name, st) },
	deleteStage: 0,
}

func forgetRule(st *State) { st.RuleName, st.RuleARN = "", "" }

// readRule reads the rule's pattern and its target at once. A rule without the target to the
// topic alerts nobody: its ARN is cleared, so that the next apply puts it again like a lost rule.
func readRule(ctx context.Context, d Deps, o *observation) error {
	name := o.prior.RuleName
	var target *ebtypes.Target
	var targetErr error
	var wg sync.WaitGroup
	wg.Go(func() { target, targetErr = d.findAlertTarget(ctx, name) })
	rule, err := d.findRuleByName(ctx, name)
	wg.Wait()
	switch {
	case isNotFound(err):
		forgetRule(o.st)
		return nil
	case err != nil:
		return fmt.Errorf("reading EventBridge rule %s: %w", name, err)
	case targetErr != nil && !isNotFound(targetErr):
		return fmt.Errorf("reading the targets of EventBridge rule %s: %w", name, targetErr)
	}
	if rule.Arn != nil {
		o.st.RuleARN = aws.ToString(rule.Arn)
	}
	pattern := aws.ToString(rule.EventPattern)
	o.s.alertEvents = patternEvents(pattern)
	// The events show as deletion_alert.events; the rest of the pattern, and the state, must be
	// exactly what the bundle puts for them (a disabled rule alerts nobody).
	want := EventPattern(o.prior.SecretName, o.prior.SecretARN, o.s.alertEvents)
	stateChanged := rule.State != "" && string(rule.State) != RuleState(o.s.alertEvents)
	o.s.ruleChangedOutside = stateChanged || (pattern != "" && !jsonEqual(pattern, want))
	o.s.alertTopicARN = ""
	if target != nil {
		o.s.alertTopicARN = aws.ToString(target.Arn)
	}
	// Without its target (or with another), the rule alerts nobody, on refresh and on import alike.
	if target == nil || (o.prior.TopicARN != "" && o.s.alertTopicARN != o.prior.TopicARN) {
		o.st.RuleARN = ""
	}
	return nil
}

func (d Deps) putRule(ctx context.Context, spec *Spec, st *State, tag bool) error {
	var tags map[string]string
	if tag {
		// PutRule replaces the tags only at creation; later changes go through TagResource.
		tags = partTags(spec)
	}
	name := RuleName(spec.Name)
	arn, err := d.putEventRule(ctx, eventRule{
		name: name, description: "Alerts on " + fmt.Sprint(spec.Alert.Events) + " of the secret " + spec.Name + " (secretsbundle)",
		pattern: EventPattern(spec.Name, st.SecretARN, spec.Alert.Events), state: RuleState(spec.Alert.Events),
		tags: tags, topicARN: st.TopicARN,
	})
	if arn != "" {
		st.RuleName, st.RuleARN = name, arn
	}
	return err
}

func (d Deps) putTarget(ctx context.Context, ruleName, topicARN string) error {
	out, err := d.AWS.Events.PutTargets(ctx, &eventbridge.PutTargetsInput{
		Rule:    aws.String(ruleName),
		Targets: []ebtypes.Target{{Id: aws.String(alertTargetID), Arn: aws.String(topicARN)}},
	})
	if err == nil && out.FailedEntryCount > 0 && len(out.FailedEntries) > 0 {
		err = fmt.Errorf("%s: %s", aws.ToString(out.FailedEntries[0].ErrorCode), aws.ToString(out.FailedEntries[0].ErrorMessage))
	}
	if err != nil {
		return fmt.Errorf("pointing EventBridge rule %s at SNS topic %s: %w", ruleName, topicARN, err)
	}
	return nil
}

// ruleAbsent checks that no rule has the bundle's rule name. PutRule overwrites a rule of that
// name, as if it had made it: one already there is not this apply's, and taking it would point
// another bundle's alert elsewhere and let the rollback (or a destroy) delete it.
func (d Deps) ruleAbsent(ctx context.Context, secretName string) error {
	name := RuleName(secretName)
	rule, err := d.AWS.Events.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(name)})
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return notCreated{fmt.Errorf("looking up EventBridge rule %s before creating it: %w", name, err)}
	}
	found, _ := d.ruleTags(ctx, name, aws.ToString(rule.Arn))
	return fmt.Errorf("putting EventBridge rule %s: %w", name, alreadyThere("EventBridge rule "+name, found, secretName))
}

// findRule records the bundle's rule when it exists and carries the bundle tag.
func (d Deps) findRule(ctx context.Context, secretName string, st *State) error {
	name := RuleName(secretName)
	found, arn, err := d.findTaggedRule(ctx, name, secretName)
	if found {
		st.RuleName, st.RuleARN = name, arn
	}
	return err
}

// findTaggedRule reports whether the rule of that name exists and carries the bundle tag of
// secretName, and its ARN.
func (d Deps) findTaggedRule(ctx context.Context, name, secretName string) (bool, string, error) {
	rule, err := d.findRuleByName(ctx, name)
	if isNotFound(err) {
		return false, "", nil
	}
	if err != nil {
		return false, "", fmt.Errorf("looking up EventBridge rule %s: %w", name, err)
	}
	tags, err := d.ruleTags(ctx, name, aws.ToString(rule.Arn))
	if err != nil {
		return false, "", err
	}
	return hasBundleTag(tags, secretName), aws.ToString(rule.Arn), nil
}

func (d Deps) ruleTags(ctx context.Context, name, arn string) (map[string]string, error) {
	tags, err := d.AWS.Events.ListTagsForResource(ctx, &eventbridge.ListTagsForResourceInput{ResourceARN: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("reading the tags of EventBridge rule %s: %w", name, err)
	}
	return tagMap(tags.Tags, func(t ebtypes.Tag) (*string, *string) { return t.Key, t.Value }), nil
}

func (d Deps) deleteRule(ctx context.Context, st *State) error {
	if err := d.deleteRuleNamed(ctx, st.RuleName); err != nil {
		return err
	}
	forgetRule(st)
	return nil
}

// deleteRuleNamed removes the alert target of the rule and the rule; gone ones count as deleted.
func (d Deps) deleteRuleNamed(ctx context.Context, name string) error {
	if name == "" {
		return nil
	}
	// A PutTargets whose answer was lost (an apply cancelled in flight) may still land after the
	// RemoveTargets: EventBridge then refuses DeleteRule ("it has targets"), and both are tried again.
	for attempt := 1; ; attempt++ {
		_, err := d.AWS.Events.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(name), Ids: []string{alertTargetID}})
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("removing the target of EventBridge rule %s: %w", name, err)
		}
		_, err = d.AWS.Events.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String(name)})
		if err == nil || isNotFound(err) {
			return nil
		}
		if attempt >= ruleDeleteAttempts || !strings.Contains(err.Error(), "has targets") {
			return fmt.Errorf("deleting EventBridge rule %s: %w", name, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("deleting EventBridge rule %s: %w", name, err)
		case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
		}
	}
}

// ruleDeleteAttempts bounds the retries of a rule a late target keeps from being deleted.
const ruleDeleteAttempts = 5

func (d Deps) ruleTagger(name, arn string) tagger {
	return tagger{what: "EventBridge rule " + name,
		tag: func(ctx context.Context, set map[string]string) error {
			_, err := d.AWS.Events.TagResource(ctx, &eventbridge.TagResourceInput{ResourceARN: aws.String(arn), Tags: eventTags(set)})
			return err
		},
		untag: func(ctx context.Context, keys []string) error {
			_, err := d.AWS.Events.UntagResource(ctx, &eventbridge.UntagResourceInput{ResourceARN: aws.String(arn), TagKeys: keys})
			return err
		}}
}

func eventTags(tags map[string]string) []ebtypes.Tag {
	return tagList(tags, func(k, v *string) ebtypes.Tag { return ebtypes.Tag{Key: k, Value: v} })
}
