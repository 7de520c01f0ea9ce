package provider

import (
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// Each option borrowed from the AWS provider refuses a bad value at plan, naming the attribute,
// before any AWS call (the credentials here would fail if one were made).
func TestProviderOptionsValidatedAtPlan(t *testing.T) {
	isolateAWSEnvironment(t)
	role := `role_arn = "arn:aws:iam::123456789012:role/r"`
	cases := map[string]struct {
		config string
		want   string
	}{
		"allowed account not 12 digits":  {`allowed_account_ids = ["12345"]`, `allowed_account_ids.*12-digit AWS account ID`},
		"forbidden account not digits":   {`forbidden_account_ids = ["abcdefghijkl"]`, `forbidden_account_ids.*12-digit AWS account ID`},
		"allowed and forbidden":          {"allowed_account_ids = [\"123456789012\"]\nforbidden_account_ids = [\"210987654321\"]", `Invalid Attribute Combination.*forbidden_account_ids`},
		"allowed without account lookup": {"allowed_account_ids = [\"123456789012\"]\nskip_requesting_account_id = true", `allowed_account_ids needs the account ID`},
		"custom_ca_bundle empty":         {`custom_ca_bundle = ""`, `custom_ca_bundle.*at least 1`},
		"http_proxy not a URL":           {`http_proxy = "proxy:3128"`, `http_proxy must be an absolute http`},
		"https_proxy not a URL":          {`https_proxy = "ftp://proxy"`, `https_proxy must be an absolute http`},
		"sts_region":                     {`sts_region = "US West"`, `sts_region must be an AWS region name`},
		"retry_mode":                     {`retry_mode = "legacy"`, `retry_mode value must be one of.*standard.*adaptive`},
		"assume_role role_arn":           {"assume_role {\n role_arn = \"arn:aws:s3:::bucket\"\n}", `assume_role\.role_arn must be the ARN of an IAM role`},
		"assume_role session_name":       {"assume_role {\n" + role + "\n session_name = \"has space\"\n}", `assume_role\.session_name must be 2 to 64 characters`},
		"assume_role external_id":        {"assume_role {\n" + role + "\n external_id = \"x\"\n}", `assume_role\.external_id must be 2 to 1224`},
		"assume_role policy not JSON":    {"assume_role {\n" + role + "\n policy = \"allow all\"\n}", `assume_role\.policy must be an IAM policy document`},
		"assume_role policy_arns":        {"assume_role {\n" + role + "\n policy_arns = [\"arn:aws:iam::123456789012:role/x\"]\n}", `assume_role\.policy_arns.*IAM policy`},
		"assume_role tags too long":      {"assume_role {\n" + role + "\n tags = { k = \"" + strings.Repeat("v", 257) + "\" }\n}", `assume_role\.tags.*256`},
		"transitive key not a tag":       {"assume_role {\n" + role + "\n tags = { team = \"a\" }\n transitive_tag_keys = [\"owner\"]\n}", `transitive_tag_keys names owner`},
		"web identity role_arn":          {"assume_role_with_web_identity {\n role_arn = \"arn:aws:iam::123456789012:user/u\"\n web_identity_token_file = \"/t\"\n}", `assume_role_with_web_identity\.role_arn must be the ARN of an IAM role`},
		"web identity both tokens":       {"assume_role_with_web_identity {\n" + role + "\n web_identity_token = \"abcd\"\n web_identity_token_file = \"/t\"\n}", `Invalid Attribute Combination`},
		"web identity duration":          {"assume_role_with_web_identity {\n" + role + "\n web_identity_token_file = \"/t\"\n duration = \"13h\"\n}", `assume_role_with_web_identity\.duration.*from 15m to 12h`},
		"ignore_tags empty key":          {"ignore_tags {\n keys = [\"\"]\n}", `ignore_tags\.keys.*length`},
		"ignore_tags bundle tag":         {"ignore_tags {\n key_prefixes = [\"secretsbundle:\"]\n}", `ignore_tags\.key_prefixes covers the tag secretsbundle:bundle`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      "provider \"secretsbundle\" {\n" + tc.config + "\n}\n" + readsOneSecret,
					ExpectError: regexp.MustCompile(`(?s)` + strings.ReplaceAll(tc.want, " ", `\s+`)),
				}},
			})
		})
	}
}
