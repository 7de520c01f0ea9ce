package rotator

import (
	"slices"
	"testing"
)

func grantsOf(t *testing.T, account string, rows ...string) []mysqlGrant {
	t.Helper()
	var grants []mysqlGrant
	for _, row := range rows {
		g, ok := parseGrantRow(row, account)
		if !ok {
			t.Fatalf("row %q not parsed", row)
		}
		grants = append(grants, g)
	}
	return grants
}

// excessRevokes takes from an existing clone exactly what the base user no longer holds.
func TestExcessRevokes(t *testing.T) {
	account := "`app_clone`@`%`"
	source := grantsOf(t, account,
		"GRANT SELECT ON `db`.`kept` TO `app`@`%`",
		"GRANT SELECT, INSERT ON `db`.`narrowed` TO `app`@`%`",
		"GRANT `reader` TO `app`@`%`",
		"REVOKE INSERT ON `db`.* FROM `app`@`%`",
	)
	clone := grantsOf(t, account,
		"GRANT SELECT ON `db`.`kept` TO `app_clone`@`%`",
		"GRANT SELECT, INSERT, DELETE ON `db`.`narrowed` TO `app_clone`@`%` WITH GRANT OPTION",
		"GRANT SELECT ON `db`.`gone` TO `app_clone`@`%` WITH GRANT OPTION",
		"GRANT `reader` TO `app_clone`@`%`",
		"GRANT `writer` TO `app_clone`@`%`",
	)
	got := excessRevokes(source, clone, account)
	want := []string{
		"REVOKE DELETE ON `db`.`narrowed` FROM `app_clone`@`%`",
		"REVOKE GRANT OPTION ON `db`.`narrowed` FROM `app_clone`@`%`",
		"REVOKE ALL PRIVILEGES ON `db`.`gone` FROM `app_clone`@`%`",
		"REVOKE GRANT OPTION ON `db`.`gone` FROM `app_clone`@`%`",
		"REVOKE `writer` FROM `app_clone`@`%`",
	}
	if !slices.Equal(got, want) {
		t.Errorf("revokes\n got %q\nwant %q", got, want)
	}
	// The partial revoke row is replayed for the clone, not skipped.
	if source[3].statement != "REVOKE INSERT ON `db`.* FROM `app_clone`@`%`" || !source[3].revoke {
		t.Errorf("partial revoke: %+v", source[3])
	}
	// Nothing to revoke from a clone that matches.
	if got := excessRevokes(source, grantsOf(t, account, "GRANT SELECT ON `db`.`kept` TO `app_clone`@`%`"), account); len(got) != 0 {
		t.Errorf("revokes from a matching clone: %q", got)
	}
}
