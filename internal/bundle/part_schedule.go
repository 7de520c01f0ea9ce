package bundle

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// schedulePart is the secret's rotation schedule, pointing at the rotator. It goes with the secret.
var schedulePart = part{
	name:   PartSchedule,
	needs:  []string{PartPermission},
	wanted: func(spec *Spec) bool { return spec.Rotation.Enabled },
	id: func(st *State) string {
		if st.RotationEnabled {
			return st.SecretARN
		}
		return ""
	},
	create: func(ctx context.Context, d Deps, spec *Spec, st *State) error {
		// Only Create asks for the first rotation now, and waits for it when told to.
		immediately := d.firstRotation != nil && spec.Rotation.RotateImmediately
		token, err := d.rotate(ctx, spec, st, immediately)
		if d.firstRotation != nil {
			*d.firstRotation = token
		}
		return err
	},
	update: func(ctx context.Context, d Deps, c *change) error {
		if !c.plan.createsAnew(PartFunction) && c.plan[PartSchedule] != Repair && scheduleEqual(c.prior.Rotation, c.spec.Rotation) {
			return nil
		}
		_, err := d.rotate(ctx, c.spec, c.st, false)
		return err
	},
	remove: func(ctx context.Context, d Deps, st *State) error { return d.cancelRotation(ctx, st) },
	// The secret's read sees the schedule: rotation pointed at another function outside
	// Terraform (rotate-secret --rotation-lambda-arn) is put back on the bundle's rotator. Its
	// rules show as the rotation attributes.
	drifted: func(_ Deps, o *observation, _ *Spec) bool {
		if o.s.secret == nil || o.st.FunctionARN == "" {
			return false
		}
		arn := aws.ToString(o.s.secret.RotationLambdaARN)
		return arn != "" && arn != o.st.FunctionARN
	},
	locatedFrom: PartSecret,
	deletedWith: PartSecret,
}

func scheduleEqual(a, b Rotation) bool {
	return a.AutomaticallyAfterDays == b.AutomaticallyAfterDays && a.ScheduleExpression == b.ScheduleExpression && a.Duration == b.Duration
}

// rotationInput is the RotateSecret call that sets the schedule; immediately asks for a rotation now.
func rotationInput(spec *Spec, st *State, immediately bool, token string) *secretsmanager.RotateSecretInput {
	rules := &smtypes.RotationRulesType{}
	if spec.Rotation.ScheduleExpression != "" {
		rules.ScheduleExpression = aws.String(spec.Rotation.ScheduleExpression)
	} else {
		rules.AutomaticallyAfterDays = aws.Int64(spec.Rotation.AutomaticallyAfterDays)
	}
	if spec.Rotation.Duration != "" {
		rules.Duration = aws.String(spec.Rotation.Duration)
	}
	return &secretsmanager.RotateSecretInput{
		SecretId:           aws.String(st.SecretARN),
		RotationLambdaARN:  aws.String(st.FunctionARN),
		RotationRules:      rules,
		RotateImmediately:  aws.Bool(immediately),
		ClientRequestToken: aws.String(token),
	}
}

// rotate sets the schedule (and rotates now when immediately), retrying while the invoke grant
// propagates. It returns the version id of the rotation it started, if any.
func (d Deps) rotate(ctx context.Context, spec *Spec, st *State, immediately bool) (string, error) {
	input := rotationInput(spec, st, immediately, newToken())
	var out *secretsmanager.RotateSecretOutput
	err := retryOn(ctx, func() (err error) {
		out, err = d.AWS.SecretsManager.RotateSecret(ctx, input)
		return err
	}, errCannotInvoke, errCannotInvokeInvalidRequest)
	if anyMatch(err, []apiErrorMatch{errRotationInProgress, errRotationNotComplete}) && d.rotationStartedBy(ctx, st, aws.ToString(input.ClientRequestToken)) {
		// The SDK retried a RotateSecret whose answer was lost: the rotation it asked for runs.
		out, err = &secretsmanager.RotateSecretOutput{VersionId: input.ClientRequestToken}, nil
	}
	if anyMatch(err, []apiErrorMatch{errRotationInProgress, errRotationNotComplete}) {
		return "", d.rotationInFlightError(ctx, st, err)
	}
	if err != nil && !immediately && strings.Contains(err.Error(), "testSecret") {
		return "", fmt.Errorf("setting the rotation schedule of secret %s: Secrets Manager tests a new schedule by running the rotator's testSecret step with the secret's current credentials, and it failed; the database is unreachable or the secret's password no longer logs in (changed out of band?). Bring the database back, or write the working password with credentials.password_wo and a new password_wo_version, then apply again: %w", st.SecretARN, err)
	}
	if err != nil {
		return "", fmt.Errorf("setting the rotation schedule of secret %s: %w", st.SecretARN, err)
	}
	st.RotationEnabled = true
	if immediately {
		return aws.ToString(out.VersionId), nil
	}
	return "", nil
}

