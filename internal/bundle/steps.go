package bundle

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
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
}

func (e *CreateError) Error() string {
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
