package rotator

import (
	"bytes"
	"encoding/json"
	"maps"
	"strings"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials"
)

// dbSecret is a secret value in the RDS credentials format. fields keeps every key of the JSON,
// including ones the rotator does not know, so a new version carries them over unchanged.
type dbSecret struct {
	fields map[string]json.RawMessage

	Engine    string
	Host      string
	Port      int
	DBName    string
	Username  string
	Password  string
	SSL       tlsMode
	MasterARN string
}

// requiredKeys are the keys without which the rotator cannot log in anywhere.
var requiredKeys = []string{"engine", "host", "username", "password"}

// parseDBSecret reads a secret value by the rules of internal/credentials. label names the version
// in errors ("AWSCURRENT version 1f2e… of arn:…") so the user knows which value to fix.
func parseDBSecret(value, label string) (*dbSecret, error) {
	v, err := credentials.Parse(value)
	if err != nil {
		return nil, failure(CodeInvalidSecret,
			"the %s is not a JSON object; store the RDS credentials format {\"engine\",\"host\",\"port\",\"dbname\",\"username\",\"password\"}", label)
	}
	var missing []string
	for _, key := range requiredKeys {
		if s, ok := v.String(key); !ok || s == "" {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		return nil, failure(CodeMissingKeys, "the %s lacks the key(s) %s (each a non-empty string); add them with PutSecretValue",
			label, strings.Join(missing, ", "))
	}
	secret := &dbSecret{fields: v.Fields}
	secret.Engine, _ = v.String(credentials.KeyEngine)
	secret.Host, _ = v.String(credentials.KeyHost)
	secret.Username, _ = v.String(credentials.KeyUsername)
	secret.Password, _ = v.String(credentials.KeyPassword)
	secret.DBName, _ = v.String(credentials.KeyDBName)
	secret.MasterARN, _ = v.String(credentials.KeyMasterARN)
	port, err := v.Port()
	if err != nil {
		return nil, failure(CodeInvalidSecret, "the %s has port %s, which is not a TCP port number (1-65535)", label, string(v.Fields[credentials.KeyPort]))
	}
	secret.Port = int(port)
	ssl, err := v.SSL()
	if err != nil {
		return nil, failure(CodeInvalidSecret, "the %s has ssl %s; use true (TLS only), false (plaintext) or leave it out (TLS with a verified certificate, as with true)", label, string(v.Fields[credentials.KeySSL]))
	}
	if ssl != nil {
		secret.SSL = tlsDisable
		if *ssl {
			secret.SSL = tlsRequire
		}
	}
	return secret, nil
}

// parseMasterSecret reads the master user's secret. A secret that RDS manages for the master user
// (manage_master_user_password) holds only username and password: the connection is then the
// current secret's (engine, host, port, dbname, ssl), as AWS's rotation templates do.
func parseMasterSecret(value, label string, current *dbSecret) (*dbSecret, error) {
	v, err := credentials.Parse(value)
	if err == nil && managedMaster(v) {
		master := *current
		master.fields = v.Fields
		master.MasterARN = ""
		master.Username, _ = v.String(credentials.KeyUsername)
		master.Password, _ = v.String(credentials.KeyPassword)
		return &master, nil
	}
	return parseDBSecret(value, label)
}

// managedMaster tells an RDS-managed master secret: a username and a password, and none of the
// connection keys.
func managedMaster(v *credentials.Value) bool {
	for _, key := range []string{credentials.KeyUsername, credentials.KeyPassword} {
		if s, ok := v.String(key); !ok || s == "" {
			return false
		}
	}
	for _, key := range []string{credentials.KeyEngine, credentials.KeyHost, credentials.KeyPort} {
		if _, present := v.Fields[key]; present {
			return false
		}
	}
	return true
}

// with returns the JSON of a copy of the secret with username and password replaced; every other
// key is kept as it was.
func (s *dbSecret) with(username, password string) (string, error) {
	v := &credentials.Value{Fields: maps.Clone(s.fields)}
	for key, value := range map[string]string{credentials.KeyUsername: username, credentials.KeyPassword: password} {
		if err := v.Set(key, value); err != nil {
			return "", err
		}
	}
	return v.Encode()
}

// differingKeys lists the keys other than username and password whose values differ, so a pending
// version made from an older current value is recognised.
func (s *dbSecret) differingKeys(other *dbSecret) []string {
	var keys []string
	seen := map[string]bool{"username": true, "password": true}
	check := func(key string) {
		if seen[key] {
			return
		}
		seen[key] = true
		if !bytes.Equal(compactJSON(s.fields[key]), compactJSON(other.fields[key])) {
			keys = append(keys, key)
		}
	}
	for key := range s.fields {
		check(key)
	}
	for key := range other.fields {
		check(key)
	}
	return keys
}

func compactJSON(raw json.RawMessage) []byte {
	if raw == nil {
		return nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return raw
	}
	return buf.Bytes()
}
