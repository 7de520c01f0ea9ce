package awsproxy

import (
	"encoding/json"
	"strings"
)

// secretKeyFragments are parts of parameter names whose values are secrets. Matching is on the
// lower-cased name, so "Password", "MasterUserPassword" and "RandomPassword" all go.
var secretKeyFragments = []string{
	"secretstring", "secretbinary", "password", "secretaccesskey", "sessiontoken", "privatekey",
	"plaintext", "zipfile", "credentials",
}

// secretKeys are names whose values are secrets or payloads that may carry them.
var secretKeys = map[string]bool{
	"token": true, "variables": true, "messagebody": true, "message": true, "payload": true,
	"authtoken": true, "apikey": true,
}

func isSecretKey(key string) bool {
	lower := strings.ToLower(key)
	// Query-protocol fields are flattened ("Attributes.entry.1.value"): judge the last part.
	if i := strings.LastIndex(lower, "."); i >= 0 && i < len(lower)-1 {
		if _, err := json.Number(lower[i+1:]).Int64(); err != nil {
			if isSecretKey(lower[i+1:]) {
				return true
			}
		}
	}
	if secretKeys[lower] {
		return true
	}
	for _, fragment := range secretKeyFragments {
		if strings.Contains(lower, fragment) {
			return true
		}
	}
	return false
}

// scrub returns a copy of decoded JSON parameters without any value that is or may hold a
// secret: values under secret-looking names, and strings that are JSON objects carrying such
// names (a credential document passed as a string).
func scrub(value any) any {
	switch typed := value.(type) {
	case map[string]any:
		out := make(map[string]any, len(typed))
		for key, inner := range typed {
			if isSecretKey(key) {
				continue
			}
			out[key] = scrub(inner)
		}
		return out
	case []any:
		out := make([]any, 0, len(typed))
		for _, inner := range typed {
			out = append(out, scrub(inner))
		}
		return out
	case string:
		if looksLikeSecretDocument(typed) {
			return "HIDDEN_DUE_TO_SECURITY_REASONS"
		}
		return typed
	}
	return value
}

func looksLikeSecretDocument(s string) bool {
	trimmed := strings.TrimSpace(s)
	if !strings.HasPrefix(trimmed, "{") {
		return false
	}
	var doc map[string]any
	if json.Unmarshal([]byte(trimmed), &doc) != nil {
		return false
	}
	for key := range doc {
		if isSecretKey(key) {
			return true
		}
	}
	return false
}

// scrubbedParams decodes a JSON body into scrubbed parameters; nil when the body is not a JSON
// object.
func scrubbedParams(body []byte) map[string]any {
	if len(body) == 0 {
		return nil
	}
	var decoded map[string]any
	if json.Unmarshal(body, &decoded) != nil {
		return nil
	}
	scrubbed, _ := scrub(decoded).(map[string]any)
	return scrubbed
}
