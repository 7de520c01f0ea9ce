package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/accessevents"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
)

var (
	_ datasource.DataSource                   = (*accessEventsDataSource)(nil)
	_ datasource.DataSourceWithConfigure      = (*accessEventsDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*accessEventsDataSource)(nil)
)

type accessEventsDataSource struct {
	client *awsclient.Client
}

func newAccessEventsDataSource() datasource.DataSource { return &accessEventsDataSource{} }

func (d *accessEventsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_access_events"
}

func (d *accessEventsDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = accessEventsSchema(ctx)
}

func (d *accessEventsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = configured(req.ProviderData, &resp.Diagnostics).client
}

// ValidateConfig checks what involves two attributes, at plan time.
func (d *accessEventsDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var config accessEventsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	start, startErr := time.Parse(time.RFC3339, config.StartTime.ValueString())
	end, endErr := time.Parse(time.RFC3339, config.EndTime.ValueString())
	if startErr == nil && endErr == nil && !start.Before(end) {
		resp.Diagnostics.AddAttributeError(path.Root("start_time"), "Invalid time window",
			fmt.Sprintf("Attribute start_time (%s) must be before end_time (%s).", config.StartTime.ValueString(), config.EndTime.ValueString()))
	}
}

func (d *accessEventsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var model accessEventsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() {
		return
	}
	readTimeout, diags := model.Timeouts.Read(ctx, defaultAccessEventsReadTimeout)
	resp.Diagnostics.Append(diags...)
	query, diags := accessEventsQuery(ctx, &model)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	arn, name, err := accessevents.ResolveSecret(ctx, d.client.SecretsManager, model.SecretID.ValueString())
	if err != nil {
		summary := "Cannot resolve the secret"
		if errors.Is(err, accessevents.ErrSecretNotFound) {
			summary = "Secret not found"
		}
		resp.Diagnostics.AddAttributeError(path.Root("secret_id"), summary, err.Error())
		return
	}
	if !query.Start.Before(query.End) {
		resp.Diagnostics.AddAttributeError(path.Root("start_time"), "Invalid time window",
			fmt.Sprintf("Attribute start_time (%s) must be before the end of the window (%s, now unless end_time says otherwise).", model.StartTime.ValueString(), model.EndTime.ValueString()))
		return
	}
	if time.Since(query.Start) > accessevents.Retention {
		resp.Diagnostics.AddAttributeWarning(path.Root("start_time"), "Window starts before CloudTrail's event history",
			fmt.Sprintf("CloudTrail keeps 90 days of events; the window starts at %s, so the oldest part of it lists nothing. To keep events longer, deliver them to S3 with a trail.", model.StartTime.ValueString()))
	}
	query.SecretARN, query.SecretName = arn, name
	result, err := accessevents.List(ctx, d.client.CloudTrail, query, accessevents.Options{
		Limiter: accessevents.SharedLimiter(d.client.AccountID + "/" + d.client.Region),
	})
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("%w (the read timeout, timeouts.read = %s: raise it, or lower max_events or max_pages)", err, readTimeout)
		}
		resp.Diagnostics.AddError("Cannot list the secret's CloudTrail events", err.Error())
		return
	}
	if result.OutOfPages {
		resp.Diagnostics.AddAttributeWarning(path.Root("max_pages"), "Listing stopped at max_pages",
			fmt.Sprintf("Read %d pages of LookupEvents (max_pages = %d) and found %d of up to %d matching events: truncated is true and older events may exist in the window. "+
				"Raise max_pages, narrow the window (lookback, start_time), or list rarer events (event_names with writes only are looked up by event name).",
				result.Pages, query.MaxPages, len(result.Events), query.MaxEvents))
	}
	model.SecretARN = types.StringValue(arn)
	model.Truncated = types.BoolValue(result.Truncated)
	model.Events = make([]accessEventModel, len(result.Events))
	for i, event := range result.Events {
		model.Events[i] = newAccessEventModel(event)
	}
	if !model.Readers.IsNull() {
		readers := d.expectedReaders(ctx, &model, arn, &resp.Diagnostics)
		model.Unexpected = []accessEventModel{}
		for _, event := range readers.Unexpected(result.Events) {
			model.Unexpected = append(model.Unexpected, newAccessEventModel(event))
		}
	}
	principals := accessevents.Principals(result.Events)
	model.Principals = make([]accessPrincipalModel, len(principals))
	for i, principal := range principals {
		model.Principals[i] = newAccessPrincipalModel(principal)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}

// query turns the arguments into a query and writes the defaults it chose back into the model,
// so that the state shows the window and limits that were used.
func accessEventsQuery(ctx context.Context, model *accessEventsModel) (accessevents.Query, diag.Diagnostics) {
	var diags diag.Diagnostics
	query := accessevents.Query{MaxEvents: accessevents.DefaultMaxEvents, EventNames: []string{"GetSecretValue"}}
	if !model.MaxEvents.IsNull() {
		query.MaxEvents = int(model.MaxEvents.ValueInt64())
	}
	model.MaxEvents = types.Int64Value(int64(query.MaxEvents))
	query.MaxPages = accessevents.DefaultMaxPages(query.MaxEvents)
	if !model.MaxPages.IsNull() {
		query.MaxPages = int(model.MaxPages.ValueInt64())
	}
	model.MaxPages = types.Int64Value(int64(query.MaxPages))
	if !model.EventNames.IsNull() {
		diags.Append(model.EventNames.ElementsAs(ctx, &query.EventNames, false)...)
	}
	var listDiags diag.Diagnostics
	model.EventNames, listDiags = types.ListValueFrom(ctx, types.StringType, query.EventNames)
	diags.Append(listDiags...)

	// The validators have checked the formats; errors here cannot happen.
	query.End = time.Now().UTC().Truncate(time.Second)
	if !model.EndTime.IsNull() {
		query.End, _ = time.Parse(time.RFC3339, model.EndTime.ValueString())
	}
	switch {
	case !model.StartTime.IsNull():
		query.Start, _ = time.Parse(time.RFC3339, model.StartTime.ValueString())
	case !model.Lookback.IsNull():
		lookback, _ := accessevents.ParseLookback(model.Lookback.ValueString())
		query.Start = query.End.Add(-lookback)
	default:
		model.Lookback = types.StringValue("24h")
		query.Start = query.End.Add(-accessevents.DefaultLookback)
	}
	model.StartTime = rfc3339(query.Start)
	model.EndTime = rfc3339(query.End)
	return query, diags
}

// expectedReaders is readers with the identities expected without being listed: Terraform's own
// (every session of its role) and the role of the secret's rotation function. A rotator role that
// cannot be read is a warning: its reads then count as unexpected.
func (d *accessEventsDataSource) expectedReaders(ctx context.Context, model *accessEventsModel, secretARN string, diags *diag.Diagnostics) accessevents.Readers {
	var readers accessevents.Readers
	diags.Append(model.Readers.ElementsAs(ctx, &readers, false)...)
	if d.client.CallerARN != "" {
		readers = append(readers, accessevents.CallerPattern(d.client.CallerARN))
	}
	role, err := accessevents.RotatorRole(ctx, d.client.SecretsManager, d.client.Lambda, secretARN)
	if err != nil {
		diags.AddAttributeWarning(path.Root("readers"), "Rotation function's role not read",
			"The rotator's role is expected without being listed, but it could not be read, so its calls count as unexpected: "+err.Error())
	}
	if role != "" {
		readers = append(readers, role)
	}
	return readers
}
