package integration

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/dbserver"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator"
)

// allPunctuation is every punctuation character GetRandomPassword may use.
const allPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// Scenario 1: the new password logs in, the old one no longer does, labels are right.
func TestAccSingleUserRotation(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		a := newApp(t, db, appOptions{})
		firstVersion := a.versionWith("AWSCURRENT")
		token, results := a.mustRotate()
		for _, result := range results {
			wantOutcome(t, result, rotator.OutcomeSucceeded)
		}
		username, password := currentCredentials(a.secretFixture)
		if username != a.username || password == a.password {
			t.Fatalf("AWSCURRENT after rotation has username %v and the password changed=%v", username, password != a.password)
		}
		if err := db.login(a.username, password); err != nil {
			t.Errorf("the new password does not log in: %v", err)
		}
		if err := db.login(a.username, a.password); err == nil {
			t.Error("the old password still logs in")
		}
		if err := db.canRead(a.username, password, a.table); err != nil {
			t.Errorf("the user lost its privileges: %v", err)
		}
		stages := a.stages()
		if !slices.Contains(stages[token], "AWSCURRENT") || !slices.Contains(stages[firstVersion], "AWSPREVIOUS") {
			t.Errorf("labels after rotation: %v (token %s, first version %s)", stages, token, firstVersion)
		}
		if pending := a.versionWith("AWSPENDING"); pending != "" && pending != token {
			t.Errorf("AWSPENDING is on %s, neither the AWSCURRENT version nor none", pending)
		}
		a.assertCurrentLogsIn()
	})
}

// Scenario 2: the first rotation creates the clone with the same privileges, the next alternates
// back; grants added later to the original reach the clone.
func TestAccAlternatingUsersRotation(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		a := newApp(t, db, appOptions{alternating: true})
		clone := a.username + "_clone"
		a.mustRotate()
		username, password := currentCredentials(a.secretFixture)
		if username != clone {
			t.Fatalf("after the first rotation AWSCURRENT is user %q, want %q", username, clone)
		}
		if err := db.canRead(clone, password, a.table); err != nil {
			t.Errorf("the clone lacks the original's privileges: %v", err)
		}
		if err := db.login(a.username, a.password); err != nil {
			t.Errorf("the original user (now AWSPREVIOUS) stopped working: %v", err)
		}
		a.assertCurrentLogsIn()

		laterTable := db.grantRead(t, a.username)
		a.mustRotate()
		username, password = currentCredentials(a.secretFixture)
		if username != a.username || password == a.password {
			t.Fatalf("the second rotation did not alternate back to %q with a new password (got %q)", a.username, username)
		}
		a.assertCurrentLogsIn()

		a.mustRotate()
		username, password = currentCredentials(a.secretFixture)
		if username != clone {
			t.Fatalf("the third rotation did not alternate to the clone (got %q)", username)
		}
		if err := db.canRead(clone, password, laterTable); err != nil {
			t.Errorf("a grant added to the original later did not reach the clone: %v", err)
		}
		a.assertCurrentLogsIn()
	})
}

// Scenario 3: every step retried after success; a crash between ALTER USER and the step's return.
func TestAccStepsRetriedAndCrashRecovery(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		a := newApp(t, db, appOptions{})
		token := newToken()
		if err := a.startRotation(token); err != nil {
			t.Fatal(err)
		}
		retryOutcomes := map[string]rotator.Outcome{
			"createSecret": rotator.OutcomeAlreadyDone, "setSecret": rotator.OutcomeAlreadyDone,
			"testSecret": rotator.OutcomeSucceeded, "finishSecret": rotator.OutcomeAlreadyDone,
		}
		for _, step := range steps {
			wantOutcome(t, a.step(step, token), rotator.OutcomeSucceeded)
			pending := a.value("AWSPENDING")
			wantOutcome(t, a.step(step, token), retryOutcomes[step])
			if after := a.value("AWSPENDING"); after["password"] != pending["password"] {
				t.Fatalf("retrying %s changed the pending password", step)
			}
		}
		a.assertCurrentLogsIn()

		// The crash: the database took the pending password, the step never returned.
		token = newToken()
		if err := a.startRotation(token); err != nil {
			t.Fatal(err)
		}
		wantOutcome(t, a.step("createSecret", token), rotator.OutcomeSucceeded)
		pendingPassword, _ := a.value("AWSPENDING")["password"].(string)
		setPassword(t, db, a.username, pendingPassword)
		wantOutcome(t, a.step("setSecret", token), rotator.OutcomeAlreadyDone)
		wantOutcome(t, a.step("testSecret", token), rotator.OutcomeSucceeded)
		wantOutcome(t, a.step("finishSecret", token), rotator.OutcomeSucceeded)
		a.assertCurrentLogsIn()
	})
}

