package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/jackc/pgx/v5"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/awsproxy"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/dbserver"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs"
)

// e2eDatabase is a login user on a real PostgreSQL, MariaDB or FerretDB server, as the
// end-to-end tests give it to the bundle.
type e2eDatabase struct {
	engine dbserver.Engine
	// secretEngine is the secret's engine: the server's, "mongo" for FerretDB, or another engine
	// the server stands in for (newE2EStandIn).
	secretEngine string
	server       *dbserver.Server
	username     string
	password     string
	dbname       string
}

// newE2EStandIn is newE2EDatabase with the secret naming another engine of the same protocol
// (PostgreSQL standing in for Redshift).
func newE2EStandIn(t *testing.T, server *dbserver.Server, secretEngine string) e2eDatabase {
	t.Helper()
	db := newE2EDatabase(t, server)
	db.secretEngine = secretEngine
	return db
}

// newE2EDatabase creates a user that may read one table, so that the alternating-users clone has
// grants to copy.
func newE2EDatabase(t *testing.T, server *dbserver.Server) e2eDatabase {
	t.Helper()
	db := e2eDatabase{
		engine: server.Engine, secretEngine: string(server.Engine), server: server,
		username: "e2e_" + strings.ToLower(acctest.RandString(8)), password: "Initial-" + acctest.RandString(16),
	}
	table := "t_" + strings.ToLower(acctest.RandString(6))
	switch server.Engine {
	case dbserver.Postgres:
		db.dbname = "postgres"
		conn, err := pgx.Connect(context.Background(), server.SuperuserURL())
		if err != nil {
			t.Fatalf("connecting to the test PostgreSQL as its superuser: %v", err)
		}
		defer conn.Close(context.Background())
		for _, statement := range []string{
			fmt.Sprintf(`CREATE ROLE %s LOGIN PASSWORD '%s'`, db.username, db.password),
			fmt.Sprintf(`CREATE TABLE %s (id int)`, table),
			fmt.Sprintf(`GRANT SELECT ON %s TO %s`, table, db.username),
		} {
			if _, err := conn.Exec(context.Background(), statement); err != nil {
				t.Fatalf("preparing the PostgreSQL user %s: %v", db.username, err)
			}
		}
	case dbserver.MariaDB:
		db.dbname = "e2e"
		conn, err := server.SuperuserDB()
		if err != nil {
			t.Fatalf("connecting to the test MariaDB as its superuser: %v", err)
		}
		defer conn.Close()
		for _, statement := range []string{
			fmt.Sprintf(`CREATE USER '%s'@'%%' IDENTIFIED BY '%s'`, db.username, db.password),
			`CREATE DATABASE IF NOT EXISTS e2e`,
			fmt.Sprintf(`CREATE TABLE e2e.%s (id int)`, table),
			fmt.Sprintf(`GRANT SELECT ON e2e.%s TO '%s'@'%%'`, table, db.username),
		} {
			if _, err := conn.Exec(statement); err != nil {
				t.Fatalf("preparing the MariaDB user %s: %v", db.username, err)
			}
		}
	case dbserver.FerretDB:
		db.secretEngine, db.dbname = "mongo", "admin"
		client, err := server.MongoClient(server.SuperUser, server.SuperPassword)
		if err != nil {
			t.Fatalf("connecting to the test FerretDB as its superuser: %v", err)
		}
		defer func() { _ = client.Disconnect(context.Background()) }()
		// FerretDB takes no roles (it enforces none): the clone's roles are the empty list.
		command := bson.D{{Key: "createUser", Value: db.username}, {Key: "pwd", Value: db.password}, {Key: "roles", Value: bson.A{}}}
		if err := client.Database("admin").RunCommand(context.Background(), command).Err(); err != nil {
			t.Fatalf("preparing the FerretDB user %s: %v", db.username, err)
		}
	}
	return db
}

// logIn reports whether username and password log in to the database.
func (db e2eDatabase) logIn(username, password string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	switch db.engine {
	case dbserver.Postgres:
		conn, err := pgx.Connect(ctx, db.server.PostgresURL(username, password, db.dbname))
		if err != nil {
			return err
		}
		return conn.Close(ctx)
	case dbserver.FerretDB:
		client, err := db.server.MongoClient(username, password)
		if err != nil {
			return err
		}
		defer func() { _ = client.Disconnect(context.Background()) }()
		return client.Database(db.dbname).RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err()
	}
	conn, err := db.server.OpenMySQL(username, password, db.dbname)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.PingContext(ctx)
}

