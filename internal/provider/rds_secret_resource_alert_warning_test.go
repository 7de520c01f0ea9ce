package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
)

// TestRDSSecretAlertWithoutSubscriberWarns runs ValidateConfig on configurations of the deletion
// alert: a created topic with no e-mail address warns, naming the attributes; a subscriber, a given
// topic or no alert does not; nothing here is an error.
func TestRDSSecretAlertWithoutSubscriberWarns(t *testing.T) {
	ctx := context.Background()
	emails := func(addresses ...string) attr.Value {
		values := make([]attr.Value, 0, len(addresses))
		for _, a := range addresses {
			values = append(values, types.StringValue(a))
		}
		return types.SetValueMust(types.StringType, values)
	}
	cases := []struct {
		name  string
		alert map[string]attr.Value // deletion_alert's attributes; nil: no deletion_alert at all
		warns bool
	}{
		{name: "default alert", alert: nil, warns: true},
		{name: "enabled, no e-mail", alert: map[string]attr.Value{"enabled": types.BoolValue(true)}, warns: true},
		{name: "empty e-mail list", alert: map[string]attr.Value{"email_addresses": emails()}, warns: true},
		{name: "an e-mail address", alert: map[string]attr.Value{"email_addresses": emails("oncall@example.com")}},
		{name: "an SMS number", alert: map[string]attr.Value{"sms_numbers": emails("+14155550100")}},
		{name: "a queue", alert: map[string]attr.Value{"subscriptions": subscriptionSetOf([]bundle.Subscription{{Protocol: "sqs", Endpoint: "arn:aws:sqs:us-east-1:123456789012:alerts"}})}},
		{name: "empty subscriptions", alert: map[string]attr.Value{"subscriptions": emptySubscriptionSet()}, warns: true},
		{name: "given topic", alert: map[string]attr.Value{"sns_topic_arn": types.StringValue("arn:aws:sns:us-east-1:123456789012:alerts")}},
		{name: "alert off", alert: map[string]attr.Value{"enabled": types.BoolValue(false)}},
		{name: "unknown e-mails", alert: map[string]attr.Value{"email_addresses": types.SetUnknown(types.StringType)}},
	}
	s := rdsSecretSchema(ctx)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plan := tfsdk.Plan{Schema: s, Raw: tftypes.NewValue(s.Type().TerraformType(ctx), nil)}
			set := func(p path.Path, v any) {
				if d := plan.SetAttribute(ctx, p, v); d.HasError() {
					t.Fatalf("setting %s: %v", p, d)
				}
			}
			set(path.Root("name"), "prod/orders/db")
			set(path.Root("credentials").AtName("engine"), "postgres")
			set(path.Root("credentials").AtName("host"), "db.internal")
			set(path.Root("credentials").AtName("username"), "app")
			for name, v := range c.alert {
				set(path.Root("deletion_alert").AtName(name), v)
			}
			resp := &resource.ValidateConfigResponse{}
			(&rdsSecretResource{}).ValidateConfig(ctx, resource.ValidateConfigRequest{Config: tfsdk.Config{Schema: s, Raw: plan.Raw}}, resp)
			if resp.Diagnostics.HasError() {
				t.Fatalf("errors: %v", resp.Diagnostics.Errors())
			}
			warnings := resp.Diagnostics.Warnings()
			if !c.warns {
				if len(warnings) > 0 {
					t.Fatalf("unexpected warning: %s: %s", warnings[0].Summary(), warnings[0].Detail())
				}
				return
			}
			if len(warnings) != 1 {
				t.Fatalf("want one warning, got %d: %v", len(warnings), warnings)
			}
			w := warnings[0]
			for _, want := range []string{"deletion_alert.sns_topic_arn", "deletion_alert.email_addresses", "deletion_alert.sms_numbers", "deletion_alert.subscriptions", "deletion_alert.enabled = false"} {
				if !strings.Contains(w.Detail(), want) {
					t.Errorf("warning %q does not name %s", w.Detail(), want)
				}
			}
			if wp, ok := w.(interface{ Path() path.Path }); !ok || !wp.Path().Equal(path.Root("deletion_alert").AtName("email_addresses")) {
				t.Errorf("warning is not on deletion_alert.email_addresses")
			}
		})
	}
}
