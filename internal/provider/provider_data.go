package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// configured takes what the provider's Configure handed out. ProviderData is nil while Terraform
// validates configuration before configuring the provider; it is then unused.
func configured(data any, diags *diag.Diagnostics) *providerData {
	if data == nil {
		return &providerData{}
	}
	pd, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *provider.providerData, got %T. This is a bug in the provider: please report it.", data))
		return &providerData{}
	}
	return pd
}