// masterSecret stores the server's superuser as the master secret of the alternating-users
// strategy, removing it after the test.
func (db e2eDatabase) masterSecret(t *testing.T, client *harness.AWS) string {
	t.Helper()
	out, err := client.SecretsManager.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: aws.String(acctest.RandomWithPrefix("tf-acc-e2e-master")),
		SecretString: aws.String(fmt.Sprintf(`{"engine":%q,"host":%q,"port":%d,"dbname":%q,"username":%q,"password":%q,"ssl":%t}`,
			db.secretEngine, db.server.Host, db.server.Port, db.dbname, db.server.SuperUser, db.server.SuperPassword, db.server.TLS)),
	})
	if err != nil {
		t.Fatalf("creating the master secret: %v", err)
	}
	t.Cleanup(func() {
		_, _ = client.SecretsManager.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: out.ARN, ForceDeleteWithoutRecovery: aws.Bool(true)})
	})
	return aws.ToString(out.ARN)
}

// bundleConfig is a bundle of this database behind endpoint; extra goes inside the resource.
func (db e2eDatabase) bundleConfig(endpoint, name, extra string) string {
	return testAccProviderBlock(endpoint) + fmt.Sprintf(`
resource "secretsbundle_rds_secret" "test" {
  name                    = %[1]q
  recovery_window_in_days = 0

  credentials = {
    engine              = %[2]q
    host                = %[3]q
    port                = %[4]d
    dbname              = %[5]q
    username            = %[6]q
    password_wo         = %[7]q
    password_wo_version = 1
%[8]s
  }
%[9]s
}
`, name, db.secretEngine, db.server.Host, db.server.Port, db.dbname, db.username, db.password, db.sslSettings(), extra)
}

// sslSettings are the credentials' TLS settings: verified TLS with the test CA on a TLS server,
// plaintext otherwise.
func (db e2eDatabase) sslSettings() string {
	if !db.server.TLS {
		return "    ssl                 = false"
	}
	return fmt.Sprintf("    ssl                 = true\n    ssl_ca_bundle       = %q", db.server.CACertPEM)
}

// secretVersion is one version of the secret as Secrets Manager holds it.
type secretVersion struct {
	id       string
	username string
	password string
}

// readVersion reads the version with a stage straight from LocalStack, out of the proxy's record.
func readVersion(client *harness.AWS, secretID, stage string) (secretVersion, error) {
	out, err := client.SecretsManager.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(secretID), VersionStage: aws.String(stage),
	})
	if err != nil {
		return secretVersion{}, fmt.Errorf("reading the %s version of secret %s: %w", stage, secretID, err)
	}
	var value struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &value); err != nil {
		return secretVersion{}, fmt.Errorf("the %s version of secret %s is not JSON: %w", stage, secretID, err)
	}
	return secretVersion{id: aws.ToString(out.VersionId), username: value.Username, password: value.Password}, nil
}

// rotateOutOfBand rotates the secret as `aws secretsmanager rotate-secret` would, through the
// proxy.
//
// RotateSecret answers at once and rotates in the background (on AWS, and in the harness), so it
// then waits as a user would: until the new version is AWSCURRENT, or the rotator logged a failed
// step for it.
func rotateOutOfBand(t *testing.T, endpoint, secretID string) {
	t.Helper()
	// A reattempted rotation keeps its token: only failures logged from now on count.
	since := time.Now().Add(-time.Second).UnixMilli()
	token := startRotationOutOfBand(t, endpoint, secretID)
	awaitRotationOutOfBand(t, secretID, token, since)
}

