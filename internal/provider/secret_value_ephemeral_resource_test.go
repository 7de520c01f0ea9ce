package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
)

// Ephemeral resources exist from Terraform 1.10 on.
var ephemeralTerraformVersionChecks = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)}

// The echo provider stores what it is given in its resource's state, which lets a test look at an
// ephemeral value that Terraform would otherwise never persist.
var testAccEchoProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"secretsbundle": providerserver.NewProtocol6WithError(New("test")()),
	"echo":          echoprovider.NewProviderServer(),
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// stateLacks fails when any of the strings appears anywhere in the state Terraform holds.
type stateLacks []string

func (s stateLacks) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	encoded, err := json.Marshal(req.State)
	if err != nil {
		resp.Error = fmt.Errorf("encoding the state to search it: %w", err)
		return
	}
	for _, secret := range s {
		if strings.Contains(string(encoded), secret) {
			resp.Error = fmt.Errorf("the state contains a secret value that the ephemeral resource must keep out of it")
			return
		}
	}
}

func TestAccSecretValueEphemeralResource(t *testing.T) {
	endpoint := harness.LocalStackEndpoint(t)
	api := testAccSecretsManager(t, endpoint)
	name, arn, firstVersion := testAccSecretValue(t, api, "tf-acc-secret-ephemeral", rdsSecretJSON("eph_user", "ephemeral-first-password"))
	var secondVersion string

	// The echo resource never updates once created, so each step echoes into a resource of its own.
	config := func(echo, arguments string) string {
		return testAccProviderBlock(endpoint) + fmt.Sprintf(`
ephemeral "secretsbundle_secret_value" "test" {
  %s
}

provider "echo" {
  data = {
    username       = ephemeral.secretsbundle_secret_value.test.username
    port           = ephemeral.secretsbundle_secret_value.test.port
    arn            = ephemeral.secretsbundle_secret_value.test.arn
    version_id     = ephemeral.secretsbundle_secret_value.test.version_id
    version_stages = ephemeral.secretsbundle_secret_value.test.version_stages
    password_hash  = sha256(ephemeral.secretsbundle_secret_value.test.password)
  }
}

resource "echo" %q {}
`, arguments, echo)
	}
	data := func(key string) tfjsonpath.Path { return tfjsonpath.New("data").AtMapKey(key) }

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccEchoProviderFactories,
		TerraformVersionChecks:   ephemeralTerraformVersionChecks,
		Steps: []resource.TestStep{
			{
				Config: config("current", fmt.Sprintf("secret_id = %q", name)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.current", data("username"), knownvalue.StringExact("eph_user")),
					statecheck.ExpectKnownValue("echo.current", data("port"), knownvalue.Int64Exact(5432)),
					statecheck.ExpectKnownValue("echo.current", data("arn"), knownvalue.StringExact(arn)),
					statecheck.ExpectKnownValue("echo.current", data("version_id"), knownvalue.StringExact(firstVersion)),
					statecheck.ExpectKnownValue("echo.current", data("password_hash"), knownvalue.StringExact(sha256Hex("ephemeral-first-password"))),
					stateLacks{"ephemeral-first-password"},
				},
			},
			{
				// After an update, the previous version is still readable by stage.
				PreConfig: func() {
					secondVersion = testAccPutSecretValue(t, api, name, rdsSecretJSON("eph_user", "ephemeral-second-password"))
				},
				Config: config("previous", fmt.Sprintf("secret_id = %q\n  version_stage = \"AWSPREVIOUS\"", name)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.previous", data("version_id"), knownvalue.StringExact(firstVersion)),
					statecheck.ExpectKnownValue("echo.previous", data("version_stages"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("AWSPREVIOUS")})),
					statecheck.ExpectKnownValue("echo.previous", data("password_hash"), knownvalue.StringExact(sha256Hex("ephemeral-first-password"))),
					stateLacks{"ephemeral-first-password", "ephemeral-second-password"},
				},
			},
			{
				Config: config("updated", fmt.Sprintf("secret_id = %q\n  version_stage = \"AWSCURRENT\"", arn)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.updated", data("version_id"), knownvalue.StringFunc(func(v string) error {
						if v != secondVersion {
							return fmt.Errorf("version_id is %q, want the new version %q", v, secondVersion)
						}
						return nil
					})),
					statecheck.ExpectKnownValue("echo.updated", data("password_hash"), knownvalue.StringExact(sha256Hex("ephemeral-second-password"))),
					stateLacks{"ephemeral-first-password", "ephemeral-second-password"},
				},
			},
			{
				Config: config("by_id", fmt.Sprintf("secret_id = %q\n  version_id = %q", name, firstVersion)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.by_id", data("version_id"), knownvalue.StringExact(firstVersion)),
					statecheck.ExpectKnownValue("echo.by_id", data("password_hash"), knownvalue.StringExact(sha256Hex("ephemeral-first-password"))),
					stateLacks{"ephemeral-first-password", "ephemeral-second-password"},
				},
			},
		},
	})
}
