package provider

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
)

// testAccProtoV6ProviderFactories serves the provider in-process to terraform-plugin-testing.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"secretsbundle": providerserver.NewProtocol6WithError(New("test")()),
}

// testAccProviderBlock points every service at endpoint (LocalStack or the harness's AWS proxy).
func testAccProviderBlock(endpoint string) string {
	var endpoints strings.Builder
	for _, service := range awsclient.Services {
		fmt.Fprintf(&endpoints, "    %s = %q\n", service, endpoint)
	}
	return fmt.Sprintf(`
provider "secretsbundle" {
  region     = %q
  access_key = %q
  secret_key = %q
  endpoints {
%s  }
}
`, acctest.Region, acctest.AccessKeyID, acctest.SecretAccessKey, endpoints.String())
}

// A data source makes Terraform validate and configure the provider; without one it does neither.
const readsOneSecret = `
data "secretsbundle_secret_value" "probe" {
  secret_id = "does-not-matter"
}
`

func TestProviderBadConfiguration(t *testing.T) {
	isolateAWSEnvironment(t)
	cases := map[string]struct {
		config string
		want   string
	}{
		"region format":            {`region = "US East"`, `(?s)Attribute region must be an AWS region name`},
		"endpoint not a URL":       {"endpoints {\n sts = \"localhost:4566\"\n}", `(?s)Attribute endpoints\.sts must be an absolute http`},
		"endpoint bad scheme":      {"endpoints {\n secretsmanager = \"ftp://127.0.0.1\"\n}", `(?s)Attribute endpoints\.secretsmanager must be an absolute`},
		"endpoint plain http":      {"endpoints {\n sns = \"http://10.0.0.5:4566\"\n}", `(?s)Attribute endpoints\.sns must be an absolute https:// URL, or an http:// URL on a loopback address.*got "http://10\.0\.0\.5:4566": the requests carry credentials`},
		"assume_role without arn":  {"assume_role {\n session_name = \"x\"\n}", `(?s)Missing assume_role\.role_arn`},
		"assume_role too short":    {"assume_role {\n role_arn = \"arn:aws:iam::123456789012:role/r\"\n duration = \"5m\"\n}", `(?s)Attribute assume_role\.duration must be a duration.*from 15m to 12h`},
		"assume_role too long":     {"assume_role {\n role_arn = \"arn:aws:iam::123456789012:role/r\"\n duration = \"13h\"\n}", `(?s)Attribute assume_role\.duration.*from 15m to 12h`},
		"assume_role not duration": {"assume_role {\n role_arn = \"arn:aws:iam::123456789012:role/r\"\n duration = \"an hour\"\n}", `(?s)assume_role\.duration`},
		"max_retries negative":     {`max_retries = -1`, `(?s)max_retries.*between 0 and 100`},
		"access_key alone":         {`access_key = "AKIA"`, `(?s)secret_key.*must be specified`},
		"no credentials":           {`region = "us-east-1"`, `(?s)No valid AWS credentials.*AWS_ACCESS_KEY_ID.*shared credentials.*instance metadata`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: "provider \"secretsbundle\" {\n" + tc.config + "\n}\n" + readsOneSecret,
					// Terraform wraps diagnostics at 80 columns: any space may be a line break.
					ExpectError: regexp.MustCompile(strings.ReplaceAll(tc.want, " ", `\s+`)),
				}},
			})
		})
	}
}

// isolateAWSEnvironment hides every credential source of this machine from the provider.
func isolateAWSEnvironment(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION"} {
		t.Setenv(name, "")
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}
