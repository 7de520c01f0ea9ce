package rotator

import (
	"context"
	"sync"
	"testing"
	"time"

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