func setPassword(t *testing.T, db database, username, password string) {
	t.Helper()
	if db.engine() == "postgres" {
		db.exec(t, fmt.Sprintf("ALTER ROLE %s PASSWORD %s", db.quoteIdent(username), db.quoteLiteral(password)))
		return
	}
	db.exec(t, fmt.Sprintf("ALTER USER %s@'%%' IDENTIFIED BY %s", db.quoteLiteral(username), db.quoteLiteral(password)))
}

// Scenario 4: token already AWSCURRENT; unknown token; token without AWSPENDING; rotation disabled;
// unknown Step.
func TestAccTokenChecks(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		a := newApp(t, db, appOptions{})
		token, _ := a.mustRotate()
		wantOutcome(t, a.step("setSecret", token), rotator.OutcomeAlreadyDone)
		wantFailure(t, a.step("createSecret", newToken()), rotator.CodeTokenUnknown)
		wantFailure(t, a.step("createSecret", a.versionWith("AWSPREVIOUS")), rotator.CodeTokenNotPending)
		wantFailure(t, a.step("rotateSecret", token), rotator.CodeUnknownStep)

		neverRotated := createSecret(t, db, a.endpoint, connection(db, a.username, "unused"))
		neverRotated.fn = a.fn
		wantFailure(t, neverRotated.step("createSecret", neverRotated.versionWith("AWSCURRENT")), rotator.CodeRotationDisabled)
		a.assertCurrentLogsIn()
	})
}

// Scenario 5: GetSecretValue errors (of AWSCURRENT, read by a cold environment) make no new
// password. Each case starts a new function, so nothing is cached.
func TestAccSecretsManagerErrorsMakeNoPassword(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		proxy := newFaultProxy(t, awsEndpoint(t))
		for _, fault := range []struct{ errorType, message string }{
			{"AccessDeniedException", "User is not authorized to perform: secretsmanager:GetSecretValue"},
			{"DecryptionFailure", "Secrets Manager can't decrypt the protected secret text using the provided KMS key."},
			{"ThrottlingException", "Rate exceeded"},
		} {
			t.Run(fault.errorType, func(t *testing.T) {
				a := newApp(t, db, appOptions{endpoint: proxy.url})
				token := newToken()
				if err := a.startRotation(token); err != nil {
					t.Fatal(err)
				}
				proxy.reset()
				proxy.fail("GetSecretValue", fault.errorType, fault.message)
				result := a.step("createSecret", token)
				wantFailure(t, result, rotator.CodeSecretsManagerError)
				if !strings.Contains(result.Err.Error(), fault.errorType) {
					t.Errorf("the error does not name the cause %s: %v", fault.errorType, result.Err)
				}
				if proxy.count("GetRandomPassword")+proxy.count("PutSecretValue") != 0 {
					t.Errorf("a password was made after a failed read: %v", proxy.calls)
				}
				proxy.reset()
				// Once the access is fixed, the same rotation completes.
				for _, step := range steps {
					wantOutcome(t, a.step(step, token), rotator.OutcomeSucceeded)
				}
				a.assertCurrentLogsIn()
			})
		}
	})
}

// Scenario 6: AWSPENDING left on an unfinished rotation; a manual PutSecretValue mid-rotation.
func TestAccStalePendingAndManualChange(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		a := newApp(t, db, appOptions{})
		stale := newToken()
		if err := a.startRotation(stale); err != nil {
			t.Fatal(err)
		}
		wantOutcome(t, a.step("createSecret", stale), rotator.OutcomeSucceeded)
		wantOutcome(t, a.step("setSecret", stale), rotator.OutcomeSucceeded)
		// The function died here. A new RotateSecret is refused while the old one is pending ...
		next := newToken()
		if err := a.startRotation(next); err == nil || !strings.Contains(err.Error(), "still in progress") {
			t.Fatalf("RotateSecret with a rotation pending: want \"still in progress\", got %v", err)
		}
		wantFailure(t, a.step("createSecret", next), rotator.CodeTokenUnknown)
		// ... and Secrets Manager retries the pending one, which completes.
		for _, step := range steps {
			if result := a.step(step, stale); result.Err != nil {
				t.Fatalf("retrying %s of the stale rotation: %v", step, result.Err)
			}
		}
		a.assertCurrentLogsIn()

		token := newToken()
		if err := a.startRotation(token); err != nil {
			t.Fatal(err)
		}
		wantOutcome(t, a.step("createSecret", token), rotator.OutcomeSucceeded)
		edited := a.value("AWSCURRENT")
		edited["note"] = "edited by hand mid-rotation"
		a.putValue(newToken(), edited, "AWSCURRENT")
		wantFailure(t, a.step("setSecret", token), rotator.CodePendingStale)
		a.assertCurrentLogsIn()
	})
}

