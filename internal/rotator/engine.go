package rotator

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strings"
	"time"
)

// connectTimeout bounds every database login, as the AWS templates do: a rotation must fail
// clearly rather than hang until the function's timeout.
const connectTimeout = 5 * time.Second

// tlsMode follows the secret's ssl key.
type tlsMode int

const (
	// tlsDefault (ssl absent): TLS with a verified certificate, as with ssl true. A login is never
	// tried in plaintext unless the secret says so: a fallback to plaintext is what an attacker on
	// the network path would ask for.
	tlsDefault tlsMode = iota
	// tlsRequire (ssl true): TLS with a verified certificate, or fail.
	tlsRequire
	// tlsDisable (ssl false): plaintext.
	tlsDisable
)

// Credentials are what an engine needs to log in.
type Credentials struct {
	Host     string
	Port     int
	DBName   string
	Username string
	Password string
	TLS      tlsMode
	// RootCAs verifies the server certificate (RootPool: the system's roots, the Amazon RDS CAs and
	// the user's bundle); nil means the system's roots only. Verification is never skipped.
	RootCAs *x509.CertPool
}

// Engine logs in to one kind of database server.
type Engine interface {
	// Connect logs in. Its errors are *Error with CodeDBUnreachable, CodeDBLoginFailed or
	// CodeDBTLSFailed, so the strategies can tell a wrong password from a server that is down.
	Connect(ctx context.Context, creds Credentials) (Session, error)
	// DefaultPort and DefaultDBName apply when the secret has no port or dbname.
	DefaultPort() int
	DefaultDBName() string
	// CheckUsername refuses a username the engine cannot store (too long).
	CheckUsername(username string) error
}

// Session is a logged-in connection.
type Session interface {
	// SetOwnPassword changes the password of the user the session is logged in as.
	SetOwnPassword(ctx context.Context, password string) error
	// CloneUser creates clone (or updates it when it exists) with source's privileges and the
	// given password; the session is the master user's.
	CloneUser(ctx context.Context, source, clone, password string) error
	// Probe runs a trivial query, proving the login is usable.
	Probe(ctx context.Context) error
	Close(ctx context.Context) error
}

// Engines maps the secret's engine key to its implementation.
type Engines map[string]Engine

// DefaultEngines are the engines the rotator supports, by the names RDS uses (DocumentDB's secrets
// say "mongo").
func DefaultEngines() Engines {
	postgres := postgresEngine{}
	mysql := mysqlEngine{maxUsernameLength: 32}
	mariadb := mysqlEngine{maxUsernameLength: 80}
	return Engines{
		"postgres":          postgres,
		"aurora-postgresql": postgres,
		"mysql":             mysql,
		"aurora-mysql":      mysql,
		"mariadb":           mariadb,
		"mongo":             mongoEngine{},
		"redshift":          redshiftEngine{},
	}
}

// tlsConfig is the TLS configuration for a server: its certificate must chain to roots and name
// host (libpq's sslmode=verify-full; MySQL's --ssl-mode=VERIFY_IDENTITY), as in the AWS templates.
// tlsConfig is the TLS of a login by the secret's ssl key: a verified certificate of the host,
// or nil (plaintext) only when the secret says ssl false.
func (c Credentials) tlsConfig() *tls.Config {
	if c.TLS == tlsDisable {
		return nil
	}
	return &tls.Config{ServerName: c.Host, RootCAs: c.RootCAs, MinVersion: tls.VersionTLS12}
}

// isTLSError recognises a failed TLS negotiation: the drivers report it as plain errors
// ("server refused TLS connection", "TLS requested but server does not support TLS", tls: and
// x509: errors from crypto/tls).
func isTLSError(err error) bool {
	text := err.Error()
	return strings.Contains(text, "TLS") || strings.Contains(text, "tls:") || strings.Contains(text, "x509:")
}

// tlsFailure explains a failed TLS login: which certificate check failed and how to fix it.
func tlsFailure(engineName string, err error, creds Credentials) error {
	return failure(CodeDBTLSFailed, "the TLS connection to %s at %s failed: %s; %s", engineName, endpoint(creds), certificateProblem(err), tlsAdvice(creds))
}

func endpoint(creds Credentials) string {
	return fmt.Sprintf("%s:%d", creds.Host, creds.Port)
}
