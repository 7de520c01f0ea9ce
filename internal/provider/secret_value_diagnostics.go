package provider

import (
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/secretvalue"
)

// addSecretValueError reports a failed read with a fixed summary per kind of failure. The error
// texts of internal/secretvalue name the secret and the remedy, and never carry its value.
func addSecretValueError(diags *diag.Diagnostics, err error) {
	summary := "Cannot read the secret"
	switch {
	case errors.Is(err, secretvalue.ErrSecretNotFound):
		summary = "Secret not found"
	case errors.Is(err, secretvalue.ErrVersionNotFound):
		summary = "Secret version not found"
	case errors.Is(err, secretvalue.ErrMarkedForDeletion):
		summary = "Secret is marked for deletion"
	case errors.Is(err, secretvalue.ErrAccessDenied):
		summary = "Access to the secret denied"
	}
	diags.AddError(summary, err.Error())
}

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
