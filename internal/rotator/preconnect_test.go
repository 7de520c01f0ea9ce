package rotator

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// slowDescribe answers DescribeSecret late, as a far Secrets Manager endpoint does.
type slowDescribe struct {
	*fakeSecretsManager
	delay time.Duration
	mu    sync.Mutex
	ended []time.Time
}

func (s *slowDescribe) DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	time.Sleep(s.delay)
	out, err := s.fakeSecretsManager.DescribeSecret(ctx, in, opts...)
	s.mu.Lock()
	s.ended = append(s.ended, time.Now())
	s.mu.Unlock()
	return out, err
}

// timedEngine records when each login starts and how many sessions are open.
type timedEngine struct {
	fakeEngine
	mu     *sync.Mutex
	starts *[]time.Time
	open   *int
}

func (e timedEngine) Connect(ctx context.Context, creds Credentials) (Session, error) {
	e.mu.Lock()
	*e.starts = append(*e.starts, time.Now())
	e.mu.Unlock()
	session, err := e.fakeEngine.Connect(ctx, creds)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	*e.open++
	e.mu.Unlock()
	return countedSession{Session: session, mu: e.mu, open: e.open}, nil
}

type countedSession struct {
	Session
	mu   *sync.Mutex
	open *int
}

func (s countedSession) Close(ctx context.Context) error {
	s.mu.Lock()
	*s.open--
	s.mu.Unlock()
	return s.Session.Close(ctx)
}

// In a warm environment setSecret and testSecret start their login while DescribeSecret is in
// flight; a login started for a step that turns out to be done is closed.
func TestLoginOverlapsDescribeSecret(t *testing.T) {
	h := newHarness(t, StrategySingleUser, appSecret())
	slow := &slowDescribe{fakeSecretsManager: h.sm, delay: 50 * time.Millisecond}
	var mu sync.Mutex
	var starts []time.Time
	open := 0
	engine := timedEngine{fakeEngine: fakeEngine{db: h.db, maxLength: 63}, mu: &mu, starts: &starts, open: &open}
	h.rot = New(slow, Config{Settings: DefaultSettings(), Engines: Engines{"postgres": engine}, Log: h.logBuf})
	if err := h.rotate("t1"); err != nil { // cold: fills the cache
		t.Fatal(err)
	}
	h.sm.startRotation("t2")
	if err := h.step("createSecret", "t2"); err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{"setSecret", "testSecret"} {
		mu.Lock()
		before := len(starts)
		mu.Unlock()
		slow.mu.Lock()
		describes := len(slow.ended)
		slow.mu.Unlock()
		if err := h.step(step, "t2"); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		first := starts[before]
		mu.Unlock()
		slow.mu.Lock()
		described := slow.ended[describes]
		slow.mu.Unlock()
		if !first.Before(described) {
			t.Errorf("%s: the login started %v after DescribeSecret answered; want it during", step, first.Sub(described))
		}
	}
	if err := h.step("finishSecret", "t2"); err != nil {
		t.Fatal(err)
	}
	// A retried testSecret after finish is done at once: its early login must be closed.
	if err := h.step("testSecret", "t2"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if open != 0 {
		t.Errorf("%d sessions left open", open)
	}
	h.assertCurrentLogsIn()
}

// stagedReads records when GetSecretValue calls start, and can answer a read by stage with another
// version, as when AWSCURRENT moves between the read and DescribeSecret.
type stagedReads struct {
	*slowDescribe
	mu     sync.Mutex
	starts []time.Time
	stages []string
	// movedTo, when set, is the version a read of AWSCURRENT by stage returns.
	movedTo string
}

func (s *stagedReads) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	s.mu.Lock()
	s.starts = append(s.starts, time.Now())
	s.stages = append(s.stages, aws.ToString(in.VersionStage))
	movedTo := s.movedTo
	s.mu.Unlock()
	if movedTo != "" && aws.ToString(in.VersionStage) == stageCurrent {
		in = &secretsmanager.GetSecretValueInput{SecretId: in.SecretId, VersionId: aws.String(movedTo)}
	}
	return s.slowDescribe.GetSecretValue(ctx, in, opts...)
}

// A cold environment's createSecret reads AWSCURRENT while DescribeSecret is in flight, instead of
// after it: one round trip fewer on a cold start, and no extra call.
func TestColdCreateReadsCurrentDuringDescribe(t *testing.T) {
	h := newHarness(t, StrategySingleUser, appSecret())
	reads := &stagedReads{slowDescribe: &slowDescribe{fakeSecretsManager: h.sm, delay: 50 * time.Millisecond}}
	h.rot = New(reads, Config{Settings: DefaultSettings(), Engines: Engines{"postgres": fakeEngine{db: h.db, maxLength: 63}}, Log: h.logBuf})
	h.sm.startRotation("t1")
	if err := h.step("createSecret", "t1"); err != nil {
		t.Fatal(err)
	}
	if len(reads.starts) != 1 || len(reads.ended) != 1 {
		t.Fatalf("createSecret made %d reads and %d DescribeSecret calls, want 1 and 1: %v", len(reads.starts), len(reads.ended), h.sm.calls)
	}
	if !reads.starts[0].Before(reads.ended[0]) {
		t.Errorf("AWSCURRENT was read %v after DescribeSecret answered; want during", reads.starts[0].Sub(reads.ended[0]))
	}
	if reads.stages[0] != stageCurrent {
		t.Errorf("the early read asked for stage %q, want AWSCURRENT", reads.stages[0])
	}
	// Warm: AWSCURRENT is the value this environment wrote; nothing is read.
	for _, step := range []string{"setSecret", "testSecret", "finishSecret"} {
		if err := h.step(step, "t1"); err != nil {
			t.Fatal(err)
		}
	}
	before := len(reads.starts)
	h.sm.startRotation("t2")
	if err := h.step("createSecret", "t2"); err != nil {
		t.Fatal(err)
	}
	if n := len(reads.starts) - before; n != 0 {
		t.Errorf("a warm createSecret read %d values, want none", n)
	}
}

// When AWSCURRENT moves between the early read and DescribeSecret, the early value is not used:
// the new value is made from the version DescribeSecret calls current.
func TestColdCreateIgnoresAnEarlyReadOfAnotherVersion(t *testing.T) {
	h := newHarness(t, StrategySingleUser, appSecret())
	h.sm.versions["v0"] = &fakeVersion{value: `{"engine":"postgres","host":"old.internal","username":"app","password":"p"}`, hasValue: true}
	reads := &stagedReads{slowDescribe: &slowDescribe{fakeSecretsManager: h.sm}, movedTo: "v0"}
	h.rot = New(reads, Config{Settings: DefaultSettings(), Engines: Engines{"postgres": fakeEngine{db: h.db, maxLength: 63}}, Log: h.logBuf})
	h.sm.startRotation("t1")
	if err := h.step("createSecret", "t1"); err != nil {
		t.Fatal(err)
	}
	if got := h.sm.versions["t1"].value; !strings.Contains(got, `"host":"db.internal"`) {
		t.Errorf("the pending value was made from another version than AWSCURRENT: %s", got)
	}
	if len(reads.stages) != 2 || reads.stages[1] != "" {
		t.Errorf("reads by stage %q, want the early one by stage then one by id", reads.stages)
	}
}
