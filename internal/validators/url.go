package validators

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
)

type endpointURLValidator struct{}

var _ validator.String = endpointURLValidator{}

// EndpointURL accepts absolute http:// and https:// URLs.
func EndpointURL() validator.String { return endpointURLValidator{} }

func (endpointURLValidator) Description(context.Context) string {
	return "must be an absolute http:// or https:// URL"
}

func (v endpointURLValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v endpointURLValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || req.ConfigValue.ValueString() == "" {
		return
	}
	if err := awsclient.ValidEndpoint(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid endpoint URL",
			"Attribute "+req.Path.String()+" "+v.Description(ctx)+" such as http://127.0.0.1:4566, got "+req.ConfigValue.ValueString()+": "+err.Error())
	}
}

// ServiceEndpointURL accepts absolute https:// URLs, and http:// URLs on a loopback address only:
// the provider's requests carry credentials and secret values.
func ServiceEndpointURL() validator.String {
	return stringCheck{
		summary:     "Invalid endpoint URL",
		description: "must be an absolute https:// URL, or an http:// URL on a loopback address (127.0.0.1, [::1], localhost)",
		problem: func(value string) string {
			if value == "" {
				return ""
			}
			if err := awsclient.ValidEndpoint(value); err != nil {
				return err.Error()
			}
			if awsclient.SecureEndpoint(value) != nil {
				return "the requests carry credentials and secret values, which plain http:// would send in clear text"
			}
			return ""
		},
	}
}