// Scenario 7: missing keys, wrong engine, username or host changed in pending, master elsewhere.
func TestAccBadSecrets(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		for name, tc := range map[string]struct {
			opts appOptions
			code rotator.Code
		}{
			"missing keys": {appOptions{secret: func(v map[string]any) { delete(v, "host") }}, rotator.CodeMissingKeys},
			"wrong engine": {appOptions{secret: func(v map[string]any) { v["engine"] = "oracle" }}, rotator.CodeUnknownEngine},
			"no masterarn": {appOptions{alternating: true, secret: func(v map[string]any) { delete(v, "masterarn") }}, rotator.CodeMasterMissing},
		} {
			t.Run(name, func(t *testing.T) {
				a := newApp(t, db, tc.opts)
				token := newToken()
				if err := a.startRotation(token); err != nil {
					t.Fatal(err)
				}
				wantFailure(t, a.step("createSecret", token), tc.code)
				if err := db.login(a.username, a.password); err != nil {
					t.Errorf("the database user changed: %v", err)
				}
			})
		}
		for _, key := range []string{"username", "host"} {
			t.Run(key+" changed in pending", func(t *testing.T) {
				a := newApp(t, db, appOptions{})
				token := newToken()
				if err := a.startRotation(token); err != nil {
					t.Fatal(err)
				}
				pending := a.value("AWSCURRENT")
				pending[key] = map[string]string{"username": "intruder", "host": "localhost"}[key]
				pending["password"] = "Pending-" + randomSuffix()
				a.putValue(token, pending, "AWSPENDING")
				wantFailure(t, a.step("setSecret", token), rotator.CodePendingStale)
				a.assertCurrentLogsIn()
			})
		}
		t.Run("master on another host", func(t *testing.T) {
			a := newApp(t, db, appOptions{alternating: true, master: func(v map[string]any) { v["host"] = "localhost" }})
			token := newToken()
			if err := a.startRotation(token); err != nil {
				t.Fatal(err)
			}
			wantOutcome(t, a.step("createSecret", token), rotator.OutcomeSucceeded)
			wantFailure(t, a.step("setSecret", token), rotator.CodeMasterMismatch)
			a.assertCurrentLogsIn()
		})
	})
}

// Scenario 8: the database is on the AWSPREVIOUS password.
func TestAccDatabaseOnPreviousPassword(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		t.Run("single user recovers", func(t *testing.T) {
			a := newApp(t, db, appOptions{})
			a.mustRotate()
			setPassword(t, db, a.username, a.password)
			a.mustRotate()
			a.assertCurrentLogsIn()
		})
		t.Run("alternating refuses", func(t *testing.T) {
			a := newApp(t, db, appOptions{alternating: true})
			a.mustRotate()
			clone, clonePassword := currentCredentials(a.secretFixture)
			setPassword(t, db, clone, a.password)
			_, results, err := a.rotate()
			if err == nil {
				t.Fatal("alternating rotation succeeded although AWSCURRENT does not log in")
			}
			wantFailure(t, results[len(results)-1], rotator.CodeDBLoginFailed)
			if err := db.login(a.username, a.password); err != nil {
				t.Errorf("the refused rotation changed the other user: %v", err)
			}
			setPassword(t, db, clone, clonePassword)
			a.assertCurrentLogsIn()
		})
	})
}

// Scenario 9: the database is down during setSecret and testSecret.
func TestAccDatabaseDown(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		a := newApp(t, db, appOptions{})
		token := newToken()
		if err := a.startRotation(token); err != nil {
			t.Fatal(err)
		}
		wantOutcome(t, a.step("createSecret", token), rotator.OutcomeSucceeded)
		if err := db.server().Pause(); err != nil {
			t.Fatal(err)
		}
		resumed := false
		resume := func() {
			if !resumed {
				resumed = true
				if err := db.server().Resume(); err != nil {
					t.Error(err)
				}
			}
		}
		defer resume()
		wantFailure(t, a.step("setSecret", token), rotator.CodeDBUnreachable)
		wantFailure(t, a.step("testSecret", token), rotator.CodeDBUnreachable)
		resume()
		a.assertCurrentLogsIn()
		for _, step := range steps[1:] {
			wantOutcome(t, a.step(step, token), rotator.OutcomeSucceeded)
		}
		a.assertCurrentLogsIn()
	})
}

