// Package cloudtrail is a small CloudTrail client for the four read-only operations the provider
// calls, with the names and shapes of github.com/aws/aws-sdk-go-v2/service/cloudtrail, whose
// generated package (1.6 MB of the binary) it replaces. Calls go through internal/awsclient/awsrpc:
// the shared aws.Config's credentials, HTTP client, retryer and endpoint resolution, and the
// SDK's error wording.
package cloudtrail

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/awsrpc"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudtrail/types"
)

// ServiceID is the SDK's service id.
const ServiceID = "CloudTrail"

var service = awsrpc.Service{ID: ServiceID, SigningName: "cloudtrail", APIVersion: "2013-11-01", ModeledErrors: []string{
	// The errors of LookupEvents, DescribeTrails, GetTrailStatus and GetEventSelectors in the API model.
	"CloudTrailARNInvalidException", "InvalidEventCategoryException", "InvalidLookupAttributesException",
	"InvalidMaxResultsException", "InvalidNextTokenException", "InvalidTimeRangeException", "InvalidTrailNameException",
	"NoManagementAccountSLRExistsException", "OperationNotPermittedException", "TrailNotFoundException",
	"UnsupportedOperationException",
}}

// Options are the client's settings.
type Options = awsrpc.Options

// Client is a CloudTrail client.
type Client struct {
	rpc *awsrpc.JSONClient
}

// New returns a client with options o.
func New(o Options, optFns ...func(*Options)) *Client {
	return &Client{rpc: &awsrpc.JSONClient{Client: awsrpc.New(service, o, optFns...), TargetPrefix: "CloudTrail_20131101"}}
}

// NewFromConfig returns a client that uses cfg as the SDK's NewFromConfig would.
func NewFromConfig(cfg aws.Config, optFns ...func(*Options)) *Client {
	return New(awsrpc.OptionsFromConfig(cfg, service, nil), optFns...)
}

func (c *Client) call(ctx context.Context, operation string, input, output any, optFns []func(*Options)) error {
	o := c.rpc.Options
	for _, fn := range optFns {
		fn(&o)
	}
	return c.rpc.Call(ctx, operation, input, output, o)
}

// LookupEventsInput filters LookupEvents.
type LookupEventsInput struct {
	LookupAttributes []types.LookupAttribute
	StartTime        *time.Time
	EndTime          *time.Time
	MaxResults       *int32
	NextToken        *string
}

// LookupEventsOutput is a page of events, newest first.
type LookupEventsOutput struct {
	Events    []types.Event
	NextToken *string
}

// LookupEvents lists management events of the last 90 days.
func (c *Client) LookupEvents(ctx context.Context, params *LookupEventsInput, optFns ...func(*Options)) (*LookupEventsOutput, error) {
	if params == nil {
		params = &LookupEventsInput{}
	}
	input := struct {
		LookupAttributes []types.LookupAttribute `json:"LookupAttributes,omitempty"`
		StartTime        *awsrpc.EpochSeconds    `json:"StartTime,omitempty"`
		EndTime          *awsrpc.EpochSeconds    `json:"EndTime,omitempty"`
		MaxResults       *int32                  `json:"MaxResults,omitempty"`
		NextToken        *string                 `json:"NextToken,omitempty"`
	}{params.LookupAttributes, awsrpc.Epoch(params.StartTime), awsrpc.Epoch(params.EndTime), params.MaxResults, params.NextToken}
	var output struct {
		Events []struct {
			AccessKeyId     *string
			CloudTrailEvent *string
			EventId         *string
			EventName       *string
			EventSource     *string
			EventTime       *awsrpc.EpochSeconds
			ReadOnly        *string
			Resources       []types.Resource
			Username        *string
		}
		NextToken *string
	}
	if err := c.call(ctx, "LookupEvents", input, &output, optFns); err != nil {
		return nil, err
	}
	out := &LookupEventsOutput{NextToken: output.NextToken, Events: make([]types.Event, 0, len(output.Events))}
	for _, e := range output.Events {
		out.Events = append(out.Events, types.Event{
			AccessKeyId: e.AccessKeyId, CloudTrailEvent: e.CloudTrailEvent, EventId: e.EventId, EventName: e.EventName,
			EventSource: e.EventSource, EventTime: e.EventTime.TimePtr(), ReadOnly: e.ReadOnly, Resources: e.Resources, Username: e.Username,
		})
	}
	return out, nil
}

// DescribeTrailsInput says which trails to describe.
type DescribeTrailsInput struct {
	IncludeShadowTrails *bool    `json:"includeShadowTrails,omitempty"`
	TrailNameList       []string `json:"trailNameList,omitempty"`
}

// DescribeTrailsOutput lists trails.
type DescribeTrailsOutput struct {
	TrailList []types.Trail `json:"trailList"`
}

// DescribeTrails lists the trails of the region (shadow trails of multi-region ones included).
func (c *Client) DescribeTrails(ctx context.Context, params *DescribeTrailsInput, optFns ...func(*Options)) (*DescribeTrailsOutput, error) {
	if params == nil {
		params = &DescribeTrailsInput{}
	}
	out := &DescribeTrailsOutput{}
	if err := c.call(ctx, "DescribeTrails", params, out, optFns); err != nil {
		return nil, err
	}
	return out, nil
}

// GetTrailStatusInput names a trail.
type GetTrailStatusInput struct {
	Name *string `json:"Name"`
}

// GetTrailStatusOutput is a trail's status.
type GetTrailStatusOutput struct {
	IsLogging *bool `json:"IsLogging"`
}

// GetTrailStatus tells whether a trail logs.
func (c *Client) GetTrailStatus(ctx context.Context, params *GetTrailStatusInput, optFns ...func(*Options)) (*GetTrailStatusOutput, error) {
	if params == nil {
		params = &GetTrailStatusInput{}
	}
	out := &GetTrailStatusOutput{}
	if err := c.call(ctx, "GetTrailStatus", params, out, optFns); err != nil {
		return nil, err
	}
	return out, nil
}

// GetEventSelectorsInput names a trail.
type GetEventSelectorsInput struct {
	TrailName *string `json:"TrailName"`
}

// GetEventSelectorsOutput is a trail's selectors, basic or advanced.
type GetEventSelectorsOutput struct {
	TrailARN               *string                       `json:"TrailARN"`
	EventSelectors         []types.EventSelector         `json:"EventSelectors"`
	AdvancedEventSelectors []types.AdvancedEventSelector `json:"AdvancedEventSelectors"`
}

// GetEventSelectors reads a trail's event selectors.
func (c *Client) GetEventSelectors(ctx context.Context, params *GetEventSelectorsInput, optFns ...func(*Options)) (*GetEventSelectorsOutput, error) {
	if params == nil {
		params = &GetEventSelectorsInput{}
	}
	out := &GetEventSelectorsOutput{}
	if err := c.call(ctx, "GetEventSelectors", params, out, optFns); err != nil {
		return nil, err
	}
	return out, nil
}
