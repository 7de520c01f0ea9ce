package bundle

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// neverRotates answers DescribeSecret as if the rotation were stuck with AWSPENDING.
type neverRotates struct{ fakeSecrets }

func (s neverRotates) DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	out, err := s.fakeSecrets.DescribeSecret(ctx, in, opts...)
	if err == nil {
		out.VersionIdsToStages = map[string][]string{"first": {stageCurrent}, "rotated": {stagePending}}
	}
	return out, err
}
