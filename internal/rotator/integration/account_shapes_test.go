package integration

import (
	"context"
	"crypto/md5" //nolint:gosec // PostgreSQL's md5 verifier is MD5(password || username) by definition
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/dbserver"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator"
)

// The accounts production has, which the plain scenarios do not make: default roles, several
// host entries, another authentication plugin (MariaDB); a clone that lost its membership, a
// server that keeps md5 verifiers (PostgreSQL).

// mariadbValue is one value the harness's superuser reads.
func (m mariadbDatabase) value(t testing.TB, query string, args ...any) string {
	t.Helper()
	db, err := m.srv.SuperuserDB()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var value *string
	if err := db.QueryRow(query, args...).Scan(&value); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if value == nil {
		return ""
	}
	return *value
}

func (p postgresDatabase) value(t testing.TB, query string, args ...any) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, p.srv.SuperuserURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var value *string
	if err := conn.QueryRow(ctx, query, args...).Scan(&value); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if value == nil {
		return ""
	}
	return *value
}

// withRoleOnly makes the app user's table readable through a default role only (MariaDB): the
// direct grant goes, the role has it, and the role is the user's default.
func withRoleOnly(t *testing.T, db mariadbDatabase, a *app, masterUser string) string {
	t.Helper()
	role := "role_" + randomSuffix()
	db.exec(t,
		"CREATE ROLE "+db.quoteIdent(role),
		fmt.Sprintf("GRANT SELECT ON rotator_test.%s TO %s", db.quoteIdent(a.table), db.quoteIdent(role)),
		fmt.Sprintf("REVOKE SELECT ON rotator_test.%s FROM %s@'%%'", db.quoteIdent(a.table), db.quoteLiteral(a.username)),
		fmt.Sprintf("GRANT %s TO %s@'%%'", db.quoteIdent(role), db.quoteLiteral(a.username)),
		fmt.Sprintf("SET DEFAULT ROLE %s FOR %s@'%%'", db.quoteIdent(role), db.quoteLiteral(a.username)),
		// The master administers the role, as RDS's master does the roles it made.
		fmt.Sprintf("GRANT %s TO %s@'%%' WITH ADMIN OPTION", db.quoteIdent(role), db.quoteLiteral(masterUser)),
	)
	if err := db.canRead(a.username, a.password, a.table); err != nil {
		t.Fatalf("the user does not read its table through its default role: %v", err)
	}
	return role
}

// The clone gets the base user's default role: without it the clone logs in with no active role
// and none of the role's privileges (MariaDB; MySQL 8 with activate_all_roles_on_login = OFF).
func TestAccMySQLCloneGetsDefaultRole(t *testing.T) {
	db := mariadbOnly(t)
	a := newApp(t, db, appOptions{alternating: true})
	masterUser := masterUsername(t, a)
	role := withRoleOnly(t, db, a, masterUser)
	a.mustRotate()
	clone, password := currentCredentials(a.secretFixture)
	if err := db.canRead(clone, password, a.table); err != nil {
		t.Errorf("the clone does not read the table its base user reads through the default role %s: %v", role, err)
	}
	if got := db.value(t, "SELECT default_role FROM mysql.user WHERE User = ? AND Host = '%'", clone); got != role {
		t.Errorf("the clone's default role is %q, want %q", got, role)
	}
	a.mustRotate() // back to the base user, whose default role stays
	a.assertCurrentLogsIn()
	if got := db.value(t, "SELECT default_role FROM mysql.user WHERE User = ? AND Host = '%'", a.username); got != role {
		t.Errorf("the base user's default role is %q after rotating back, want %q", got, role)
	}
}

// testSecret compares the effective privileges: a clone holding the role but not as its default
// logs in with none of the role's privileges and must not become current.
func TestAccMySQLTestSecretChecksActiveRoles(t *testing.T) {
	db := mariadbOnly(t)
	a := newApp(t, db, appOptions{alternating: true})
	masterUser := masterUsername(t, a)
	role := withRoleOnly(t, db, a, masterUser)
	token := newToken()
	if err := a.startRotation(token); err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, a.step("createSecret", token), rotator.OutcomeSucceeded)
	pending := a.value("AWSPENDING")
	clone, password := str(pending["username"]), str(pending["password"])
	db.exec(t, fmt.Sprintf("CREATE USER %s@'%%' IDENTIFIED BY %s", db.quoteLiteral(clone), db.quoteLiteral(password)),
		fmt.Sprintf("GRANT %s TO %s@'%%'", db.quoteIdent(role), db.quoteLiteral(clone)))
	wantOutcome(t, a.step("setSecret", token), rotator.OutcomeAlreadyDone)
	result := a.step("testSecret", token)
	wantFailure(t, result, rotator.CodeTestFailed)
	if !strings.Contains(result.Err.Error(), role) {
		t.Errorf("the error does not name the role that is not active: %v", result.Err)
	}
	a.assertCurrentLogsIn()
}

