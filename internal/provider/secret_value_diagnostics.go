package provider

import (
	"errors"

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
