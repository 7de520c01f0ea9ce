package rotator

import (
	"context"
	"errors"
	"testing"
)

// The md5 form Redshift's ALTER USER ... PASSWORD takes (and PostgreSQL's md5 verifier): the
// known value for user postgres, password postgres.
func TestRedshiftMD5Form(t *testing.T) {
	if got := postgresMD5Verifier("postgres", "postgres"); got != "md53175bce1d3201d16594cebf9d7eb3f9d" {
		t.Errorf("md5 form %s", got)
	}
	if got := quoteRedshiftLiteral("it's"); got != "'it''s'" {
		t.Errorf("literal %s", got)
	}
}

// Only a superuser may change another Redshift user's password: the rotator never tries; a
// clone is refused (the strategy is refused earlier, in createSecret).
func TestRedshiftCloneRefused(t *testing.T) {
	err := (&redshiftSession{}).CloneUser(context.Background(), "app", "app_clone", "pw")
	var rotatorErr *Error
	if !errors.As(err, &rotatorErr) || rotatorErr.Code != CodeInvalidSettings {
		t.Errorf("CloneUser: %v", err)
	}
	if err := (redshiftEngine{}).CheckUsername(string(make([]byte, 129))); err == nil {
		t.Error("a 129-byte user name was accepted")
	}
	if (redshiftEngine{}).DefaultPort() != 5439 || (redshiftEngine{}).DefaultDBName() != "dev" {
		t.Error("Redshift's defaults are port 5439 and database dev")
	}
}