// addHost gives the app user a second host entry with the same password and grants.
func addHost(t *testing.T, db mariadbDatabase, a *app, host string) {
	t.Helper()
	db.exec(t, fmt.Sprintf("CREATE USER %s@%s IDENTIFIED BY %s", db.quoteLiteral(a.username), db.quoteLiteral(host), db.quoteLiteral(a.password)),
		fmt.Sprintf("GRANT SELECT ON rotator_test.%s TO %s@%s", db.quoteIdent(a.table), db.quoteLiteral(a.username), db.quoteLiteral(host)))
}

func (m mariadbDatabase) passwordHash(t testing.TB, user, host string) string {
	t.Helper()
	return m.value(t, "SELECT authentication_string FROM mysql.user WHERE User = ? AND Host = ?", user, host)
}

// Single user with several host entries: every entry gets the new password, or, when the user
// cannot change the others, the rotation fails naming them and changes none.
func TestAccMySQLSingleUserSeveralHosts(t *testing.T) {
	db := mariadbOnly(t)
	a := newApp(t, db, appOptions{})
	addHost(t, db, a, "10.0.1.%")
	// The user sees its entries but may not change another.
	db.exec(t, fmt.Sprintf("GRANT SELECT ON mysql.user TO %s@'%%'", db.quoteLiteral(a.username)))
	oldHash := db.passwordHash(t, a.username, "%")
	token := newToken()
	if err := a.startRotation(token); err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, a.step("createSecret", token), rotator.OutcomeSucceeded)
	result := a.step("setSecret", token)
	wantFailure(t, result, rotator.CodeDBStatementFailed)
	if !strings.Contains(result.Err.Error(), "10.0.1.%") {
		t.Errorf("the error does not name the other host entry: %v", result.Err)
	}
	for _, host := range []string{"%", "10.0.1.%"} {
		if got := db.passwordHash(t, a.username, host); got != oldHash {
			t.Errorf("the entry %s@%s changed although the rotation failed", a.username, host)
		}
	}
	// Allowed to change its other entries, the user rotates them all.
	db.exec(t, fmt.Sprintf("GRANT CREATE USER ON *.* TO %s@'%%'", db.quoteLiteral(a.username)))
	wantOutcome(t, a.step("setSecret", token), rotator.OutcomeSucceeded)
	wantOutcome(t, a.step("testSecret", token), rotator.OutcomeSucceeded)
	wantOutcome(t, a.step("finishSecret", token), rotator.OutcomeSucceeded)
	newHash := db.passwordHash(t, a.username, "%")
	if newHash == oldHash {
		t.Fatal("the password of the entry the function logs in as did not change")
	}
	if got := db.passwordHash(t, a.username, "10.0.1.%"); got != newHash {
		t.Errorf("the entry %s@10.0.1.%% keeps another password than %s@%%", a.username, a.username)
	}
	a.assertCurrentLogsIn()
}

// Alternating users with several host entries: a clone made on the function's host entry only
// (an interrupted earlier attempt) is not "already done"; the master completes every entry.
func TestAccMySQLAlternatingSeveralHosts(t *testing.T) {
	db := mariadbOnly(t)
	a := newApp(t, db, appOptions{alternating: true})
	addHost(t, db, a, "10.0.1.%")
	token := newToken()
	if err := a.startRotation(token); err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, a.step("createSecret", token), rotator.OutcomeSucceeded)
	pending := a.value("AWSPENDING")
	clone, password := str(pending["username"]), str(pending["password"])
	// The entry for the function's host, as a first attempt left it before it reached the next.
	db.exec(t, fmt.Sprintf("CREATE USER %s@'%%' IDENTIFIED BY %s", db.quoteLiteral(clone), db.quoteLiteral(password)),
		fmt.Sprintf("GRANT SELECT ON rotator_test.%s TO %s@'%%'", db.quoteIdent(a.table), db.quoteLiteral(clone)))
	wantOutcome(t, a.step("setSecret", token), rotator.OutcomeSucceeded)
	if got := db.value(t, "SELECT COUNT(*) FROM mysql.user WHERE User = ? AND Host = '10.0.1.%'", clone); got != "1" {
		t.Fatalf("the clone has no entry for host 10.0.1.%% after setSecret")
	}
	if db.passwordHash(t, clone, "10.0.1.%") != db.passwordHash(t, clone, "%") {
		t.Error("the clone's entries have different passwords")
	}
	wantOutcome(t, a.step("testSecret", token), rotator.OutcomeSucceeded)
	wantOutcome(t, a.step("finishSecret", token), rotator.OutcomeSucceeded)
	a.assertCurrentLogsIn()
}

