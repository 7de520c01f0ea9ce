package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
)

// TestImportedModelFitsTheSchema: the model ImportState writes is accepted whole by the schema,
// with the timeouts block null and what Find found in place.
func TestImportedModelFitsTheSchema(t *testing.T) {
	ctx := context.Background()
	spec := &bundle.Spec{Name: "prod/db", Rotation: bundle.Rotation{Lambda: bundle.Lambda{Name: "own-rotator", LogRetentionDays: 7}},
		Alert: bundle.Alert{Enabled: true, TopicARN: "arn:aws:sns:us-east-1:123456789012:given", EmailAddresses: []string{"a@example.com"}}}
	st := &bundle.State{SecretARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-abc", SecretName: "prod/db", RoleARN: "arn:aws:iam::123456789012:role/r"}
	var diags diag.Diagnostics
	m := importedModel(ctx, spec, st, &diags)
	if diags.HasError() {
		t.Fatal(diags)
	}
	if len(timeoutsAttrTypes(ctx)) != 3 || !m.Timeouts.IsNull() {
		t.Errorf("timeouts = %v with types %v, want a null block of create/update/delete", m.Timeouts, timeoutsAttrTypes(ctx))
	}
	_, l := m.rotation(ctx, &diags)
	a := m.alert(ctx, &diags)
	if l.Name.ValueString() != "own-rotator" || l.LogRetentionDays.ValueInt64() != 7 || a.SNSTopicARN.ValueString() != spec.Alert.TopicARN || len(a.EmailAddresses.Elements()) != 1 {
		t.Errorf("imported lambda %+v alert %+v", l, a)
	}
	if m.ARN.ValueString() != st.SecretARN || m.Name.ValueString() != "prod/db" {
		t.Errorf("imported ids %v %v", m.ARN, m.Name)
	}
}
