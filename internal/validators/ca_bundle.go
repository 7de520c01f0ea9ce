package validators

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials"
)

// MaxCABundleLength bounds credentials.ssl_ca_bundle: it is a Lambda environment variable, and
// Lambda allows 4 KB for all of a function's variables together.
const MaxCABundleLength = 3000

// CABundle checks a PEM CA bundle at plan time: one or more certificates, nothing else, short
// enough for the function's environment.
func CABundle() validator.String { return caBundleValidator{} }

type caBundleValidator struct{}

func (caBundleValidator) Description(context.Context) string {
	return fmt.Sprintf("one or more PEM certificates, at most %d characters", MaxCABundleLength)
}

func (v caBundleValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (caBundleValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	value := req.ConfigValue.ValueString()
	if len(value) > MaxCABundleLength {
		resp.Diagnostics.AddAttributeError(req.Path, "CA bundle too long",
			fmt.Sprintf("Attribute %s is %d characters; at most %d fit in the rotation function's environment. Give only the root CA certificate that issued the database server's certificate.", req.Path, len(value), MaxCABundleLength))
		return
	}
	if _, err := credentials.ParseCABundle([]byte(value)); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid CA bundle",
			fmt.Sprintf("Attribute %s must be one or more PEM certificates (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----): %v.", req.Path, err))
	}
}
