package bundle

import "slices"

// Action is what Plan does to a part.
type Action int

const (
	// Keep: the part is left as it is, or does not exist and is not wanted.
	Keep Action = iota
	// Modify: the part exists and is updated in place where it differs.
	Modify
	// Add: the part is missing (new, or deleted out of band) and is created.
	Add
	// Repair: the part exists and was changed outside Terraform in a way no attribute shows; it is
	// put back in place.
	Repair
	// Replace: the part is put anew and gets a new identity (a rule pointed at another topic).
	Replace
	// Remove: the part exists and is no longer wanted.
	Remove
	// Renew: the part must have a new name (the rotator's lambda.name changed): the new one is
	// created beside the old, everything is pointed at it, and then the old one is deleted, so
	// that the secret keeps its ARN and a rotator at every moment.
	Renew
)

// Changes is what Plan decided, part by part.
type Changes map[string]Action

// NewIdentity reports whether the named part's id changes (created, replaced or removed).
func (c Changes) NewIdentity(name string) bool {
	a := c[name]
	return a == Add || a == Replace || a == Remove || a == Renew
}

// createsAnew reports whether Update creates the part: it is missing, or renewed.
func (c Changes) createsAnew(name string) bool { return c[name] == Add || c[name] == Renew }

// Plan says what Update does to each part to bring the bundle in st from prior to spec. The
// provider's ModifyPlan uses it to mark the ids that change unknown, and Update acts on it, so the
// two cannot disagree.
func Plan(prior, spec *Spec, st *State) Changes {
	changes := Changes{}
	for _, p := range catalogue {
		exists := p.id(st) != ""
		switch {
		case !p.isWanted(spec) && exists:
			changes[p.name] = Remove
		case !p.isWanted(spec):
			changes[p.name] = Keep
		case !exists:
			changes[p.name] = Add
		case slices.Contains(st.Drifted, p.name):
			changes[p.name] = Repair
		case p.current != nil && p.current(spec, st):
			changes[p.name] = Keep
		default:
			changes[p.name] = Modify
		}
	}
	// A new function name renews the function, its log group (named after it) and its grant.
	if st.FunctionName != "" && changes[PartFunction] != Remove && FunctionName(prior.Name, prior.Rotation.Lambda.Name) != FunctionName(spec.Name, spec.Rotation.Lambda.Name) {
		for _, name := range []string{PartFunction, PartLogGroup, PartPermission} {
			// Kept or updated: it exists (a part kept as current does too).
			if changes[name] == Modify || changes[name] == Repair || (changes[name] == Keep && partNamed(name).id(st) != "") {
				changes[name] = Renew
			}
		}
	}
	// The rule is put anew when it must point at another topic.
	if changes[PartRule] == Modify && (prior.Alert.TopicARN != spec.Alert.TopicARN || changes[PartTopic] == Add ||
		(spec.Alert.TopicARN != "" && st.TopicARN != spec.Alert.TopicARN)) {
		changes[PartRule] = Replace
	}
	return changes
}

// Repaired names the parts Plan repairs (changed outside Terraform and put back), in catalogue
// order.
func (c Changes) Repaired() []string {
	var names []string
	for _, p := range catalogue {
		if c[p.name] == Repair {
			names = append(names, p.name)
		}
	}
	return names
}

// change is one Update: what is wanted, what was, the state as it is being updated, and the plan.
type change struct {
	prior, spec *Spec
	st          *State
	plan        Changes
}
