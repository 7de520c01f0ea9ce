package bundle

import (
	"encoding/json"
	"testing"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials/credentialstest"
)

// TestCredentialKeysContract feeds the contract's table to the bundle's drift reader and writer:
// a key with an unusable value reads as absent without hiding the others, and an update keeps the
// keys the bundle does not manage.
func TestCredentialKeysContract(t *testing.T) {
	for _, tc := range credentialstest.Cases(t) {
		t.Run(tc.Name, func(t *testing.T) {
			keys, ok := parseCredentialKeys(tc.Value)
			if !ok {
				t.Fatal("the value was refused as a whole")
			}
			if keys.Port != tc.Port {
				t.Errorf("port = %d, want %d", keys.Port, tc.Port)
			}
			if (keys.SSL == nil) != (tc.SSL == nil) || (keys.SSL != nil && *keys.SSL != *tc.SSL) {
				t.Errorf("ssl = %v, want %v", keys.SSL, tc.SSL)
			}
			if keys.Host != "db" || keys.Username != "app" {
				t.Errorf("keys = %+v", keys)
			}
			spec := &Spec{Credentials: Credentials{Engine: "postgres", Host: "db2", Port: 5433, Username: "app"}}
			merged, err := secretJSON(spec, tc.Value)
			if err != nil {
				t.Fatal(err)
			}
			var back map[string]json.RawMessage
			if err := json.Unmarshal([]byte(merged), &back); err != nil {
				t.Fatal(err)
			}
			for key, value := range tc.Kept {
				if string(back[key]) != value {
					t.Errorf("key %s = %s after an update, want %s", key, back[key], value)
				}
			}
			if string(back["password"]) != `"pw"` || string(back["port"]) != "5433" {
				t.Errorf("merged value %s lost the password or the new port", merged)
			}
		})
	}
}
