package rotator

import (
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
