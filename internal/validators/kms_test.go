package validators

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func problemOf(v validator.String, attribute, value string) string {
	resp := &validator.StringResponse{}
	v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root(attribute), ConfigValue: types.StringValue(value)}, resp)
	if !resp.Diagnostics.HasError() {
		return ""
	}
	return resp.Diagnostics.Errors()[0].Detail()
}

func TestKMSKeyID(t *testing.T) {
	for _, good := range []string{
		"1234abcd-12ab-34cd-56ef-1234567890ab",
		"mrk-1234abcd12ab34cd56ef1234567890ab",
		"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab",
		"alias/orders",
		"alias/aws/secretsmanager",
		"arn:aws:kms:us-east-1:123456789012:alias/orders-db_key",
	} {
		if problem := problemOf(KMSKeyID(), "kms_key_id", good); problem != "" {
			t.Errorf("%s rejected: %s", good, problem)
		}
	}
	for bad, want := range map[string]string{
		"orders":                               `got "orders".`,
		"1234ABCD-12AB-34CD-56EF-1234567890AB": `got "1234ABCD`,
		"alias/":                               `got "alias/".`,
		"alias/with space":                     `got "alias/with space".`,
		"arn:aws:kms:us-east-1:123456789012:key/orders":                              "neither key/<key id> nor alias/<name>",
		"arn:aws:kms:us-east-1:123456789012:grant/1":                                 "neither key/<key id> nor alias/<name>",
		"arn:aws:kms::123456789012:alias/orders":                                     "a KMS ARN names its region and account",
		"arn:aws:kms:us-east-1::alias/orders":                                        "a KMS ARN names its region and account",
		"arn:aws:s3:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab": "an ARN of s3, not of kms",
		"arn:aws:kms:us-east-1:1234:key/1234abcd-12ab-34cd-56ef-1234567890ab":        "its account id is not 12 digits",
	} {
		problem := problemOf(KMSKeyID(), "kms_key_id", bad)
		if !strings.Contains(problem, "Attribute kms_key_id must be a KMS key id") || !strings.Contains(problem, want) {
			t.Errorf("%s: got %q, want the allowed forms and %q", bad, problem, want)
		}
	}
}

func TestTagKey(t *testing.T) {
	for _, good := range []string{"team", "awsteam", "secretsbundle:x", "a:aws:b"} {
		if problem := problemOf(TagKey(), "tags", good); problem != "" {
			t.Errorf("%s rejected: %s", good, problem)
		}
	}
	for _, bad := range []string{"aws:team", "AWS:team", "Aws:cloudformation:stack-name"} {
		if problem := problemOf(TagKey(), "tags", bad); !strings.Contains(problem, "must not begin with aws:") {
			t.Errorf("%s accepted or misworded: %q", bad, problem)
		}
	}
}

func TestServiceEndpointURL(t *testing.T) {
	for _, good := range []string{"", "https://sns.us-east-1.amazonaws.com", "http://127.0.0.1:4566", "http://localhost:4566"} {
		if problem := problemOf(ServiceEndpointURL(), "endpoints.sns", good); problem != "" {
			t.Errorf("%q rejected: %s", good, problem)
		}
	}
	for bad, want := range map[string]string{
		"http://10.0.0.5:4566": "plain http:// would send in clear text",
		"sns.amazonaws.com":    "must be an absolute http:// or https:// URL",
	} {
		if problem := problemOf(ServiceEndpointURL(), "endpoints.sns", bad); !strings.Contains(problem, want) {
			t.Errorf("%s: got %q, want %q", bad, problem, want)
		}
	}
}
