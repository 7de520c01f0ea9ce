package provider

import (
	"context"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
)

// TestWatchAlertsUpgradeState: a state written before rotation_alert and unexpected_reader_alert
// existed holds them null. It reads as their defaults, and the plan of an unchanged
// configuration only adds the rotation alert's rule: no part is replaced or removed.
func TestWatchAlertsUpgradeState(t *testing.T) {
	ctx := context.Background()
	old := rdsSecretModel{
		Name:          types.StringValue("prod/orders/db"),
		Rotation:      defaultRotation(),
		DeletionAlert: defaultAlert(),
		RotationAlert: types.ObjectNull(attrTypesOf(rotationAlertSchema().Attributes)),
		ReaderAlert:   types.ObjectNull(attrTypesOf(readerAlertSchema().Attributes)),
		Readers:       types.SetNull(types.StringType),
	}
	var diags diag.Diagnostics
	prior := old.spec(ctx, nil, &diags)
	if diags.HasError() {
		t.Fatal(diags)
	}
	if !prior.RotationAlert.Enabled || !slices.Equal(prior.RotationAlert.Events, bundle.DefaultRotationAlertEvents) || !prior.ReaderAlert.Enabled {
		t.Fatalf("a state without the blocks reads as %+v %+v, want their defaults", prior.RotationAlert, prior.ReaderAlert)
	}
	planned := old
	planned.RotationAlert, planned.ReaderAlert = defaultRotationAlert(), defaultReaderAlert()
	spec := planned.spec(ctx, nil, &diags)
	st := &bundle.State{
		SecretARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/db-AbCdEf", SecretName: "prod/orders/db",
		LogGroupName: "/aws/lambda/f", CodeSHA256: "h", PermissionID: "p", TopicCreated: true, RotationEnabled: true,
		TopicARN: "arn:aws:sns:us-east-1:123456789012:secretsbundle-alert-prod-orders-db",
	}
	st.SetRoleARN("arn:aws:iam::123456789012:role/r")
	st.SetFunctionARN("arn:aws:lambda:us-east-1:123456789012:function:f")
	st.SetRuleARN("arn:aws:events:us-east-1:123456789012:rule/secretsbundle-alert-prod-orders-db")
	for part, action := range bundle.Plan(prior, spec, st) {
		switch {
		case part == bundle.PartRotationRule && action != bundle.Add:
			t.Errorf("the rotation alert's rule: action %v, want Add", action)
		case part != bundle.PartRotationRule && (action == bundle.Add || action == bundle.Replace || action == bundle.Remove):
			t.Errorf("part %s: action %v on an upgrade that changes nothing else", part, action)
		}
	}
}
