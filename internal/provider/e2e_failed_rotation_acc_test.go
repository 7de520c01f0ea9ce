package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/dbserver"
)

// TestAccE2E_failedRotation stops the database (a server of the test's own, halted and restarted
// on the same port) under the bundle. The first rotation fails during create: apply warns with
// the rotator's error and last_rotation_error keeps it. With the database back, AWSCURRENT (still
// the configured password) logs in and a rotation clears the error. A later rotation while the
// database is down again fails the same way: the next refresh warns and shows last_rotation_error,
// AWSCURRENT is untouched and logs in once the database is back, and the next rotation clears it.
func TestAccE2E_failedRotation(t *testing.T) {
	for _, engine := range []dbserver.Engine{dbserver.Postgres, dbserver.MariaDB, dbserver.FerretDB} {
		t.Run(string(engine), func(t *testing.T) { testE2EFailedRotation(t, engine) })
	}
	t.Run("ferretdb_wrong_password", testE2EWrongPassword)
}

// testE2EWrongPassword: a bundle of a MongoDB user (FerretDB over TLS) given a wrong initial
// password. The first rotation fails at setSecret with the login refused, apply warns, the secret
// keeps the configured value, and the user's real password is untouched.
func testE2EWrongPassword(t *testing.T) {
	client := testAWS(t)
	proxy := startProxy(t)
	db := newE2EDatabase(t, dbserver.Shared(t, dbserver.Options{Engine: dbserver.FerretDB, TLS: true}))
	realPassword := db.password
	db.password = "Wrong-" + acctest.RandString(12)
	name := acctest.RandomWithPrefix("tf-acc-e2e-wrong")
	recorder := &diagnosticRecorder{}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: recorder.factories(),
		Steps: []resource.TestStep{{
			Config: db.bundleConfig(proxy.URL(), name, rotationBlock("", "")),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(testResource, tfjsonpath.New("last_rotation_error"),
					knownvalue.StringRegexp(regexp.MustCompile(`setSecret step failed \(db_login_failed\): .*MongoDB.*`+db.username))),
			},
			Check: func(s *terraform.State) error {
				a, err := attributes(s)
				if err != nil {
					return err
				}
				if err := recorder.expectWarning("ApplyResourceChange", name, a["last_rotation_error"]); err != nil {
					return err
				}
				current, err := readVersion(client, a["arn"], "AWSCURRENT")
				if err != nil {
					return err
				}
				if current.password != db.password {
					return fmt.Errorf("AWSCURRENT no longer holds the configured value after the failed rotation")
				}
				if err := db.logIn(db.username, realPassword); err != nil {
					return fmt.Errorf("the user's real password stopped working: %v", err)
				}
				return nil
			},
		}},
	})
}

