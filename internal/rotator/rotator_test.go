package rotator

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

const (
	testARN       = "arn:aws:secretsmanager:us-east-1:000000000000:secret:app-AbCdEf"
	testMasterARN = "arn:aws:secretsmanager:us-east-1:000000000000:secret:master-XyZ"
)

type harness struct {
	t      *testing.T
	sm     *fakeSecretsManager
	db     *fakeDatabase
	rot    *Rotator
	logBuf *bytes.Buffer
}

func newHarness(t *testing.T, strategy Strategy, current map[string]any) *harness {
	t.Helper()
	value, err := json.Marshal(current)
	if err != nil {
		t.Fatal(err)
	}
	db := &fakeDatabase{users: map[string]string{}, memberOf: map[string]string{}}
	if username, ok := current["username"].(string); ok {
		db.users[username], _ = current["password"].(string)
	}
	sm := newFakeSecretsManager(testARN, string(value))
	settings := DefaultSettings()
	settings.Strategy = strategy
	logBuf := &bytes.Buffer{}
	engine := fakeEngine{db: db, maxLength: 63}
	rot := New(sm, Config{Settings: settings, Engines: Engines{"postgres": engine, "mysql": engine}, Log: logBuf})
	return &harness{t: t, sm: sm, db: db, rot: rot, logBuf: logBuf}
}

func appSecret() map[string]any {
	return map[string]any{
		"engine": "postgres", "host": "db.internal", "port": 5432, "dbname": "app",
		"username": "app", "password": "old'pass\\word", "custom": map[string]any{"keep": true},
	}
}

func (h *harness) step(stepName, token string) error {
	return h.rot.Handle(context.Background(), Event{Step: stepName, SecretID: testARN, ClientRequestToken: token})
}

// rotate runs the four steps for a token as Secrets Manager would, stopping at the first failure.
func (h *harness) rotate(token string) error {
	h.sm.startRotation(token)
	for _, s := range []string{"createSecret", "setSecret", "testSecret", "finishSecret"} {
		if err := h.step(s, token); err != nil {
			return err
		}
	}
	return nil
}

func (h *harness) logLines() []LogLine {
	var lines []LogLine
	for _, text := range strings.Split(strings.TrimSpace(h.logBuf.String()), "\n") {
		line, ok := ParseLogLine(text)
		if !ok {
			h.t.Fatalf("log line %q is not a rotator log line", text)
		}
		lines = append(lines, line)
	}
	return lines
}

func (h *harness) current() map[string]any {
	var value map[string]any
	if err := json.Unmarshal([]byte(h.sm.valueOf(stageCurrent)), &value); err != nil {
		h.t.Fatal(err)
	}
	return value
}

// assertCurrentLogsIn is the invariant every scenario ends with.
func (h *harness) assertCurrentLogsIn() {
	h.t.Helper()
	current := h.current()
	username, _ := current["username"].(string)
	if got := h.db.password(username); got != current["password"] {
		h.t.Fatalf("AWSCURRENT's password for %q does not log in to the database", username)
	}
}

func wantCode(t *testing.T, err error, code Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("want a %s failure, got success", code)
	}
	if got := CodeOf(err); got != code {
		t.Fatalf("want code %s, got %s (%v)", code, got, err)
	}
}

func TestSingleUserRotation(t *testing.T) {
	h := newHarness(t, StrategySingleUser, appSecret())
	if err := h.rotate("t1"); err != nil {
		t.Fatal(err)
	}
	current := h.current()
	if current["password"] == "old'pass\\word" || current["username"] != "app" {
		t.Fatalf("AWSCURRENT after rotation: %v", current)
	}
	if _, ok := current["custom"]; !ok {
		t.Error("the unknown key custom was not carried over")
	}
	if h.db.password("app") == "old'pass\\word" {
		t.Error("the old password still logs in")
	}
	h.assertCurrentLogsIn()
	if previous := h.sm.stageHolder(stagePrevious); previous != "v1" {
		t.Errorf("AWSPREVIOUS is on %q, want v1", previous)
	}
	lines := h.logLines()
	if len(lines) != 4 {
		t.Fatalf("want 4 log lines, got %d", len(lines))
	}
	for _, line := range lines {
		if line.Outcome != OutcomeSucceeded || line.Secret != testARN || line.Token != "t1" {
			t.Errorf("log line %+v", line)
		}
	}
	if strings.Contains(h.logBuf.String(), "Generated") || strings.Contains(h.logBuf.String(), "old'pass") {
		t.Error("a password reached the log")
	}
}

