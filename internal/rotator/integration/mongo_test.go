package integration

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/dbserver"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator"
)

// mongoDatabase is FerretDB, the MongoDB wire protocol on SQLite: the rotator's "mongo" engine
// (DocumentDB's secrets) runs against it. FerretDB keeps no roles (createUser takes an empty
// list only) and enforces none, so canRead proves a login and a read, not a privilege.
type mongoDatabase struct{ srv *dbserver.Server }

func (m mongoDatabase) server() *dbserver.Server { return m.srv }
func (m mongoDatabase) engine() string           { return "mongo" }

// exec runs commands, each in MongoDB extended JSON, on the admin database as the superuser.
func (m mongoDatabase) exec(t testing.TB, commands ...string) {
	t.Helper()
	m.run(t, m.srv.SuperUser, m.srv.SuperPassword, commands...)
}

func (m mongoDatabase) run(t testing.TB, username, password string, commands ...string) {
	t.Helper()
	ctx := context.Background()
	client, err := m.srv.MongoClient(username, password)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Disconnect(ctx) }()
	for _, command := range commands {
		var document bson.D
		if err := bson.UnmarshalExtJSON([]byte(command), false, &document); err != nil {
			t.Fatalf("%s: %v", command, err)
		}
		if err := client.Database("admin").RunCommand(ctx, document).Err(); err != nil {
			t.Fatalf("%s: %v", command, err)
		}
	}
}

func (m mongoDatabase) login(username, password string) error {
	ctx := context.Background()
	client, err := m.srv.MongoClient(username, password)
	if err != nil {
		return err
	}
	defer func() { _ = client.Disconnect(ctx) }()
	return client.Database("admin").RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err()
}

func (m mongoDatabase) canRead(username, password, table string) error {
	ctx := context.Background()
	client, err := m.srv.MongoClient(username, password)
	if err != nil {
		return err
	}
	defer func() { _ = client.Disconnect(ctx) }()
	return client.Database("rotator_test").Collection(table).FindOne(ctx, bson.D{}).Err()
}

func (mongoDatabase) quoteIdent(name string) string { return name }
func (mongoDatabase) quoteLiteral(value string) string {
	return strconv.Quote(value)
}

func (m mongoDatabase) createApp(t testing.TB, username, password string) string {
	t.Helper()
	m.createUser(t, username, password)
	return m.grantRead(t, username)
}

func (m mongoDatabase) createUser(t testing.TB, username, password string) {
	t.Helper()
	ctx := context.Background()
	client, err := m.srv.MongoClient(m.srv.SuperUser, m.srv.SuperPassword)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Disconnect(ctx) }()
	if err := client.Database("admin").RunCommand(ctx, bson.D{{Key: "createUser", Value: username}, {Key: "pwd", Value: password}, {Key: "roles", Value: bson.A{}}}).Err(); err != nil {
		t.Fatalf("createUser %s: %v", username, err)
	}
}

func (m mongoDatabase) createMaster(t testing.TB, username, password string) {
	t.Helper()
	m.createUser(t, username, password)
}

// grantRead makes a collection with one document (FerretDB has no privileges to grant).
func (m mongoDatabase) grantRead(t testing.TB, _ string) string {
	t.Helper()
	ctx := context.Background()
	client, err := m.srv.MongoClient(m.srv.SuperUser, m.srv.SuperPassword)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Disconnect(ctx) }()
	table := "t_" + randomSuffix()
	if _, err := client.Database("rotator_test").Collection(table).InsertOne(ctx, bson.D{{Key: "id", Value: 1}}); err != nil {
		t.Fatal(err)
	}
	return table
}

// mongoServer is the FerretDB server of the package, with TLS from the test CA; rightCA is the
// function environment that trusts it.
func mongoServer(t *testing.T) (mongoDatabase, map[string]string) {
	t.Helper()
	requireAcc(t)
	db := mongoDatabase{srv: dbserver.Shared(t, dbserver.Options{Engine: dbserver.FerretDB, TLS: true})}
	return db, map[string]string{rotator.EnvDatabaseCABundlePEM: string(db.srv.CACertPEM)}
}

// Single user over verified TLS: updateUser as the user itself; the new password logs in, the old
// one no longer does; a second rotation works from the first one's result.
func TestAccMongoSingleUserRotation(t *testing.T) {
	db, rightCA := mongoServer(t)
	a := newApp(t, db, appOptions{env: rightCA})
	if _, ok := a.value("AWSCURRENT")["ssl"]; ok {
		t.Fatal("the secret of a TLS server has an ssl key; the rotator must verify TLS by default")
	}
	for rotation := 1; rotation <= 2; rotation++ {
		_, results := a.mustRotate()
		for _, result := range results {
			wantOutcome(t, result, rotator.OutcomeSucceeded)
		}
		username, password := currentCredentials(a.secretFixture)
		if username != a.username || password == a.password {
			t.Fatalf("rotation %d: AWSCURRENT has user %q and a changed password %v", rotation, username, password != a.password)
		}
		if err := db.canRead(username, password, a.table); err != nil {
			t.Errorf("rotation %d: the new password does not log in and read: %v", rotation, err)
		}
		if err := db.login(a.username, a.password); err == nil {
			t.Errorf("rotation %d: the old password still logs in", rotation)
		}
		a.password = password
	}
	a.assertCurrentLogsIn()
}

