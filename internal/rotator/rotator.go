package rotator

import (
	"context"
	"crypto/x509"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials"
)

// Staging labels of the rotation protocol.
const (
	stageCurrent  = credentials.StageCurrent
	stagePending  = credentials.StagePending
	stagePrevious = credentials.StagePrevious
)

// cloneSuffix marks the second user of the alternating-users strategy, as in the AWS templates.
const cloneSuffix = credentials.CloneSuffix

// Config is what a Rotator is built from.
type Config struct {
	Settings Settings
	// SettingsErr is reported by every invocation when the environment was invalid: the function
	// must still start, so that the failure lands in its log with a code.
	SettingsErr error
	Engines     Engines
	// RootCAs verifies database servers (RootPool); nil means the system's roots.
	RootCAs *x509.CertPool
	// LoadRootCAs, when set, replaces RootCAs: it builds the trust store once, the first time a
	// TLS login needs it (RootPoolOnce), so that rotations in plaintext never pay for parsing a few
	// hundred certificates. The user's CA bundle is checked at start (CheckCABundle, SettingsErr).
	LoadRootCAs func() (*x509.CertPool, error)
	// Log receives one JSON line per step; nil means os.Stdout.
	Log io.Writer
}

// Rotator handles rotation events. One Rotator lives for the whole execution environment, so the
// Secrets Manager client (and its open connections) and the cache of version values are reused
// by warm invocations.
type Rotator struct {
	sm          SecretsManager
	settings    Settings
	settingsErr error
	engines     Engines
	rootCAs     *x509.CertPool
	loadRootCAs func() (*x509.CertPool, error)
	cache       *versionCache
	log         *logWriter
	// arns maps the SecretId of events (an ARN on AWS, the name in LocalStack) to the ARN that
	// DescribeSecret returned, so cached values are found before DescribeSecret answers.
	arns sync.Map
	// currents maps a secret's ARN to its AWSCURRENT version id as last seen, so the next step's
	// login can start before DescribeSecret answers (see preconnect.go).
	currents sync.Map
}

// New returns a Rotator calling Secrets Manager through sm.
func New(sm SecretsManager, config Config) *Rotator {
	out := config.Log
	if out == nil {
		out = os.Stdout
	}
	engines := config.Engines
	if engines == nil {
		engines = DefaultEngines()
	}
	return &Rotator{
		sm:          sm,
		settings:    config.Settings,
		settingsErr: config.SettingsErr,
		engines:     engines,
		rootCAs:     config.RootCAs,
		loadRootCAs: config.LoadRootCAs,
		cache:       newVersionCache(16),
		log:         &logWriter{out: out},
	}
}

// Handle runs one step of a rotation and writes its log line. The returned error is what the
// Lambda runtime reports to Secrets Manager.
func (r *Rotator) Handle(ctx context.Context, event Event) error {
	started := time.Now()
	sm := &countingSecretsManager{SecretsManager: r.sm}
	run := &rotation{Rotator: r, sm: sm, event: event, secretARN: event.SecretID}
	outcome, err := run.execute(ctx)
	line := LogLine{
		Step:                event.Step,
		Secret:              run.secretARN,
		Token:               event.ClientRequestToken,
		Outcome:             outcome,
		DurationMS:          float64(time.Since(started).Microseconds()) / 1000,
		SecretsManagerCalls: int(sm.calls.Load()),
	}
	if err != nil {
		err = run.redact(err)
		line.Outcome = OutcomeFailed
		line.Error = err.Error()
		line.Code = CodeOf(err)
		if line.Code == "" {
			line.Code = CodeSecretsManagerError
		}
	}
	r.log.write(line)
	return err
}

// rotation is the state of one invocation.
type rotation struct {
	*Rotator
	sm        SecretsManager
	event     Event
	secretARN string
	// versions is DescribeSecret's VersionIdsToStages, read fresh by every invocation.
	versions map[string][]string
	// passwords seen during the invocation, removed from any error text before it is returned.
	passwords []string
	// tokenValue delivers the token's value, read concurrently with DescribeSecret (see prefetch).
	tokenValue chan fetchedValue
	// pre is the database login started concurrently with DescribeSecret, if any.
	pre *preconnected
	// currentValue delivers AWSCURRENT's value, read concurrently with createSecret's
	// DescribeSecret when this environment does not hold it yet (see prefetchCurrentValue).
	currentValue chan fetchedValue
}

type fetchedValue struct {
	// versionID is the version read (prefetchCurrentValue reads by stage).
	versionID string
	value     string
	err       error
}

