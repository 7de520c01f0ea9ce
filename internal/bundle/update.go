package bundle

import "context"

// Update brings the bundle from prior (the spec it was last applied with) to spec, in place, as
// Plan says: missing parts (deleted out of band, or newly enabled) are created, the others
// updated, parts no longer wanted deleted once their dependents are updated. It runs in the same
// stages as Create. There is no rollback: the returned State is what exists, also on error, so
// Terraform saves it and the next apply continues.
//
// The password is written only when spec.Credentials.Password is set (password_wo_version bumped);
// otherwise changed credential keys are merged into the current value, keeping rotation's password.
func Update(ctx context.Context, d Deps, prior, spec *Spec, current *State) (*State, error) {
	st := *current
	s := &st
	if err := d.fillFromDatabase(ctx, spec); err != nil {
		return s, err
	}
	c := &change{prior: prior, spec: spec, st: s, plan: Plan(prior, spec, s)}
	// A topic no longer ours is deleted at the end, once the rule points elsewhere.
	oldTopic := *s
	if !wantsCreatedTopic(spec) {
		s.TopicARN, s.TopicCreated, s.Subscriptions = spec.Alert.TopicARN, false, nil
		if !spec.Alert.Enabled {
			s.TopicARN = ""
		}
	}
	stages := stagesOf(spec, func(p *part) step {
		return step{name: p.name, run: func(ctx context.Context) error {
			if c.plan.createsAnew(p.name) {
				return p.create(ctx, d, spec, s)
			}
			if p.update != nil {
				if err := p.update(ctx, d, c); err != nil {
					return err
				}
			}
			if p.tagger == nil {
				return nil
			}
			return d.retag(ctx, p.tagger(d, s), prior, spec)
		}}
	})
	if _, err, _ := runStages(ctx, stages); err != nil {
		return s, err
	}
	// What was renewed is deleted once the new one is in place: the old function (its grant goes
	// with it) and its log group. A log group whose name did not change is the new one's.
	renewed := *current
	if renewed.LogGroupName == s.LogGroupName {
		renewed.LogGroupName = ""
	}
	for _, p := range removalOrder() {
		if c.plan[p.name] != Remove && (c.plan[p.name] != Renew || p.deletedWith != "") {
			continue
		}
		target := s
		switch {
		case c.plan[p.name] == Renew:
			target = &renewed
		case p.name == PartTopic:
			target = &oldTopic
		}
		if err := safely(p.name, func() error { return p.remove(ctx, d, target) }); err != nil {
			return s, err
		}
	}
	return s, d.refreshDates(ctx, s)
}
