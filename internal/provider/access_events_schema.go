package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/accessevents"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/validators"
)

// defaultAccessEventsReadTimeout bounds a read of secretsbundle_access_events: its page budget at
// CloudTrail's 2 requests per second, with room for backoff when the account's budget is shared.
const defaultAccessEventsReadTimeout = 10 * time.Minute

func accessEventsSchema(ctx context.Context) schema.Schema {
	eventString := func(description string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: description, Computed: true}
	}
	eventObject := schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
		"event_id":          eventString("CloudTrail's id of the event."),
		"event_time":        eventString("When the call was made, in RFC 3339 (CloudTrail keeps whole seconds)."),
		"event_name":        eventString("The event, such as `GetSecretValue`."),
		"event_source":      eventString("The service, `secretsmanager.amazonaws.com`."),
		"username":          eventString("IAM user name, or role session name for an assumed role."),
		"principal_arn":     eventString("ARN of the caller (for an AWS service acting on its own, the service's name)."),
		"principal_type":    eventString("CloudTrail's identity type: `IAMUser`, `AssumedRole`, `Root`, `AWSService`, `FederatedUser`..."),
		"access_key_id":     eventString("Access key the call was signed with."),
		"source_ip_address": eventString("Address the call came from (or the AWS service that made it)."),
		"user_agent":        eventString("User agent of the caller's client."),
		"aws_region":        eventString("Region the call was made to."),
		"error_code":        eventString("AWS error code, when the call failed (such as `AccessDenied`)."),
		"error_message":     eventString("AWS error message, when the call failed."),
		"read_only":         schema.BoolAttribute{MarkdownDescription: "Whether the call only reads.", Computed: true},
		"request_id":        eventString("AWS request id of the call."),
	}}
	return schema.Schema{
		MarkdownDescription: "Lists recent CloudTrail management events on one Secrets Manager secret, newest first, " +
			"and sums them up per principal: who has been reading (or changing) the secret, when, and from where.\n\n" +
			"It reads CloudTrail's event history (LookupEvents), which keeps 90 days and shows events about 5 to 15 minutes after they happen. " +
			"LookupEvents allows 2 requests per second per account and region, shared with everything else the account runs: " +
			"this data source keeps to that rate (50 events per request) and backs off when throttled, so 1,000 events take about 10 seconds. " +
			"Reading it needs `cloudtrail:LookupEvents`, and `secretsmanager:DescribeSecret` when `secret_id` is a name or `readers` is set.\n\n" +
			"When every name in `event_names` is a write (such as `DeleteSecret`, `PutSecretValue`, `RotationFailed`), events are looked up by event name, so CloudTrail returns only those, and kept when they name the secret; " +
			"reads (`GetSecretValue`, `BatchGetSecretValue`, `DescribeSecret`, ...) are looked up by the secret. `max_pages` bounds either, and `timeouts { read = \"10m\" }` bounds the whole read (default 10m).",
		Attributes: map[string]schema.Attribute{
			"secret_id": schema.StringAttribute{
				MarkdownDescription: "Name or ARN of the secret. A name is resolved to the ARN with DescribeSecret; give the full ARN to list the events of a secret that has been deleted.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 2048)},
			},
			"event_names": schema.ListAttribute{
				MarkdownDescription: "Events to list, by CloudTrail event name. Defaults to `[\"GetSecretValue\"]`. Secrets Manager's events: `" +
					strings.Join(secretsManagerEventNames, "`, `") + "`.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Validators:  []validator.List{listvalidator.SizeAtLeast(1), listvalidator.UniqueValues(), listvalidator.ValueStringsAre(eventNameValidator{})},
			},
			"start_time": schema.StringAttribute{
				MarkdownDescription: "Oldest event time to list, in RFC 3339. Conflicts with `lookback`. After the read, the start of the window that was listed.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{validators.RFC3339Time(), stringvalidator.ConflictsWith(path.MatchRoot("lookback"))},
			},
			"end_time": schema.StringAttribute{
				MarkdownDescription: "Newest event time to list, in RFC 3339. Defaults to the time of the read.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{validators.RFC3339Time()},
			},
			"lookback": schema.StringAttribute{
				MarkdownDescription: "How far back from `end_time` to list, such as `24h`, `7d` or `1d12h`; at most `90d`. Defaults to `24h` when `start_time` is not set.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{validators.Lookback()},
			},
			"max_events": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Most events to list: listing stops as soon as it has this many. From 1 to %d; defaults to %d.", accessevents.MaxMaxEvents, accessevents.DefaultMaxEvents),
				Optional:            true,
				Computed:            true,
				Validators:          []validator.Int64{int64validator.Between(1, accessevents.MaxMaxEvents)},
			},
			"secret_arn": schema.StringAttribute{MarkdownDescription: "ARN of the secret.", Computed: true},
			"truncated": schema.BoolAttribute{
				MarkdownDescription: "True when `max_events` or `max_pages` stopped the listing while more events may exist in the window.",
				Computed:            true,
			},
			"events": schema.ListNestedAttribute{
				MarkdownDescription: "The events, newest first. Attributes CloudTrail did not record are null.",
				Computed:            true,
				NestedObject:        eventObject,
			},
			"max_pages": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Most LookupEvents pages (of 50 events) to read: the listing stops there, with `truncated = true` and a warning, when it has not found `max_events` by then. "+
					"A rare event on a busy secret would otherwise page through every read. From 1 to %d; defaults to 20 more than `max_events` takes through both of the secret's lookups (2 × ⌈max_events / 50⌉ + 20, 22 for the default `max_events`). Throttled attempts do not count.", accessevents.MaxMaxPages),
				Optional:   true,
				Computed:   true,
				Validators: []validator.Int64{int64validator.Between(1, accessevents.MaxMaxPages)},
			},
			"readers": schema.SetAttribute{
				MarkdownDescription: "The identities expected to call the secret: IAM ARNs or ARN patterns (`*` any run of characters, `?` one), such as `arn:aws:iam::123456789012:role/orders/*`. " +
					"A session of an assumed role matches by its session ARN or by its role's ARN. With it, `unexpected` lists the events of everyone else. " +
					"The identity Terraform runs as (every session of its role) and the role of the secret's rotation function (read with `lambda:GetFunctionConfiguration`) are expected without being listed, and so are AWS services acting on their own. The same list as the resource's `readers`.",
				ElementType: types.StringType,
				Optional:    true,
				Validators:  []validator.Set{setvalidator.SizeAtLeast(1), setvalidator.ValueStringsAre(validators.PrincipalARNPattern())},
			},
			"unexpected": schema.ListNestedAttribute{
				MarkdownDescription: "With `readers`: the events among `events` whose caller is not expected, newest first (empty when all are). Null without `readers`. " +
					"A `check` block with `length(data.secretsbundle_access_events.x.unexpected) == 0` fails the plan when a stranger has read the secret.",
				Computed:     true,
				NestedObject: eventObject,
			},
			"principals": schema.ListNestedAttribute{
				MarkdownDescription: "One entry per caller among `events`, most recently active first.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"principal_arn":       eventString("ARN of the caller."),
					"principal_type":      eventString("CloudTrail's identity type of the caller."),
					"username":            eventString("User or session name of the caller's latest event."),
					"event_count":         schema.Int64Attribute{MarkdownDescription: "How many of `events` the caller made.", Computed: true},
					"first_event_time":    eventString("The caller's oldest event among `events`, in RFC 3339."),
					"last_event_time":     eventString("The caller's newest event among `events`, in RFC 3339."),
					"source_ip_addresses": schema.ListAttribute{MarkdownDescription: "Addresses the caller's events came from, sorted.", ElementType: types.StringType, Computed: true},
				}},
			},
		},
		Blocks: map[string]schema.Block{"timeouts": timeouts.BlockWithOpts(ctx, timeouts.Opts{ReadDescription: "How long the read may take, a duration such as `10m` (Go's `time.ParseDuration`). Default `10m`."})},
	}
}