func (run *rotation) execute(ctx context.Context) (Outcome, error) {
	step, err := run.event.validate()
	if err != nil {
		return OutcomeFailed, err
	}
	if run.settingsErr != nil {
		return OutcomeFailed, run.settingsErr
	}
	// setSecret and testSecret read the token's value; createSecret writes it, finishSecret only
	// moves a label.
	if step == stepCreate {
		stop := run.prefetchCurrentValue(ctx)
		defer stop()
	}
	if step == stepSet || step == stepTest {
		stop := run.prefetchTokenValue(ctx)
		defer stop()
		run.startPreconnect(ctx, step)
		defer run.dropPreconnect(ctx)
		var wait func()
		ctx, wait = run.startVerifier(ctx, step)
		defer wait()
	}
	done, err := run.checkToken(ctx)
	if err != nil || done {
		return OutcomeAlreadyDone, err
	}
	switch step {
	case stepCreate:
		return run.createSecret(ctx)
	case stepSet:
		return run.setSecret(ctx)
	case stepTest:
		return run.testSecret(ctx)
	default:
		return run.finishSecret(ctx)
	}
}

// checkToken applies the rules every step starts with. done reports a token that is already
// AWSCURRENT: the rotation finished, and a retried step has nothing left to do.
func (run *rotation) checkToken(ctx context.Context) (done bool, err error) {
	described, err := run.sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(run.event.SecretID)})
	if err != nil {
		return false, failure(CodeSecretsManagerError, "describing secret %s: %v; the function's role needs secretsmanager:DescribeSecret on it", run.event.SecretID, err)
	}
	if arn := stringValue(described.ARN); arn != "" {
		run.secretARN = arn
		run.arns.Store(run.event.SecretID, arn)
	}
	if !aws.ToBool(described.RotationEnabled) {
		return false, failure(CodeRotationDisabled, "rotation is not enabled on secret %s; enable it with RotateSecret (the bundle's rotation schedule) before invoking the rotator", run.secretARN)
	}
	run.versions = described.VersionIdsToStages
	if currentID := versionWithStage(run.versions, stageCurrent); currentID != "" {
		run.currents.Store(run.secretARN, currentID)
	}
	stages, ok := run.versions[run.event.ClientRequestToken]
	if !ok {
		return false, failure(CodeTokenUnknown, "secret %s has no version %s; the rotation token is not one of its versions, so there is nothing to rotate", run.secretARN, run.event.ClientRequestToken)
	}
	if hasStage(stages, stageCurrent) {
		return true, nil
	}
	if !hasStage(stages, stagePending) {
		return false, failure(CodeTokenNotPending, "version %s of secret %s is not AWSPENDING; a newer rotation replaced it, or the label was moved by hand — start a new rotation with RotateSecret", run.event.ClientRequestToken, run.secretARN)
	}
	return false, nil
}

// prefetchTokenValue starts reading the token's value while DescribeSecret runs: the create, set
// and test steps all need it, and the two round trips are independent. Reading is harmless even
// when the checks then refuse the token; nothing is done with the value before they pass. The
// returned function waits for the read, so no request is left running when the invocation ends
// (Lambda freezes the process between invocations).
func (run *rotation) prefetchTokenValue(ctx context.Context) (stop func()) {
	token := run.event.ClientRequestToken
	secretARN := run.event.SecretID
	if known, ok := run.arns.Load(secretARN); ok {
		if arn, ok := known.(string); ok {
			secretARN = arn
		}
	}
	if _, ok := run.cache.get(secretARN, token); ok {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	result := make(chan fetchedValue, 1)
	run.tokenValue = result
	go func() {
		value, err := run.fetch(ctx, run.event.SecretID, token)
		result <- fetchedValue{value: value, err: err}
	}()
	return func() {
		cancel()
		if run.tokenValue != nil {
			<-run.tokenValue
			run.tokenValue = nil
		}
	}
}

// prefetchCurrentValue starts reading AWSCURRENT's value while createSecret's DescribeSecret
// runs, when this environment does not hold it: the first rotation of a cold environment, or a
// secret changed outside the rotation. The read is by stage, as the version id is not known
// before DescribeSecret answers; its value is used only when its version is the one DescribeSecret
// calls current (value), otherwise the current version is read by id as without it. A warm
// environment holds AWSCURRENT (the previous rotation's pending value) and reads nothing.
func (run *rotation) prefetchCurrentValue(ctx context.Context) (stop func()) {
	secretARN := run.event.SecretID
	if arn, ok := run.knownARN(); ok {
		secretARN = arn
		if _, ok := run.cache.get(arn, run.event.ClientRequestToken); ok {
			// This environment wrote the token's value: createSecret is done without reading.
			return func() {}
		}
		if current, ok := run.currents.Load(arn); ok {
			if id, ok := current.(string); ok {
				if _, ok := run.cache.get(arn, id); ok {
					return func() {}
				}
			}
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	result := make(chan fetchedValue, 1)
	run.currentValue = result
	go func() {
		out, err := run.sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
			SecretId:     aws.String(secretARN),
			VersionStage: aws.String(stageCurrent),
		})
		if err != nil {
			result <- fetchedValue{err: err}
			return
		}
		result <- fetchedValue{versionID: stringValue(out.VersionId), value: stringValue(out.SecretString)}
	}()
	return func() {
		cancel()
		if run.currentValue != nil {
			<-run.currentValue
			run.currentValue = nil
		}
	}
}

// value reads a version's value, from the cache when this environment already read it.
func (run *rotation) value(ctx context.Context, versionID string) (string, error) {
	if run.currentValue != nil {
		// AWSCURRENT as read while DescribeSecret ran: cached under the version it came from,
		// which is versionID unless the label moved in between.
		fetched := <-run.currentValue
		run.currentValue = nil
		if fetched.err == nil && fetched.versionID != "" {
			run.cache.put(run.secretARN, fetched.versionID, fetched.value)
		}
	}
	if run.tokenValue != nil && versionID == run.event.ClientRequestToken {
		fetched := <-run.tokenValue
		run.tokenValue = nil
		if fetched.err == nil {
			run.cache.put(run.secretARN, versionID, fetched.value)
		}
		return fetched.value, fetched.err
	}
	if value, ok := run.cache.get(run.secretARN, versionID); ok {
		return value, nil
	}
	value, err := run.fetch(ctx, run.secretARN, versionID)
	if err != nil {
		return "", err
	}
	run.cache.put(run.secretARN, versionID, value)
	return value, nil
}

func (run *rotation) fetch(ctx context.Context, secretID, versionID string) (string, error) {
	out, err := run.sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId:  aws.String(secretID),
		VersionId: aws.String(versionID),
	})
	if err != nil {
		return "", err
	}
	return stringValue(out.SecretString), nil
}

