package credentials_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials/credentialstest"
)

func TestContractTable(t *testing.T) {
	for _, tc := range credentialstest.Cases(t) {
		t.Run(tc.Name, func(t *testing.T) {
			v, err := credentials.Parse(tc.Value)
			if err != nil {
				t.Fatal(err)
			}
			c := v.Credentials()
			if tc.Invalid != "" {
				if len(c.Problems) != 1 || !strings.HasPrefix(c.Problems[0].Error(), tc.Invalid+" ") {
					t.Fatalf("problems = %v, want one about %s", c.Problems, tc.Invalid)
				}
			} else if len(c.Problems) > 0 {
				t.Fatalf("problems = %v, want none", c.Problems)
			}
			if c.Port != tc.Port {
				t.Errorf("port = %d, want %d", c.Port, tc.Port)
			}
			if (c.SSL == nil) != (tc.SSL == nil) || (c.SSL != nil && *c.SSL != *tc.SSL) {
				t.Errorf("ssl = %v, want %v", c.SSL, tc.SSL)
			}
			if c.Engine == "" || c.Host != "db" || c.Username != "app" || c.Password != "pw" {
				t.Errorf("string keys = %+v", c)
			}
			// A rewrite keeps every key outside the format byte for byte.
			if err := v.Set(credentials.KeyPassword, "new<&>"); err != nil {
				t.Fatal(err)
			}
			encoded, err := v.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(encoded, `"password":"new<&>"`) {
				t.Errorf("encoded %s escapes the password", encoded)
			}
			var back map[string]json.RawMessage
			if err := json.Unmarshal([]byte(encoded), &back); err != nil {
				t.Fatal(err)
			}
			for key, want := range tc.Kept {
				if string(back[key]) != want {
					t.Errorf("key %s = %s after a rewrite, want %s", key, back[key], want)
				}
			}
		})
	}
}

func TestParseRefusesNonObjects(t *testing.T) {
	for _, value := range []string{"", "hunter2", `"a string"`, `[1,2]`, `null`, `{"unterminated":`} {
		if _, err := credentials.Parse(value); err != credentials.ErrNotObject {
			t.Errorf("Parse(%q) = %v, want ErrNotObject", value, err)
		} else if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the error quotes the value")
		}
	}
}

func TestParseLogLine(t *testing.T) {
	line, ok := credentials.ParseLogLine(` {"step":"setSecret","token":"t1","outcome":"failed","code":"db_login_failed","error":"no"} `)
	if !ok || line.Step != "setSecret" || line.Outcome != credentials.OutcomeFailed || line.Code != "db_login_failed" {
		t.Fatalf("ParseLogLine = %+v, %v", line, ok)
	}
	for _, message := range []string{"START RequestId: x", `{"step":""}`, `{not json`} {
		if _, ok := credentials.ParseLogLine(message); ok {
			t.Errorf("ParseLogLine(%q) accepted a line the rotator did not write", message)
		}
	}
}