// Alternating users over verified TLS: the master creates the clone with the base user's roles
// (usersInfo, createUser), the next rotation changes the base user's password (updateUser), the
// third the existing clone's; the user not current keeps working until it becomes current again.
func TestAccMongoAlternatingUsersRotation(t *testing.T) {
	db, rightCA := mongoServer(t)
	a := newApp(t, db, appOptions{alternating: true, env: rightCA})
	clone := a.username + "_clone"
	previousPassword := a.password
	for rotation, want := range []string{clone, a.username, clone} {
		a.mustRotate()
		username, password := currentCredentials(a.secretFixture)
		if username != want {
			t.Fatalf("rotation %d: AWSCURRENT is user %q, want %q", rotation+1, username, want)
		}
		if err := db.canRead(username, password, a.table); err != nil {
			t.Errorf("rotation %d: %s does not log in and read: %v", rotation+1, username, err)
		}
		previous := a.value("AWSPREVIOUS")
		if err := db.login(str(previous["username"]), str(previous["password"])); err != nil {
			t.Errorf("rotation %d: the AWSPREVIOUS user %s stopped working: %v", rotation+1, str(previous["username"]), err)
		}
		if rotation == 1 && db.login(a.username, previousPassword) == nil {
			t.Errorf("rotation 2: the base user's password did not change")
		}
	}
	a.assertCurrentLogsIn()
}

// Failed rotations: a wrong AWSCURRENT password, and the server down, each fail setSecret with
// their code, move no label, and the rotation finishes once the cause is gone.
func TestAccMongoFailedRotation(t *testing.T) {
	db, rightCA := mongoServer(t)
	t.Run("wrong password", func(t *testing.T) {
		a := newApp(t, db, appOptions{env: rightCA, secret: func(v map[string]any) { v["password"] = "Wrong-" + randomSuffix() }})
		currentBefore := a.versionWith("AWSCURRENT")
		token := newToken()
		if err := a.startRotation(token); err != nil {
			t.Fatal(err)
		}
		wantOutcome(t, a.step("createSecret", token), rotator.OutcomeSucceeded)
		result := a.step("setSecret", token)
		wantFailure(t, result, rotator.CodeDBLoginFailed)
		if !strings.Contains(result.Err.Error(), "MongoDB") || !strings.Contains(result.Err.Error(), a.username) {
			t.Errorf("the error does not name MongoDB and the user: %v", result.Err)
		}
		if got := a.versionWith("AWSCURRENT"); got != currentBefore {
			t.Errorf("AWSCURRENT moved from %s to %s", currentBefore, got)
		}
		if err := db.login(a.username, a.password); err != nil {
			t.Errorf("the user's real password stopped working: %v", err)
		}
	})
	t.Run("server down", func(t *testing.T) {
		// A server of its own: halting the shared one would fail the other tests.
		down := mongoDatabase{srv: dbserver.StartT(t, dbserver.Options{Engine: dbserver.FerretDB, TLS: true, CA: nil})}
		env := map[string]string{rotator.EnvDatabaseCABundlePEM: string(down.srv.CACertPEM)}
		a := newApp(t, down, appOptions{env: env})
		token := newToken()
		if err := a.startRotation(token); err != nil {
			t.Fatal(err)
		}
		wantOutcome(t, a.step("createSecret", token), rotator.OutcomeSucceeded)
		if err := down.srv.Halt(); err != nil {
			t.Fatal(err)
		}
		result := a.step("setSecret", token)
		wantFailure(t, result, rotator.CodeDBUnreachable)
		if text := result.Err.Error(); strings.Contains(text, "AWSPREVIOUS") || strings.Contains(text, "set the database password") {
			t.Errorf("a server that is down got password advice: %v", text)
		}
		if err := down.srv.Restart(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, step := range []string{"setSecret", "testSecret", "finishSecret"} {
			wantOutcome(t, a.step(step, token), rotator.OutcomeSucceeded)
		}
		a.assertCurrentLogsIn()
	})
	t.Run("no CA for the server", func(t *testing.T) {
		a := newApp(t, db, appOptions{})
		token := newToken()
		if err := a.startRotation(token); err != nil {
			t.Fatal(err)
		}
		wantOutcome(t, a.step("createSecret", token), rotator.OutcomeSucceeded)
		result := a.step("setSecret", token)
		wantFailure(t, result, rotator.CodeDBTLSFailed)
		if !strings.Contains(result.Err.Error(), "unknown authority") {
			t.Errorf("the error does not say the certificate's authority is unknown: %v", result.Err)
		}
		if err := db.login(a.username, a.password); err != nil {
			t.Errorf("the user's password changed: %v", err)
		}
	})
}
