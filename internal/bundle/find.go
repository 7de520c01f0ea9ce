package bundle

import (
	"context"
	"fmt"
	"slices"
)

// Find locates a bundle's parts from its secret's name or ARN, for import. It runs the catalogue's
// reads as stages, as Create runs its creates: each part is located from what the reads of the
// part before it saw (locate: the function is the secret's rotation function, the role the
// function's, the rule has the name derived from the secret's, the topic is the rule's target), and
// then read by the same code refresh runs. The secret must carry the bundle tag, and so must a
// located function and a created topic. It returns the bundle in the shapes of a desired one: the
// Spec holds what the parts say of the configuration that Read cannot see (the function's own name,
// the log retention, the alert's topic and subscribers); the rest is left for Read to observe.
func Find(ctx context.Context, d Deps, secretID string) (*Spec, *State, error) {
	st := &State{}
	o := &observation{prior: st, st: st, s: &seen{}, importID: secretID}
	for _, stage := range locateStages() {
		var located []*part
		for _, p := range stage {
			if p.locatedFrom != "" && partNamed(p.locatedFrom).id(st) == "" {
				continue
			}
			if p.locate != nil {
				if err := p.locate(ctx, d, o); err != nil {
					return nil, nil, err
				}
			}
			located = append(located, p)
		}
		if err := observeStage(ctx, d, o, located); err != nil {
			return nil, nil, fmt.Errorf("importing %s: %w", secretID, err)
		}
		if st.SecretDeleted {
			return nil, nil, fmt.Errorf("finding secret %s: it does not exist or is scheduled for deletion", secretID)
		}
		if err := checkOwned(o, located); err != nil {
			return nil, nil, err
		}
	}
	st.Drifted = drifted(o.s)
	return importedSpec(st, o.s), st, nil
}

// checkOwned forgets the located parts that are not the bundle's; a secret without the bundle
// tag is no bundle at all.
func checkOwned(o *observation, located []*part) error {
	name := o.st.SecretName
	for _, p := range located {
		switch {
		case p.name == PartSecret && !hasBundleTag(secretTagMap(o.s.secret.Tags), name):
			return fmt.Errorf("secret %s has no tag %s = %q, so it was not made by secretsbundle_rds_secret; to adopt it, tag it first (aws secretsmanager tag-resource --secret-id %s --tags Key=%s,Value=%s) and import again, see the guide \"Migrating from aws_secretsmanager_* resources\"", name, BundleTagKey, name, name, BundleTagKey, name)
		case p.owned != nil && p.id(o.st) != "" && !p.owned(o):
			p.forget(o.st)
		}
	}
	return nil
}

// importedSpec is what the found parts say of the configuration that Read does not observe.
func importedSpec(st *State, s *seen) *Spec {
	spec := &Spec{Name: st.SecretName}
	if st.FunctionName != "" && st.FunctionName != FunctionName(st.SecretName, "") {
		spec.Rotation.Lambda.Name = st.FunctionName
	}
	spec.Rotation.Lambda.LogRetentionDays = s.logRetentionDays
	// The alert is on when its rule exists; a topic the bundle did not create was given by ARN.
	spec.Alert.Enabled = st.RuleName != ""
	if st.TopicARN != "" && !st.TopicCreated {
		spec.Alert.TopicARN = st.TopicARN
	}
	for _, sub := range st.Subscriptions {
		switch {
		case sub.Protocol == "email":
			spec.Alert.EmailAddresses = append(spec.Alert.EmailAddresses, sub.Endpoint)
		case sub.Protocol == "sms":
			spec.Alert.SMSNumbers = append(spec.Alert.SMSNumbers, sub.Endpoint)
		case slices.Contains(SubscriptionProtocols, sub.Protocol):
			spec.Alert.Subscriptions = append(spec.Alert.Subscriptions, Subscription{Protocol: sub.Protocol, Endpoint: sub.Endpoint})
		}
	}
	return spec
}
