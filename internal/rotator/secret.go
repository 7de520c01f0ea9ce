package rotator

import (
	"bytes"
	"encoding/json"
	"maps"
	"strconv"
	"strings"
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

// parseDBSecret reads a secret value. label names the version in errors ("AWSCURRENT version
// 1f2e… of arn:…") so the user knows which value to fix.
func parseDBSecret(value, label string) (*dbSecret, error) {
	fields := map[string]json.RawMessage{}
	decoder := json.NewDecoder(strings.NewReader(value))
	decoder.UseNumber()
	if err := decoder.Decode(&fields); err != nil || fields == nil {
		return nil, failure(CodeInvalidSecret,
			"the %s is not a JSON object; store the RDS credentials format {\"engine\",\"host\",\"port\",\"dbname\",\"username\",\"password\"}", label)
	}
	var missing []string
	for _, key := range requiredKeys {
		if s, ok := jsonString(fields[key]); !ok || s == "" {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		return nil, failure(CodeMissingKeys, "the %s lacks the key(s) %s (each a non-empty string); add them with PutSecretValue",
			label, strings.Join(missing, ", "))
	}
	secret := &dbSecret{fields: fields}
	secret.Engine, _ = jsonString(fields["engine"])
	secret.Host, _ = jsonString(fields["host"])
	secret.Username, _ = jsonString(fields["username"])
	secret.Password, _ = jsonString(fields["password"])
	secret.DBName, _ = jsonString(fields["dbname"])
	secret.MasterARN, _ = jsonString(fields["masterarn"])
	if raw, ok := fields["port"]; ok && !isJSONNull(raw) {
		port, ok := jsonInt(raw)
		if !ok || port < 1 || port > 65535 {
			return nil, failure(CodeInvalidSecret, "the %s has port %s, which is not a TCP port number (1-65535)", label, string(raw))
		}
		secret.Port = port
	}
	if raw, ok := fields["ssl"]; ok && !isJSONNull(raw) {
		enabled, ok := jsonBool(raw)
		if !ok {
			return nil, failure(CodeInvalidSecret, "the %s has ssl %s; use true (TLS only), false (plaintext) or leave it out (TLS with a verified certificate, as with true)", label, string(raw))
		}
		secret.SSL = tlsDisable
		if enabled {
			secret.SSL = tlsRequire
		}
	}
	return secret, nil
}

// with returns the JSON of a copy of the secret with username and password replaced; every other
// key is kept as it was.
func (s *dbSecret) with(username, password string) (string, error) {
	fields := maps.Clone(s.fields)
	for key, value := range map[string]string{"username": username, "password": password} {
		encoded, err := marshalUnescaped(value)
		if err != nil {
			return "", err
		}
		fields[key] = encoded
	}
	encoded, err := marshalUnescaped(fields)
	return string(encoded), err
}

// marshalUnescaped is json.Marshal without HTML escaping: passwords may hold <, > and &, and are
// kept literal rather than \u-escaped, as the AWS templates and consoles write them.
func marshalUnescaped(value any) ([]byte, error) {
	var buf bytes.Buffer
	encoder := json.NewEncoder(&buf)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(value); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
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

func isJSONNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

func jsonString(raw json.RawMessage) (string, bool) {
	var s string
	if raw == nil || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// jsonInt accepts a number or a numeric string: hand-written secrets often quote the port.
func jsonInt(raw json.RawMessage) (int, bool) {
	var number json.Number
	if json.Unmarshal(raw, &number) == nil {
		n, err := strconv.Atoi(number.String())
		return n, err == nil
	}
	if s, ok := jsonString(raw); ok {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		return n, err == nil
	}
	return 0, false
}

// jsonBool accepts true/false or their string spellings ("true", "false"), as the AWS templates do.
func jsonBool(raw json.RawMessage) (bool, bool) {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b, true
	}
	if s, ok := jsonString(raw); ok {
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		return b, err == nil
	}
	return false, false
}
