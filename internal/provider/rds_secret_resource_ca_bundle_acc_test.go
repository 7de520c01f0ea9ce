package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/dbserver"
)

// TestAccRDSSecret_caBundle sets credentials.ssl_ca_bundle, then removes it: it reaches the
// rotator as DB_CA_BUNDLE_PEM and leaves with the attribute, it is never written to the secret,
// and Read takes the function's variable for the attribute, not for a change made outside
// Terraform (the framework's empty-plan check after each step fails otherwise).
func TestAccRDSSecret_caBundle(t *testing.T) {
	proxy := startProxy(t)
	client := testAWS(t)
	db := newTestDatabase(t)
	ca, err := dbserver.NewCA("tf-acc private CA")
	if err != nil {
		t.Fatal(err)
	}
	pem := string(ca.CertPEM)
	name := acctest.RandomWithPrefix("tf-acc-cabundle")
	plain := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("", ""))
	const sslLine = "ssl                 = false\n"
	if !strings.Contains(plain, sslLine) {
		t.Fatal("the test configuration has no ssl line to put the CA bundle after")
	}
	withBundle := strings.Replace(plain, sslLine, sslLine+"    ssl_ca_bundle       = <<-EOT\n"+indent(pem, "      ")+"    EOT\n", 1)
	caBundleVariable := func(want string) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			a, err := attributes(s)
			if err != nil {
				return err
			}
			out, err := client.Lambda.GetFunctionConfiguration(context.Background(), &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(a["rotation_function_arn"])})
			if err != nil {
				return err
			}
			got, set := "", false
			if out.Environment != nil {
				got, set = out.Environment.Variables["DB_CA_BUNDLE_PEM"]
			}
			if want == "" && set {
				return fmt.Errorf("DB_CA_BUNDLE_PEM is still set on the function without credentials.ssl_ca_bundle")
			}
			if got != want {
				return fmt.Errorf("DB_CA_BUNDLE_PEM = %q, want %q", got, want)
			}
			value, err := client.SecretsManager.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(a["arn"])})
			if err != nil {
				return err
			}
			if strings.Contains(aws.ToString(value.SecretString), "CERTIFICATE") {
				return fmt.Errorf("the CA bundle reached the secret")
			}
			return nil
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: withBundle,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(testResource, "credentials.ssl_ca_bundle", pem),
					caBundleVariable(pem),
				),
			},
			{
				Config: plain,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckNoResourceAttr(testResource, "credentials.ssl_ca_bundle"),
					caBundleVariable(""),
				),
			},
		},
	})
}

// indent prefixes every line of text.
func indent(text, prefix string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(text, "\n") {
		if line != "" {
			b.WriteString(prefix + line)
		}
	}
	return b.String()
}
