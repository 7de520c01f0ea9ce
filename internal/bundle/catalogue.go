package bundle

import (
	"context"
)

// part is one piece of a bundle in the catalogue. It knows how it is created, read, updated,
// deleted, located for import and found again by its deterministic name and the bundle tag, and
// which parts it needs first. Create, Read, Update, Delete, Find, the rollback, Plan, the sweeper
// and State.Parts all build on the catalogue, so a new part is its own file (part_*.go), one line
// in catalogue, its Spec and State fields and the provider's schema and model (CONTRIBUTING.md,
// "Adding a part", lists every file).
type part struct {
	// name is how steps, errors and Plan name the part.
	name string
	// needs are the parts created before this one; its create stage is one after theirs.
	needs []string
	// wanted says whether spec asks for the part; nil means always.
	wanted func(spec *Spec) bool
	// id is what state records of the part; "" means it does not exist (or is not known).
	id func(st *State) string
	// label names an existing part for diagnostics ("IAM role x"); nil when the part is listed
	// with another (a policy with its role).
	label func(st *State) string
	// create makes the part and records its id in st.
	create func(ctx context.Context, d Deps, spec *Spec, st *State) error
	// current reports whether the part, as the last read saw it in st, is as spec wants it: Plan
	// then keeps it (Keep) instead of updating it (Modify). nil: Plan always updates an existing
	// part, and update itself skips what is unchanged.
	current func(spec *Spec, st *State) bool
	// update brings an existing part from c.prior to c.spec; nil when only its tags change.
	update func(ctx context.Context, d Deps, c *change) error
	// tagger is the part's tagging calls: Update re-tags every part that has one after its
	// update, through the one retag. nil for parts without tags of their own.
	tagger func(d Deps, st *State) tagger
	// remove deletes the part when st records it and forgets it; parts already gone count as
	// deleted. nil when the part goes with another one (a permission with its function).
	remove func(ctx context.Context, d Deps, st *State) error
	// read observes the part o.prior records: it fetches the object, records what AWS reports
	// in o.st and o.s, and forgets the part when the object is gone. Refresh runs every part's
	// read at once; import runs them stage by stage after locate. nil when another part's read
	// observes it (the role policy with the role).
	read func(ctx context.Context, d Deps, o *observation) error
	// forget clears the part's ids in st: how a part reads "gone". nil for the secret, whose
	// absence is State.SecretDeleted.
	forget func(st *State)
	// importOnly: refresh does not read the part (only import, for what its object says of the
	// configuration), because its absence changes nothing a plan acts on.
	importOnly bool
	// locatedFrom names the part whose read tells import this part's id (the function is the
	// secret's rotation function); "" for the secret, which import is given.
	locatedFrom string
	// locate records, for import, the part's ids in o.st from what the reads of locatedFrom saw;
	// nil when its ids come with another part's.
	locate func(ctx context.Context, d Deps, o *observation) error
	// owned reports whether a located part is the bundle's (it carries the bundle tag); nil
	// when the part is the bundle's by how it was located.
	owned func(o *observation) bool
	// find looks the part up by its deterministic name and records it in st when it carries the
	// bundle tag, for a cleanup whose create never got its answer. nil when there is nothing to find.
	find func(ctx context.Context, d Deps, spec *Spec, st *State) error
	// drifted reports whether the read saw the part changed outside Terraform in a way that no
	// attribute shows (the function's environment): Plan then repairs it.
	drifted func(s *seen) bool
	// attributes are the resource's computed attributes that hold the part's State.
	attributes []Attribute
	// observed writes what the part's read saw into the observed Spec (normalise), for the
	// part's settings that show drift; nil when the part has none of its own.
	observed func(prior, spec *Spec, st *State)
	// deleteStage orders Delete: stage 0 first. Ignored when remove is nil.
	deleteStage int
	// deletedWith names the part whose deletion takes this one along (a permission goes with its
	// function, a schedule with its secret): Delete skips it, and the rollback too when it goes
	// with the secret.
	deletedWith string
}

// Names of the parts, as Plan reports them.
const (
	PartSecret        = "secret"
	PartRole          = "IAM role"
	PartRolePolicy    = "role policy"
	PartLogGroup      = "log group"
	PartLogRetention  = "log retention"
	PartTopic         = "SNS topic"
	PartSubscriptions = "SNS subscriptions"
	PartFunction      = "Lambda function"
	PartRule          = "EventBridge rule"
	PartPermission    = "Lambda permission"
	PartSchedule      = "rotation schedule"
)

// catalogue lists the parts, every part after the parts it needs.
var catalogue = []*part{
	&secretPart, &rolePart, &logGroupPart, &topicPart,
	&rolePolicyPart, &functionPart, &logRetentionPart, &rulePart, &subscriptionsPart,
	&permissionPart, &resourcePolicyPart,
	&schedulePart,
}

func (p *part) isWanted(spec *Spec) bool { return p.wanted == nil || p.wanted(spec) }
