package rotator

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
)

// TestSCRAMVerifier checks the verifier against RFC 7677's test vector: user "user", password
// "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations; the exchange there proves StoredKey and
// ServerKey, which PostgreSQL's verifier for that password and salt holds.
func TestSCRAMVerifier(t *testing.T) {
	salt, _ := base64.StdEncoding.DecodeString("W22ZaJ0SNY7soEsUEjb6gQ==")
	got, err := scramSHA256VerifierWithSalt("pencil", salt, 4096)
	if err != nil {
		t.Fatal(err)
	}
	want := "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU="
	if got != want {
		t.Errorf("verifier\n got %s\nwant %s", got, want)
	}
	random, err := scramSHA256Verifier("pencil")
	if err != nil || !strings.HasPrefix(random, "SCRAM-SHA-256$4096:") || strings.Contains(random, "pencil") {
		t.Errorf("random-salt verifier %q, %v", random, err)
	}
	if _, err := scramSHA256Verifier("pässword"); err == nil {
		t.Error("a non-ASCII password was hashed without SASLprep")
	}
}

// TestMySQLNativePasswordHash: PASSWORD('password') on any MySQL or MariaDB server.
func TestMySQLNativePasswordHash(t *testing.T) {
	if got := mysqlNativePasswordHash("password"); got != "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19" {
		t.Errorf("hash %s", got)
	}
}

// setSecret computes the new password's verifier ahead, while DescribeSecret and the login run:
// ALTER ROLE then sends that verifier, and only for the password it was computed for.
func TestVerifierComputedAhead(t *testing.T) {
	rot := New(nil, Config{Settings: DefaultSettings(), Engines: DefaultEngines(), Log: &strings.Builder{}})
	rot.arns.Store(testARN, testARN)
	rot.cache.put(testARN, "t1", `{"engine":"postgres","host":"h","username":"app","password":"Pending-1"}`)
	run := &rotation{Rotator: rot, event: Event{SecretID: testARN, ClientRequestToken: "t1", Step: "setSecret"}}

	ctx, wait := run.startVerifier(context.Background(), stepSet)
	wait()
	first, err := passwordLiteral(ctx, "Pending-1")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := passwordLiteral(ctx, "Pending-1")
	if first != again {
		t.Errorf("the verifier computed ahead was not used: %s, then %s", first, again)
	}
	other, _ := passwordLiteral(ctx, "Other-2")
	if other == first {
		t.Error("the verifier of another password was used")
	}
	salt, _ := base64.StdEncoding.DecodeString(strings.Split(strings.Split(first, ":")[1], "$")[0])
	if want, _ := scramSHA256VerifierWithSalt("Pending-1", salt, scramIterations); first != quotePostgresLiteral(want) {
		t.Errorf("the verifier computed ahead %s is not the password's (%s)", first, want)
	}

	for _, c := range []struct {
		name  string
		step  step
		value string
	}{
		{"testSecret", stepTest, `{"engine":"postgres","host":"h","username":"app","password":"Pending-1"}`},
		{"a MySQL secret", stepSet, `{"engine":"mysql","host":"h","username":"app","password":"Pending-1"}`},
	} {
		rot.cache = newVersionCache(4)
		rot.cache.put(testARN, "t1", c.value)
		ctx, wait := run.startVerifier(context.Background(), c.step)
		wait()
		if ctx.Value(verifierKey{}) != nil {
			t.Errorf("%s: a verifier was computed ahead", c.name)
		}
	}
}
