package integration

import (
	"strings"
	"testing"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/dbserver"
)

// TestAccNoPasswordInServerLog rotates on servers that log every statement (PostgreSQL's
// log_statement=all, MariaDB's general query log) and looks for every password the rotations
// made in the server's log: the rotator sends PostgreSQL a SCRAM-SHA-256 verifier and MariaDB the
// password's hash, never the password.
func TestAccNoPasswordInServerLog(t *testing.T) {
	requireAcc(t)
	for _, db := range []database{
		postgresDatabase{srv: dbserver.Shared(t, dbserver.Options{Engine: dbserver.Postgres, LogStatements: true})},
		mariadbDatabase{srv: dbserver.Shared(t, dbserver.Options{Engine: dbserver.MariaDB, LogStatements: true})},
	} {
		t.Run(db.engine(), func(t *testing.T) {
			var passwords []string
			for _, alternating := range []bool{false, true} {
				a := newApp(t, db, appOptions{alternating: alternating})
				for range 2 {
					a.mustRotate()
					_, password := currentCredentials(a.secretFixture)
					passwords = append(passwords, password)
				}
				a.assertCurrentLogsIn()
			}
			log := db.server().FullLog()
			if !strings.Contains(log, "secretsbundle") && !strings.Contains(strings.ToUpper(log), "ALTER") {
				t.Fatalf("the server's log does not show the rotator's statements; is statement logging on?\n%s", tail(log))
			}
			for _, password := range passwords {
				if strings.Contains(log, password) {
					t.Errorf("a new password appears in the server's log:\n%s", excerpt(log, password))
				}
			}
		})
	}
}

func tail(s string) string {
	if len(s) > 3000 {
		return s[len(s)-3000:]
	}
	return s
}

func excerpt(log, password string) string {
	i := strings.Index(log, password)
	start, end := max(0, i-300), min(len(log), i+len(password)+100)
	return strings.ReplaceAll(log[start:end], password, "<the password>")
}
