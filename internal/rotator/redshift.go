package rotator

import (
	"context"
	"fmt"
	"strings"
)

// redshiftEngine serves Amazon Redshift: the PostgreSQL wire protocol (pgx logs in as it does to
// PostgreSQL) with Redshift's own ALTER USER. Single user only: a user changes its own password;
// the alternating-users strategy would have the master (a superuser: Redshift lets only a
// superuser change another user's password) copy group memberships and grants, which the rotator
// does not do.
type redshiftEngine struct{}

// redshiftMaxUsernameBytes is Redshift's limit on user names.
const redshiftMaxUsernameBytes = 128

func (redshiftEngine) DefaultPort() int      { return 5439 }
func (redshiftEngine) DefaultDBName() string { return "dev" }

func (redshiftEngine) CheckUsername(username string) error {
	if len(username) > redshiftMaxUsernameBytes {
		return failure(CodeUsernameTooLong, "the username %q is %d bytes; Redshift user names hold at most %d", username, len(username), redshiftMaxUsernameBytes)
	}
	return nil
}

func (redshiftEngine) Connect(ctx context.Context, creds Credentials) (Session, error) {
	session, err := connectPostgres(ctx, creds, "Redshift")
	if err != nil {
		return nil, err
	}
	return &redshiftSession{postgresSession: session}, nil
}

type redshiftSession struct {
	*postgresSession
}

// SetOwnPassword sends Redshift's md5 form, "md5" and the hex MD5 of the password followed by the
// user name, never the password: statement text reaches STL_QUERY and the audit logs. PostgreSQL
// (the tests' stand-in for the protocol) stores the same form as an md5 verifier.
func (s *redshiftSession) SetOwnPassword(ctx context.Context, password string) error {
	statement := fmt.Sprintf("ALTER USER %s PASSWORD %s", quotePostgresIdentifier(s.username), quoteRedshiftLiteral(postgresMD5Verifier(s.username, password)))
	if _, err := s.conn.Exec(ctx, statement); err != nil {
		return failure(CodeDBStatementFailed, "changing the password of Redshift user %q: %v", s.username, postgresErrorText(err))
	}
	return nil
}

// CloneUser refuses: the rotator rotates Redshift users with the single-user strategy only.
func (s *redshiftSession) CloneUser(context.Context, string, string, string) error {
	return failure(CodeInvalidSettings, "the alternating-users strategy is not supported for Redshift; use single_user")
}

// quoteRedshiftLiteral quotes a plain '...' literal: Redshift has no E'...' escape strings (the
// md5 form holds hex digits only).
func quoteRedshiftLiteral(value string) string {
	return "'" + strings.ReplaceAll(value, "'", "''") + "'"
}

// singleUserOnly marks an engine the alternating-users strategy does not serve.
func (redshiftEngine) singleUserOnly() {}
