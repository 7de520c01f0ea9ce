package integration

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/dbserver"
)

// database is the test's own access to a server, as its administrator: it creates the users the
// rotator rotates and checks what they can do. The rotator never uses it.
type database interface {
	server() *dbserver.Server
	// engine is the secret's engine key.
	engine() string
	// exec runs statements as the superuser.
	exec(t testing.TB, statements ...string)
	// login reports whether username/password logs in (over plaintext).
	login(username, password string) error
	// canRead reports whether the user can read the table.
	canRead(username, password, table string) error
	// quoteIdent and quoteLiteral quote for the test's own statements.
	quoteIdent(name string) string
	quoteLiteral(value string) string
	// createApp creates a login user owning nothing, with SELECT on a new table, and returns the table.
	createApp(t testing.TB, username, password string) string
	// createMaster creates a user able to create users and grant what the app user has.
	createMaster(t testing.TB, username, password string)
	// grantRead grants SELECT on a new table to username and returns the table.
	grantRead(t testing.TB, username string) string
}

func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type postgresDatabase struct{ srv *dbserver.Server }

func (p postgresDatabase) server() *dbserver.Server { return p.srv }
func (p postgresDatabase) engine() string           { return "postgres" }

func (p postgresDatabase) exec(t testing.TB, statements ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, p.srv.SuperuserURL())
	if err != nil {
		t.Fatalf("connecting to PostgreSQL as the superuser: %v", err)
	}
	defer conn.Close(ctx)
	for _, statement := range statements {
		if _, err := conn.Exec(ctx, statement); err != nil {
			t.Fatalf("%s: %v", statement, err)
		}
	}
}

func (p postgresDatabase) login(username, password string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, p.srv.PostgresURL(username, password, "postgres"))
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

func (p postgresDatabase) canRead(username, password, table string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, p.srv.PostgresURL(username, password, "postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "SELECT * FROM "+p.quoteIdent(table))
	return err
}

func (postgresDatabase) quoteIdent(name string) string { return pgx.Identifier{name}.Sanitize() }
func (postgresDatabase) quoteLiteral(value string) string {
	return "E'" + strings.ReplaceAll(strings.ReplaceAll(value, `\`, `\\`), "'", "''") + "'"
}

func (p postgresDatabase) createApp(t testing.TB, username, password string) string {
	t.Helper()
	p.exec(t, fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD %s", p.quoteIdent(username), p.quoteLiteral(password)))
	return p.grantRead(t, username)
}

func (p postgresDatabase) createMaster(t testing.TB, username, password string) {
	t.Helper()
	// Like RDS's master: not a superuser, but CREATEROLE (which in PostgreSQL 15 may grant any
	// non-superuser role).
	p.exec(t, fmt.Sprintf("CREATE ROLE %s LOGIN CREATEROLE PASSWORD %s", p.quoteIdent(username), p.quoteLiteral(password)))
}

func (p postgresDatabase) grantRead(t testing.TB, username string) string {
	t.Helper()
	table := "t_" + randomSuffix()
	p.exec(t, "CREATE TABLE "+p.quoteIdent(table)+" (id int)", "GRANT SELECT ON "+p.quoteIdent(table)+" TO "+p.quoteIdent(username))
	return table
}

type mariadbDatabase struct{ srv *dbserver.Server }

func (m mariadbDatabase) server() *dbserver.Server { return m.srv }
func (m mariadbDatabase) engine() string           { return "mariadb" }

func (m mariadbDatabase) exec(t testing.TB, statements ...string) {
	t.Helper()
	db, err := m.srv.SuperuserDB()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, statement := range statements {
		if _, err := db.Exec(statement); err != nil {
			t.Fatalf("%s: %v", statement, err)
		}
	}
}

func (m mariadbDatabase) login(username, password string) error {
	db, err := m.srv.OpenMySQL(username, password, "")
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Ping()
}

func (m mariadbDatabase) canRead(username, password, table string) error {
	db, err := m.srv.OpenMySQL(username, password, "")
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.Query("SELECT * FROM rotator_test." + m.quoteIdent(table))
	if err != nil {
		return err
	}
	return rows.Close()
}

func (mariadbDatabase) quoteIdent(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

func (mariadbDatabase) quoteLiteral(value string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(value, `\`, `\\`), "'", "''") + "'"
}

func (m mariadbDatabase) createApp(t testing.TB, username, password string) string {
	t.Helper()
	m.exec(t, fmt.Sprintf("CREATE USER %s@'%%' IDENTIFIED BY %s", m.quoteLiteral(username), m.quoteLiteral(password)))
	return m.grantRead(t, username)
}

func (m mariadbDatabase) createMaster(t testing.TB, username, password string) {
	t.Helper()
	m.exec(t, fmt.Sprintf("CREATE USER %s@'%%' IDENTIFIED BY %s", m.quoteLiteral(username), m.quoteLiteral(password)),
		fmt.Sprintf("GRANT ALL PRIVILEGES ON *.* TO %s@'%%' WITH GRANT OPTION", m.quoteLiteral(username)))
}

func (m mariadbDatabase) grantRead(t testing.TB, username string) string {
	t.Helper()
	table := "t_" + randomSuffix()
	m.exec(t, "CREATE DATABASE IF NOT EXISTS rotator_test",
		"CREATE TABLE rotator_test."+m.quoteIdent(table)+" (id int)",
		fmt.Sprintf("GRANT SELECT ON rotator_test.%s TO %s@'%%'", m.quoteIdent(table), m.quoteLiteral(username)))
	return table
}

// databases are the engines every scenario runs against, on servers shared by the package.
func databases(t *testing.T) []database {
	return []database{
		postgresDatabase{srv: dbserver.Shared(t, dbserver.Options{Engine: dbserver.Postgres})},
		mariadbDatabase{srv: dbserver.Shared(t, dbserver.Options{Engine: dbserver.MariaDB})},
	}
}

func tlsDatabase(t *testing.T, engine string) database {
	if engine == "postgres" {
		return postgresDatabase{srv: dbserver.Shared(t, dbserver.Options{Engine: dbserver.Postgres, TLS: true})}
	}
	return mariadbDatabase{srv: dbserver.Shared(t, dbserver.Options{Engine: dbserver.MariaDB, TLS: true})}
}

// otherHostDatabase is a TLS server whose certificate names db.example.test, not the 127.0.0.1
// the secret connects to.
func otherHostDatabase(t *testing.T, engine string) database {
	opts := dbserver.Options{Engine: dbserver.MariaDB, TLS: true, CertHost: "db.example.test"}
	if engine == "postgres" {
		opts.Engine = dbserver.Postgres
		return postgresDatabase{srv: dbserver.Shared(t, opts)}
	}
	return mariadbDatabase{srv: dbserver.Shared(t, opts)}
}
