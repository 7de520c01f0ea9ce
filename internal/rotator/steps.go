package rotator

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// createSecret stores the AWSPENDING value for the token: the current value with a new password
// (and, for alternating users, the other username).
//
// Whether the token already has a value is not read first (the AWS templates spend a
// GetSecretValue on it): a value this environment wrote is in its cache, and PutSecretValue is
// itself idempotent on the token: the same value succeeds, another value fails with
// ResourceExistsException (a version's value never changes), which means an earlier attempt
// stored the pending value, and the step is done.
func (run *rotation) createSecret(ctx context.Context) (Outcome, error) {
	token := run.event.ClientRequestToken
	if _, ok := run.cache.get(run.secretARN, token); ok {
		return OutcomeAlreadyDone, nil
	}
	current, err := run.stagedSecret(ctx, stageCurrent)
	if err != nil {
		return OutcomeFailed, err
	}
	run.prepareRoots(current)
	engine, err := run.engine(current, "AWSCURRENT version")
	if err != nil {
		return OutcomeFailed, err
	}
	username := current.Username
	if run.settings.Strategy == StrategyAlternatingUsers {
		if _, ok := engine.(interface{ singleUserOnly() }); ok {
			return OutcomeFailed, failure(CodeInvalidSettings, "secret %s has engine %q, which the rotator rotates with the single-user strategy only; set ROTATION_STRATEGY to single_user", run.secretARN, current.Engine)
		}
		if current.MasterARN == "" {
			return OutcomeFailed, failure(CodeMasterMissing, "secret %s has no masterarn key; the alternating-users strategy changes passwords as the master user, so add masterarn (the ARN of the master user's secret)", run.secretARN)
		}
		username = alternateUsername(current.Username)
		if err := engine.CheckUsername(username); err != nil {
			return OutcomeFailed, failure(CodeUsernameTooLong, "cannot alternate secret %s to user %q: %s; shorten the username (the clone appends %q)", run.secretARN, username, messageOf(err), cloneSuffix)
		}
	}
	password, err := run.settings.generatePassword()
	if err != nil {
		return OutcomeFailed, err
	}
	run.passwords = append(run.passwords, password)
	pending, err := current.with(username, password)
	if err != nil {
		return OutcomeFailed, failure(CodeInvalidSecret, "encoding the new value of secret %s: %v", run.secretARN, err)
	}
	input := &secretsmanager.PutSecretValueInput{
		SecretId:           aws.String(run.secretARN),
		ClientRequestToken: aws.String(token),
		SecretString:       aws.String(pending),
		VersionStages:      []string{stagePending},
	}
	if run.event.RotationToken != "" {
		input.RotationToken = aws.String(run.event.RotationToken)
	}
	if _, err := run.sm.PutSecretValue(ctx, input); err != nil {
		if isResourceExists(err) {
			return OutcomeAlreadyDone, nil
		}
		return OutcomeFailed, failure(CodeSecretsManagerError, "storing the AWSPENDING version %s of secret %s: %v; the function's role needs secretsmanager:PutSecretValue (and kms:GenerateDataKey on the key)", token, run.secretARN, err)
	}
	run.cache.put(run.secretARN, token, pending)
	return OutcomeSucceeded, nil
}

// pendingAndCurrent reads both versions and checks that the pending one was made from the current
// one for this strategy.
func (run *rotation) pendingAndCurrent(ctx context.Context) (pending, current *dbSecret, engine Engine, err error) {
	pending, err = run.versionSecret(ctx, run.event.ClientRequestToken, stagePending)
	if err != nil {
		return nil, nil, nil, err
	}
	current, err = run.stagedSecret(ctx, stageCurrent)
	if err != nil {
		return nil, nil, nil, err
	}
	engine, err = run.engine(pending, "AWSPENDING version")
	if err != nil {
		return nil, nil, nil, err
	}
	wantUsername := current.Username
	if run.settings.Strategy == StrategyAlternatingUsers {
		wantUsername = alternateUsername(current.Username)
	}
	if pending.Username != wantUsername {
		return nil, nil, nil, failure(CodePendingStale, "the AWSPENDING version %s of secret %s has username %q, but the %s strategy expects %q from AWSCURRENT; the pending value was changed or made from an older value — cancel the rotation (CancelRotateSecret) and rotate again",
			run.event.ClientRequestToken, run.secretARN, pending.Username, run.settings.Strategy, wantUsername)
	}
	if keys := pending.differingKeys(current); len(keys) > 0 {
		return nil, nil, nil, failure(CodePendingStale, "the AWSPENDING version %s of secret %s differs from AWSCURRENT in %s; the pending value was made before AWSCURRENT changed (or was edited) — cancel the rotation (CancelRotateSecret) and rotate again",
			run.event.ClientRequestToken, run.secretARN, strings.Join(keys, ", "))
	}
	return pending, current, engine, nil
}

