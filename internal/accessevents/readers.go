package accessevents

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Readers are the identities expected to call a secret: IAM ARNs or ARN patterns, where * matches
// any run of characters and ? one character, as in IAM policies. A user matches by its ARN; an
// assumed role's session matches by the session's ARN
// (arn:aws:sts::123456789012:assumed-role/app/session) or by its role's
// (arn:aws:iam::123456789012:role/path/app), so a pattern like arn:aws:iam::*:role/team/* covers every
// session of the team's roles.
type Readers []string

// Expects tells whether the event's caller is one of the readers. Calls that AWS services make
// on their own (principal type AWSService) and the events they record (Secrets Manager's rotation
// events) are AWS's, not a reader's, and always expected.
func (r Readers) Expects(e Event) bool {
	// A service event (Secrets Manager's RotationFailed and the like) names only the service that
	// recorded it (userIdentity.invokedBy), without a type.
	if e.PrincipalType == "AWSService" || (e.PrincipalType == "" && strings.HasSuffix(e.PrincipalARN, ".amazonaws.com")) {
		return true
	}
	for _, pattern := range r {
		for _, identity := range []string{e.PrincipalARN, e.IssuerARN} {
			if identity != "" && matchARN(pattern, identity) {
				return true
			}
		}
	}
	return false
}

// Unexpected returns the events whose caller is not one of the readers, in their order.
func (r Readers) Unexpected(events []Event) []Event {
	var out []Event
	for _, e := range events {
		if !r.Expects(e) {
			out = append(out, e)
		}
	}
	return out
}

// matchARN matches an ARN against an IAM pattern: * any run of characters (slashes too), ? any one.
func matchARN(pattern, arn string) bool {
	pieces := strings.Split(pattern, "*")
	if len(pieces) == 1 {
		return matchRun(pattern, arn)
	}
	return matchPieces(pieces, arn)
}

// matchPieces matches arn against pieces joined by * wildcards; each piece may hold ? wildcards.
func matchPieces(pieces []string, arn string) bool {
	first, last := pieces[0], pieces[len(pieces)-1]
	if len(arn) < len(first) || !matchRun(first, arn[:len(first)]) {
		return false
	}
	arn = arn[len(first):]
	for _, piece := range pieces[1 : len(pieces)-1] {
		found := false
		for i := 0; i+len(piece) <= len(arn); i++ {
			if matchRun(piece, arn[i:i+len(piece)]) {
				arn, found = arn[i+len(piece):], true
				break
			}
		}
		if !found {
			return false
		}
	}
	return len(arn) >= len(last) && matchRun(last, arn[len(arn)-len(last):])
}

// matchRun matches a run of the same length, ? matching any one byte.
func matchRun(piece, s string) bool {
	if len(piece) != len(s) {
		return false
	}
	for i := 0; i < len(piece); i++ {
		if piece[i] != '?' && piece[i] != s[i] {
			return false
		}
	}
	return true
}

// CallerPattern is the reader pattern of the identity Terraform runs as: a user's ARN as it is,
// every session of an assumed role (arn:aws:sts::123456789012:assumed-role/deployer/*).
func CallerPattern(callerARN string) string {
	if before, after, ok := strings.Cut(callerARN, ":assumed-role/"); ok {
		if role, _, ok := strings.Cut(after, "/"); ok {
			return before + ":assumed-role/" + role + "/*"
		}
	}
	return callerARN
}

// FunctionAPI is the part of Lambda that finding a function's role needs.
type FunctionAPI interface {
	GetFunctionConfiguration(ctx context.Context, params *lambda.GetFunctionConfigurationInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error)
}

// RotatorRole returns the role of the secret's rotation function ("" when the secret has none):
// its reads are the rotation's, expected without being listed.
func RotatorRole(ctx context.Context, secrets DescribeAPI, functions FunctionAPI, secretARN string) (string, error) {
	out, err := secrets.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(secretARN)})
	if err != nil {
		return "", fmt.Errorf("reading the secret's rotation function with DescribeSecret: %w", err)
	}
	if aws.ToString(out.RotationLambdaARN) == "" {
		return "", nil
	}
	function, err := functions.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: out.RotationLambdaARN})
	if err != nil {
		return "", fmt.Errorf("reading the role of rotation function %s (needs lambda:GetFunctionConfiguration): %w", aws.ToString(out.RotationLambdaARN), err)
	}
	return aws.ToString(function.Role), nil
}