// A warm rotator reads each version once: the calls per rotation are DescribeSecret per step plus
// what each step must do.
func TestSecretsManagerCallsPerRotation(t *testing.T) {
	h := newHarness(t, StrategySingleUser, appSecret())
	if err := h.rotate("t1"); err != nil {
		t.Fatal(err)
	}
	first := h.sm.callCount()
	if err := h.rotate("t2"); err != nil {
		t.Fatal(err)
	}
	second := h.sm.callCount() - first
	// create: Describe, Get(current), Put (the password is made locally; PutSecretValue itself
	// says whether the token already has a value); set and test: Describe each (both values are
	// cached); finish: Describe, UpdateSecretVersionStage.
	if first != 7 {
		t.Errorf("first rotation made %d calls, want 7: %v", first, h.sm.calls)
	}
	// The second rotation's AWSCURRENT is the first's pending value, already cached.
	if second != 6 {
		t.Errorf("warm rotation made %d calls, want 6: %v", second, h.sm.calls[first:])
	}
	h.assertCurrentLogsIn()
}

func TestEveryStepIsIdempotent(t *testing.T) {
	h := newHarness(t, StrategySingleUser, appSecret())
	h.sm.startRotation("t1")
	for _, s := range []string{"createSecret", "setSecret", "testSecret", "finishSecret"} {
		if err := h.step(s, "t1"); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		pending := h.sm.versions["t1"].value
		if err := h.step(s, "t1"); err != nil {
			t.Fatalf("%s retried: %v", s, err)
		}
		if h.sm.versions["t1"].value != pending {
			t.Fatalf("%s retried changed the pending value", s)
		}
	}
	lines := h.logLines()
	for i, want := range []Outcome{OutcomeSucceeded, OutcomeAlreadyDone, OutcomeSucceeded, OutcomeAlreadyDone, OutcomeSucceeded, OutcomeSucceeded, OutcomeSucceeded, OutcomeAlreadyDone} {
		if lines[i].Outcome != want {
			t.Errorf("line %d (%s): outcome %s, want %s", i, lines[i].Step, lines[i].Outcome, want)
		}
	}
	if h.sm.passwordCount != 0 {
		t.Errorf("GetRandomPassword called %d times; the password is made locally", h.sm.passwordCount)
	}
	h.assertCurrentLogsIn()
}

// A createSecret retried by a new execution environment (no cache) finds the pending value by
// PutSecretValue's ResourceExistsException and keeps it.
func TestCreateSecretRetriedByANewEnvironment(t *testing.T) {
	h := newHarness(t, StrategySingleUser, appSecret())
	h.sm.startRotation("t1")
	if err := h.step("createSecret", "t1"); err != nil {
		t.Fatal(err)
	}
	pending := h.sm.versions["t1"].value
	h.rot.cache = newVersionCache(16)
	if err := h.step("createSecret", "t1"); err != nil {
		t.Fatal(err)
	}
	if h.sm.versions["t1"].value != pending {
		t.Fatal("the retry replaced the pending value")
	}
	if lines := h.logLines(); lines[len(lines)-1].Outcome != OutcomeAlreadyDone {
		t.Errorf("retry outcome %s, want already_done", lines[len(lines)-1].Outcome)
	}
}

func TestCrashAfterPasswordChangeThenRetry(t *testing.T) {
	h := newHarness(t, StrategySingleUser, appSecret())
	h.sm.startRotation("t1")
	if err := h.step("createSecret", "t1"); err != nil {
		t.Fatal(err)
	}
	h.db.crashAfterSet = true
	wantCode(t, h.step("setSecret", "t1"), CodeDBStatementFailed)
	// The database is on the pending password; the retry sees that and is done.
	if err := h.step("set_secret", "t1"); err != nil {
		t.Fatalf("retry: %v", err)
	}
	for _, s := range []string{"testSecret", "finishSecret"} {
		if err := h.step(s, "t1"); err != nil {
			t.Fatal(err)
		}
	}
	h.assertCurrentLogsIn()
}

func TestTokenChecks(t *testing.T) {
	h := newHarness(t, StrategySingleUser, appSecret())
	if err := h.step("setSecret", "v1"); err != nil {
		t.Errorf("token already AWSCURRENT: %v", err)
	}
	wantCode(t, h.step("createSecret", "nope"), CodeTokenUnknown)
	h.sm.versions["orphan"] = &fakeVersion{value: "{}", hasValue: true, stages: []string{"CUSTOM"}}
	wantCode(t, h.step("createSecret", "orphan"), CodeTokenNotPending)
	wantCode(t, h.step("rotateSecret", "v1"), CodeUnknownStep)
	wantCode(t, h.rot.Handle(context.Background(), Event{Step: "createSecret", SecretID: testARN}), CodeInvalidEvent)
	h.sm.rotationEnabled = false
	h.sm.startRotation("t1")
	wantCode(t, h.step("createSecret", "t1"), CodeRotationDisabled)
	if h.sm.lastPut != nil {
		t.Error("a failed check wrote a version")
	}
	h.assertCurrentLogsIn()
}

