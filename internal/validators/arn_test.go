package validators

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func validateSecretARN(value string) string {
	resp := &validator.StringResponse{}
	SecretARN().ValidateString(context.Background(), validator.StringRequest{
		Path: path.Root("master_secret_arn"), ConfigValue: types.StringValue(value),
	}, resp)
	if !resp.Diagnostics.HasError() {
		return ""
	}
	return resp.Diagnostics.Errors()[0].Detail()
}

func TestSecretARN(t *testing.T) {
	for _, good := range []string{
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:master-AbC123",
		"arn:aws:secretsmanager:eu-central-1:123456789012:secret:prod/db/master_1+=.@-xYz789",
		"arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:m-abcdef",
		"arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:m-ABCDEF",
	} {
		if problem := validateSecretARN(good); problem != "" {
			t.Errorf("%s rejected: %s", good, problem)
		}
	}
	for bad, want := range map[string]string{
		// The review's finding: this passed ARN("secretsmanager") and let the rotator read every secret.
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:*":             "a wildcard matches more than one secret",
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/*":        "a wildcard matches more than one secret",
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:master-??????": "a wildcard matches more than one secret",
		"arn:aws:secretsmanager:*:123456789012:secret:master-AbC123":         "a wildcard matches more than one secret",
		"arn:aws:secretsmanager:us-east-1::secret:master-AbC123":             "not the ARN of a secret",
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:master":        "not the ARN of a secret with its six-character suffix",
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:master-AbC12":  "not the ARN of a secret with its six-character suffix",
		"arn:aws:secretsmanager:us-east-1:123456789012:other:master-AbC123":  "not the ARN of a secret",
		"arn:aws:sns:us-east-1:123456789012:master":                          "an ARN of sns, not of secretsmanager",
		"master": "not an ARN",
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:master-AbC123 ": "not the ARN of a secret",
	} {
		problem := validateSecretARN(bad)
		if !strings.Contains(problem, want) || !strings.Contains(problem, "Attribute master_secret_arn must be the full ARN of one secret") {
			t.Errorf("%q: got %q, want an error naming the attribute and %q", bad, problem, want)
		}
	}
}
