package rotator

import (
	"context"
	"crypto/md5" //nolint:gosec // PostgreSQL's md5 verifier is MD5(password || role) by definition
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// postgresMaxIdentifierBytes is NAMEDATALEN-1: PostgreSQL silently truncates longer role names,
// which would make the clone's name differ from the one stored in the secret.
const postgresMaxIdentifierBytes = 63

type postgresEngine struct{}

func (postgresEngine) DefaultPort() int      { return 5432 }
func (postgresEngine) DefaultDBName() string { return "postgres" }

func (postgresEngine) CheckUsername(username string) error {
	if len(username) > postgresMaxIdentifierBytes {
		return failure(CodeUsernameTooLong, "the username %q is %d bytes; PostgreSQL role names hold at most %d", username, len(username), postgresMaxIdentifierBytes)
	}
	return nil
}

func (postgresEngine) Connect(ctx context.Context, creds Credentials) (Session, error) {
	session, err := connectPostgres(ctx, creds, "PostgreSQL")
	if err != nil {
		return nil, err
	}
	return session, nil
}

// connectPostgres logs in over the PostgreSQL protocol (PostgreSQL, Aurora PostgreSQL, Redshift);
// server names the server in errors.
func connectPostgres(ctx context.Context, creds Credentials, server string) (*postgresSession, error) {
	// ParseConfig("") gives a complete default configuration; every connection field is then set
	// from structured values, so no password or name is ever pasted into a connection string.
	config, err := pgx.ParseConfig("")
	if err != nil {
		return nil, failure(CodeDBUnreachable, "preparing a %s connection to %s: %v", server, endpoint(creds), err)
	}
	config.Host = creds.Host
	config.Port = uint16(creds.Port)
	config.Database = creds.DBName
	config.User = creds.Username
	config.Password = creds.Password
	config.ConnectTimeout = connectTimeout
	// client_encoding is set, not left to the server's default: a password outside ASCII must
	// reach the server as the UTF-8 the secret holds.
	config.RuntimeParams = map[string]string{"application_name": "secretsbundle-rotator", "client_encoding": "UTF8"}
	// The statement cache would prepare each statement first; the rotator runs a few statements
	// once per connection, so the simple protocol saves round trips.
	config.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	// No fallbacks: never a second try in plaintext, nor without verification.
	config.Fallbacks = nil
	config.TLSConfig = creds.tlsConfig()
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, config)
	if err != nil {
		return nil, classifyPostgresConnectError(err, creds, server)
	}
	return &postgresSession{conn: conn, username: creds.Username}, nil
}

func classifyPostgresConnectError(err error, creds Credentials, server string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		// invalid_password, invalid_authorization_specification
		case pgErr.Code == "28P01" || pgErr.Code == "28000":
			return failure(CodeDBLoginFailed, "%s at %s refused the login of %q: %s", server, endpoint(creds), creds.Username, pgErr.Message)
		case postgresTransient(pgErr.Code):
			// The server is busy or not ready: says nothing about the password, so no
			// previous-password fallback and no "fix the password" advice.
			return failure(CodeDBUnreachable, "%s at %s cannot take the login of %q now: %s (SQLSTATE %s); retry when the server accepts connections", server, endpoint(creds), creds.Username, pgErr.Message, pgErr.Code)
		}
		return failure(CodeDBLoginFailed, "%s at %s refused the connection of %q: %s (SQLSTATE %s)", server, endpoint(creds), creds.Username, pgErr.Message, pgErr.Code)
	}
	if creds.TLS != tlsDisable && isTLSError(err) {
		return tlsFailure(server, err, creds)
	}
	return failure(CodeDBUnreachable, "cannot reach %s at %s: %v; check the host, port, the function's network access and that the server runs", server, endpoint(creds), err)
}

// postgresTransient are the SQLSTATEs of a login the server cannot take now: class 53
// (insufficient resources: too many connections, out of memory, disk full), 57P01-57P03 (admin
// shutdown, crash shutdown, cannot connect now: starting up or shutting down) and 08 (connection
// exceptions).
func postgresTransient(code string) bool {
	return strings.HasPrefix(code, "53") || strings.HasPrefix(code, "08") ||
		code == "57P01" || code == "57P02" || code == "57P03"
}

type postgresSession struct {
	conn     *pgx.Conn
	username string
	// encryption is password_encryption, read once.
	encryption string
}

