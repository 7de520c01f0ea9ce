package dbserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"go.mongodb.org/mongo-driver/v2/bson"
)

func requireAcc(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("starts real database servers: set TF_ACC=1")
	}
}

func TestAccPostgresStartsWithTLSAndStops(t *testing.T) {
	requireAcc(t)
	server := StartT(t, Options{Engine: Postgres, TLS: true})
	ctx := context.Background()
	config, err := pgx.ParseConfig(server.SuperuserURL())
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(server.CACertPEM)
	config.TLSConfig = &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}
	conn, err := pgx.ConnectConfig(ctx, config)
	if err != nil {
		t.Fatalf("TLS login as the superuser: %v\n%s", err, server.Log())
	}
	var ssl bool
	if err := conn.QueryRow(ctx, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").Scan(&ssl); err != nil || !ssl {
		t.Errorf("connection not encrypted (ssl=%v, err=%v)", ssl, err)
	}
	_ = conn.Close(ctx)
	pid := server.pid
	if err := server.Stop(); err != nil {
		t.Fatal(err)
	}
	if alive(pid) {
		t.Errorf("postmaster %d still runs after Stop", pid)
	}
}

func TestAccMariaDBStartsAndStops(t *testing.T) {
	requireAcc(t)
	server := StartT(t, Options{Engine: MariaDB})
	db, err := server.SuperuserDB()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var version string
	if err := db.QueryRow("SELECT VERSION()").Scan(&version); err != nil {
		t.Fatalf("login as the superuser: %v\n%s", err, server.Log())
	}
	t.Logf("MariaDB %s on port %d", version, server.Port)
	pid := server.pid
	if err := server.Stop(); err != nil {
		t.Fatal(err)
	}
	if alive(pid) {
		t.Errorf("mariadbd %d still runs after Stop", pid)
	}
}

// A halted server refuses connections like a database that went down, and comes back on the same
// port with its data.
func TestAccHaltAndRestart(t *testing.T) {
	requireAcc(t)
	for _, engine := range []Engine{Postgres, MariaDB} {
		t.Run(string(engine), func(t *testing.T) {
			server := StartT(t, Options{Engine: engine})
			ctx := context.Background()
			login := func() error {
				if engine == Postgres {
					return server.pingPostgres(ctx)
				}
				return server.pingMariaDB(ctx)
			}
			port, pid := server.Port, server.pid
			if err := server.Halt(); err != nil {
				t.Fatal(err)
			}
			if alive(pid) {
				t.Errorf("server %d still runs after Halt", pid)
			}
			if err := login(); err == nil {
				t.Fatal("a halted server accepted a login")
			}
			if err := server.Halt(); err == nil {
				t.Error("halting a halted server succeeded")
			}
			if err := server.Restart(ctx); err != nil {
				t.Fatal(err)
			}
			if server.Port != port {
				t.Errorf("restarted on port %d, want %d", server.Port, port)
			}
			if err := login(); err != nil {
				t.Fatalf("login after Restart: %v\n%s", err, server.Log())
			}
		})
	}
}

// FerretDB is built from the module proxy, starts with TLS only, and has SCRAM-SHA-256 users: a
// user created by the superuser logs in, changes its own password, and the old one is refused.
func TestAccFerretDBStartsWithTLSAndUsers(t *testing.T) {
	requireAcc(t)
	server := StartT(t, Options{Engine: FerretDB, TLS: true})
	ctx := context.Background()
	admin, err := server.MongoClient(server.SuperUser, server.SuperPassword)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = admin.Disconnect(ctx) }()
	if err := admin.Database("admin").RunCommand(ctx, bson.D{{Key: "createUser", Value: "app"}, {Key: "pwd", Value: "first-pw"}, {Key: "roles", Value: bson.A{}}}).Err(); err != nil {
		t.Fatalf("createUser: %v\n%s", err, server.Log())
	}
	app, err := server.MongoClient("app", "first-pw")
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Database("admin").RunCommand(ctx, bson.D{{Key: "updateUser", Value: "app"}, {Key: "pwd", Value: "second-pw"}}).Err(); err != nil {
		t.Fatalf("updateUser of its own password: %v", err)
	}
	_ = app.Disconnect(ctx)
	for password, want := range map[string]bool{"second-pw": true, "first-pw": false} {
		client, err := server.MongoClient("app", password)
		if err != nil {
			t.Fatal(err)
		}
		err = client.Database("admin").RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err()
		_ = client.Disconnect(ctx)
		if (err == nil) != want {
			t.Errorf("login with %s: err=%v, want success=%v", password, err, want)
		}
	}
	plain := &Server{Engine: FerretDB, Host: server.Host, Port: server.Port}
	client, err := plain.MongoClient(server.SuperUser, server.SuperPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Database("admin").RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err(); err == nil {
		t.Error("a plaintext login succeeded on the TLS-only server")
	}
	_ = client.Disconnect(ctx)
	pid := server.pid
	if err := server.Stop(); err != nil {
		t.Fatal(err)
	}
	if alive(pid) {
		t.Errorf("FerretDB %d still runs after Stop", pid)
	}
}
