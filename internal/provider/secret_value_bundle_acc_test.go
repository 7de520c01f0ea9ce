package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// A bundle's secret reads back through the data source and the ephemeral resource, by its id:
// the password read is the one rotation set and the database accepts; after another rotation the
// previous version is still there by stage; the ephemeral path leaves no password in the state.
func TestAccSecretValueFromBundle(t *testing.T) {
	proxy := startProxy(t)
	db := newTestDatabase(t)
	name := acctest.RandomWithPrefix("tf-acc-readback") + "/db"
	bundle := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("", ""))

	var firstPassword, firstVersion string
	const current, previous = "data.secretsbundle_secret_value.current", "data.secretsbundle_secret_value.previous"
	logsIn := func(password string) error {
		if err := db.canLogIn(password); err != nil {
			return fmt.Errorf("the password read from the secret does not log %s in: %w", db.username, err)
		}
		return nil
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccEchoProviderFactories,
		TerraformVersionChecks:   ephemeralTerraformVersionChecks,
		Steps: []resource.TestStep{
			{
				Config: bundle + `
data "secretsbundle_secret_value" "current" {
  secret_id = secretsbundle_rds_secret.test.id
}
`,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(current, "username", db.username),
					resource.TestCheckResourceAttr(current, "host", db.server.Host),
					resource.TestCheckResourceAttr(current, "port", fmt.Sprint(db.server.Port)),
					resource.TestCheckResourceAttr(current, "engine", "postgres"),
					resource.TestCheckResourceAttrPair(current, "arn", "secretsbundle_rds_secret.test", "arn"),
					resource.TestCheckResourceAttrWith(current, "password", func(password string) error {
						if password == db.password {
							return fmt.Errorf("the secret still holds the initial password: rotation should have replaced it")
						}
						firstPassword = password
						return logsIn(password)
					}),
					resource.TestCheckResourceAttrWith(current, "version_id", func(id string) error { firstVersion = id; return nil }),
				),
			},
			{
				// The ephemeral resource instead of the data source: the same password, no trace of it.
				Config: bundle + `
ephemeral "secretsbundle_secret_value" "current" {
  secret_id = secretsbundle_rds_secret.test.id
}

provider "echo" {
  data = {
    username      = ephemeral.secretsbundle_secret_value.current.username
    version_id    = ephemeral.secretsbundle_secret_value.current.version_id
    password_hash = sha256(ephemeral.secretsbundle_secret_value.current.password)
  }
}

resource "echo" "current" {}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.current", tfjsonpath.New("data").AtMapKey("username"), knownvalue.StringExact(db.username)),
					statecheck.ExpectKnownValue("echo.current", tfjsonpath.New("data").AtMapKey("password_hash"), knownvalue.StringFunc(func(hash string) error {
						if hash != sha256Hex(firstPassword) {
							return fmt.Errorf("the ephemeral resource read another password than the data source")
						}
						return nil
					})),
					statecheck.ExpectKnownValue("echo.current", tfjsonpath.New("data").AtMapKey("version_id"), knownvalue.StringFunc(func(id string) error {
						if id != firstVersion {
							return fmt.Errorf("version_id %q, want %q", id, firstVersion)
						}
						return nil
					})),
					stateLackingPasswords{&firstPassword, &db.password},
				},
			},
			{
				// Another rotation: AWSCURRENT moves on, AWSPREVIOUS is the version read before.
				// RotateSecret answers before the rotation ends (on AWS and in the harness): wait for it.
				PreConfig: func() { rotateOutOfBand(t, proxy.URL(), name) },
				Config: bundle + `
data "secretsbundle_secret_value" "current" {
  secret_id = secretsbundle_rds_secret.test.id
}

data "secretsbundle_secret_value" "previous" {
  secret_id     = secretsbundle_rds_secret.test.id
  version_stage = "AWSPREVIOUS"
}
`,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrWith(current, "password", func(password string) error {
						if password == firstPassword {
							return fmt.Errorf("AWSCURRENT still holds the password of before the rotation")
						}
						return logsIn(password)
					}),
					resource.TestCheckResourceAttrWith(previous, "version_id", func(id string) error {
						if id != firstVersion {
							return fmt.Errorf("AWSPREVIOUS is version %q, want the version read before the rotation, %q", id, firstVersion)
						}
						return nil
					}),
					resource.TestCheckResourceAttrWith(previous, "password", func(password string) error {
						if password != firstPassword {
							return fmt.Errorf("AWSPREVIOUS does not hold the password of before the rotation")
						}
						return nil
					}),
				),
			},
		},
	})
}

// stateLackingPasswords is stateLacks for values known only once earlier steps ran.
type stateLackingPasswords []*string

func (s stateLackingPasswords) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	var values stateLacks
	for _, p := range s {
		if *p == "" {
			resp.Error = fmt.Errorf("a password to look for is empty: an earlier step did not record it")
			return
		}
		values = append(values, *p)
	}
	values.CheckState(ctx, req, resp)
}