// Scenario 10: every punctuation character; EXCLUDE_* settings; username length limits.
func TestAccPasswordsAndUsernames(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		t.Run("every punctuation character", func(t *testing.T) {
			proxy := newFaultProxy(t, awsEndpoint(t))
			// The rotator makes its passwords itself: 4,096 characters with nothing excluded hold
			// every punctuation character (a given one is missing with probability 1e-19).
			a := newApp(t, db, appOptions{password: allPunctuation + "Aa1", endpoint: proxy.url,
				env: map[string]string{rotator.EnvPasswordLength: "4096", rotator.EnvExcludeCharacters: ""}})
			a.mustRotate()
			_, password := currentCredentials(a.secretFixture)
			if len(password) != 4096 {
				t.Fatalf("AWSCURRENT's password is not a generated one (%d characters)", len(password))
			}
			for _, c := range allPunctuation {
				if !strings.ContainsRune(password, c) {
					t.Errorf("the generated password lacks %q", c)
				}
			}
			a.assertCurrentLogsIn()
			a.mustRotate()
			a.assertCurrentLogsIn()
		})
		t.Run("exclude settings", func(t *testing.T) {
			a := newApp(t, db, appOptions{env: map[string]string{
				rotator.EnvPasswordLength: "20", rotator.EnvExcludePunctuation: "true",
				rotator.EnvExcludeNumbers: "true", rotator.EnvExcludeCharacters: "abcABC",
			}})
			a.mustRotate()
			_, password := currentCredentials(a.secretFixture)
			if len(password) != 20 || strings.ContainsFunc(password, func(r rune) bool {
				return unicode.IsDigit(r) || strings.ContainsRune(allPunctuation, r) || strings.ContainsRune("abcABC", r)
			}) {
				t.Errorf("the generated password breaks the settings (length %d)", len(password))
			}
			a.assertCurrentLogsIn()
		})
		limit := map[string]int{"postgres": 63, "mariadb": 80}[db.engine()]
		t.Run("clone name at the limit", func(t *testing.T) {
			a := newApp(t, db, appOptions{alternating: true, username: "u" + strings.Repeat("x", limit-len("_clone")-1)})
			a.mustRotate()
			a.mustRotate()
			a.assertCurrentLogsIn()
		})
		t.Run("clone name over the limit", func(t *testing.T) {
			a := newApp(t, db, appOptions{alternating: true, username: "u" + strings.Repeat("y", limit-len("_clone"))})
			token := newToken()
			if err := a.startRotation(token); err != nil {
				t.Fatal(err)
			}
			wantFailure(t, a.step("createSecret", token), rotator.CodeUsernameTooLong)
			a.assertCurrentLogsIn()
		})
	})
}

