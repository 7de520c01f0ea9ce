package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
)

// Every attribute a part declares is a computed string of the schema and of the model, and goes
// from State into the model and back unchanged.
func TestPartAttributesRoundTrip(t *testing.T) {
	s := rdsSecretSchema(context.Background())
	st := &bundle.State{
		SecretARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/db-AbCdEf", SecretName: "prod/orders/db",
		TopicCreated: true,
	}
	for _, a := range bundle.Attributes() {
		attribute, ok := s.Attributes[a.Name].(schema.StringAttribute)
		if !ok || !attribute.Computed {
			t.Errorf("%s is not a computed string attribute of the schema", a.Name)
		}
	}
	st.SetRoleARN("arn:aws:iam::123456789012:role/secretsbundle-rotator-prod-orders-db")
	st.SetFunctionARN("arn:aws:lambda:us-east-1:123456789012:function:secretsbundle-rotator-prod-orders-db")
	st.SetRuleARN("arn:aws:events:us-east-1:123456789012:rule/secretsbundle-alert-prod-orders-db")
	st.LogGroupName, st.CodeSHA256, st.PermissionID = "/aws/lambda/secretsbundle-rotator-prod-orders-db", "hash", "grant"
	st.TopicARN = "arn:aws:sns:us-east-1:123456789012:secretsbundle-alert-prod-orders-db"
	for _, a := range bundle.Attributes() {
		if a.Get(st) == "" {
			// A part's attribute this test does not know yet: any value goes round.
			a.Set(st, "value of "+a.Name)
		}
	}
	var m rdsSecretModel
	m.setState(st)
	m.DeletionAlert = defaultAlert()
	m.Name = types.StringValue(st.SecretName)
	var diags diag.Diagnostics
	got := m.bundleState(context.Background(), &diags)
	if diags.HasError() {
		t.Fatal(diags)
	}
	for _, a := range bundle.Attributes() {
		if a.Get(got) != a.Get(st) || a.Get(st) == "" {
			t.Errorf("%s: %q after the round trip, want %q", a.Name, a.Get(got), a.Get(st))
		}
	}
	if got.RoleName != st.RoleName || got.RolePolicy != bundle.RolePolicyName || got.FunctionName != st.FunctionName || got.RuleName != st.RuleName || !got.TopicCreated {
		t.Errorf("the ids that follow from the ARNs were not rebuilt by bundle: %+v", got)
	}
}
