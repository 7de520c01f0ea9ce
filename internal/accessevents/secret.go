package accessevents

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// DescribeAPI is the part of Secrets Manager that resolving a secret's name needs.
type DescribeAPI interface {
	DescribeSecret(ctx context.Context, params *secretsmanager.DescribeSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
}

// secretARNPattern captures the name in a full secret ARN; Secrets Manager appends a dash and six
// random characters to the name.
var secretARNPattern = regexp.MustCompile(`^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:(.+)-[A-Za-z0-9]{6}$`)

// ErrSecretNotFound is wrapped by ResolveSecret when a name matches no secret.
var ErrSecretNotFound = errors.New("secret not found")

// ResolveSecret returns a secret's ARN and name. A full ARN is taken as it is, without any call,
// so that the events of a deleted secret can still be listed; a name is resolved with
// DescribeSecret.
func ResolveSecret(ctx context.Context, api DescribeAPI, secretID string) (arn, name string, err error) {
	if match := secretARNPattern.FindStringSubmatch(secretID); match != nil {
		return secretID, match[1], nil
	}
	out, err := api.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(secretID)})
	if err != nil {
		var notFound *types.ResourceNotFoundException
		if errors.As(err, &notFound) {
			return "", "", fmt.Errorf("%w: no secret %q in this account and region; check secret_id and the provider's region, or give the full ARN of a secret that has been deleted", ErrSecretNotFound, secretID)
		}
		if strings.HasPrefix(secretID, "arn:") {
			return "", "", fmt.Errorf("resolving secret %q: %w; give its full ARN, with the six-character suffix, to skip this call", secretID, err)
		}
		return "", "", fmt.Errorf("resolving secret %q to its ARN with DescribeSecret (needs secretsmanager:DescribeSecret, or give the full ARN): %w", secretID, err)
	}
	return aws.ToString(out.ARN), aws.ToString(out.Name), nil
}
