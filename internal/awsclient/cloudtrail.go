package awsclient

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
)

// CloudTrailAPI is the part of the cloudtrail client this provider uses.
type CloudTrailAPI interface {
	LookupEvents(ctx context.Context, params *cloudtrail.LookupEventsInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.LookupEventsOutput, error)
}

var _ CloudTrailAPI = (*cloudtrail.Client)(nil)
