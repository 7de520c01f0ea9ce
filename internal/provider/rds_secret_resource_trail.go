package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
)

// warnTrail warns when the deletion alert is on, its trail check not turned off, and no CloudTrail
// trail logs the region's write management events: the alert could then never fire.
func (r *rdsSecretResource) warnTrail(ctx context.Context, m *rdsSecretModel, diags *diag.Diagnostics) {
	a := m.alert(ctx, diags)
	if !a.Enabled.ValueBool() || (!a.CheckTrail.IsNull() && !a.CheckTrail.ValueBool()) {
		return
	}
	if warning := bundle.TrailWarning(ctx, r.deps()); warning != "" {
		diags.AddWarning("The deletion alert of "+m.Name.ValueString()+" needs a CloudTrail trail", warning)
	}
}
