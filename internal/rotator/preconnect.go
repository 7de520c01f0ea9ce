package rotator

import "context"

// preconnected is a database login started while the step's DescribeSecret is in flight: the two
// round trips are independent, and the login (TCP, TLS, authentication) is most of setSecret's
// and testSecret's time. It is started only from values this environment already holds, used only
// when the step then asks for exactly the same credentials, and closed otherwise.
type preconnected struct {
	creds   Credentials
	done    chan struct{}
	session Session
	err     error
}

// startPreconnect begins the login the step is expected to make first: testSecret logs in with
// the token's (pending) value, single-user setSecret with the current one. Nothing is started when
// the values are not cached (a cold environment) or the strategy logs in otherwise.
func (run *rotation) startPreconnect(ctx context.Context, step step) {
	arn, ok := run.knownARN()
	if !ok {
		return
	}
	var versionID string
	switch {
	case step == stepTest:
		versionID = run.event.ClientRequestToken
	case step == stepSet && run.settings.Strategy == StrategySingleUser:
		current, ok := run.currents.Load(arn)
		if !ok {
			return
		}
		versionID, _ = current.(string)
	default:
		return
	}
	value, ok := run.cache.get(arn, versionID)
	if !ok {
		return
	}
	secret, err := parseDBSecret(value, "cached version")
	if err != nil {
		return
	}
	engine, ok := run.engines[secret.Engine]
	if !ok {
		return
	}
	p := &preconnected{creds: run.credentials(engine, secret), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.session, p.err = run.login(ctx, engine, p.creds)
	}()
	run.pre = p
}

// connect logs in, taking the login started early when it was for these very credentials.
func (run *rotation) connect(ctx context.Context, engine Engine, creds Credentials) (Session, error) {
	if p := run.pre; p != nil && p.creds == creds {
		run.pre = nil
		<-p.done
		return p.session, p.err
	}
	return run.login(ctx, engine, creds)
}

// login logs in with creds, adding the trust store to a TLS login (built on first use: see
// Rotator.roots).
func (run *rotation) login(ctx context.Context, engine Engine, creds Credentials) (Session, error) {
	if creds.TLS != tlsDisable && creds.RootCAs == nil {
		roots, err := run.roots()
		if err != nil {
			return nil, err
		}
		creds.RootCAs = roots
	}
	return engine.Connect(ctx, creds)
}

// prepareRoots starts building the trust store in the background when this step or the next
// will log in with TLS (secret is the value it logs in with) and it is not built yet: a cold
// createSecret starts it while PutSecretValue is in flight, so that setSecret finds it ready. A
// rotation in plaintext never builds it. The build is CPU work only; a step that ends first
// leaves it to finish in the next invocation.
func (run *rotation) prepareRoots(secret *dbSecret) {
	if run.loadRootCAs == nil || secret == nil || secret.SSL == tlsDisable {
		return
	}
	go func() { _, _ = run.roots() }()
}

// dropPreconnect closes a login started early that the step did not use (the step was already
// done, or it needed other credentials), so no connection is left open when Lambda freezes the
// process.
func (run *rotation) dropPreconnect(ctx context.Context) {
	p := run.pre
	if p == nil {
		return
	}
	run.pre = nil
	<-p.done
	if p.session != nil {
		_ = p.session.Close(ctx)
	}
}

func (run *rotation) knownARN() (string, bool) {
	known, ok := run.arns.Load(run.event.SecretID)
	if !ok {
		return "", false
	}
	arn, ok := known.(string)
	return arn, ok
}

// startVerifier starts computing the SCRAM verifier of the pending password for a PostgreSQL
// setSecret whose pending value this environment holds (it wrote it in createSecret), so that the
// PBKDF2 rounds run while DescribeSecret and the login are in flight.
func (run *rotation) startVerifier(ctx context.Context, step step) (_ context.Context, wait func()) {
	arn, ok := run.knownARN()
	if step != stepSet || !ok {
		return ctx, func() {}
	}
	value, ok := run.cache.get(arn, run.event.ClientRequestToken)
	if !ok {
		return ctx, func() {}
	}
	secret, err := parseDBSecret(value, "cached version")
	if err != nil {
		return ctx, func() {}
	}
	if _, ok := run.engines[secret.Engine].(postgresEngine); !ok {
		return ctx, func() {}
	}
	return withVerifier(ctx, secret.Password)
}
