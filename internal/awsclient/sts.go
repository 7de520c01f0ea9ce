package awsclient

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// STSAPI is the part of the sts client this provider uses.
type STSAPI interface {
	GetCallerIdentity(ctx context.Context, params *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

var _ STSAPI = (*sts.Client)(nil)
