package rotator

import (
	"strings"
	"testing"
)

// allPunctuation is every character GetRandomPassword may draw from its punctuation set.
const allPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

func TestQuotePostgresLiteral(t *testing.T) {
	for value, want := range map[string]string{
		"plain":   "E'plain'",
		"it's":    "E'it''s'",
		`back\`:   `E'back\\'`,
		`\'`:      `E'\\'''`,
		"üñí©ødé": "E'üñí©ødé'",
	} {
		if got := quotePostgresLiteral(value); got != want {
			t.Errorf("quotePostgresLiteral(%q) = %s, want %s", value, got, want)
		}
	}
	quoted := quotePostgresLiteral(allPunctuation)
	// Inside E'...', every quote is doubled and every backslash escaped, so the literal cannot end early.
	inner := strings.TrimSuffix(strings.TrimPrefix(quoted, "E'"), "'")
	if strings.Count(strings.ReplaceAll(inner, "''", ""), "'") != 0 {
		t.Errorf("unescaped quote in %s", quoted)
	}
}

func TestQuoteIdentifiers(t *testing.T) {
	if got := quotePostgresIdentifier(`we"ird`); got != `"we""ird"` {
		t.Errorf("postgres identifier: %s", got)
	}
	if got := quoteMySQLAccount("a`b", "%"); got != "`a``b`@`%`" {
		t.Errorf("mysql account: %s", got)
	}
}

func TestRetargetGrant(t *testing.T) {
	account := "`app_clone`@`%`"
	for grant, want := range map[string]string{
		"GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*ABC'":    "",
		"GRANT SELECT, INSERT ON `appdb`.* TO `app`@`%`":                   "GRANT SELECT, INSERT ON `appdb`.* TO `app_clone`@`%`",
		"GRANT ALL PRIVILEGES ON `appdb`.* TO 'app'@'%' WITH GRANT OPTION": "GRANT ALL PRIVILEGES ON `appdb`.* TO `app_clone`@`%` WITH GRANT OPTION",
		"GRANT `reporting`@`%` TO `app`@`%`":                               "GRANT `reporting`@`%` TO `app_clone`@`%`",
		"GRANT SELECT ON `a TO b`.`t` TO `app`@`%`":                        "GRANT SELECT ON `a TO b`.`t` TO `app_clone`@`%`",
		"GRANT `admin` TO `app`@`%` WITH ADMIN OPTION":                     "GRANT `admin` TO `app_clone`@`%` WITH ADMIN OPTION",
		"GRANT USAGE ON *.* TO 'app'@'%' REQUIRE SSL":                      "",
		"REVOKE nothing": "",
		"REVOKE INSERT ON `appdb`.* FROM `app`@`%`":                                      "REVOKE INSERT ON `appdb`.* FROM `app_clone`@`%`",
		"GRANT SELECT (`a`, `b`), INSERT ON `appdb`.`t` TO `app`@`%`":                    "GRANT SELECT (`a`, `b`), INSERT ON `appdb`.`t` TO `app_clone`@`%`",
		"GRANT SELECT ON `appdb`.* TO `app`@`%` IDENTIFIED BY PASSWORD '*X' REQUIRE SSL": "GRANT SELECT ON `appdb`.* TO `app_clone`@`%`",
	} {
		got, ok := retargetGrant(grant, account)
		if (want == "") == ok || got != want {
			t.Errorf("retargetGrant(%q) = %q, %v; want %q", grant, got, ok, want)
		}
	}
}

func TestParseMySQLSyntax(t *testing.T) {
	for version, alterUser := range map[string]bool{
		"8.0.36":                     true,
		"5.7.44-log":                 true,
		"5.7.5-m15":                  false,
		"5.6.51":                     false,
		"10.11.19-MariaDB-0+deb12u1": true,
		"10.1.48-MariaDB":            false,
		"5.5.5-10.6.12-MariaDB":      true,
	} {
		syntax := parseMySQLSyntax(version)
		if syntax.alterUser != alterUser {
			t.Errorf("parseMySQLSyntax(%q).alterUser = %v, want %v", version, syntax.alterUser, alterUser)
		}
		if syntax.mariaDB != strings.Contains(version, "MariaDB") {
			t.Errorf("parseMySQLSyntax(%q).mariaDB = %v", version, syntax.mariaDB)
		}
	}
}

func TestMySQLRequirement(t *testing.T) {
	for _, tc := range []struct {
		sslType, cipher, issuer, subject, want string
		args                                   int
	}{
		{"", "", "", "", "NONE", 0},
		{"ANY", "", "", "", "SSL", 0},
		{"X509", "", "", "", "X509", 0},
		{"SPECIFIED", "", "/CN=ca", "/CN=app", "ISSUER ? AND SUBJECT ?", 2},
	} {
		got, args := mysqlRequirement(tc.sslType, tc.cipher, tc.issuer, tc.subject)
		if got != tc.want || len(args) != tc.args {
			t.Errorf("mysqlRequirement(%q) = %q %v", tc.sslType, got, args)
		}
	}
}

func TestUsernameLimits(t *testing.T) {
	engines := DefaultEngines()
	for engine, limit := range map[string]int{"postgres": 63, "mysql": 32, "aurora-mysql": 32, "mariadb": 80} {
		if err := engines[engine].CheckUsername(strings.Repeat("u", limit)); err != nil {
			t.Errorf("%s: %d characters refused: %v", engine, limit, err)
		}
		if err := engines[engine].CheckUsername(strings.Repeat("u", limit+1)); CodeOf(err) != CodeUsernameTooLong {
			t.Errorf("%s: %d characters accepted", engine, limit+1)
		}
	}
}

func TestAlternateUsername(t *testing.T) {
	for in, want := range map[string]string{"app": "app_clone", "app_clone": "app", "_clone": "_clone_clone"} {
		if got := alternateUsername(in); got != want {
			t.Errorf("alternateUsername(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseDBSecretKeepsKeysAndAcceptsLooseTypes(t *testing.T) {
	secret, err := parseDBSecret(`{"engine":"mysql","host":"h","port":"3307","username":"u","password":"p<&>","ssl":"true","extra":[1,2]}`, "test value")
	if err != nil {
		t.Fatal(err)
	}
	if secret.Port != 3307 || secret.SSL != tlsRequire {
		t.Errorf("parsed %+v", secret)
	}
	value, err := secret.with("u2", "new&<pw>")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(value, `"extra":[1,2]`) || !strings.Contains(value, `"password":"new&<pw>"`) || !strings.Contains(value, `"username":"u2"`) {
		t.Errorf("with() = %s", value)
	}
	if _, err := parseDBSecret(`{"engine":"mysql","host":"h","port":70000,"username":"u","password":"p"}`, "v"); CodeOf(err) != CodeInvalidSecret {
		t.Errorf("port 70000 accepted: %v", err)
	}
	if _, err := parseDBSecret(`{"engine":"mysql","host":"h","username":"u","password":"p","ssl":"maybe"}`, "v"); CodeOf(err) != CodeInvalidSecret {
		t.Errorf("ssl maybe accepted: %v", err)
	}
}

func TestParseLogLine(t *testing.T) {
	if _, ok := ParseLogLine("START RequestId: 1 Version: $LATEST"); ok {
		t.Error("a runtime line parsed as a rotator line")
	}
	line, ok := ParseLogLine(`{"step":"setSecret","secret":"arn","token":"t","outcome":"failed","duration_ms":1.5,"secrets_manager_calls":2,"error":"x","code":"db_login_failed"}` + "\n")
	if !ok || line.Code != CodeDBLoginFailed || line.Outcome != OutcomeFailed {
		t.Errorf("parsed %+v, %v", line, ok)
	}
}

// An RDS-managed master secret (username and password only) connects where the rotated secret
// does; a master secret with connection keys is read as it is, and one missing the password fails.
func TestParseMasterSecret(t *testing.T) {
	current, err := parseDBSecret(`{"engine":"postgres","host":"db.internal","port":5433,"dbname":"orders","username":"app","password":"p","ssl":true,"masterarn":"arn:m"}`, "current")
	if err != nil {
		t.Fatal(err)
	}
	managed, err := parseMasterSecret(`{"username":"postgres","password":"master-pw"}`, "master", current)
	if err != nil {
		t.Fatal(err)
	}
	if managed.Username != "postgres" || managed.Password != "master-pw" || managed.Host != "db.internal" || managed.Port != 5433 ||
		managed.Engine != "postgres" || managed.DBName != "orders" || managed.SSL != current.SSL || managed.MasterARN != "" {
		t.Errorf("RDS-managed master = %+v, want the master's user and password on the current secret's connection", managed)
	}
	own, err := parseMasterSecret(`{"engine":"postgres","host":"other","port":5432,"username":"admin","password":"x"}`, "master", current)
	if err != nil || own.Host != "other" || own.Username != "admin" {
		t.Errorf("a master secret with its own connection = %+v, %v; want it as it is", own, err)
	}
	if _, err := parseMasterSecret(`{"username":"postgres"}`, "master", current); err == nil {
		t.Error("a master secret without a password was accepted")
	}
	if _, err := parseMasterSecret(`{"username":"postgres","password":"pw","host":"h"}`, "master", current); err == nil {
		t.Error("a master secret with a host but no engine was accepted as RDS-managed")
	}
}
