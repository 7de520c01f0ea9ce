package validators

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func principalProblem(value string) string {
	resp := &validator.StringResponse{}
	PrincipalARNPattern().ValidateString(context.Background(), validator.StringRequest{Path: path.Root("readers"), ConfigValue: types.StringValue(value)}, resp)
	if !resp.Diagnostics.HasError() {
		return ""
	}
	return resp.Diagnostics.Errors()[0].Detail()
}

func TestPrincipalARNPattern(t *testing.T) {
	for _, good := range []string{
		"arn:aws:iam::123456789012:role/orders/*",
		"arn:aws:iam::123456789012:user/alice",
		"arn:aws:iam::123456789012:root",
		"arn:aws:sts::123456789012:assumed-role/orders/*",
		"arn:aws-us-gov:iam::*:role/app",
		"arn:aws:iam::12345678901?:role/app",
	} {
		if problem := principalProblem(good); problem != "" {
			t.Errorf("%s rejected: %s", good, problem)
		}
	}
	for bad, want := range map[string]string{
		"orders":                                     "not an ARN",
		"arn:aws:iam::123456789012:policy/p":         "neither iam user/, role/ or root",
		"arn:aws:s3:::bucket":                        "its account is not 12 digits",
		"arn:aws:iam:us-east-1:123456789012:user/a":  "IAM and STS ARNs have no region",
		"arn:aws:iam::alice:user/a":                  "its account is not 12 digits",
		"arn:aws:sts::123456789012:federated-user/x": "neither iam user/",
	} {
		if problem := principalProblem(bad); !strings.Contains(problem, "Attribute readers must be the ARN of an IAM user") || !strings.Contains(problem, want) {
			t.Errorf("%s: got %q, want %q", bad, problem, want)
		}
	}
}
