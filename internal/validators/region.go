package validators

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
)

type regionValidator struct{}

var _ validator.String = regionValidator{}

// Region accepts AWS region names such as us-east-1 or us-gov-west-1.
func Region() validator.String { return regionValidator{} }

func (regionValidator) Description(context.Context) string {
	return "must be an AWS region name such as us-east-1"
}

func (v regionValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v regionValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if !awsclient.ValidRegion(req.ConfigValue.ValueString()) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid AWS region",
			"Attribute "+req.Path.String()+" "+v.Description(ctx)+" (lower-case letters, dashes and a number), got: "+req.ConfigValue.ValueString())
	}
}
