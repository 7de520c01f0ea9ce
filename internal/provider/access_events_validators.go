package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
)

// secretsManagerEventNames are the Secrets Manager events CloudTrail records (bundle's one list).
// An unknown name is only warned about, since AWS adds events.
var secretsManagerEventNames = bundle.SecretsManagerEventNames

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
