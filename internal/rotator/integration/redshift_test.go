package integration

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/dbserver"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator"
)

// redshiftStandIn is PostgreSQL standing in for Amazon Redshift: the wire protocol and the
// ALTER USER ... PASSWORD 'md5...' statement are the same; the server keeps md5 verifiers and
// logs in by md5, as Redshift does. What only Redshift does (its sha256 form, superuser-only
// ALTER USER of another user, its system tables) is not covered here.
type redshiftStandIn struct{ postgresDatabase }

func (redshiftStandIn) engine() string { return "redshift" }

// Single user: the password changes by its md5 form, never in clear in the statement text (the
// server logs every statement), and the new password logs in, the old one no longer does.
func TestAccRedshiftSingleUserOnPostgresStandIn(t *testing.T) {
	requireAcc(t)
	db := redshiftStandIn{postgresDatabase{srv: dbserver.Shared(t, dbserver.Options{Engine: dbserver.Postgres, MD5Passwords: true, LogStatements: true})}}
	a := newApp(t, db, appOptions{})
	_, results := a.mustRotate()
	for _, result := range results {
		wantOutcome(t, result, rotator.OutcomeSucceeded)
	}
	username, password := currentCredentials(a.secretFixture)
	if username != a.username || password == a.password {
		t.Fatalf("AWSCURRENT has user %q and a changed password %v", username, password != a.password)
	}
	if err := db.canRead(username, password, a.table); err != nil {
		t.Errorf("the new password does not log in and read: %v", err)
	}
	if err := db.login(a.username, a.password); err == nil {
		t.Error("the old password still logs in")
	}
	if got, want := db.value(t, "SELECT rolpassword FROM pg_authid WHERE rolname = $1", username), md5Verifier(username, password); got != want {
		t.Errorf("the stored verifier is %.12s…, want the md5 form %.12s…", got, want)
	}
	if log := db.srv.FullLog(); !strings.Contains(log, "ALTER USER") || strings.Contains(log, password) {
		t.Errorf("the server's statement log has no ALTER USER or holds the new password in clear")
	}
	a.assertCurrentLogsIn()
}

// Alternating users is refused before anything is written: Redshift lets only a superuser change
// another user's password, and the rotator does not copy Redshift's groups.
func TestAccRedshiftRefusesAlternatingUsers(t *testing.T) {
	requireAcc(t)
	db := redshiftStandIn{postgresDatabase{srv: dbserver.Shared(t, dbserver.Options{Engine: dbserver.Postgres, MD5Passwords: true})}}
	a := newApp(t, db, appOptions{alternating: true})
	token := newToken()
	if err := a.startRotation(token); err != nil {
		t.Fatal(err)
	}
	result := a.step("createSecret", token)
	wantFailure(t, result, rotator.CodeInvalidSettings)
	if !strings.Contains(result.Err.Error(), "single_user") {
		t.Errorf("the error does not name the strategy to use: %v", result.Err)
	}
	if _, err := a.sm.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(a.arn), VersionId: aws.String(token)}); err == nil {
		t.Error("createSecret stored a pending value")
	}
	a.assertCurrentLogsIn()
}
