package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// A new name is the one change that replaces the secret: the plan says so, and what happens to the
// old secret under its recovery window.
func TestWarnNameReplaces(t *testing.T) {
	for window, want := range map[int64]string{
		7: "scheduled for deletion with its recovery window of 7 days: from then on every GetSecretValue of it fails",
		0: "deleted at once (recovery_window_in_days = 0): it cannot be restored",
	} {
		var diags diag.Diagnostics
		state := rdsSecretModel{Name: types.StringValue("prod/orders/app"), RecoveryWindowInDays: types.Int64Value(window)}
		plan := rdsSecretModel{Name: types.StringValue("prod/orders/app2")}
		warnNameReplaces(state, plan, &diags)
		if len(diags) != 1 || diags.HasError() {
			t.Fatalf("diagnostics = %v; want one warning", diags)
		}
		detail := diags[0].Detail()
		for _, w := range []string{`from "prod/orders/app" to "prod/orders/app2"`, "creates a new secret prod/orders/app2 with a new ARN", "the secret prod/orders/app is " + want, "create_before_destroy", "rotation.lambda.name included, changes the bundle in place"} {
			if !strings.Contains(detail, w) {
				t.Errorf("window %d: warning %q does not say %q", window, detail, w)
			}
		}
	}
}