// stagedSecret reads and parses the version holding a label.
func (run *rotation) stagedSecret(ctx context.Context, stage string) (*dbSecret, error) {
	versionID := versionWithStage(run.versions, stage)
	if versionID == "" {
		return nil, failure(CodeCurrentMissing, "secret %s has no %s version", run.secretARN, stage)
	}
	return run.versionSecret(ctx, versionID, stage)
}

func (run *rotation) versionSecret(ctx context.Context, versionID, stage string) (*dbSecret, error) {
	value, err := run.value(ctx, versionID)
	if err != nil {
		return nil, failure(CodeSecretsManagerError, "reading the %s version %s of secret %s: %v; the function's role needs secretsmanager:GetSecretValue on the secret (and kms:Decrypt on its key)", stage, versionID, run.secretARN, err)
	}
	secret, err := parseDBSecret(value, stage+" version "+versionID+" of secret "+run.secretARN)
	if err != nil {
		return nil, err
	}
	run.passwords = append(run.passwords, secret.Password)
	return secret, nil
}

func (run *rotation) engine(secret *dbSecret, label string) (Engine, error) {
	engine, ok := run.engines[secret.Engine]
	if !ok {
		names := make([]string, 0, len(run.engines))
		for name := range run.engines {
			names = append(names, name)
		}
		slices.Sort(names)
		return nil, failure(CodeUnknownEngine, "the %s of secret %s has engine %q; the rotator supports %s", label, run.secretARN, secret.Engine, strings.Join(names, ", "))
	}
	return engine, nil
}

func (run *rotation) credentials(engine Engine, secret *dbSecret) Credentials {
	creds := Credentials{
		Host:     secret.Host,
		Port:     secret.Port,
		DBName:   secret.DBName,
		Username: secret.Username,
		Password: secret.Password,
		TLS:      secret.SSL,
		// RootCAs is added by login, for a TLS login only.
	}
	if creds.Port == 0 {
		creds.Port = engine.DefaultPort()
	}
	if creds.DBName == "" {
		creds.DBName = engine.DefaultDBName()
	}
	return creds
}

// roots is the trust store for database servers, built by the first caller when it is built on
// demand (LoadRootCAs); concurrent callers wait for that build.
func (r *Rotator) roots() (*x509.CertPool, error) {
	if r.loadRootCAs != nil {
		return r.loadRootCAs()
	}
	return r.rootCAs, nil
}

// redact removes every password the invocation read from an error's text: drivers may quote
// statements or connection details, and no password may reach a log or Secrets Manager.
func (run *rotation) redact(err error) error {
	text := err.Error()
	redacted := text
	for _, password := range run.passwords {
		if password != "" {
			redacted = strings.ReplaceAll(redacted, password, "[redacted]")
		}
	}
	if redacted == text {
		return err
	}
	code := CodeOf(err)
	if code == "" {
		code = CodeSecretsManagerError
	}
	return &Error{Code: code, Message: strings.TrimPrefix(redacted, string(code)+": ")}
}

func alternateUsername(username string) string {
	if base, ok := strings.CutSuffix(username, cloneSuffix); ok && base != "" {
		return base
	}
	return username + cloneSuffix
}

// isLoginFailed tells a refused login (wrong password, unknown user) from a server that cannot be
// reached or a failed TLS negotiation.
func isLoginFailed(err error) bool {
	return CodeOf(err) == CodeDBLoginFailed
}