// startRotationOutOfBand calls RotateSecret through the proxy and returns the rotation's token
// without waiting for it (for a rotation whose failure nothing logs). A rotation of the previous
// step that is still ending (its last invocation returning) is waited for, as a user retries
// AWS's "A previous rotation isn't complete".
func startRotationOutOfBand(t *testing.T, endpoint, secretID string) string {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := proxiedSecretsManager(t, endpoint).RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String(secretID)})
		if err == nil {
			return aws.ToString(out.VersionId)
		}
		if !strings.Contains(err.Error(), "previous rotation isn't complete") || time.Now().After(deadline) {
			t.Fatalf("rotating secret %s out of band: %v", secretID, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// awaitRotationOutOfBand waits until the rotation token is AWSCURRENT, or the rotator logged a
// failed step for it since since (Unix milliseconds).
func awaitRotationOutOfBand(t *testing.T, secretID, token string, since int64) {
	t.Helper()
	ctx := context.Background()
	direct := testAWS(t)
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		described, err := direct.SecretsManager.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(secretID)})
		if err != nil {
			t.Fatalf("waiting for the rotation of %s: %v", secretID, err)
		}
		if slices.Contains(described.VersionIdsToStages[token], "AWSCURRENT") {
			return
		}
		function := aws.ToString(described.RotationLambdaARN)
		logs, err := direct.Logs.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{
			LogGroupName: aws.String("/aws/lambda/" + function[strings.LastIndex(function, ":")+1:]),
			StartTime:    aws.Int64(since),
		})
		if err == nil {
			for _, e := range logs.Events {
				if m := aws.ToString(e.Message); strings.Contains(m, token) && strings.Contains(m, `"outcome":"failed"`) {
					return
				}
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("the rotation %s of %s neither finished nor failed within 2 minutes", token, secretID)
}

// valueWrites are the calls between two marks that could have changed the secret's value: in a
// step whose plan is empty, the provider must make none (rotation owns the password).
func valueWrites(proxy *awsproxy.Proxy, from, to string) ([]string, error) {
	calls, err := proxy.CallsBetween(from, to)
	if err != nil {
		return nil, err
	}
	var writes []string
	for _, call := range calls {
		switch call.Operation {
		case "PutSecretValue", "UpdateSecret", "UpdateSecretVersionStage", "RotateSecret":
			writes = append(writes, fmt.Sprintf("%s by %s", call.Operation, call.Identity.ARN))
		}
	}
	return writes, nil
}

// rfc3339Date matches the dates the resource stores.
var rfc3339Date = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$`)

// diagnosticRecorder serves the provider to terraform-plugin-testing and keeps the warnings its
// resources return: the testing framework passes them over, and the issue asks that a failed
// rotation warns.
type diagnosticRecorder struct {
	mu       sync.Mutex
	warnings []string
}

func (r *diagnosticRecorder) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"secretsbundle": func() (tfprotov6.ProviderServer, error) {
			server, err := providerserver.NewProtocol6WithError(New("test")())()
			if err != nil {
				return nil, err
			}
			return recordingServer{ProviderServer: server, recorder: r}, nil
		},
	}
}

func (r *diagnosticRecorder) record(rpc string, diags []*tfprotov6.Diagnostic) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityWarning {
			r.warnings = append(r.warnings, rpc+": "+d.Summary+": "+d.Detail)
		}
	}
}

// reset forgets the warnings of earlier steps.
func (r *diagnosticRecorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.warnings = nil
}

// expectWarning finds a warning of the RPC that contains every one of wants.
func (r *diagnosticRecorder) expectWarning(rpc string, wants ...string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range r.warnings {
		if !strings.HasPrefix(w, rpc+": ") {
			continue
		}
		all := true
		for _, want := range wants {
			all = all && strings.Contains(w, want)
		}
		if all {
			return nil
		}
	}
	return fmt.Errorf("no %s warning mentions %q; warnings: %q", rpc, wants, r.warnings)
}

type recordingServer struct {
	tfprotov6.ProviderServer
	recorder *diagnosticRecorder
}

func (s recordingServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	resp, err := s.ProviderServer.ApplyResourceChange(ctx, req)
	if resp != nil {
		s.recorder.record("ApplyResourceChange", resp.Diagnostics)
	}
	return resp, err
}

func (s recordingServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	resp, err := s.ProviderServer.PlanResourceChange(ctx, req)
	if resp != nil {
		s.recorder.record("PlanResourceChange", resp.Diagnostics)
	}
	return resp, err
}

func (s recordingServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	resp, err := s.ProviderServer.ReadResource(ctx, req)
	if resp != nil {
		s.recorder.record("ReadResource", resp.Diagnostics)
	}
	return resp, err
}

// e2eOperator is the person who deletes the secret out of band in the alert test.
var e2eOperator = testCaller{accessKeyID: "AKIAOPERATOR00000001", app: "ops-cli", identity: awsproxy.Identity{
	Type: "IAMUser", PrincipalID: "AIDAOPERATOR", ARN: "arn:aws:iam::" + harness.AccountID + ":user/operator", UserName: "operator"}}
