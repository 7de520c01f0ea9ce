package bundle

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/smithy-go"
)

// step creates one AWS object (Run) and can undo it (Cleanup), as in Packer's multistep. Steps of
// one stage are independent and run concurrently; a stage starts when the one before has finished.
// Cleanup runs for every step that started, even one that failed half way (a function created but
// never Active), so it must do nothing when its object's id was never recorded.
type step struct {
	name    string
	run     func(ctx context.Context) error
	cleanup func(ctx context.Context) error
}

type stage []step

// rollbackTimeout bounds the cleanup after a failed create: the create's own deadline may be what
// failed, so cleanup gets a fresh one.
const rollbackTimeout = 5 * time.Minute

// CreateError is a failed create. Survivors are the parts rollback could not delete; they are in
// the State returned beside the error so that Terraform keeps them (tainted) and the next apply or
// destroy finishes the job.
type CreateError struct {
	Err         error
	RollbackErr error
	Survivors   []string
	// Existing are the parts of a bundle of the same name, found when the secret's name was
	// taken: an interrupted apply's, to be imported as TakeOver says.
	Existing []string
	TakeOver string
}

func (e *CreateError) Error() string {
	if e.RollbackErr == nil && len(e.Existing) > 0 {
		return fmt.Sprintf("%v; every part this apply created was deleted again, and nothing else was touched. %s", e.Err, e.TakeOver)
	}
	if e.RollbackErr == nil {
		return fmt.Sprintf("%v; every part created before the failure was deleted again", e.Err)
	}
	return fmt.Sprintf("%v; rolling back also failed (%v), so these parts still exist and are kept in state, marked for replacement: %s. Run terraform apply again to replace them or terraform destroy to delete them",
		e.Err, e.RollbackErr, strings.Join(e.Survivors, ", "))
}

func (e *CreateError) Unwrap() error { return e.Err }

// runStages runs the stages in order. When a step fails, the other steps of its stage finish, and
// then every step that started is cleaned up, latest stage first. It returns the names of the
// steps whose cleanup failed, the run error and the rollback's error.
func runStages(ctx context.Context, stages []stage) (survivors []string, runErr, rollbackErr error) {
	var done []step
	for _, st := range stages {
		err := runStage(ctx, st)
		done = append(done, st...)
		if err != nil {
			survivors, rollbackErr = rollback(ctx, done)
			return survivors, err, rollbackErr
		}
	}
	return nil, nil, nil
}

// rollback cleans up the steps in reverse order, continuing past failures so that as much as
// possible is deleted.
func rollback(ctx context.Context, done []step) ([]string, error) {
	cleanupCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	var errs []error
	var survivors []string
	for i := len(done) - 1; i >= 0; i-- {
		if done[i].cleanup == nil {
			continue
		}
		if err := safely(done[i].name, func() error { return done[i].cleanup(cleanupCtx) }); err != nil {
			errs = append(errs, err)
			survivors = append(survivors, done[i].name)
		}
	}
	return survivors, errors.Join(errs...)
}

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
