package rotator

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// scramIterations is PostgreSQL's default scram_iterations.
const scramIterations = 4096

// scramSHA256Verifier computes the SCRAM-SHA-256 verifier PostgreSQL stores for a password
// (RFC 5802, RFC 7677), so the password itself never appears in ALTER ROLE / CREATE ROLE: the
// server stores a verifier given in that form as it is, and the statement text (which
// log_statement and log_min_error_statement write to the server's log, and RDS exports) holds
// only the salted hashes. PostgreSQL applies SASLprep to a password before hashing it, except a
// pure ASCII one, which it hashes as it is; the rotator only sends ASCII passwords this way.
func scramSHA256Verifier(password string) (string, error) {
	for i := 0; i < len(password); i++ {
		if password[i] >= 0x80 {
			return "", fmt.Errorf("the password holds non-ASCII characters, whose SASLprep form the rotator does not compute")
		}
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	return scramSHA256VerifierWithSalt(password, salt, scramIterations)
}

func scramSHA256VerifierWithSalt(password string, salt []byte, iterations int) (string, error) {
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return "", err
	}
	clientKey := hmacSHA256(salted, "Client Key")
	storedKey := sha256.Sum256(clientKey)
	serverKey := hmacSHA256(salted, "Server Key")
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", iterations, b64(salt), b64(storedKey[:]), b64(serverKey)), nil
}

func hmacSHA256(key []byte, message string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(message))
	return mac.Sum(nil)
}