func TestSnakeCaseStepsAndRotationToken(t *testing.T) {
	h := newHarness(t, StrategySingleUser, appSecret())
	h.sm.startRotation("t1")
	err := h.rot.Handle(context.Background(), Event{Step: "create_secret", SecretID: testARN, ClientRequestToken: "t1", RotationToken: "rot-tok"})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(h.sm.lastPut.RotationToken); got != "rot-tok" {
		t.Errorf("PutSecretValue RotationToken = %q, want rot-tok", got)
	}
	if got := h.sm.lastPut.VersionStages; len(got) != 1 || got[0] != stagePending {
		t.Errorf("PutSecretValue stages = %v", got)
	}
}

func TestGetSecretValueErrorsMakeNoPassword(t *testing.T) {
	for name, failure := range map[string]error{
		"access denied": &types.ResourceNotFoundException{},
		"kms":           &types.DecryptionFailure{Message: aws.String("KMS key is disabled")},
		"throttling":    &types.InternalServiceError{Message: aws.String("Rate exceeded")},
	} {
		t.Run(name, func(t *testing.T) {
			if name == "access denied" {
				// The SDK returns a generic API error for AccessDeniedException.
				failure = errAccessDenied{}
			}
			h := newHarness(t, StrategySingleUser, appSecret())
			h.sm.startRotation("t1")
			h.sm.failures["GetSecretValue"] = failure
			wantCode(t, h.step("createSecret", "t1"), CodeSecretsManagerError)
			if h.sm.passwordCount != 0 || h.sm.lastPut != nil {
				t.Error("a password was generated or stored after a failed read")
			}
			h.assertCurrentLogsIn()
		})
	}
}

type errAccessDenied struct{}

func (errAccessDenied) Error() string {
	return "operation error Secrets Manager: GetSecretValue, AccessDeniedException: not authorized"
}

func TestPendingMadeFromAnOlderCurrentIsRefused(t *testing.T) {
	h := newHarness(t, StrategySingleUser, appSecret())
	h.sm.startRotation("t1")
	if err := h.step("createSecret", "t1"); err != nil {
		t.Fatal(err)
	}
	// A manual PutSecretValue mid-rotation moves AWSCURRENT to a value on another host.
	moved := appSecret()
	moved["host"] = "db2.internal"
	value, _ := json.Marshal(moved)
	h.sm.versions["manual"] = &fakeVersion{value: string(value), hasValue: true}
	h.sm.moveStage(stagePrevious, "v1")
	h.sm.moveStage(stageCurrent, "manual")
	h.db.users["app"], _ = moved["password"].(string)
	wantCode(t, h.step("setSecret", "t1"), CodePendingStale)
	h.assertCurrentLogsIn()
}

func TestPendingWithChangedUsernameIsRefused(t *testing.T) {
	h := newHarness(t, StrategySingleUser, appSecret())
	h.sm.startRotation("t1")
	changed := appSecret()
	changed["username"] = "intruder"
	changed["password"] = "x"
	value, _ := json.Marshal(changed)
	h.sm.versions["t1"].value, h.sm.versions["t1"].hasValue = string(value), true
	wantCode(t, h.step("setSecret", "t1"), CodePendingStale)
	if _, ok := h.db.users["intruder"]; ok {
		t.Error("a user was changed")
	}
}

func TestBadSecrets(t *testing.T) {
	missing := appSecret()
	delete(missing, "host")
	delete(missing, "password")
	h := newHarness(t, StrategySingleUser, missing)
	h.sm.startRotation("t1")
	err := h.step("createSecret", "t1")
	wantCode(t, err, CodeMissingKeys)
	if !strings.Contains(err.Error(), "host, password") {
		t.Errorf("error does not name the missing keys: %v", err)
	}

	oracle := appSecret()
	oracle["engine"] = "oracle"
	h = newHarness(t, StrategySingleUser, oracle)
	h.sm.startRotation("t1")
	wantCode(t, h.step("createSecret", "t1"), CodeUnknownEngine)

	h = newHarness(t, StrategyAlternatingUsers, appSecret())
	h.sm.startRotation("t1")
	wantCode(t, h.step("createSecret", "t1"), CodeMasterMissing)

	h = newHarness(t, StrategySingleUser, appSecret())
	h.sm.versions["v1"].value = "not json"
	h.sm.startRotation("t1")
	wantCode(t, h.step("createSecret", "t1"), CodeInvalidSecret)
}