// The clone keeps the base user's authentication plugin (ed25519 here) instead of the server's
// default.
func TestAccMySQLCloneKeepsAuthPlugin(t *testing.T) {
	db := mariadbOnly(t)
	if db.value(t, "SELECT COUNT(*) FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'ed25519'") == "0" {
		db.exec(t, "INSTALL SONAME 'auth_ed25519'")
	}
	username, password := "app_"+randomSuffix(), "Init-"+randomSuffix()+"-pw"
	a := newApp(t, db, appOptions{alternating: true, username: username, password: password})
	db.exec(t, fmt.Sprintf("ALTER USER %s@'%%' IDENTIFIED VIA ed25519 USING PASSWORD(%s)", db.quoteLiteral(username), db.quoteLiteral(password)))
	if err := db.login(username, password); err != nil {
		t.Fatalf("the ed25519 user does not log in: %v", err)
	}
	a.mustRotate()
	clone, clonePassword := currentCredentials(a.secretFixture)
	if got := db.value(t, "SELECT plugin FROM mysql.user WHERE User = ? AND Host = '%'", clone); got != "ed25519" {
		t.Errorf("the clone authenticates with %q, want the base user's ed25519", got)
	}
	if err := db.canRead(clone, clonePassword, a.table); err != nil {
		t.Errorf("the clone does not read the table: %v", err)
	}
	a.mustRotate() // back to the base user
	a.assertCurrentLogsIn()
	if got := db.value(t, "SELECT plugin FROM mysql.user WHERE User = ? AND Host = '%'", username); got != "ed25519" {
		t.Errorf("the base user authenticates with %q after rotating back, want ed25519", got)
	}
}

func postgresOnly(t *testing.T) postgresDatabase {
	t.Helper()
	requireAcc(t)
	db, ok := databases(t)[0].(postgresDatabase)
	if !ok {
		t.Fatal("the first database is not PostgreSQL")
	}
	return db
}

// An existing clone gets its membership in the base role again at every rotation: a clone whose
// membership was revoked would otherwise become current without the base role's privileges.
func TestAccPostgresCloneMembershipRegranted(t *testing.T) {
	db := postgresOnly(t)
	a := newApp(t, db, appOptions{alternating: true})
	clone := a.username + "_clone"
	a.mustRotate() // creates the clone
	a.mustRotate() // back to the base user
	db.exec(t, fmt.Sprintf("REVOKE %s FROM %s", db.quoteIdent(a.username), db.quoteIdent(clone)))
	a.mustRotate() // to the existing clone
	username, password := currentCredentials(a.secretFixture)
	if username != clone {
		t.Fatalf("AWSCURRENT is user %q, want %q", username, clone)
	}
	if err := db.canRead(clone, password, a.table); err != nil {
		t.Errorf("the existing clone did not get its membership in %q back: %v", a.username, err)
	}
}

// testSecret checks the clone's membership: a clone that logs in but is not a member of the
// base role fails the test instead of becoming current.
func TestAccPostgresTestSecretChecksMembership(t *testing.T) {
	db := postgresOnly(t)
	a := newApp(t, db, appOptions{alternating: true})
	token := newToken()
	if err := a.startRotation(token); err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, a.step("createSecret", token), rotator.OutcomeSucceeded)
	pending := a.value("AWSPENDING")
	clone, password := str(pending["username"]), str(pending["password"])
	db.exec(t, fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD %s", db.quoteIdent(clone), db.quoteLiteral(password)))
	wantOutcome(t, a.step("setSecret", token), rotator.OutcomeAlreadyDone)
	result := a.step("testSecret", token)
	wantFailure(t, result, rotator.CodeTestFailed)
	if !strings.Contains(result.Err.Error(), "member") || !strings.Contains(result.Err.Error(), a.username) {
		t.Errorf("the error does not say the clone is not a member of %q: %v", a.username, result.Err)
	}
	a.assertCurrentLogsIn()
}

func md5Verifier(username, password string) string {
	sum := md5.Sum([]byte(password + username)) //nolint:gosec // the format PostgreSQL stores
	return "md5" + hex.EncodeToString(sum[:])
}

// A server with password_encryption = md5 gets md5 verifiers from the rotator, as it would make
// itself: a PgBouncer auth_file or an md5 pg_hba line on an older server needs them.
func TestAccPostgresFollowsPasswordEncryption(t *testing.T) {
	requireAcc(t)
	db := postgresDatabase{srv: dbserver.Shared(t, dbserver.Options{Engine: dbserver.Postgres, MD5Passwords: true})}
	stored := func(role string) string {
		return db.value(t, "SELECT rolpassword FROM pg_authid WHERE rolname = $1", role)
	}
	t.Run("single_user", func(t *testing.T) {
		a := newApp(t, db, appOptions{})
		a.mustRotate()
		username, password := currentCredentials(a.secretFixture)
		if got, want := stored(username), md5Verifier(username, password); got != want {
			t.Errorf("the stored verifier is %.12s…, want the md5 verifier %.12s…", got, want)
		}
		a.assertCurrentLogsIn()
	})
	t.Run("alternating_users", func(t *testing.T) {
		a := newApp(t, db, appOptions{alternating: true})
		for _, rotation := range []string{"the new clone", "the base user", "the existing clone"} {
			a.mustRotate()
			username, password := currentCredentials(a.secretFixture)
			if got, want := stored(username), md5Verifier(username, password); got != want {
				t.Errorf("%s's stored verifier is %.12s…, want the md5 verifier %.12s…", rotation, got, want)
			}
		}
		a.assertCurrentLogsIn()
	})
}
