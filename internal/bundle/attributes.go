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
	// the part gets a new identity (created, replaced or removed).
	unknownWhen func(c Changes) bool
	part        string
}

// Unknown reports whether the attribute's value is unknown in a plan with the changes c.
func (a Attribute) Unknown(c Changes) bool {
	if a.unknownWhen != nil {
		return a.unknownWhen(c)
	}
	return c.NewIdentity(a.part)
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
func alertChanged(c Changes) bool { return c.NewIdentity(PartRule) || c.NewIdentity(PartTopic) }
