package bundle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
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
	// Functions often become Active within a second: poll soon, then back off.
	backoff := firstBackoff / 2
	for {
		out, err := d.AWS.Lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)})
		if err != nil {
			return fmt.Errorf("waiting for Lambda function %s to become Active: %w", name, err)
		}
		switch {
		case out.State == lambdatypes.StateFailed:
			return fmt.Errorf("Lambda function %s failed to become Active: %s (%s); check its configuration and role", name, aws.ToString(out.StateReason), out.StateReasonCode)
		case out.LastUpdateStatus == lambdatypes.LastUpdateStatusFailed:
			return fmt.Errorf("the last update of Lambda function %s failed: %s", name, aws.ToString(out.LastUpdateStatusReason))
		case out.State == lambdatypes.StateActive && out.LastUpdateStatus != lambdatypes.LastUpdateStatusInProgress:
			return nil
		}
		if err := sleep(ctx, backoff); err != nil {
			return fmt.Errorf("Lambda function %s is still %s after the timeout; raise timeouts or check the function", name, out.State)
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

const (
	stageCurrent = "AWSCURRENT"
	stagePending = "AWSPENDING"
)

// rotatorLogLine is the part of the rotator's JSON log line (internal/rotator.LogLine) this package
// reads. It is declared here rather than imported so the provider does not link the rotator's
// database drivers; the rotator promises to add fields only, never rename them.
type rotatorLogLine struct {
	Step    string `json:"step"`
	Token   string `json:"token"`
	Outcome string `json:"outcome"`
	Error   string `json:"error"`
	Code    string `json:"code"`
}

// errRotationFailed is a rotation the rotator reported as failed, with its code and message.
var errRotationFailed = errors.New("the first rotation failed")

// waitRotation waits until the rotation for token has finished: AWSCURRENT on token and no
// AWSPENDING left. AWS rotates asynchronously, LocalStack inside RotateSecret; both end here. A
// failure the rotator logged ends the wait early with its message.
func (d Deps) waitRotation(ctx context.Context, st *State, token string) error {
	backoff := firstBackoff
	for {
		out, err := d.AWS.SecretsManager.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(st.SecretARN)})
		if err != nil {
			return fmt.Errorf("waiting for the first rotation of secret %s: %w", st.SecretARN, err)
		}
		if rotationFinished(out.VersionIdsToStages, token) {
			st.VersionID = token
			st.LastRotatedDate, st.NextRotationDate = aws.ToTime(out.LastRotatedDate), aws.ToTime(out.NextRotationDate)
			return nil
		}
		if failure, ok := d.rotationFailure(ctx, st, token); ok {
			return fmt.Errorf("%w: %s", errRotationFailed, failure)
		}
		if err := sleep(ctx, backoff); err != nil {
			return fmt.Errorf("the first rotation of secret %s has not finished within the timeout; it may still finish: see the log group %s", st.SecretARN, st.LogGroupName)
		}
		backoff = min(backoff*2, maxBackoff)
	}
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
	if st.LogGroupName == "" {
		return "", false
	}
	out, err := d.AWS.Logs.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName: aws.String(st.LogGroupName),
		// The rotator's failed steps, and Lambda's own line for a function it stopped at its
		// timeout (the rotator logs nothing then).
		FilterPattern: aws.String(`?"failed" ?"Task timed out"`),
	})
	if err != nil {
		// The log group is a diagnosis aid; not being able to read it is no reason to fail.
		return "", false
	}
	timedOut := ""
	for i := len(out.Events) - 1; i >= 0; i-- {
		message := strings.TrimSpace(aws.ToString(out.Events[i].Message))
		if j := strings.Index(message, lambdaTimedOut); j >= 0 && timedOut == "" {
			timedOut = message[j:]
		}
		var line rotatorLogLine
		if !strings.HasPrefix(message, "{") || json.Unmarshal([]byte(message), &line) != nil || line.Outcome != "failed" {
			continue
		}
		if token != "" && line.Token != token {
			continue
		}
		return fmt.Sprintf("%s step failed (%s): %s", line.Step, line.Code, line.Error), true
	}
	if timedOut != "" {
		return fmt.Sprintf("the rotator Lambda function was stopped at its timeout (%s): raise rotation.lambda.timeout, or check that the database answers within it", timedOut), true
	}
	return "", false
}

// lambdaTimedOut starts the line Lambda writes to a function's log group when it stops the
// function at its timeout.
const lambdaTimedOut = "Task timed out after"

// refreshDates reads the rotation dates Secrets Manager computed from a new schedule.
func (d Deps) refreshDates(ctx context.Context, st *State) error {
	out, err := d.AWS.SecretsManager.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(st.SecretARN)})
	if err != nil {
		return fmt.Errorf("reading the rotation dates of secret %s: %w", st.SecretARN, err)
	}
	st.LastRotatedDate, st.NextRotationDate = aws.ToTime(out.LastRotatedDate), aws.ToTime(out.NextRotationDate)
	st.RotationEnabled = aws.ToBool(out.RotationEnabled)
	return nil
}
