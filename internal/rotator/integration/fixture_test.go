package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator"
)

// app is a database user with its secret in LocalStack and a rotator function for it.
type app struct {
	*secretFixture
	username string
	password string
	table    string
	master   string
}

type appOptions struct {
	alternating bool
	// username and password override the generated ones.
	username, password string
	// secret edits the secret value before it is stored.
	secret func(map[string]any)
	// env is the function's extra environment.
	env map[string]string
	// endpoint is where the function reaches Secrets Manager (a fault proxy); LocalStack by default.
	endpoint string
	// master edits the master secret's value.
	master func(map[string]any)
}

func newApp(t testing.TB, db database, opts appOptions) *app {
	t.Helper()
	endpoint := acctest.LocalStackEndpoint(t)
	a := &app{username: opts.username, password: opts.password}
	if a.username == "" {
		a.username = "app_" + randomSuffix()
	}
	if a.password == "" {
		a.password = "Init-" + randomSuffix() + "-pw"
	}
	a.table = db.createApp(t, a.username, a.password)
	value := connection(db, a.username, a.password)
	env := map[string]string{}
	if opts.alternating {
		env[rotator.EnvRotationStrategy] = string(rotator.StrategyAlternatingUsers)
		masterUser, masterPassword := "master_"+randomSuffix(), "Master-"+randomSuffix()
		db.createMaster(t, masterUser, masterPassword)
		masterValue := connection(db, masterUser, masterPassword)
		if opts.master != nil {
			opts.master(masterValue)
		}
		master := createSecret(t, db, endpoint, masterValue)
		value["masterarn"] = master.arn
		a.master = master.arn
	}
	if opts.secret != nil {
		opts.secret(value)
	}
	for name, v := range opts.env {
		env[name] = v
	}
	a.secretFixture = createSecret(t, db, endpoint, value)
	functionEndpoint := opts.endpoint
	if functionEndpoint == "" {
		functionEndpoint = endpoint
	}
	a.fn = startFunction(t, functionEndpoint, env)
	return a
}

// connection is a secret value in the RDS format for a user of the test server.
func connection(db database, username, password string) map[string]any {
	value := map[string]any{
		"engine":   db.engine(),
		"host":     db.server().Host,
		"port":     db.server().Port,
		"username": username,
		"password": password,
	}
	if db.engine() == "postgres" || db.engine() == "redshift" {
		value["dbname"] = "postgres"
	}
	// The rotator logs in with verified TLS unless the secret says ssl=false; the plain servers
	// have no TLS.
	if !db.server().TLS {
		value["ssl"] = false
	}
	return value
}

func currentCredentials(s *secretFixture) (string, string) {
	value := s.value("AWSCURRENT")
	username, _ := value["username"].(string)
	password, _ := value["password"].(string)
	return username, password
}

func wantFailure(t *testing.T, result invocationResult, code rotator.Code) {
	t.Helper()
	if result.Err == nil {
		t.Fatalf("want a %s failure, got success", code)
	}
	if result.Line.Code != code || result.Line.Outcome != rotator.OutcomeFailed {
		t.Fatalf("want code %s, got log line %+v (error %v)", code, result.Line, result.Err)
	}
	if !strings.Contains(result.Err.Error(), string(code)) {
		t.Errorf("the function error does not carry the code %s: %v", code, result.Err)
	}
}

func wantOutcome(t *testing.T, result invocationResult, outcome rotator.Outcome) {
	t.Helper()
	if result.Err != nil {
		t.Fatalf("%s failed: %v", result.Line.Step, result.Err)
	}
	if result.Line.Outcome != outcome {
		t.Errorf("%s: outcome %s, want %s", result.Line.Step, result.Line.Outcome, outcome)
	}
}

func writeCABundle(t *testing.T, db database) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, db.server().CACertPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func forEachDatabase(t *testing.T, test func(t *testing.T, db database)) {
	t.Helper()
	requireAcc(t)
	for _, db := range databases(t) {
		t.Run(db.engine(), func(t *testing.T) { test(t, db) })
	}
}
