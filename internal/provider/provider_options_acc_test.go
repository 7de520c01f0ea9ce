package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/awsproxy"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
)

// endpointsBlock points every service at endpoint.
func endpointsBlock(endpoint string) string {
	var b strings.Builder
	b.WriteString("  endpoints {\n")
	for _, service := range awsclient.Services {
		fmt.Fprintf(&b, "    %s = %q\n", service, endpoint)
	}
	b.WriteString("  }\n")
	return b.String()
}

// CI with OIDC: the provider has no credentials but a token file, and assumes the role with it
// through the harness's STS (LocalStack behind an AWS proxy of this test's own, whose record shows
// as whom each call was made).
func TestAccProviderAssumeRoleWithWebIdentity(t *testing.T) {
	upstream := harness.LocalStackEndpoint(t)
	proxy, err := awsproxy.Start(context.Background(), awsproxy.Options{Listen: "127.0.0.1:0", Upstream: upstream})
	if err != nil {
		t.Fatalf("starting the AWS proxy: %v", err)
	}
	t.Cleanup(proxy.Close)
	name := createTestSecret(t, upstream, "from_web_identity")
	isolateAWSEnvironment(t)
	t.Setenv("AWS_ROLE_ARN", "")
	token := filepath.Join(t.TempDir(), "oidc-token")
	if err := os.WriteFile(token, []byte("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmV4YW1wbGUvYXBwIn0.c2lnbmF0dXJl"), 0o600); err != nil {
		t.Fatal(err)
	}
	session := acctest.RandomWithPrefix("gha")
	config := fmt.Sprintf(`
provider "secretsbundle" {
  region              = %q
  allowed_account_ids = [%q]
  assume_role_with_web_identity {
    role_arn                = "arn:aws:iam::%s:role/ci-deployer"
    session_name            = %q
    web_identity_token_file = %q
    duration                = "1h"
  }
%s}

data "secretsbundle_secret_value" "test" {
  secret_id = %q
}
`, harness.Region, harness.AccountID, harness.AccountID, session, token, endpointsBlock(proxy.URL()), name)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.secretsbundle_secret_value.test", tfjsonpath.New("username"), knownvalue.StringExact("from_web_identity")),
			},
		}},
	})

	// The proxy learns the session's access key from STS's answer: every read was made as the role.
	wantARN := "arn:aws:sts::" + harness.AccountID + ":assumed-role/ci-deployer/" + session
	read := 0
	for _, call := range proxy.Calls() {
		if call.Key() != "secretsmanager:GetSecretValue" {
			continue
		}
		read++
		if call.Identity.ARN != wantARN || call.AccessKeyID == harness.AccessKeyID {
			t.Errorf("GetSecretValue made as %s with key %q, want as %s", call.Identity.ARN, call.AccessKeyID, wantARN)
		}
	}
	if read == 0 {
		t.Fatal("the proxy saw no GetSecretValue call")
	}
}

// allowed_account_ids and forbidden_account_ids stop the provider from touching the wrong account.
func TestAccProviderAccountGuards(t *testing.T) {
	endpoint := harness.LocalStackEndpoint(t)
	name := createTestSecret(t, endpoint, "guarded")
	for attribute, want := range map[string]string{
		`allowed_account_ids = ["111122223333"]`:                `account ID not allowed \(` + harness.AccountID + `\)`,
		`forbidden_account_ids = ["` + harness.AccountID + `"]`: `forbidden account ID \(` + harness.AccountID + `\)`,
	} {
		t.Run(attribute, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: strings.Replace(testAccProviderBlock(endpoint), "region", attribute+"\n  region", 1) + fmt.Sprintf(`
data "secretsbundle_secret_value" "test" {
  secret_id = %q
}
`, name),
					ExpectError: regexp.MustCompile(want),
				}},
			})
		})
	}
}
