package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/accessevents"
)

// secretsManagerEventNames are the Secrets Manager events CloudTrail records: its API calls and
// the events the service itself logs. An unknown name is only warned about, since AWS adds events.
var secretsManagerEventNames = []string{
	"BatchGetSecretValue", "CancelRotateSecret", "CreateSecret", "DeleteResourcePolicy", "DeleteSecret",
	"DescribeSecret", "GetRandomPassword", "GetResourcePolicy", "GetSecretValue", "ListSecretVersionIds",
	"ListSecrets", "PutResourcePolicy", "PutSecretValue", "RemoveRegionsFromReplication",
	"ReplicateSecretToRegions", "RestoreSecret", "RotateSecret", "StopReplicationToReplica", "TagResource",
	"UntagResource", "UpdateSecret", "UpdateSecretVersionStage", "ValidateResourcePolicy",
	"CancelSecretVersionDelete", "EndSecretVersionDelete", "StartSecretVersionDelete",
	"RotationAbandoned", "RotationFailed", "RotationStarted", "RotationSucceeded",
	"ReplicationFailed", "ReplicationStarted", "ReplicationSucceeded",
}

var eventNamePattern = regexp.MustCompile(`^[A-Z][A-Za-z0-9]+$`)

type eventNameValidator struct{}

var _ validator.String = eventNameValidator{}

func (eventNameValidator) Description(context.Context) string {
	return "must be a CloudTrail event name such as GetSecretValue"
}

func (v eventNameValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v eventNameValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	name := req.ConfigValue.ValueString()
	if !eventNamePattern.MatchString(name) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid event name",
			fmt.Sprintf("Attribute %s %s, written as CloudTrail writes it (UpperCamelCase, no service prefix), got %q.", req.Path, v.Description(ctx), name))
		return
	}
	if !slices.Contains(secretsManagerEventNames, name) {
		resp.Diagnostics.AddAttributeWarning(req.Path, "Unknown Secrets Manager event name",
			fmt.Sprintf("Attribute %s names %q, which is not a Secrets Manager event this provider knows, so it may match nothing. Known events: %s.", req.Path, name, strings.Join(secretsManagerEventNames, ", ")))
	}
}

type rfc3339Validator struct{}

var _ validator.String = rfc3339Validator{}

func (rfc3339Validator) Description(context.Context) string {
	return "must be an RFC 3339 time such as \"2026-11-28T09:00:00Z\""
}

func (v rfc3339Validator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v rfc3339Validator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := time.Parse(time.RFC3339, req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid time",
			fmt.Sprintf("Attribute %s %s, got %q.", req.Path, v.Description(ctx), req.ConfigValue.ValueString()))
	}
}

type lookbackValidator struct{}

var _ validator.String = lookbackValidator{}

func (lookbackValidator) Description(context.Context) string {
	return "must be a duration such as \"24h\", \"90m\", \"7d\" or \"1d12h\", more than zero and at most 90d (CloudTrail's event history)"
}

func (v lookbackValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v lookbackValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := accessevents.ParseLookback(req.ConfigValue.ValueString())
	if err != nil || d <= 0 || d > accessevents.Retention {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid lookback",
			fmt.Sprintf("Attribute %s %s, got %q.", req.Path, v.Description(ctx), req.ConfigValue.ValueString()))
	}
}
