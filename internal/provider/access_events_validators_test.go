package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func validateEventName(name string) diag.Diagnostics {
	resp := &validator.StringResponse{}
	eventNameValidator{}.ValidateString(context.Background(), validator.StringRequest{
		Path: path.Root("event_names").AtListIndex(0), ConfigValue: types.StringValue(name),
	}, resp)
	return resp.Diagnostics
}

// An event name this provider does not know is a warning, not an error: AWS adds events.
func TestEventNameValidator(t *testing.T) {
	if diags := validateEventName("GetSecretValue"); len(diags) != 0 {
		t.Errorf("GetSecretValue: %v, want no diagnostics", diags)
	}
	diags := validateEventName("GetSecretValues")
	if diags.HasError() || diags.WarningsCount() != 1 || !strings.Contains(diags[0].Detail(), "GetSecretValue,") {
		t.Errorf("GetSecretValues: %v, want one warning listing the known events", diags)
	}
	if diags := validateEventName("get-secret-value"); diags.ErrorsCount() != 1 {
		t.Errorf("get-secret-value: %v, want an error", diags)
	}
}
