package rotator

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials/credentialstest"
)

// TestParseDBSecretContract feeds the contract's table to the rotator's reader: it refuses the
// values the contract calls invalid and reads port and ssl as the bundle and the data source do.
func TestParseDBSecretContract(t *testing.T) {
	for _, tc := range credentialstest.Cases(t) {
		t.Run(tc.Name, func(t *testing.T) {
			secret, err := parseDBSecret(tc.Value, "AWSCURRENT version of test")
			if tc.Invalid != "" {
				if err == nil || !strings.Contains(err.Error(), "has "+tc.Invalid+" ") {
					t.Fatalf("err = %v, want one about %s", err, tc.Invalid)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if int64(secret.Port) != tc.Port {
				t.Errorf("port = %d, want %d", secret.Port, tc.Port)
			}
			want := tlsDefault
			if tc.SSL != nil {
				want = tlsDisable
				if *tc.SSL {
					want = tlsRequire
				}
			}
			if secret.SSL != want {
				t.Errorf("tls mode = %v, want %v", secret.SSL, want)
			}
			rewritten, err := secret.with("app_clone", "new")
			if err != nil {
				t.Fatal(err)
			}
			var back map[string]json.RawMessage
			if err := json.Unmarshal([]byte(rewritten), &back); err != nil {
				t.Fatal(err)
			}
			for key, value := range tc.Kept {
				if string(back[key]) != value {
					t.Errorf("key %s = %s after rotation, want %s", key, back[key], value)
				}
			}
		})
	}
}
