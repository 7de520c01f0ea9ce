package validators

import (
	"context"
	"net/url"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// SubscriptionEndpoint checks an SNS subscription's endpoint against its protocol, where that is
// cheap: an SQS queue ARN for sqs, a Lambda function ARN for lambda, an https:// URL for https and
// an e-mail address for email-json. protocol and endpoint name the object's attributes. Unknown
// and null values, and protocols it does not know (the protocol's own validator reports them),
// pass.
func SubscriptionEndpoint(protocol, endpoint string) validator.Object {
	return subscriptionEndpoint{protocol: protocol, endpoint: endpoint}
}

type subscriptionEndpoint struct{ protocol, endpoint string }

var subscriptionExamples = map[string]string{
	"sqs":        "the ARN of an SQS queue, such as arn:aws:sqs:us-east-1:123456789012:alerts",
	"lambda":     "the ARN of a Lambda function, such as arn:aws:lambda:us-east-1:123456789012:function:page-oncall",
	"https":      "an https:// URL, such as https://hooks.example.com/secret-deleted",
	"email-json": "an e-mail address, such as oncall@example.com",
}

func (v subscriptionEndpoint) Description(context.Context) string {
	return "the endpoint must suit the protocol: " + subscriptionExamples["sqs"] + " for sqs; " + subscriptionExamples["lambda"] +
		" for lambda; " + subscriptionExamples["https"] + " for https; " + subscriptionExamples["email-json"] + " for email-json"
}

func (v subscriptionEndpoint) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v subscriptionEndpoint) ValidateObject(ctx context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	attrs := req.ConfigValue.Attributes()
	protocol, ok1 := attrs[v.protocol].(types.String)
	endpoint, ok2 := attrs[v.endpoint].(types.String)
	if !ok1 || !ok2 || protocol.IsNull() || protocol.IsUnknown() || endpoint.IsNull() || endpoint.IsUnknown() {
		return
	}
	example, known := subscriptionExamples[protocol.ValueString()]
	if !known {
		return
	}
	if problem := endpointProblem(protocol.ValueString(), endpoint.ValueString()); problem != "" {
		at := req.Path.AtName(v.endpoint)
		detail := "Attribute " + at.String() + " must be " + example + " for protocol " + quote(protocol.ValueString()) + ", got " + quote(endpoint.ValueString())
		if problem != "invalid" {
			detail += ": " + problem
		}
		resp.Diagnostics.AddAttributeError(at, "Invalid subscription endpoint", detail+".")
	}
}

// endpointProblem returns "" for an endpoint that suits the protocol, else what is wrong.
func endpointProblem(protocol, endpoint string) string {
	switch protocol {
	case "sqs", "lambda":
		a, problem := parseARN(endpoint)
		if problem != "" {
			return problem
		}
		if a.Service != protocol {
			return "an ARN of " + a.Service + ", not of " + protocol
		}
		if a.Region == "" || a.AccountID == "" {
			return "it has no region or account id"
		}
		if protocol == "lambda" && !strings.HasPrefix(a.Resource, "function:") {
			return "not the ARN of a function"
		}
		return ""
	case "https":
		u, err := url.Parse(endpoint)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return "invalid"
		}
		return ""
	case "email-json":
		return emailProblem(endpoint)
	}
	return ""
}
