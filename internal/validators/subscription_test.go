package validators

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var subscriptionAttrs = map[string]attr.Type{"protocol": types.StringType, "endpoint": types.StringType}

// validateSubscription runs SubscriptionEndpoint on {protocol, endpoint} and returns its error's
// detail ("" when it passes).
func validateSubscription(t *testing.T, protocol, endpoint types.String) string {
	t.Helper()
	obj := types.ObjectValueMust(subscriptionAttrs, map[string]attr.Value{"protocol": protocol, "endpoint": endpoint})
	resp := &validator.ObjectResponse{}
	SubscriptionEndpoint("protocol", "endpoint").ValidateObject(context.Background(), validator.ObjectRequest{
		Path: path.Root("deletion_alert").AtName("subscriptions").AtListIndex(0), ConfigValue: obj}, resp)
	if !resp.Diagnostics.HasError() {
		return ""
	}
	if n := resp.Diagnostics.ErrorsCount(); n != 1 {
		t.Errorf("%d errors, want 1: %v", n, resp.Diagnostics)
	}
	d := resp.Diagnostics.Errors()[0]
	if d.Summary() != "Invalid subscription endpoint" {
		t.Errorf("summary %q", d.Summary())
	}
	return d.Detail()
}

func TestSubscriptionEndpoint(t *testing.T) {
	const at = "Attribute deletion_alert.subscriptions[0].endpoint must be "
	for _, c := range []struct {
		protocol, endpoint, want string // want: the whole detail, "" when it passes
	}{
		{"sqs", "arn:aws:sqs:us-east-1:123456789012:alerts", ""},
		{"lambda", "arn:aws:lambda:us-east-1:123456789012:function:page-oncall", ""},
		{"lambda", "arn:aws:lambda:us-east-1:123456789012:function:page-oncall:live", ""},
		{"https", "https://hooks.example.com/secret-deleted", ""},
		{"email-json", "oncall@example.com", ""},
		{"email", "anything: another validator's", ""},
		{"sqs", "alerts", at + subscriptionExamples["sqs"] + ` for protocol "sqs", got "alerts": not an ARN.`},
		{"sqs", "arn:aws:sns:us-east-1:123456789012:alerts", at + subscriptionExamples["sqs"] + ` for protocol "sqs", got "arn:aws:sns:us-east-1:123456789012:alerts": an ARN of sns, not of sqs.`},
		{"lambda", "arn:aws:sqs:us-east-1:123456789012:alerts", at + subscriptionExamples["lambda"] + ` for protocol "lambda", got "arn:aws:sqs:us-east-1:123456789012:alerts": an ARN of sqs, not of lambda.`},
		{"sqs", "arn:aws:sqs::123456789012:alerts", at + subscriptionExamples["sqs"] + ` for protocol "sqs", got "arn:aws:sqs::123456789012:alerts": it has no region or account id.`},
		{"sqs", "arn:aws:sqs:us-east-1::alerts", at + subscriptionExamples["sqs"] + ` for protocol "sqs", got "arn:aws:sqs:us-east-1::alerts": it has no region or account id.`},
		{"lambda", "arn:aws:lambda:us-east-1:123456789012:layer:x", at + subscriptionExamples["lambda"] + ` for protocol "lambda", got "arn:aws:lambda:us-east-1:123456789012:layer:x": not the ARN of a function.`},
		{"https", "http://hooks.example.com/x", at + subscriptionExamples["https"] + ` for protocol "https", got "http://hooks.example.com/x".`},
		{"https", "https:///x", at + subscriptionExamples["https"] + ` for protocol "https", got "https:///x".`},
		{"https", "https://%zz", at + subscriptionExamples["https"] + ` for protocol "https", got "https://%zz".`},
		{"email-json", "not an address", at + subscriptionExamples["email-json"] + ` for protocol "email-json", got "not an address".`},
	} {
		if got := validateSubscription(t, types.StringValue(c.protocol), types.StringValue(c.endpoint)); got != c.want {
			t.Errorf("%s %q:\n got  %q\n want %q", c.protocol, c.endpoint, got, c.want)
		}
	}
	// Unknown or null members pass: they are checked once known.
	for _, c := range [][2]types.String{
		{types.StringNull(), types.StringValue("x")}, {types.StringUnknown(), types.StringValue("x")},
		{types.StringValue("sqs"), types.StringNull()}, {types.StringValue("sqs"), types.StringUnknown()},
	} {
		if got := validateSubscription(t, c[0], c[1]); got != "" {
			t.Errorf("%v %v: %s", c[0], c[1], got)
		}
	}
	resp := &validator.ObjectResponse{}
	for _, v := range []types.Object{types.ObjectNull(subscriptionAttrs), types.ObjectUnknown(subscriptionAttrs)} {
		SubscriptionEndpoint("protocol", "endpoint").ValidateObject(context.Background(), validator.ObjectRequest{Path: path.Root("s"), ConfigValue: v}, resp)
	}
	if resp.Diagnostics.HasError() {
		t.Errorf("null or unknown object: %v", resp.Diagnostics)
	}
}

func TestSubscriptionEndpointDescription(t *testing.T) {
	d := SubscriptionEndpoint("protocol", "endpoint").Description(context.Background())
	for _, p := range []string{"sqs", "lambda", "https", "email-json"} {
		if !strings.Contains(d, subscriptionExamples[p]+" for "+p) {
			t.Errorf("description %q lacks %s's example", d, p)
		}
	}
	if m := SubscriptionEndpoint("protocol", "endpoint").MarkdownDescription(context.Background()); m != d {
		t.Errorf("markdown description %q, want %q", m, d)
	}
}
