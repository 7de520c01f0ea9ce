package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator"
)

func mariadbOnly(t *testing.T) mariadbDatabase {
	t.Helper()
	requireAcc(t)
	for _, db := range databases(t) {
		if m, ok := db.(mariadbDatabase); ok {
			return m
		}
	}
	t.Fatal("no MariaDB server")
	return mariadbDatabase{}
}

// A clone whose grants could not all be copied must never log in with the pending password: a
// retried setSecret must not call it "already done", testSecret must fail, AWSCURRENT must stay.
func TestAccMySQLCloneFailedGrantNeverFinishes(t *testing.T) {
	db := mariadbOnly(t)
	a := newApp(t, db, appOptions{alternating: true})
	masterUser := masterUsername(t, a)
	// The master can still create users but no longer grant: the first GRANT replay fails.
	db.exec(t, fmt.Sprintf("REVOKE GRANT OPTION ON *.* FROM %s@'%%'", db.quoteLiteral(masterUser)))
	currentBefore := a.versionWith("AWSCURRENT")
	token := newToken()
	if err := a.startRotation(token); err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, a.step("createSecret", token), rotator.OutcomeSucceeded)
	wantFailure(t, a.step("setSecret", token), rotator.CodeDBStatementFailed)
	// Secrets Manager retries the step: the half-made clone must not count as done.
	wantFailure(t, a.step("setSecret", token), rotator.CodeDBStatementFailed)
	pending := a.value("AWSPENDING")
	if err := db.login(str(pending["username"]), str(pending["password"])); err == nil {
		t.Error("the half-made clone logs in with the pending password")
	}
	if result := a.step("testSecret", token); result.Err == nil {
		t.Error("testSecret passed on a clone without its grants")
	}
	if got := a.versionWith("AWSCURRENT"); got != currentBefore {
		t.Errorf("AWSCURRENT moved from %s to %s", currentBefore, got)
	}
	a.assertCurrentLogsIn()
}

// testSecret compares the clone's grants with the current user's: a clone that logs in but lacks
// a grant (made by an older rotator, or by hand) fails the test instead of becoming current.
func TestAccMySQLTestSecretChecksGrants(t *testing.T) {
	db := mariadbOnly(t)
	a := newApp(t, db, appOptions{alternating: true})
	token := newToken()
	if err := a.startRotation(token); err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, a.step("createSecret", token), rotator.OutcomeSucceeded)
	pending := a.value("AWSPENDING")
	clone, password := str(pending["username"]), str(pending["password"])
	db.exec(t, fmt.Sprintf("CREATE USER %s@'%%' IDENTIFIED BY %s", db.quoteLiteral(clone), db.quoteLiteral(password)))
	wantOutcome(t, a.step("setSecret", token), rotator.OutcomeAlreadyDone)
	result := a.step("testSecret", token)
	wantFailure(t, result, rotator.CodeTestFailed)
	if !strings.Contains(result.Err.Error(), "does not hold the same grants") || !strings.Contains(result.Err.Error(), a.table) {
		t.Errorf("the error does not name the missing grant: %v", result.Err)
	}
	a.assertCurrentLogsIn()
}

// A privilege revoked from the user since the clone was made is revoked from the clone too.
func TestAccMySQLCloneLosesRevokedPrivileges(t *testing.T) {
	db := mariadbOnly(t)
	a := newApp(t, db, appOptions{alternating: true})
	extra := db.grantRead(t, a.username)
	a.mustRotate() // to the clone, which gets both tables
	clone, password := currentCredentials(a.secretFixture)
	if err := db.canRead(clone, password, extra); err != nil {
		t.Fatalf("the clone lacks a grant of the user: %v", err)
	}
	db.exec(t, fmt.Sprintf("REVOKE SELECT ON rotator_test.%s FROM %s@'%%'", db.quoteIdent(extra), db.quoteLiteral(a.username)))
	a.mustRotate() // back to the user
	a.mustRotate() // to the existing clone again
	clone, password = currentCredentials(a.secretFixture)
	if err := db.canRead(clone, password, extra); err == nil {
		t.Errorf("the clone %q still reads %s, which the user lost", clone, extra)
	}
	if err := db.canRead(clone, password, a.table); err != nil {
		t.Errorf("the clone lost a grant the user still has: %v", err)
	}
	a.assertCurrentLogsIn()
}

// masterUsername is the user of the app's master secret.
func masterUsername(t *testing.T, a *app) string {
	t.Helper()
	out, err := a.sm.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(a.master)})
	if err != nil {
		t.Fatal(err)
	}
	var value map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &value); err != nil {
		t.Fatal(err)
	}
	return str(value["username"])
}

// A server that refuses a login for a reason other than the password (PostgreSQL's "too many
// connections for role", SQLSTATE 53300) is not a wrong password: the step fails as unreachable,
// without the previous-password fallback and without advice to fix the password.
func TestAccPostgresBusyIsNotALoginFailure(t *testing.T) {
	requireAcc(t)
	db, ok := databases(t)[0].(postgresDatabase)
	if !ok {
		t.Fatal("the first database is not PostgreSQL")
	}
	a := newApp(t, db, appOptions{})
	a.mustRotate() // an AWSPREVIOUS exists, so the old fallback would have been tried
	db.exec(t, "ALTER ROLE "+db.quoteIdent(a.username)+" CONNECTION LIMIT 0")
	token := newToken()
	if err := a.startRotation(token); err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, a.step("createSecret", token), rotator.OutcomeSucceeded)
	result := a.step("setSecret", token)
	wantFailure(t, result, rotator.CodeDBUnreachable)
	if text := result.Err.Error(); !strings.Contains(text, "53300") || strings.Contains(text, "AWSPREVIOUS") || strings.Contains(text, "set the database password") {
		t.Errorf("the error should name SQLSTATE 53300 and give no password advice: %v", text)
	}
	db.exec(t, "ALTER ROLE "+db.quoteIdent(a.username)+" CONNECTION LIMIT -1")
	wantOutcome(t, a.step("setSecret", token), rotator.OutcomeSucceeded)
	wantOutcome(t, a.step("testSecret", token), rotator.OutcomeSucceeded)
	wantOutcome(t, a.step("finishSecret", token), rotator.OutcomeSucceeded)
	a.assertCurrentLogsIn()
}

// The rotator sets client_encoding=UTF8 when it logs in instead of taking the server's or the role's
// default: a role whose client_encoding is LATIN1 would have the UTF-8 bytes of a non-ASCII role
// name in ALTER ROLE read as other characters, naming a role that does not exist.
func TestAccPostgresClientEncodingIsUTF8(t *testing.T) {
	requireAcc(t)
	db, ok := databases(t)[0].(postgresDatabase)
	if !ok {
		t.Fatal("the first database is not PostgreSQL")
	}
	a := newApp(t, db, appOptions{username: "app_ü_" + randomSuffix()})
	db.exec(t, "ALTER ROLE "+db.quoteIdent(a.username)+" SET client_encoding = 'LATIN1'")
	_, results := a.mustRotate()
	wantOutcome(t, results[1], rotator.OutcomeSucceeded)
	if username, _ := currentCredentials(a.secretFixture); username != a.username {
		t.Errorf("AWSCURRENT user %q, want %q", username, a.username)
	}
	a.assertCurrentLogsIn()
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