func TestSingleUserRecoversFromPreviousPassword(t *testing.T) {
	h := newHarness(t, StrategySingleUser, appSecret())
	if err := h.rotate("t1"); err != nil {
		t.Fatal(err)
	}
	// The database went back to the AWSPREVIOUS password (a restore, a manual reset).
	h.db.users["app"] = "old'pass\\word"
	if err := h.rotate("t2"); err != nil {
		t.Fatalf("rotation from AWSPREVIOUS: %v", err)
	}
	h.assertCurrentLogsIn()
}

func TestSingleUserWithNeitherPasswordFails(t *testing.T) {
	h := newHarness(t, StrategySingleUser, appSecret())
	h.db.users["app"] = "something else"
	h.sm.startRotation("t1")
	if err := h.step("createSecret", "t1"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, h.step("setSecret", "t1"), CodeDBLoginFailed)
}

func alternatingHarness(t *testing.T) *harness {
	secret := appSecret()
	secret["masterarn"] = testMasterARN
	h := newHarness(t, StrategyAlternatingUsers, secret)
	h.db.users["master"] = "master-pw"
	master, _ := json.Marshal(map[string]any{"engine": "postgres", "host": "db.internal", "username": "master", "password": "master-pw"})
	h.sm.others[testMasterARN] = string(master)
	return h
}

func TestAlternatingUsers(t *testing.T) {
	h := alternatingHarness(t)
	if err := h.rotate("t1"); err != nil {
		t.Fatal(err)
	}
	if h.current()["username"] != "app_clone" || h.db.memberOf["app_clone"] != "app" {
		t.Fatalf("first rotation: current %v, memberships %v", h.current(), h.db.memberOf)
	}
	if h.db.password("app") != "old'pass\\word" {
		t.Error("the first rotation changed the original user's password")
	}
	h.assertCurrentLogsIn()
	if err := h.rotate("t2"); err != nil {
		t.Fatal(err)
	}
	if h.current()["username"] != "app" {
		t.Fatalf("second rotation did not alternate back: %v", h.current())
	}
	h.assertCurrentLogsIn()
}

func TestAlternatingRefusesWhenCurrentDoesNotLogIn(t *testing.T) {
	h := alternatingHarness(t)
	if err := h.rotate("t1"); err != nil {
		t.Fatal(err)
	}
	h.db.users["app_clone"] = "old'pass\\word-not"
	h.sm.startRotation("t2")
	if err := h.step("createSecret", "t2"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, h.step("setSecret", "t2"), CodeDBLoginFailed)
}

func TestAlternatingMasterOnAnotherHost(t *testing.T) {
	h := alternatingHarness(t)
	master, _ := json.Marshal(map[string]any{"engine": "postgres", "host": "elsewhere", "username": "master", "password": "master-pw"})
	h.sm.others[testMasterARN] = string(master)
	h.sm.startRotation("t1")
	if err := h.step("createSecret", "t1"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, h.step("setSecret", "t1"), CodeMasterMismatch)
	delete(h.sm.others, testMasterARN)
	wantCode(t, h.step("setSecret", "t1"), CodeMasterMissing)
}

func TestAlternatingUsernameTooLong(t *testing.T) {
	secret := appSecret()
	secret["masterarn"] = testMasterARN
	secret["username"] = strings.Repeat("u", 60)
	h := newHarness(t, StrategyAlternatingUsers, secret)
	h.sm.startRotation("t1")
	wantCode(t, h.step("createSecret", "t1"), CodeUsernameTooLong)
}

func TestDatabaseDown(t *testing.T) {
	h := newHarness(t, StrategySingleUser, appSecret())
	h.sm.startRotation("t1")
	if err := h.step("createSecret", "t1"); err != nil {
		t.Fatal(err)
	}
	h.db.down = true
	wantCode(t, h.step("setSecret", "t1"), CodeDBUnreachable)
	wantCode(t, h.step("testSecret", "t1"), CodeDBUnreachable)
	h.db.down = false
	h.assertCurrentLogsIn()
}