// verifierLiteral is what ALTER ROLE / CREATE ROLE ... PASSWORD receives for role: a verifier
// in the server's password_encryption, never the password: SCRAM-SHA-256 (passwordLiteral) unless
// the server keeps md5 verifiers (RDS PostgreSQL 13 and earlier by default; PgBouncer auth_file
// setups), which need md5 ones. A verifier given pre-hashed is stored as it is, whatever the
// setting, so the server's own choice is followed here.
func (s *postgresSession) verifierLiteral(ctx context.Context, role, password string) (string, error) {
	encryption, err := s.passwordEncryption(ctx)
	if err != nil {
		return "", err
	}
	if encryption == "md5" {
		return quotePostgresLiteral(postgresMD5Verifier(role, password)), nil
	}
	return passwordLiteral(ctx, password)
}

// passwordLiteral is the quoted SCRAM-SHA-256 verifier of password. A verifier computed ahead for
// this password (withVerifier) is taken from ctx.
func passwordLiteral(ctx context.Context, password string) (string, error) {
	var verifier string
	var err error
	if ahead, ok := ctx.Value(verifierKey{}).(*verifierAhead); ok && ahead.password == password {
		<-ahead.done
		verifier, err = ahead.verifier, ahead.err
	} else {
		verifier, err = scramSHA256Verifier(password)
	}
	if err != nil {
		return "", failure(CodeInvalidSettings, "computing the SCRAM-SHA-256 verifier of the new password: %v; set the function's EXCLUDE_CHARACTERS so that passwords are ASCII", err)
	}
	return quotePostgresLiteral(verifier), nil
}

// passwordEncryption is the session's password_encryption (on, a synonym of md5 before
// PostgreSQL 14, counts as md5).
func (s *postgresSession) passwordEncryption(ctx context.Context) (string, error) {
	if s.encryption == "" {
		var value string
		if err := s.conn.QueryRow(ctx, "SHOW password_encryption").Scan(&value); err != nil {
			return "", failure(CodeDBStatementFailed, "reading password_encryption: %v", postgresErrorText(err))
		}
		s.encryption = strings.ToLower(value)
		if s.encryption == "on" {
			s.encryption = "md5"
		}
	}
	return s.encryption, nil
}

// postgresMD5Verifier is PostgreSQL's md5 verifier: "md5" and the hex MD5 of the password
// followed by the role name.
func postgresMD5Verifier(role, password string) string {
	sum := md5.Sum([]byte(password + role)) //nolint:gosec // the verifier format the server asks for
	return "md5" + hex.EncodeToString(sum[:])
}

// verifierKey is the context key of a verifierAhead.
type verifierKey struct{}

// verifierAhead is the SCRAM-SHA-256 verifier of a new password, computed (4096 PBKDF2 rounds)
// while setSecret's DescribeSecret and login are in flight rather than after them.
type verifierAhead struct {
	password string
	done     chan struct{}
	verifier string
	err      error
}

// withVerifier starts computing password's verifier and returns a context carrying it; wait
// returns once the computation has ended.
func withVerifier(ctx context.Context, password string) (_ context.Context, wait func()) {
	ahead := &verifierAhead{password: password, done: make(chan struct{})}
	go func() {
		defer close(ahead.done)
		ahead.verifier, ahead.err = scramSHA256Verifier(password)
	}()
	return context.WithValue(ctx, verifierKey{}, ahead), func() { <-ahead.done }
}

func (s *postgresSession) SetOwnPassword(ctx context.Context, password string) error {
	literal, err := s.verifierLiteral(ctx, s.username, password)
	if err != nil {
		return err
	}
	statement := fmt.Sprintf("ALTER ROLE %s WITH PASSWORD %s", quotePostgresIdentifier(s.username), literal)
	if _, err := s.conn.Exec(ctx, statement); err != nil {
		return failure(CodeDBStatementFailed, "changing the password of PostgreSQL role %q: %v", s.username, postgresErrorText(err))
	}
	return nil
}

