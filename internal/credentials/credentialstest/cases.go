// Package credentialstest holds the table of RDS credentials values that every reader of the
// format (internal/credentials, the rotator, internal/bundle, internal/secretvalue) is tested with,
// so that they cannot drift apart again. Only tests import it.
package credentialstest

import (
	_ "embed"
	"encoding/json"
	"testing"
)

//go:embed cases.json
var casesJSON []byte

// Case is one secret value and what the contract says of it.
type Case struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	// Port is the port read (0: absent or invalid).
	Port int64 `json:"port"`
	// SSL is the ssl key read (nil: absent or invalid).
	SSL *bool `json:"ssl"`
	// Invalid names the key whose value breaks the rules ("port", "ssl"), if one does.
	Invalid string `json:"invalid"`
	// Kept are keys outside the format, with their exact JSON, that a rewrite must keep.
	Kept map[string]string `json:"kept"`
}

// Cases returns the table.
func Cases(t testing.TB) []Case {
	t.Helper()
	var cases []Case
	if err := json.Unmarshal(casesJSON, &cases); err != nil {
		t.Fatalf("credentialstest/cases.json: %v", err)
	}
	if len(cases) == 0 {
		t.Fatal("credentialstest/cases.json holds no case")
	}
	return cases
}
