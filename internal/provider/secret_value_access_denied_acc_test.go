package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/awsproxy"
)

// A denial names the secret and the permission to grant.
func TestAccSecretValueAccessDenied(t *testing.T) {
	proxy := startTestProxy(t)
	endpoint := proxy.URL()
	name, _, _ := testAccSecretValue(t, testAccSecretsManager(t, endpoint), "tf-acc-denied", rdsSecretJSON("app", "denied-password"))
	if _, err := proxy.AddFault(awsproxy.Rule{Kind: awsproxy.FaultError, Service: "secretsmanager", Operation: "GetSecretValue", ErrorCode: "AccessDeniedException",
		ErrorMessage: "User: arn:aws:iam::000000000000:user/ci is not authorized to perform: secretsmanager:GetSecretValue"}); err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      testAccProviderBlock(endpoint) + fmt.Sprintf("data \"secretsbundle_secret_value\" \"test\" {\n  secret_id = %q\n}\n", name),
			ExpectError: regexp.MustCompile(fmt.Sprintf(`(?s)Access to the secret denied.*%s.*grant\s+secretsmanager:GetSecretValue`, regexp.QuoteMeta(name))),
		}},
	})
}