func testE2EFailedRotation(t *testing.T, engine dbserver.Engine) {
	client := testAWS(t)
	proxy := startProxy(t)
	// FerretDB (engine mongo) over TLS verified with the test CA.
	server := dbserver.StartT(t, dbserver.Options{Engine: engine, TLS: engine == dbserver.FerretDB})
	db := newE2EDatabase(t, server)
	name := acctest.RandomWithPrefix("tf-acc-e2e-failing")
	config := db.bundleConfig(proxy.URL(), name, rotationBlock("", "")+`
  timeouts {
    create = "3m"
  }
`)
	recorder := &diagnosticRecorder{}
	// The rotator cannot reach the database: setSecret is the first step that logs in.
	rotatorError := regexp.MustCompile(`setSecret step failed \(\w+\): .+`)
	halt := func() {
		recorder.reset()
		if err := server.Halt(); err != nil {
			t.Fatalf("stopping %s: %v", engine, err)
		}
	}
	restart := func() {
		recorder.reset()
		if err := server.Restart(t.Context()); err != nil {
			t.Fatalf("starting %s again: %v", engine, err)
		}
	}
	// currentLogsIn checks that AWSCURRENT holds want's password and logs in.
	currentLogsIn := func(s *terraform.State, want *secretVersion) error {
		a, err := attributes(s)
		if err != nil {
			return err
		}
		current, err := readVersion(client, a["arn"], "AWSCURRENT")
		if err != nil {
			return err
		}
		if want.id != "" && current.id != want.id {
			return fmt.Errorf("AWSCURRENT moved to version %s, want it still on %s", current.id, want.id)
		}
		if want.password != "" && current.password != want.password {
			return fmt.Errorf("AWSCURRENT holds another password than before the failed rotation")
		}
		*want = current
		if err := db.logIn(current.username, current.password); err != nil {
			return fmt.Errorf("AWSCURRENT (user %s) does not log in to %s: %v", current.username, engine, err)
		}
		return nil
	}
	// warned checks the warning carries the rotator's own error, as last_rotation_error does.
	warned := func(rpc string) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			a, err := attributes(s)
			if err != nil {
				return err
			}
			return recorder.expectWarning(rpc, name, a["last_rotation_error"])
		}
	}
	failed := statecheck.ExpectKnownValue(testResource, tfjsonpath.New("last_rotation_error"), knownvalue.StringRegexp(rotatorError))
	cleared := statecheck.ExpectKnownValue(testResource, tfjsonpath.New("last_rotation_error"), knownvalue.StringExact(""))
	empty := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}

	initial := secretVersion{username: db.username, password: db.password}
	var rotated secretVersion
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: recorder.factories(),
		Steps: []resource.TestStep{
			{
				// The database is down when the bundle is created: the first rotation fails, the
				// bundle is still created, and apply warns.
				PreConfig:         halt,
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{failed},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrSet(testResource, "rotation_function_arn"),
					warned("ApplyResourceChange"),
				),
			},
			{
				// Back up: the secret still holds the configured password, which logs in; the
				// error stays until a rotation succeeds.
				PreConfig:         restart,
				Config:            config,
				ConfigPlanChecks:  empty,
				ConfigStateChecks: []statecheck.StateCheck{failed},
				Check:             func(s *terraform.State) error { return currentLogsIn(s, &initial) },
			},
			{
				PreConfig: func() {
					recorder.reset()
					rotateOutOfBand(t, proxy.URL(), name)
				},
				Config:            config,
				ConfigPlanChecks:  empty,
				ConfigStateChecks: []statecheck.StateCheck{cleared},
				Check: func(s *terraform.State) error {
					if err := currentLogsIn(s, &rotated); err != nil {
						return err
					}
					if rotated.password == db.password || db.logIn(db.username, db.password) == nil {
						return fmt.Errorf("the rotation after the database came back did not change the password")
					}
					return nil
				},
			},
			{
				// Down again, and a rotation out of band: LocalStack swallows the failing Lambda
				// as AWS would report it only in the log; the refresh finds it and warns.
				PreConfig: func() {
					halt()
					rotateOutOfBand(t, proxy.URL(), name)
				},
				Config:            config,
				ConfigPlanChecks:  empty,
				ConfigStateChecks: []statecheck.StateCheck{failed},
				Check:             warned("ReadResource"),
			},
			{
				PreConfig:         restart,
				Config:            config,
				ConfigPlanChecks:  empty,
				ConfigStateChecks: []statecheck.StateCheck{failed},
				Check:             func(s *terraform.State) error { return currentLogsIn(s, &rotated) },
			},
			{
				PreConfig:         func() { rotateOutOfBand(t, proxy.URL(), name) },
				Config:            config,
				ConfigPlanChecks:  empty,
				ConfigStateChecks: []statecheck.StateCheck{cleared},
				Check: func(s *terraform.State) error {
					previous := rotated
					if err := currentLogsIn(s, &secretVersion{}); err != nil {
						return err
					}
					if db.logIn(previous.username, previous.password) == nil {
						return fmt.Errorf("the password of before the last rotation still logs in")
					}
					return nil
				},
			},
		},
	})
}
