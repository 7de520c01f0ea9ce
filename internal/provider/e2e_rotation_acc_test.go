package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/dbserver"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
)

// TestAccE2E_rotation is the seed's rotation, for real, on both engines and both strategies:
// rotate_immediately on create runs the bundle's own Lambda through LocalStack's process executor,
// which changes the password in the real database; a second rotation out of band (as
// `aws secretsmanager rotate-secret`) leaves Terraform with an empty plan, and the provider never
// writes the password back.
func TestAccE2E_rotation(t *testing.T) {
	client := testAWS(t)
	for _, engine := range []dbserver.Engine{dbserver.Postgres, dbserver.MariaDB, dbserver.FerretDB} {
		for _, strategy := range []string{bundle.StrategySingleUser, bundle.StrategyAlternatingUsers} {
			t.Run(string(engine)+"/"+strategy, func(t *testing.T) {
				// FerretDB (engine mongo) over TLS verified with the test CA.
				opts := dbserver.Options{Engine: engine, TLS: engine == dbserver.FerretDB}
				db := newE2EDatabase(t, dbserver.Shared(t, opts))
				testE2ERotation(t, client, db, strategy)
			})
		}
	}
	// Redshift, single user only, against PostgreSQL with md5 passwords standing in for its
	// protocol and its ALTER USER ... PASSWORD 'md5...'.
	t.Run("redshift/"+bundle.StrategySingleUser, func(t *testing.T) {
		db := newE2EStandIn(t, dbserver.Shared(t, dbserver.Options{Engine: dbserver.Postgres, MD5Passwords: true}), "redshift")
		testE2ERotation(t, client, db, bundle.StrategySingleUser)
	})
}

func testE2ERotation(t *testing.T, client *harness.AWS, db e2eDatabase, strategy string) {
	proxy := startProxy(t)
	name := acctest.RandomWithPrefix("tf-acc-e2e-rotation")
	rotation := fmt.Sprintf("    rotate_immediately = true\n    strategy           = %q\n", strategy)
	if strategy == bundle.StrategyAlternatingUsers {
		rotation += fmt.Sprintf("    master_secret_arn = %q\n", db.masterSecret(t, client))
	}
	config := db.bundleConfig(proxy.URL(), name, rotationBlock(rotation, ""))
	alternating := strategy == bundle.StrategyAlternatingUsers
	clone := db.username + bundle.CloneSuffix

	var first secretVersion
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// The first rotation runs during create.
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("last_rotation_error"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("last_rotated_date"), knownvalue.StringRegexp(rfc3339Date)),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("next_rotation_date"), knownvalue.StringRegexp(rfc3339Date)),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("rotation_enabled"), knownvalue.Bool(true)),
				},
				Check: func(s *terraform.State) error {
					a, err := attributes(s)
					if err != nil {
						return err
					}
					current, err := readVersion(client, a["arn"], "AWSCURRENT")
					if err != nil {
						return err
					}
					previous, err := readVersion(client, a["arn"], "AWSPREVIOUS")
					if err != nil {
						return err
					}
					first = current
					if a["version_id"] != current.id {
						return fmt.Errorf("version_id in state is %s, AWSCURRENT is %s", a["version_id"], current.id)
					}
					if previous.username != db.username || previous.password != db.password {
						return fmt.Errorf("AWSPREVIOUS does not hold the configured user %s with the initial password (it holds user %s)", db.username, previous.username)
					}
					if current.password == db.password {
						return fmt.Errorf("AWSCURRENT still holds the initial password: the first rotation did not run")
					}
					if err := db.logIn(current.username, current.password); err != nil {
						return fmt.Errorf("the AWSCURRENT credentials (user %s) do not log in to %s: %v", current.username, db.engine, err)
					}
					if !alternating {
						if current.username != db.username {
							return fmt.Errorf("single user: AWSCURRENT is user %s, want %s", current.username, db.username)
						}
						if db.logIn(db.username, db.password) == nil {
							return fmt.Errorf("single user: the initial password still logs in after the rotation")
						}
						return nil
					}
					// Alternating users: the Lambda created the clone; the configured user keeps
					// its password until its next turn, so AWSPREVIOUS still logs in.
					if current.username != clone {
						return fmt.Errorf("alternating users: AWSCURRENT is user %s, want the clone %s", current.username, clone)
					}
					if err := db.logIn(db.username, db.password); err != nil {
						return fmt.Errorf("alternating users: AWSPREVIOUS (%s) no longer logs in: %v", db.username, err)
					}
					return nil
				},
			},
			{
				// A second rotation out of band, through the proxy as the CLI would make it.
				PreConfig: func() {
					rotateOutOfBand(t, proxy.URL(), name)
					proxy.Mark("rotated")
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("credentials").AtMapKey("username"), knownvalue.StringExact(db.username)),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("credentials").AtMapKey("password_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("last_rotation_error"), knownvalue.StringExact("")),
				},
				Check: func(s *terraform.State) error {
					proxy.Mark("applied")
					writes, err := valueWrites(proxy, "rotated", "applied")
					if err != nil {
						return err
					}
					if len(writes) > 0 {
						return fmt.Errorf("the provider wrote the secret during a plan without changes: %v", writes)
					}
					a, err := attributes(s)
					if err != nil {
						return err
					}
					current, err := readVersion(client, a["arn"], "AWSCURRENT")
					if err != nil {
						return err
					}
					previous, err := readVersion(client, a["arn"], "AWSPREVIOUS")
					if err != nil {
						return err
					}
					if a["version_id"] != current.id {
						return fmt.Errorf("version_id in state is %s, AWSCURRENT is %s", a["version_id"], current.id)
					}
					if current.id == first.id || current.password == first.password {
						return fmt.Errorf("the out-of-band rotation did not make a new AWSCURRENT")
					}
					if previous.id != first.id {
						return fmt.Errorf("AWSPREVIOUS is version %s, want the first rotation's %s", previous.id, first.id)
					}
					if err := db.logIn(current.username, current.password); err != nil {
						return fmt.Errorf("the AWSCURRENT credentials (user %s) do not log in after the second rotation: %v", current.username, err)
					}
					if db.logIn(db.username, db.password) == nil {
						return fmt.Errorf("the initial password still logs in after two rotations")
					}
					if !alternating {
						if db.logIn(first.username, first.password) == nil {
							return fmt.Errorf("single user: the first rotation's password still logs in after the second")
						}
						return nil
					}
					// The turn came back to the configured user, with a new password; the clone
					// keeps the first rotation's.
					if current.username != db.username {
						return fmt.Errorf("alternating users: AWSCURRENT is user %s after the second rotation, want %s", current.username, db.username)
					}
					if err := db.logIn(clone, first.password); err != nil {
						return fmt.Errorf("alternating users: the clone (AWSPREVIOUS) no longer logs in: %v", err)
					}
					return nil
				},
			},
		},
	})
}