func TestDriverErrorsAreRedacted(t *testing.T) {
	h := newHarness(t, StrategySingleUser, appSecret())
	h.sm.startRotation("t1")
	if err := h.step("createSecret", "t1"); err != nil {
		t.Fatal(err)
	}
	var pending map[string]any
	_ = json.Unmarshal([]byte(h.sm.versions["t1"].value), &pending)
	password, _ := pending["password"].(string)
	h.db.errorText = "syntax error near '" + password + "'"
	err := h.step("setSecret", "t1")
	if err == nil || strings.Contains(err.Error(), password) || strings.Contains(h.logBuf.String(), "Generated") {
		t.Fatalf("the password was not redacted: %v", err)
	}
}

func TestInvalidSettingsFailEveryStep(t *testing.T) {
	_, settingsErr := SettingsFromEnv(func(name string) (string, bool) {
		if name == EnvPasswordLength {
			return "lots", true
		}
		return "", false
	})
	sm := newFakeSecretsManager(testARN, "{}")
	var logBuf bytes.Buffer
	rot := New(sm, Config{Settings: DefaultSettings(), SettingsErr: settingsErr, Log: &logBuf})
	sm.startRotation("t1")
	err := rot.Handle(context.Background(), Event{Step: "createSecret", SecretID: testARN, ClientRequestToken: "t1"})
	wantCode(t, err, CodeInvalidSettings)
	if line, ok := ParseLogLine(logBuf.String()); !ok || line.Code != CodeInvalidSettings {
		t.Errorf("log line %q", logBuf.String())
	}
}

// The bootstrap checks the user's CA bundle at start (CheckCABundle, reported by every step) and
// builds the trust store only when a TLS login first needs it (RootPoolOnce): a rotation in
// plaintext never builds it, and every TLS login gets the same pool.
func TestRootCAsBuiltOnlyForTLS(t *testing.T) {
	for _, bad := range []string{"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n", "not PEM"} {
		err := CheckCABundle(bad, "")
		if CodeOf(err) != CodeInvalidSettings || !strings.Contains(err.Error(), "DB_CA_BUNDLE_PEM") {
			t.Errorf("CheckCABundle(%q) = %v, want %s naming DB_CA_BUNDLE_PEM", bad, err, CodeInvalidSettings)
		}
	}
	if err := CheckCABundle("", t.TempDir()+"/missing.pem"); CodeOf(err) != CodeInvalidSettings || !strings.Contains(err.Error(), "DB_CA_BUNDLE") {
		t.Errorf("CheckCABundle with a missing file = %v", err)
	}
	if err := CheckCABundle("", ""); err != nil {
		t.Errorf("CheckCABundle without a bundle = %v", err)
	}

	pool, err := RootPoolOnce("", "")()
	if err != nil || pool == nil {
		t.Fatalf("RootPoolOnce without a bundle: %v, %v", pool, err)
	}
	for _, c := range []struct {
		name      string
		ssl       any
		wantBuild bool
	}{{"plaintext", false, false}, {"TLS by default", nil, true}, {"TLS", true, true}} {
		value := appSecret()
		if c.ssl != nil {
			value["ssl"] = c.ssl
		}
		h := newHarness(t, StrategySingleUser, value)
		var mu sync.Mutex
		builds := 0
		var seen []*x509.CertPool
		engine := recordingRootsEngine{fakeEngine: fakeEngine{db: h.db, maxLength: 63}, mu: &mu, seen: &seen}
		h.rot = New(h.sm, Config{Settings: DefaultSettings(), Engines: Engines{"postgres": engine}, Log: h.logBuf,
			LoadRootCAs: sync.OnceValues(func() (*x509.CertPool, error) {
				mu.Lock()
				builds++
				mu.Unlock()
				return pool, nil
			})})
		if err := h.rotate("t1"); err != nil {
			t.Fatal(err)
		}
		if err := h.rotate("t2"); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		if c.wantBuild != (builds == 1) || builds > 1 {
			t.Errorf("%s: the trust store was built %d times", c.name, builds)
		}
		if len(seen) == 0 {
			t.Fatalf("%s: no login", c.name)
		}
		for _, roots := range seen {
			if c.wantBuild && roots != pool {
				t.Errorf("%s: a login got roots %p, want the built pool %p", c.name, roots, pool)
			}
			if !c.wantBuild && roots != nil {
				t.Errorf("%s: a plaintext login got a trust store", c.name)
			}
		}
		mu.Unlock()
	}
}

type recordingRootsEngine struct {
	fakeEngine
	mu   *sync.Mutex
	seen *[]*x509.CertPool
}

func (e recordingRootsEngine) Connect(ctx context.Context, creds Credentials) (Session, error) {
	e.mu.Lock()
	*e.seen = append(*e.seen, creds.RootCAs)
	e.mu.Unlock()
	return e.fakeEngine.Connect(ctx, creds)
}