// setSecret makes the database accept the pending credentials. A step that already did so (a
// retry after the password was changed but before the step returned) is recognised by the
// pending credentials logging in; each strategy checks that where it costs no extra login in the
// common case, since a login is most of the step's time.
func (run *rotation) setSecret(ctx context.Context) (Outcome, error) {
	pending, current, engine, err := run.pendingAndCurrent(ctx)
	if err != nil {
		return OutcomeFailed, err
	}
	if run.settings.Strategy == StrategyAlternatingUsers {
		return run.setAlternating(ctx, engine, pending, current)
	}
	return run.setSingleUser(ctx, engine, pending, current)
}

// pendingLogsIn reports whether the pending credentials already work; errors other than a refused
// login (the server is down, TLS fails) are returned.
func (run *rotation) pendingLogsIn(ctx context.Context, engine Engine, pending *dbSecret) (bool, error) {
	session, err := run.login(ctx, engine, run.credentials(engine, pending))
	if err == nil {
		_ = session.Close(ctx)
		return true, nil
	}
	if isLoginFailed(err) {
		return false, nil
	}
	return false, err
}

// setSingleUser logs in as the user with AWSCURRENT and changes the user's own password. When
// AWSCURRENT no longer logs in, either an earlier attempt already set the pending password (done)
// or the database is still on the previous password (a rotation that changed the database but
// never finished, or a restore): then AWSPREVIOUS logs in.
func (run *rotation) setSingleUser(ctx context.Context, engine Engine, pending, current *dbSecret) (Outcome, error) {
	session, err := run.connect(ctx, engine, run.credentials(engine, current))
	if err != nil && isLoginFailed(err) {
		done, pendingErr := run.pendingLogsIn(ctx, engine, pending)
		if pendingErr != nil {
			return OutcomeFailed, pendingErr
		}
		if done {
			return OutcomeAlreadyDone, nil
		}
		session, err = run.connectPrevious(ctx, engine, current, err)
	}
	if err != nil {
		return OutcomeFailed, err
	}
	defer func() { _ = session.Close(ctx) }()
	if err := session.SetOwnPassword(ctx, pending.Password); err != nil {
		return OutcomeFailed, err
	}
	return OutcomeSucceeded, nil
}

func (run *rotation) connectPrevious(ctx context.Context, engine Engine, current *dbSecret, currentErr error) (Session, error) {
	previousID := versionWithStage(run.versions, stagePrevious)
	if previousID == "" {
		return nil, failure(CodeDBLoginFailed, "the AWSCURRENT credentials of secret %s do not log in (%s) and there is no AWSPREVIOUS version to fall back on; set the database password of %q to the AWSCURRENT value, then retry",
			run.secretARN, messageOf(currentErr), current.Username)
	}
	previous, err := run.versionSecret(ctx, previousID, stagePrevious)
	if err != nil {
		return nil, err
	}
	creds := run.credentials(engine, current)
	creds.Password = previous.Password
	session, err := run.login(ctx, engine, creds)
	if err != nil {
		if isLoginFailed(err) {
			return nil, failure(CodeDBLoginFailed, "neither the AWSCURRENT nor the AWSPREVIOUS password of secret %s logs in as %q at %s; set the database password to the AWSCURRENT value, then retry",
				run.secretARN, current.Username, endpoint(creds))
		}
		return nil, err
	}
	return session, nil
}

