package bundle

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/aws/smithy-go"
)

// Eventual-consistency errors worth waiting out, each by its exact code and message.
var (
	// A new role is not assumable by Lambda for about ten seconds.
	errRoleNotAssumable = apiErrorMatch{code: "InvalidParameterValueException", message: "cannot be assumed by Lambda"}
	// In a VPC, Lambda checks the role's network-interface permissions at CreateFunction and
	// UpdateFunctionConfiguration: the inline policy written just before takes as long to propagate.
	errRoleLacksVPCAccess = apiErrorMatch{code: "InvalidParameterValueException", message: "does not have permissions to call CreateNetworkInterface"}
	// RotateSecret is refused until the invoke grant has propagated.
	errCannotInvoke               = apiErrorMatch{code: "AccessDeniedException", message: "Secrets Manager cannot invoke the specified Lambda function"}
	errCannotInvokeInvalidRequest = apiErrorMatch{code: "InvalidRequestException", message: "Secrets Manager cannot invoke the specified Lambda function"}
	// A secret deleted without recovery frees its name a few seconds later.
	errScheduledForDeletion = apiErrorMatch{code: "InvalidRequestException", message: "scheduled for deletion"}
	// A RotateSecret retried after its answer was lost meets the rotation it started.
	// LocalStack's words, then AWS's.
	errRotationInProgress  = apiErrorMatch{code: "InvalidRequestException", message: "rotation request is still in progress"}
	errRotationNotComplete = apiErrorMatch{code: "InvalidRequestException", message: "previous rotation isn't complete"}
	// Lambda refuses changes while a previous update is in progress.
	errUpdateInProgress = apiErrorMatch{code: "ResourceConflictException", message: "update is in progress"}
)

type apiErrorMatch struct {
	code    string
	message string
}

func (m apiErrorMatch) matches(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == m.code && strings.Contains(apiErr.ErrorMessage(), m.message)
}

// Backoff of retries and polls: short at first because LocalStack and most propagation are quick.
const (
	firstBackoff = 500 * time.Millisecond
	maxBackoff   = 5 * time.Second
)

// errPollExpired is poll's error when ctx ended before the polled condition was met.
var errPollExpired = errors.New("still not done when the timeout ended")

// poll calls try until it reports done, and returns try's error then. Between tries it waits,
// from first, doubling up to maxBackoff. When ctx ends (the resource's timeout) first, it returns
// try's last error, or errPollExpired when there was none. It is the one retry and wait loop of
// the package.
func poll(ctx context.Context, first time.Duration, try func() (done bool, err error)) error {
	wait := first
	for {
		done, err := try()
		if done {
			return err
		}
		if sleep(ctx, wait) != nil {
			if err != nil {
				return err
			}
			return errPollExpired
		}
		wait = min(wait*2, maxBackoff)
	}
}

// retryOn calls fn until it succeeds, fails with an error none of the matches accept, or ctx ends
// (the resource's timeout); then it returns fn's last error.
func retryOn(ctx context.Context, fn func() error, matches ...apiErrorMatch) error {
	return poll(ctx, firstBackoff, func() (bool, error) {
		err := fn()
		return err == nil || !anyMatch(err, matches), err
	})
}

func anyMatch(err error, matches []apiErrorMatch) bool {
	for _, m := range matches {
		if m.matches(err) {
			return true
		}
	}
	return false
}

// isNotFound reports whether err says the object does not exist, in any service's words.
func isNotFound(err error) bool {
	return errors.Is(err, errNotFound) || hasErrorCode(err, "ResourceNotFoundException", "NoSuchEntity", "NotFound", "NotFoundException", "DBInstanceNotFound", "DBClusterNotFoundFault")
}

// isAlreadyExists reports whether err says a create found its object already there, in any
// service's words: what the SDK's retry of a create whose answer was lost meets.
func isAlreadyExists(err error) bool {
	return hasErrorCode(err, "EntityAlreadyExists", "ResourceAlreadyExistsException", "ResourceConflictException", "ResourceExistsException") &&
		!errUpdateInProgress.matches(err)
}

func hasErrorCode(err error, codes ...string) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && slices.Contains(codes, apiErr.ErrorCode())
}