func (s *postgresSession) CloneUser(ctx context.Context, source, clone, password string) error {
	var exists bool
	if err := s.conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", clone).Scan(&exists); err != nil {
		return failure(CodeDBStatementFailed, "looking up PostgreSQL role %q: %v", clone, postgresErrorText(err))
	}
	literal, err := s.verifierLiteral(ctx, clone, password)
	if err != nil {
		return err
	}
	// Rotating back to the base user changes its password only.
	if exists && source == clone+cloneSuffix {
		statement := fmt.Sprintf("ALTER ROLE %s WITH LOGIN PASSWORD %s", quotePostgresIdentifier(clone), literal)
		if _, err := s.conn.Exec(ctx, statement); err != nil {
			return failure(CodeDBStatementFailed, "changing the password of PostgreSQL role %q: %v", clone, postgresErrorText(err))
		}
		return nil
	}
	// Membership in the source role, not a copy of its grants: privileges granted to the source
	// later reach the clone at once, as in the AWS alternating-users template. An existing clone
	// is granted it again (a no-op for a member): a clone whose membership was revoked since the
	// last rotation would become current without the base role's privileges. The password is
	// set in the same transaction, so the pending password never logs in without the membership.
	tx, err := s.conn.Begin(ctx)
	if err != nil {
		return failure(CodeDBStatementFailed, "creating PostgreSQL role %q: %v", clone, postgresErrorText(err))
	}
	defer func() { _ = tx.Rollback(ctx) }()
	statement, verb := fmt.Sprintf("CREATE ROLE %s WITH LOGIN PASSWORD %s", quotePostgresIdentifier(clone), literal), "creating"
	if exists {
		statement, verb = fmt.Sprintf("ALTER ROLE %s WITH LOGIN PASSWORD %s", quotePostgresIdentifier(clone), literal), "changing the password of"
	}
	if _, err := tx.Exec(ctx, statement); err != nil {
		return failure(CodeDBStatementFailed, "%s PostgreSQL role %q: %v", verb, clone, postgresErrorText(err))
	}
	grant := fmt.Sprintf("GRANT %s TO %s", quotePostgresIdentifier(source), quotePostgresIdentifier(clone))
	if _, err := tx.Exec(ctx, grant); err != nil {
		return failure(CodeDBStatementFailed, "granting role %q to the role %q: %v; the master user needs CREATEROLE and ADMIN on %q", source, clone, postgresErrorText(err), source)
	}
	if err := tx.Commit(ctx); err != nil {
		return failure(CodeDBStatementFailed, "%s PostgreSQL role %q: %v", verb, clone, postgresErrorText(err))
	}
	return nil
}

// HasPrivilegesOf implements memberChecker: the session's role (the pending clone) has the
// privileges of role (the base role) through its membership.
func (s *postgresSession) HasPrivilegesOf(ctx context.Context, role string) error {
	var has bool
	// CASE, not AND: pg_has_role fails on a role that does not exist, and AND may evaluate it first.
	err := s.conn.QueryRow(ctx, "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) THEN pg_has_role(current_user, $1, 'USAGE') ELSE false END", role).Scan(&has)
	if err != nil {
		return failure(CodeTestFailed, "checking that PostgreSQL role %q is a member of %q: %v", s.username, role, postgresErrorText(err))
	}
	if !has {
		return failure(CodeTestFailed, "PostgreSQL role %q is not a member of %q with its privileges (an inheriting member); the clone was not completed — cancel the rotation and rotate again, which grants the membership", s.username, role)
	}
	return nil
}

func (s *postgresSession) Probe(ctx context.Context) error {
	var one int
	if err := s.conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return failure(CodeTestFailed, "the probe query as PostgreSQL role %q failed: %v", s.username, postgresErrorText(err))
	}
	return nil
}

func (s *postgresSession) Close(ctx context.Context) error {
	return s.conn.Close(ctx)
}

// postgresErrorText keeps the server's message and code: pgconn's full error text may quote the
// statement, and the statement carries a password.
func postgresErrorText(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fmt.Sprintf("%s (SQLSTATE %s)", pgErr.Message, pgErr.Code)
	}
	return err.Error()
}

func quotePostgresIdentifier(name string) string {
	return pgx.Identifier{name}.Sanitize()
}

// quotePostgresLiteral quotes a string as an escape-string constant (E'...'): it means the same
// whatever standard_conforming_strings is, unlike a plain '...' literal. Utility statements such
// as ALTER ROLE take no bind parameters, so quoting is the only way to pass the password.
func quotePostgresLiteral(value string) string {
	var b strings.Builder
	b.Grow(len(value) + 3)
	b.WriteString("E'")
	for _, r := range value {
		switch r {
		case '\'':
			b.WriteString("''")
		case '\\':
			b.WriteString(`\\`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}