// setAlternating has the master user create or update the other user with the same privileges.
func (run *rotation) setAlternating(ctx context.Context, engine Engine, pending, current *dbSecret) (Outcome, error) {
	// The current user must work: its privileges are what the clone receives, and a broken
	// current user means the last rotation did not finish as it should.
	session, err := run.login(ctx, engine, run.credentials(engine, current))
	if err != nil {
		if isLoginFailed(err) {
			return OutcomeFailed, failure(CodeDBLoginFailed, "refusing to rotate secret %s: its AWSCURRENT credentials (user %q) do not log in (%s); the alternating-users strategy clones a working user — set its password to the AWSCURRENT value first",
				run.secretARN, current.Username, messageOf(err))
		}
		return OutcomeFailed, err
	}
	_ = session.Close(ctx)
	done, err := run.pendingLogsIn(ctx, engine, pending)
	if err != nil {
		return OutcomeFailed, err
	}
	if _, perHost := engine.(perHostAccounts); done && !perHost {
		return OutcomeAlreadyDone, nil
	}

	master, err := run.masterSecret(ctx, current)
	if err != nil {
		return OutcomeFailed, err
	}
	masterSession, err := run.login(ctx, engine, run.credentials(engine, master))
	if err != nil {
		if isLoginFailed(err) {
			return OutcomeFailed, failure(CodeDBLoginFailed, "the master secret %s of secret %s does not log in: %s; fix the master secret", current.MasterARN, run.secretARN, messageOf(err))
		}
		return OutcomeFailed, err
	}
	defer func() { _ = masterSession.Close(ctx) }()
	if checker, ok := masterSession.(cloneChecker); ok && done {
		// The pending login proves the entry the function's address matched; the others are
		// judged by the master.
		complete, err := checker.CloneComplete(ctx, current.Username, pending.Username)
		if err != nil {
			return OutcomeFailed, err
		}
		if complete {
			return OutcomeAlreadyDone, nil
		}
	}
	if err := masterSession.CloneUser(ctx, current.Username, pending.Username, pending.Password); err != nil {
		return OutcomeFailed, err
	}
	return OutcomeSucceeded, nil
}

func (run *rotation) masterSecret(ctx context.Context, current *dbSecret) (*dbSecret, error) {
	if current.MasterARN == "" {
		return nil, failure(CodeMasterMissing, "secret %s has no masterarn key; the alternating-users strategy changes passwords as the master user, so add masterarn (the ARN of the master user's secret)", run.secretARN)
	}
	// The master's AWSCURRENT changes with its own rotations, so it is read every time.
	out, err := run.sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(current.MasterARN)})
	if err != nil {
		if isNotFound(err) {
			return nil, failure(CodeMasterMissing, "the master secret %s named by masterarn of secret %s does not exist; fix masterarn", current.MasterARN, run.secretARN)
		}
		return nil, failure(CodeSecretsManagerError, "reading the master secret %s of secret %s: %v; the function's role needs secretsmanager:GetSecretValue on it (and kms:Decrypt on its key)", current.MasterARN, run.secretARN, err)
	}
	master, err := parseMasterSecret(stringValue(out.SecretString), "master secret "+current.MasterARN, current)
	if err != nil {
		return nil, err
	}
	run.passwords = append(run.passwords, master.Password)
	if master.Host != current.Host {
		return nil, failure(CodeMasterMismatch, "the master secret %s is for host %q but secret %s is for host %q; masterarn must name the master user of the same database instance",
			current.MasterARN, master.Host, run.secretARN, current.Host)
	}
	if master.Engine != current.Engine {
		if _, ok := run.engines[master.Engine]; !ok {
			return nil, failure(CodeMasterMismatch, "the master secret %s has engine %q, which the rotator does not support", current.MasterARN, master.Engine)
		}
	}
	return master, nil
}

