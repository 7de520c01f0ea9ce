package bundle

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// RuleIDs are the name and ARN of one of the bundle's watch rules (the rotation alert's, the
// unexpected reader alert's); empty when it does not exist.
type RuleIDs struct {
	Name string
	ARN  string
}

// setARN records the rule by its ARN; its name follows.
func (r *RuleIDs) setARN(arn string) { r.ARN, r.Name = arn, afterLast(arn, "/") }

// watchRule is an alert rule beside the deletion alert's: its own EventBridge rule on other
// events of the secret, with the deletion alert's topic as its target, so that it reaches the same
// subscribers. Each watch rule is a part of its own (watchPart); its read is one
// ListTargetsByRule call, which tells both whether the rule exists and where it points.
type watchRule struct {
	part string
	// prefix derives the rule's name from the secret name (derivedName).
	prefix string
	// what names the alert in descriptions and errors.
	what      string
	attribute string
	wanted    func(spec *Spec) bool
	ids       func(st *State) *RuleIDs
	// pattern is the rule's event pattern for spec and the parts made so far.
	pattern func(d Deps, spec *Spec, st *State) string
	// state is the rule's EventBridge state.
	state string
	// changed reports whether spec asks for another pattern than prior.
	changed func(prior, spec *Spec) bool
}

func (w *watchRule) name(secretName string) string { return derivedName(w.prefix, secretName) }

// watchPart is the catalogue's part of a watch rule.
func watchPart(w *watchRule) part {
	return part{
		name:   w.part,
		needs:  []string{PartSecret, PartTopic, PartRole},
		wanted: w.wanted,
		id:     func(st *State) string { return w.ids(st).Name },
		label:  func(st *State) string { return "EventBridge rule " + w.ids(st).Name },
		create: func(ctx context.Context, d Deps, spec *Spec, st *State) error {
			return d.putWatchRule(ctx, w, spec, st, true)
		},
		update: func(ctx context.Context, d Deps, c *change) error {
			if c.plan[w.part] == Replace || w.ids(c.st).ARN == "" || w.changed(c.prior, c.spec) {
				return d.putWatchRule(ctx, w, c.spec, c.st, false)
			}
			return nil
		},
		tagger: func(d Deps, st *State) tagger { return d.ruleTagger(w.ids(st).Name, w.ids(st).ARN) },
		remove: func(ctx context.Context, d Deps, st *State) error {
			if err := d.deleteRuleNamed(ctx, w.ids(st).Name); err != nil {
				return err
			}
			*w.ids(st) = RuleIDs{}
			return nil
		},
		read:   func(ctx context.Context, d Deps, o *observation) error { return d.readWatchRule(ctx, w, o) },
		forget: func(st *State) { *w.ids(st) = RuleIDs{} },
		attributes: []Attribute{{
			Name: w.attribute, Get: func(st *State) string { return w.ids(st).ARN }, Set: func(st *State, v string) { w.ids(st).setARN(v) },
			unknownWhen: func(c Changes) bool { return c.NewIdentity(w.part) || c.NewIdentity(PartTopic) },
		}},
		// Located after the deletion alert's rule, whose read tells the topic this rule must target.
		locatedFrom: PartRule,
		locate: func(_ context.Context, d Deps, o *observation) error {
			ids := w.ids(o.st)
			ids.Name = w.name(o.st.SecretName)
			ids.ARN = d.arns().ruleARN(ids.Name)
			return nil
		},
		find: func(ctx context.Context, d Deps, spec *Spec, st *State) error {
			name := w.name(spec.Name)
			found, arn, err := d.findTaggedRule(ctx, name, spec.Name)
			if found {
				*w.ids(st) = RuleIDs{Name: name, ARN: arn}
			}
			return err
		},
		deleteStage: 0,
	}
}

// readWatchRule lists the rule's targets: a rule that is gone is forgotten (the next apply puts it
// again); one without the target to the topic alerts nobody, so its ARN is cleared and the next
// apply puts it again.
func (d Deps) readWatchRule(ctx context.Context, w *watchRule, o *observation) error {
	name := w.ids(o.prior).Name
	// The topic the rule must point at: the state's; on import, the deletion alert rule's target,
	// which that rule's read (a stage before this one) saw.
	topic := o.prior.TopicARN
	if o.importID != "" {
		topic = o.s.alertTopicARN
	}
	target, err := d.findAlertTarget(ctx, name)
	ids := w.ids(o.st)
	switch {
	case hasErrorCode(err, "ResourceNotFoundException"):
		// The rule itself is gone (a rule without the alert's target is errNotFound).
		*ids = RuleIDs{}
	case err != nil && !isNotFound(err):
		return fmt.Errorf("reading the targets of EventBridge rule %s: %w", name, err)
	case target == nil || aws.ToString(target.Arn) != topic:
		ids.ARN = ""
	}
	return nil
}

func (d Deps) putWatchRule(ctx context.Context, w *watchRule, spec *Spec, st *State, tag bool) error {
	name := w.name(spec.Name)
	var tags map[string]string
	if tag {
		tags = partTags(spec)
	}
	arn, err := d.putEventRule(ctx, eventRule{
		name: name, description: "Alerts on " + w.what + " of the secret " + spec.Name + " (secretsbundle)",
		pattern: w.pattern(d, spec, st), state: w.state, tags: tags, topicARN: st.TopicARN,
	})
	if arn != "" {
		w.ids(st).setARN(arn)
	}
	if err != nil {
		return err
	}
	// A topic created before this rule existed lets only the deletion alert's rule publish.
	return d.putTopicPolicy(ctx, spec, st)
}

// putTopicPolicy puts the created topic's policy, which names every rule of the bundle.
func (d Deps) putTopicPolicy(ctx context.Context, spec *Spec, st *State) error {
	if !st.TopicCreated || st.TopicARN == "" {
		return nil
	}
	_, err := d.AWS.SNS.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{
		TopicArn: aws.String(st.TopicARN), AttributeName: aws.String("Policy"),
		AttributeValue: aws.String(d.topicPolicy(st.TopicARN, spec.Name)),
	})
	if err != nil {
		return fmt.Errorf("putting the policy of SNS topic %s: %w", st.TopicARN, err)
	}
	return nil
}

// eventRule is what PutRule and PutTargets are given for one of the bundle's alert rules.
type eventRule struct {
	name, description, pattern, state string
	// tags are put at creation only (PutRule replaces them only then); nil afterwards.
	tags     map[string]string
	topicARN string
}

// putEventRule puts the rule and points it at the topic; it answers the rule's ARN once PutRule
// has answered, even when PutTargets then fails.
func (d Deps) putEventRule(ctx context.Context, r eventRule) (string, error) {
	input := &eventbridge.PutRuleInput{
		Name: aws.String(r.name), Description: aws.String(r.description),
		EventPattern: aws.String(r.pattern), State: ebtypes.RuleState(r.state),
	}
	if r.tags != nil {
		input.Tags = eventTags(r.tags)
	}
	out, err := d.AWS.Events.PutRule(ctx, input)
	if err != nil {
		return "", fmt.Errorf("putting EventBridge rule %s: %w", r.name, err)
	}
	return aws.ToString(out.RuleArn), d.putTarget(ctx, r.name, r.topicARN)
}
