package provider

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/jackc/pgx/v5"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/awsproxy"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/dbserver"
)

// These tests need the harness's RotateSecret as AWS runs it (scripts/localstack_ext,
// secretsbundle_localstack/rotation.py): asynchronous rotation, and RotateImmediately=false testing
// the configuration with the rotator's testSecret step.

// ownTestDatabase is newTestDatabase on a server of the test's own, which it may halt or pause.
func ownTestDatabase(t *testing.T) testDatabase {
	t.Helper()
	server := dbserver.StartT(t, dbserver.Options{Engine: dbserver.Postgres})
	db := testDatabase{server: server, username: "app_" + acctest.RandString(8), password: "Initial-" + acctest.RandString(16), dbname: "postgres"}
	db.superuserExec(t, fmt.Sprintf(`CREATE ROLE %s LOGIN PASSWORD '%s'`, db.username, db.password))
	return db
}

func (db testDatabase) superuserExec(t *testing.T, sql string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), db.server.SuperuserURL())
	if err != nil {
		t.Fatalf("connecting to the test PostgreSQL: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// TestAccRDSSecret_scheduleUpdateTestsTheConfiguration changes the schedule (RotateSecret with
// RotateImmediately=false, which on AWS runs testSecret with the current credentials): with a
// working credential it succeeds; with the password changed out of band, or the database down,
// the apply fails saying so and what to do, and succeeds again once the database is back.
func TestAccRDSSecret_scheduleUpdateTestsTheConfiguration(t *testing.T) {
	proxy := startProxy(t)
	db := ownTestDatabase(t)
	name := acctest.RandomWithPrefix("tf-acc-schedule")
	config := func(days int) string {
		return rdsSecretConfig(proxy.URL(), name, db, rotationBlock(fmt.Sprintf("automatically_after_days = %d\n    rotate_immediately = false", days), ""))
	}
	// Terraform wraps messages at 80 columns: the spaces match any run of whitespace.
	wantError := regexpMust(`(?s)testSecret.*unreachable\s+or\s+the\s+secret's\s+password\s+no\s+longer\s+logs.*password_wo_version`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config(30), Check: resource.TestCheckResourceAttr(testResource, "rotation.automatically_after_days", "30")},
			// A working credential: the schedule changes.
			{Config: config(7), Check: resource.TestCheckResourceAttr(testResource, "rotation.automatically_after_days", "7")},
			// The password changed out of band: testSecret cannot log in.
			{
				PreConfig: func() {
					db.superuserExec(t, fmt.Sprintf(`ALTER ROLE %s PASSWORD 'Changed-Out-Of-Band-1'`, db.username))
				},
				Config:      config(14),
				ExpectError: wantError,
			},
			// The database down: testSecret cannot connect.
			{
				PreConfig: func() {
					db.superuserExec(t, fmt.Sprintf(`ALTER ROLE %s PASSWORD '%s'`, db.username, db.password))
					if err := db.server.Halt(); err != nil {
						t.Fatal(err)
					}
				},
				Config:      config(14),
				ExpectError: wantError,
			},
			// Back up: the same change applies.
			{
				PreConfig: func() {
					if err := db.server.Restart(context.Background()); err != nil {
						t.Fatal(err)
					}
				},
				Config: config(14),
				Check:  resource.TestCheckResourceAttr(testResource, "rotation.automatically_after_days", "14"),
			},
		},
	})
}

// TestAccRDSSecret_firstRotationWaitLambdaTimesOut rotates against a database that accepts
// connections but never answers: the rotator's Lambda times out, and logs nothing itself.
// RotateSecret answers at once (as on AWS), and the provider's wait for the first rotation must
// notice Lambda's own timeout line and report it well before the create timeout, rather than wait
// it out and claim only that the rotation has not finished. (The rotator bounds its login by the
// function's deadline and sometimes logs that failure just before Lambda stops it; on a loaded
// machine either report may come first, and both are accepted.)
func TestAccRDSSecret_firstRotationWaitLambdaTimesOut(t *testing.T) {
	proxy := startProxy(t)
	db := ownTestDatabase(t)
	name := acctest.RandomWithPrefix("tf-acc-lambda-timeout")
	// The rotator gives a database login 5 s; a 2 s function times out first.
	config := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("", "      timeout = 2")+`
  timeouts {
    create = "1m"
  }
`)
	var started time.Time
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: func() {
				if err := db.server.Pause(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = db.server.Resume() })
				started = time.Now()
			},
			Config: config,
			Check: resource.ComposeAggregateTestCheckFunc(
				func(*terraform.State) error {
					if took := time.Since(started); took > 45*time.Second {
						return fmt.Errorf("the apply took %s: the wait did not notice the timed-out Lambda", took)
					}
					return nil
				},
				resource.TestCheckResourceAttrSet(testResource, "rotation_function_arn"),
				resource.TestMatchResourceAttr(testResource, "last_rotation_error", regexpMust(`the rotation function timed out \(.*Task timed out after 2\.00 seconds\); raise rotation\.lambda\.timeout|setSecret step failed \(db_unreachable\).*deadline exceeded`)),
				func(*terraform.State) error { return db.server.Resume() },
			),
		}},
	})
}

// TestAccRDSSecret_firstRotationWaitTimesOut gives the create less time than the rotation takes:
// the rotator's first read of the secret (GetSecretValue, which the provider does not make while
// creating) is held for 50 s by the proxy, inside the function's 60 s timeout. The wait ends at
// the create timeout and says the rotation may still finish; the bundle is kept.
func TestAccRDSSecret_firstRotationWaitTimesOut(t *testing.T) {
	proxy := startProxy(t)
	db := newTestDatabase(t)
	name := acctest.RandomWithPrefix("tf-acc-wait-timeout")
	config := rdsSecretConfig(proxy.URL(), name, db, rotationBlock("", "      timeout = 60")+`
  timeouts {
    create = "30s"
  }
`)
	if _, err := proxy.AddFault(awsproxy.Rule{Kind: awsproxy.FaultDelay, Operation: "secretsmanager:GetSecretValue", Resource: name, Times: 1, Delay: awsproxy.Duration(50 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	var started time.Time
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: func() { started = time.Now() },
			Config:    config,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttrSet(testResource, "rotation_function_arn"),
				resource.TestMatchResourceAttr(testResource, "last_rotation_error", regexpMust(`has not finished within the timeout; it may still finish`)),
				func(*terraform.State) error {
					if took := time.Since(started); took > 45*time.Second {
						return fmt.Errorf("the apply took %s with a 30s create timeout", took)
					}
					return nil
				},
			),
		}},
	})
}
