package awsclient

import (
	"context"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/kms"
)

// KMSAPI is the part of the kms client this provider uses: resolving a key given by alias or id.
type KMSAPI interface {
	DescribeKey(ctx context.Context, params *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
}

var _ KMSAPI = (*kms.Client)(nil)
