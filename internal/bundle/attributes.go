package bundle

// Attribute is a computed attribute of the resource that holds what State records of a part: the
// provider copies State into the attributes and back through these, and marks in a plan the ones
// Plan changes unknown, without naming a part itself.
type Attribute struct {
	// Name is the resource's attribute.
	Name string
	Get  func(st *State) string
	Set  func(st *State, value string)
	// unknownWhen says whether a plan with these changes makes the value unknown; nil means when
	// the part gets a new identity (created, replaced or removed) or is repaired (so that the
	// plan shows the part a change outside Terraform is undone on).
	unknownWhen func(c Changes) bool
	// unknownWhenSpec, when set instead, says it from the configuration's change: for what an
	// update recomputes from the spec, whatever the parts' actions (the role policy's keys).
	unknownWhenSpec func(prior, spec *Spec) bool
	part            string
}

// UnknownIn reports whether the attribute's value is unknown in a plan from prior to spec with the
// changes c.
func (a Attribute) UnknownIn(prior, spec *Spec, c Changes) bool {
	if a.unknownWhenSpec != nil {
		// A repaired part is put again, and what it reports with it.
		return a.unknownWhenSpec(prior, spec) || c[a.part] == Repair
	}
	return a.Unknown(c)
}

// Unknown reports whether the attribute's value is unknown in a plan with the changes c.
func (a Attribute) Unknown(c Changes) bool {
	if a.unknownWhen != nil {
		return a.unknownWhen(c)
	}
	return c.NewIdentity(a.part) || c[a.part] == Repair
}

// Attributes are the computed attributes every part declares, in catalogue order.
func Attributes() []Attribute {
	var out []Attribute
	for _, p := range catalogue {
		for _, a := range p.attributes {
			a.part = p.name
			out = append(out, a)
		}
	}
	return out
}

// alertChanged: the rule and the topic show together, since the rule points at the topic.
func alertChanged(c Changes) bool {
	return c.NewIdentity(PartRule) || c.NewIdentity(PartTopic) || c[PartRule] == Repair || c[PartTopic] == Repair
}
