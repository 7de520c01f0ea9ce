package provider

import (
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/accessevents"
)

type accessEventsModel struct {
	SecretID   types.String           `tfsdk:"secret_id"`
	EventNames types.List             `tfsdk:"event_names"`
	StartTime  types.String           `tfsdk:"start_time"`
	EndTime    types.String           `tfsdk:"end_time"`
	Lookback   types.String           `tfsdk:"lookback"`
	MaxEvents  types.Int64            `tfsdk:"max_events"`
	MaxPages   types.Int64            `tfsdk:"max_pages"`
	Readers    types.Set              `tfsdk:"readers"`
	SecretARN  types.String           `tfsdk:"secret_arn"`
	Events     []accessEventModel     `tfsdk:"events"`
	Unexpected []accessEventModel     `tfsdk:"unexpected"`
	Truncated  types.Bool             `tfsdk:"truncated"`
	Principals []accessPrincipalModel `tfsdk:"principals"`
	Timeouts   timeouts.Value         `tfsdk:"timeouts"`
}

type accessEventModel struct {
	EventID         types.String `tfsdk:"event_id"`
	EventTime       types.String `tfsdk:"event_time"`
	EventName       types.String `tfsdk:"event_name"`
	EventSource     types.String `tfsdk:"event_source"`
	Username        types.String `tfsdk:"username"`
	PrincipalARN    types.String `tfsdk:"principal_arn"`
	PrincipalType   types.String `tfsdk:"principal_type"`
	AccessKeyID     types.String `tfsdk:"access_key_id"`
	SourceIPAddress types.String `tfsdk:"source_ip_address"`
	UserAgent       types.String `tfsdk:"user_agent"`
	AWSRegion       types.String `tfsdk:"aws_region"`
	ErrorCode       types.String `tfsdk:"error_code"`
	ErrorMessage    types.String `tfsdk:"error_message"`
	ReadOnly        types.Bool   `tfsdk:"read_only"`
	RequestID       types.String `tfsdk:"request_id"`
}

type accessPrincipalModel struct {
	PrincipalARN      types.String   `tfsdk:"principal_arn"`
	PrincipalType     types.String   `tfsdk:"principal_type"`
	Username          types.String   `tfsdk:"username"`
	EventCount        types.Int64    `tfsdk:"event_count"`
	FirstEventTime    types.String   `tfsdk:"first_event_time"`
	LastEventTime     types.String   `tfsdk:"last_event_time"`
	SourceIPAddresses []types.String `tfsdk:"source_ip_addresses"`
}

// optionalString is null for what CloudTrail did not record, so that `!= null` tests work in HCL.
func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

func rfc3339(t time.Time) types.String { return types.StringValue(t.UTC().Format(time.RFC3339)) }

func newAccessEventModel(e accessevents.Event) accessEventModel {
	return accessEventModel{
		EventID:         types.StringValue(e.EventID),
		EventTime:       rfc3339(e.EventTime),
		EventName:       types.StringValue(e.EventName),
		EventSource:     optionalString(e.EventSource),
		Username:        optionalString(e.Username),
		PrincipalARN:    optionalString(e.PrincipalARN),
		PrincipalType:   optionalString(e.PrincipalType),
		AccessKeyID:     optionalString(e.AccessKeyID),
		SourceIPAddress: optionalString(e.SourceIPAddress),
		UserAgent:       optionalString(e.UserAgent),
		AWSRegion:       optionalString(e.AWSRegion),
		ErrorCode:       optionalString(e.ErrorCode),
		ErrorMessage:    optionalString(e.ErrorMessage),
		ReadOnly:        types.BoolValue(e.ReadOnly),
		RequestID:       optionalString(e.RequestID),
	}
}

func newAccessPrincipalModel(p accessevents.Principal) accessPrincipalModel {
	addresses := make([]types.String, len(p.SourceIPAddresses))
	for i, address := range p.SourceIPAddresses {
		addresses[i] = types.StringValue(address)
	}
	return accessPrincipalModel{
		PrincipalARN:      optionalString(p.PrincipalARN),
		PrincipalType:     optionalString(p.PrincipalType),
		Username:          optionalString(p.Username),
		EventCount:        types.Int64Value(int64(p.EventCount)),
		FirstEventTime:    rfc3339(p.FirstEventTime),
		LastEventTime:     rfc3339(p.LastEventTime),
		SourceIPAddresses: addresses,
	}
}
