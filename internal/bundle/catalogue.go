package bundle

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/smithy-go"
)

// part is one piece of a bundle in the catalogue. It knows how it is created, updated, deleted
// and found again by its deterministic name and the bundle tag, and which parts it needs first.
// Create, Update, Delete, the rollback, Plan and State.Parts all build on the catalogue, so a
// new part is one new file (part_*.go) and one line in catalogue.
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
	// update brings an existing part from c.prior to c.spec, re-tagging included.
	update func(ctx context.Context, d Deps, c *change) error
	// remove deletes the part when st records it and forgets it; parts already gone count as
	// deleted. nil when the part goes with another one (a permission with its function).
	remove func(ctx context.Context, d Deps, st *State) error
	// find looks the part up by its deterministic name and records it in st when it carries the
	// bundle tag, for a cleanup whose create never got its answer. nil when there is nothing to find.
	find func(ctx context.Context, d Deps, spec *Spec, st *State) error
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
	&permissionPart,
	&schedulePart,
}

func (p *part) isWanted(spec *Spec) bool { return p.wanted == nil || p.wanted(spec) }

// stagesOf groups the wanted parts into stages: a part runs one stage after the latest of its needs.
func stagesOf(spec *Spec, step func(p *part) step) []stage {
	depth := map[string]int{}
	var stages []stage
	for _, p := range catalogue {
		level := 0
		for _, need := range p.needs {
			level = max(level, depth[need]+1)
		}
		depth[p.name] = level
		if !p.isWanted(spec) {
			continue
		}
		for len(stages) <= level {
			stages = append(stages, nil)
		}
		stages[level] = append(stages[level], step(p))
	}
	return stages
}

// cleanup undoes a part's create in a rollback. When the create never learnt the part's id (its
// answer was lost: a dropped connection, the deadline, Ctrl-C), the part is looked up by its
// deterministic name and deleted only if it carries the bundle tag.
func (p *part) cleanup(d Deps, spec *Spec, st *State, runErr *error) func(ctx context.Context) error {
	if p.remove == nil || p.deletedWith == PartSecret {
		return nil
	}
	return func(ctx context.Context) error {
		// A call cancelled in flight may still be at work in AWS: look again a little later.
		for try := 0; p.id(st) == "" && p.find != nil && outcomeUnknown(*runErr) && try < 1+len(findAgainAfter); try++ {
			if try > 0 && sleep(ctx, findAgainAfter[try-1]) != nil {
				break
			}
			if err := p.find(ctx, d, spec, st); err != nil {
				return fmt.Errorf("looking for a %s whose creation got no answer: %w", p.name, err)
			}
		}
		return p.remove(ctx, d, st)
	}
}

// findAgainAfter are the pauses before a cleanup looks again for a part whose create got no
// answer; a variable so that unit tests need not wait.
var findAgainAfter = []time.Duration{time.Second, 2 * time.Second}

// outcomeUnknown reports whether a create's error leaves open that AWS made the object: no AWS
// answer came back (a transport error, the deadline, a cancellation), or none was asked yet.
func outcomeUnknown(err error) bool {
	var apiErr smithy.APIError
	var before notCreated
	return err != nil && !errors.As(err, &apiErr) && !errors.As(err, &before)
}

// notCreated wraps a create's error from before it asked AWS to make anything: its look-up
// failed, or found the object already there. The object is not this apply's, so the rollback
// does not look it up (by its name and the bundle tag, which a second workspace's bundle of the
// same secret name shares) and delete it.
type notCreated struct{ error }

func (e notCreated) Unwrap() error { return e.error }

// alreadyThere is the error of a create that found its object already there: this apply did not
// create it, so it is neither adopted nor deleted. owner says whose it is, by its bundle tag.
func alreadyThere(what string, tags map[string]string, secretName string) error {
	owner := "it has no tag " + BundleTagKey + ", so secretsbundle did not make it"
	if v, ok := tags[BundleTagKey]; ok && v == secretName {
		owner = fmt.Sprintf("it carries the tag %s = %q: a bundle of this secret name that another Terraform state (workspace) manages, or that an interrupted apply left", BundleTagKey, v)
	} else if ok {
		owner = fmt.Sprintf("it carries the tag %s = %q, another bundle's", BundleTagKey, v)
	}
	return notCreated{fmt.Errorf("%s already exists and this apply did not create it (%s); it is left as it is", what, owner)}
}

// safely runs fn, turning a panic into an error so that the rollback still runs.
func safely(name string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: internal error (panic: %v); this is a bug in the provider, please report it", name, r)
		}
	}()
	return fn()
}

// Action is what Plan does to a part.
type Action int

const (
	// Keep: the part is left as it is, or does not exist and is not wanted.
	Keep Action = iota
	// Modify: the part exists and is updated in place where it differs.
	Modify
	// Add: the part is missing (new, or deleted out of band) and is created.
	Add
	// Replace: the part is put anew and gets a new identity (a rule pointed at another topic).
	Replace
	// Remove: the part exists and is no longer wanted.
	Remove
)

// Changes is what Plan decided, part by part.
type Changes map[string]Action

// NewIdentity reports whether the named part's id changes (created, replaced or removed).
func (c Changes) NewIdentity(name string) bool {
	a := c[name]
	return a == Add || a == Replace || a == Remove
}

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
		default:
			changes[p.name] = Modify
		}
	}
	// The rule is put anew when it must point at another topic.
	if changes[PartRule] == Modify && (prior.Alert.TopicARN != spec.Alert.TopicARN || changes[PartTopic] == Add ||
		(spec.Alert.TopicARN != "" && st.TopicARN != spec.Alert.TopicARN)) {
		changes[PartRule] = Replace
	}
	return changes
}

// change is one Update: what is wanted, what was, the state as it is being updated, and the plan.
type change struct {
	prior, spec *Spec
	st          *State
	plan        Changes
}

// The steps of a stage run concurrently; runStage waits for all, recovering panics.
func runStage(ctx context.Context, st stage) error {
	if len(st) == 1 {
		return safely(st[0].name, func() error { return st[0].run(ctx) })
	}
	errs := make([]error, len(st))
	var wg sync.WaitGroup
	for i := range st {
		wg.Go(func() { errs[i] = safely(st[i].name, func() error { return st[i].run(ctx) }) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// began is when a Create started: an object found by name is adopted only if it is younger.
func createdSince(created, began time.Time) bool {
	return created.IsZero() || began.IsZero() || !created.Before(began.Add(-time.Second))
}