// rotationInFlightError is a schedule change refused while a rotation is in flight: it names the
// rotation (its AWSPENDING version) and, when the rotator logged its failure, says so and how to
// end it.
func (d Deps) rotationInFlightError(ctx context.Context, st *State, err error) error {
	pending := ""
	if out, findErr := d.findSecretByID(ctx, st.SecretARN); findErr == nil {
		for id, stages := range out.VersionIdsToStages {
			if slices.Contains(stages, stagePending) && !slices.Contains(stages, stageCurrent) {
				pending = id
			}
		}
	}
	if pending == "" {
		return fmt.Errorf("setting the rotation schedule of secret %s: a rotation is in flight, and Secrets Manager takes no new schedule until it ends; wait for it to finish, then apply again: %w", st.SecretARN, err)
	}
	if failure, failed := d.rotationFailure(ctx, st, pending); failed {
		return fmt.Errorf("setting the rotation schedule of secret %s: the rotation of AWSPENDING version %s failed (%s) and waits to be re-attempted, and Secrets Manager takes no new schedule until it ends. Fix its cause and let it be re-attempted, or cancel it (aws secretsmanager cancel-rotate-secret --secret-id %s: AWSCURRENT stays as it is, and the next rotation replaces the pending version), then apply again: %w",
			st.SecretARN, pending, failure, st.SecretARN, err)
	}
	return fmt.Errorf("setting the rotation schedule of secret %s: the rotation of AWSPENDING version %s is in flight, and Secrets Manager takes no new schedule until it ends; wait for it to finish (a rotation takes seconds to minutes), then apply again: %w", st.SecretARN, pending, err)
}

func (d Deps) cancelRotation(ctx context.Context, st *State) error {
	// CancelRotateSecret also ends a rotation in flight: say which, so that turning rotation off
	// during a failed rotation is not silent. A failed look-up only leaves it unsaid.
	st.CancelledRotation = ""
	if out, err := d.findSecretByID(ctx, st.SecretARN); err == nil {
		for id, stages := range out.VersionIdsToStages {
			if !slices.Contains(stages, stagePending) || slices.Contains(stages, stageCurrent) {
				continue
			}
			st.CancelledRotation = "the rotation of AWSPENDING version " + id
			if failure, failed := d.rotationFailure(ctx, st, id); failed {
				st.CancelledRotation += ", which had failed (" + failure + ")"
			}
		}
	}
	if _, err := d.AWS.SecretsManager.CancelRotateSecret(ctx, &secretsmanager.CancelRotateSecretInput{SecretId: aws.String(st.SecretARN)}); err != nil && !isNotFound(err) {
		return fmt.Errorf("turning off rotation of secret %s: %w", st.SecretARN, err)
	}
	st.RotationEnabled = false
	return nil
}

// rotationStartedBy reports whether the secret points at the bundle's rotator and holds a version
// made by the rotation of token.
func (d Deps) rotationStartedBy(ctx context.Context, st *State, token string) bool {
	out, err := d.findSecretByID(ctx, st.SecretARN)
	if err != nil || aws.ToString(out.RotationLambdaARN) != st.FunctionARN {
		return false
	}
	_, ok := out.VersionIdsToStages[token]
	return ok
}