// testSecret logs in with the pending credentials and runs a probe query.
func (run *rotation) testSecret(ctx context.Context) (Outcome, error) {
	pending, err := run.versionSecret(ctx, run.event.ClientRequestToken, stagePending)
	if err != nil {
		return OutcomeFailed, err
	}
	engine, err := run.engine(pending, "AWSPENDING version")
	if err != nil {
		return OutcomeFailed, err
	}
	session, err := run.connect(ctx, engine, run.credentials(engine, pending))
	if err != nil {
		return OutcomeFailed, err
	}
	defer func() { _ = session.Close(ctx) }()
	if err := session.Probe(ctx); err != nil {
		return OutcomeFailed, err
	}
	if checker, ok := session.(memberChecker); ok && run.settings.Strategy == StrategyAlternatingUsers && strings.HasSuffix(pending.Username, cloneSuffix) {
		// PostgreSQL's clone has the base role's privileges by membership.
		if err := checker.HasPrivilegesOf(ctx, strings.TrimSuffix(pending.Username, cloneSuffix)); err != nil {
			return OutcomeFailed, err
		}
	}
	if checker, ok := session.(grantChecker); ok && run.settings.Strategy == StrategyAlternatingUsers && strings.HasSuffix(pending.Username, cloneSuffix) {
		// A clone copied by grants (MySQL, MariaDB) must hold exactly what the base user holds
		// before it becomes current; PostgreSQL's clone is a member of the base role instead.
		current, err := run.stagedSecret(ctx, stageCurrent)
		if err != nil {
			return OutcomeFailed, err
		}
		source, err := run.login(ctx, engine, run.credentials(engine, current))
		if err != nil {
			return OutcomeFailed, err
		}
		defer func() { _ = source.Close(ctx) }()
		if err := checker.GrantsMatch(ctx, source); err != nil {
			return OutcomeFailed, err
		}
	}
	return OutcomeSucceeded, nil
}

// perHostAccounts is an engine whose users are one account per host entry (MySQL's
// app@'10.0.1.%' and app@'10.0.2.%'): a clone logging in from the function's address says
// nothing of its other entries, so setAlternating asks the master session (a cloneChecker).
type perHostAccounts interface {
	accountsPerHost()
}

// cloneChecker is a master session that judges whether clone is complete on every entry of source.
type cloneChecker interface {
	CloneComplete(ctx context.Context, source, clone string) (bool, error)
}

// memberChecker is a session that can check its role's membership in another.
type memberChecker interface {
	HasPrivilegesOf(ctx context.Context, role string) error
}

// grantChecker is a session that can compare its user's grants with another session's user's.
type grantChecker interface {
	GrantsMatch(ctx context.Context, source Session) error
}

// finishSecret moves AWSCURRENT to the token's version, and only from the version the pending one
// was made from: AWSCURRENT may have moved since setSecret (an update by Terraform while a failed
// rotation was re-attempted), and moving it to the pending value then would undo that update. So
// the pending value is checked against the current one again (as setSecret did), and the move
// names the current version it read (RemoveFromVersionId), which fails if it moved in between.
func (run *rotation) finishSecret(ctx context.Context) (Outcome, error) {
	if _, _, _, err := run.pendingAndCurrent(ctx); err != nil {
		return OutcomeFailed, err
	}
	currentID := versionWithStage(run.versions, stageCurrent)
	input := &secretsmanager.UpdateSecretVersionStageInput{
		SecretId:        aws.String(run.secretARN),
		VersionStage:    aws.String(stageCurrent),
		MoveToVersionId: aws.String(run.event.ClientRequestToken),
	}
	if currentID != "" {
		input.RemoveFromVersionId = aws.String(currentID)
	}
	if _, err := run.sm.UpdateSecretVersionStage(ctx, input); err != nil {
		return OutcomeFailed, failure(CodeSecretsManagerError, "moving AWSCURRENT of secret %s to version %s: %v; the function's role needs secretsmanager:UpdateSecretVersionStage", run.secretARN, run.event.ClientRequestToken, err)
	}
	run.currents.Store(run.secretARN, run.event.ClientRequestToken)
	return OutcomeSucceeded, nil
}
