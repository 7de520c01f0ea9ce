package bundle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials"
)

// sleep waits for d or until ctx ends, whichever is first, and says which.
func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// waitFunctionReady polls until the function is Active and its last update Successful, so that
// granting and rotating do not meet a Pending function.
func (d Deps) waitFunctionReady(ctx context.Context, name string) error {
	var state lambdatypes.State
	// Functions often become Active within a second: poll soon, then back off.
	err := poll(ctx, firstBackoff/2, func() (bool, error) {
		out, err := d.AWS.Lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)})
		if err != nil {
			return true, fmt.Errorf("waiting for Lambda function %s to become Active: %w", name, err)
		}
		state = out.State
		switch {
		case out.State == lambdatypes.StateFailed:
			return true, fmt.Errorf("Lambda function %s failed to become Active: %s (%s); check its configuration and role", name, aws.ToString(out.StateReason), out.StateReasonCode)
		case out.LastUpdateStatus == lambdatypes.LastUpdateStatusFailed:
			return true, fmt.Errorf("the last update of Lambda function %s failed: %s", name, aws.ToString(out.LastUpdateStatusReason))
		}
		return out.State == lambdatypes.StateActive && out.LastUpdateStatus != lambdatypes.LastUpdateStatusInProgress, nil
	})
	if errors.Is(err, errPollExpired) {
		return fmt.Errorf("Lambda function %s is still %s after the timeout; raise timeouts or check the function", name, state)
	}
	return err
}

const (
	stageCurrent = credentials.StageCurrent
	stagePending = credentials.StagePending
)

// errRotationFailed is a rotation the rotator reported as failed, with its code and message.
var errRotationFailed = errors.New("the first rotation failed")

// waitRotation waits until the rotation for token has finished: AWSCURRENT on token and no
// AWSPENDING left. AWS rotates asynchronously, LocalStack inside RotateSecret; both end here. A
// failure the rotator logged ends the wait early with its message.
func (d Deps) waitRotation(ctx context.Context, st *State, token string) error {
	// The rotation started just before the wait; the margin covers clock skew between this
	// machine and CloudWatch Logs' timestamps.
	since := time.Now().Add(-2 * time.Minute)
	err := poll(ctx, firstBackoff, func() (bool, error) {
		out, err := d.findSecretByID(ctx, st.SecretARN)
		if err != nil {
			return true, fmt.Errorf("waiting for the first rotation of secret %s: %w", st.SecretARN, err)
		}
		if rotationFinished(out.VersionIdsToStages, token) {
			st.VersionID = token
			st.LastRotatedDate, st.NextRotationDate = aws.ToTime(out.LastRotatedDate), aws.ToTime(out.NextRotationDate)
			return true, nil
		}
		if failure, ok := d.rotationFailureSince(ctx, st, token, since); ok {
			return true, fmt.Errorf("%w: %s", errRotationFailed, failure)
		}
		return false, nil
	})
	if errors.Is(err, errPollExpired) {
		return fmt.Errorf("the first rotation of secret %s has not finished within the timeout; it may still finish: see the log group %s", st.SecretARN, st.LogGroupName)
	}
	return err
}

func rotationFinished(stages map[string][]string, token string) bool {
	if !slices.Contains(stages[token], stageCurrent) {
		return false
	}
	for _, s := range stages {
		if slices.Contains(s, stagePending) && !slices.Contains(s, stageCurrent) {
			return false
		}
	}
	return true
}

// rotationFailure reads the rotator's log group for a failed step of the rotation token (or of
// any rotation when token is empty), returning "code: error" of the latest one.
func (d Deps) rotationFailure(ctx context.Context, st *State, token string) (string, bool) {
	return d.rotationFailureSince(ctx, st, token, time.Time{})
}

// maxLogPages bounds the pages of one look at the log group.
const maxLogPages = 50

// rotationFailureSince is rotationFailure over every page of the log from since on. With since
// set (the wait for a rotation that just started), it also recognises what Lambda itself logs
// when the function never gets to write its own line: a timeout ("Task timed out after …",
// "Status: timeout") or a function that fails to start (Runtime.ExitError, "Status: error").
func (d Deps) rotationFailureSince(ctx context.Context, st *State, token string, since time.Time) (string, bool) {
	if st.LogGroupName == "" {
		return "", false
	}
	input := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(st.LogGroupName)}
	if since.IsZero() {
		input.FilterPattern = aws.String(`"failed"`)
	} else {
		input.StartTime = aws.Int64(since.UnixMilli())
	}
	found := ""
	for page := 0; page < maxLogPages; page++ {
		out, err := d.AWS.Logs.FilterLogEvents(ctx, input)
		if err != nil {
			// The log group is a diagnosis aid; not being able to read it is no reason to fail.
			break
		}
		// Events come oldest first: the last match is the latest.
		for _, event := range out.Events {
			message := aws.ToString(event.Message)
			if line, ok := credentials.ParseLogLine(message); ok {
				if line.Outcome == credentials.OutcomeFailed && (token == "" || line.Token == token) {
					found = fmt.Sprintf("%s step failed (%s): %s", line.Step, line.Code, line.Error)
				}
				continue
			}
			if !since.IsZero() {
				if problem, ok := lambdaRuntimeFailure(message); ok {
					found = problem
				}
			}
		}
		next := aws.ToString(out.NextToken)
		if next == "" || next == aws.ToString(input.NextToken) {
			break
		}
		input.NextToken = aws.String(next)
	}
	return found, found != ""
}

// lambdaRuntimeFailure recognises Lambda's own log lines for an invocation that timed out or a
// function that could not start.
func lambdaRuntimeFailure(message string) (string, bool) {
	message = strings.TrimSpace(message)
	line := message
	if len(line) > 300 {
		line = line[:300]
	}
	switch {
	case strings.Contains(message, "Task timed out after"), strings.Contains(message, "Status: timeout"):
		return fmt.Sprintf("the rotation function timed out (%s); raise rotation.lambda.timeout, or check that the function reaches the database and Secrets Manager (rotation.lambda.subnet_ids, security groups, a Secrets Manager VPC endpoint)", line), true
	case strings.Contains(message, "Runtime.ExitError"), strings.Contains(message, "Runtime.InvalidEntrypoint"),
		strings.Contains(message, "Runtime exited"), strings.Contains(message, "Phase: init") && strings.Contains(message, "Status: error"):
		return fmt.Sprintf("the rotation function failed to start (%s); check its architecture, memory size and role", line), true
	}
	return "", false
}

// refreshDates reads the rotation dates Secrets Manager computed from a new schedule.
func (d Deps) refreshDates(ctx context.Context, st *State) error {
	out, err := d.findSecretByID(ctx, st.SecretARN)
	if err != nil {
		return fmt.Errorf("reading the rotation dates of secret %s: %w", st.SecretARN, err)
	}
	st.LastRotatedDate, st.NextRotationDate = aws.ToTime(out.LastRotatedDate), aws.ToTime(out.NextRotationDate)
	st.RotationEnabled = aws.ToBool(out.RotationEnabled)
	return nil
}