// Scenario 11: TLS per the secret's ssl key, always verified: the server's certificate must chain
// to a trusted CA (the embedded Amazon RDS CAs, the system's, DB_CA_BUNDLE_PEM) and name the host.
// Every failure leaves AWSCURRENT where it was and its credentials working.
func TestAccTLS(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		failsAtSet := func(t *testing.T, a *app, wantText ...string) {
			t.Helper()
			currentBefore := a.versionWith("AWSCURRENT")
			token := newToken()
			if err := a.startRotation(token); err != nil {
				t.Fatal(err)
			}
			wantOutcome(t, a.step("createSecret", token), rotator.OutcomeSucceeded)
			result := a.step("setSecret", token)
			wantFailure(t, result, rotator.CodeDBTLSFailed)
			for _, text := range wantText {
				if !strings.Contains(result.Err.Error(), text) {
					t.Errorf("the error does not say %q: %v", text, result.Err)
				}
			}
			if got := a.versionWith("AWSCURRENT"); got != currentBefore {
				t.Errorf("AWSCURRENT moved from %s to %s", currentBefore, got)
			}
			a.assertCurrentLogsIn()
		}
		t.Run("ssl true without server TLS fails clearly", func(t *testing.T) {
			a := newApp(t, db, appOptions{secret: func(v map[string]any) { v["ssl"] = true }})
			failsAtSet(t, a, "ssl")
		})
		t.Run("ssl unset never falls back to plaintext", func(t *testing.T) {
			a := newApp(t, db, appOptions{secret: func(v map[string]any) { delete(v, "ssl") }})
			failsAtSet(t, a, "ssl = false")
		})
		t.Run("ssl false logs in in plaintext", func(t *testing.T) {
			a := newApp(t, db, appOptions{secret: func(v map[string]any) { v["ssl"] = false }})
			a.mustRotate()
			a.assertCurrentLogsIn()
		})
		tlsDB := tlsDatabase(t, db.engine())
		rightCA := map[string]string{rotator.EnvDatabaseCABundlePEM: string(tlsDB.server().CACertPEM)}
		t.Run("ssl unset with the server CA rotates", func(t *testing.T) {
			a := newApp(t, tlsDB, appOptions{env: rightCA})
			a.mustRotate()
			a.assertCurrentLogsIn()
		})
		t.Run("ssl true with the server CA from a file rotates", func(t *testing.T) {
			a := newApp(t, tlsDB, appOptions{
				secret: func(v map[string]any) { v["ssl"] = true },
				env:    map[string]string{rotator.EnvDatabaseCABundle: writeCABundle(t, tlsDB)},
			})
			a.mustRotate()
			a.assertCurrentLogsIn()
		})
		t.Run("no CA for the server fails", func(t *testing.T) {
			a := newApp(t, tlsDB, appOptions{})
			failsAtSet(t, a, "unknown authority", "credentials.ssl_ca_bundle")
		})
		t.Run("another CA fails", func(t *testing.T) {
			other, err := dbserver.NewCA("another test CA")
			if err != nil {
				t.Fatal(err)
			}
			a := newApp(t, tlsDB, appOptions{env: map[string]string{rotator.EnvDatabaseCABundlePEM: string(other.CertPEM)}})
			failsAtSet(t, a, "unknown authority")
		})
		t.Run("an invalid CA bundle fails every step", func(t *testing.T) {
			// The bootstrap checks the CA bundle at start (the trust store is built on demand): an
			// invalid one fails each step before anything is written.
			a := newApp(t, tlsDB, appOptions{env: map[string]string{rotator.EnvDatabaseCABundlePEM: "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"}})
			currentBefore := a.versionWith("AWSCURRENT")
			token := newToken()
			if err := a.startRotation(token); err != nil {
				t.Fatal(err)
			}
			for _, step := range []string{"createSecret", "createSecret", "setSecret"} {
				result := a.step(step, token)
				wantFailure(t, result, rotator.CodeInvalidSettings)
				if !strings.Contains(result.Err.Error(), rotator.EnvDatabaseCABundlePEM) {
					t.Errorf("%s: the error does not name %s: %v", step, rotator.EnvDatabaseCABundlePEM, result.Err)
				}
			}
			if _, err := a.sm.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(a.arn), VersionId: aws.String(token)}); err == nil {
				t.Error("createSecret stored a pending value with an invalid CA bundle")
			}
			if got := a.versionWith("AWSCURRENT"); got != currentBefore {
				t.Errorf("AWSCURRENT moved from %s to %s", currentBefore, got)
			}
		})
		t.Run("a certificate for another host name fails", func(t *testing.T) {
			wrongHost := otherHostDatabase(t, db.engine())
			a := newApp(t, wrongHost, appOptions{env: map[string]string{rotator.EnvDatabaseCABundlePEM: string(wrongHost.server().CACertPEM)}})
			failsAtSet(t, a, "does not name the host", "127.0.0.1")
		})
	})
}

func awsEndpoint(t *testing.T) string {
	t.Helper()
	return acctest.LocalStackEndpoint(t)
}

// An RDS-managed master secret (manage_master_user_password) holds only username and password: the
// rotator takes the connection from the secret it rotates, against each real server.
func TestAccAlternatingUsersRDSManagedMaster(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		a := newApp(t, db, appOptions{alternating: true, master: func(v map[string]any) {
			for key := range v {
				if key != "username" && key != "password" {
					delete(v, key)
				}
			}
		}})
		a.mustRotate()
		username, _ := currentCredentials(a.secretFixture)
		if username != a.username+"_clone" {
			t.Fatalf("after the first rotation AWSCURRENT is user %q, want the clone", username)
		}
		a.assertCurrentLogsIn()
		a.mustRotate()
		if username, _ := currentCredentials(a.secretFixture); username != a.username {
			t.Fatalf("the second rotation did not alternate back (got %q)", username)
		}
		a.assertCurrentLogsIn()
	})
}
