package rotator

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"slices"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// mysqlGrant is one SHOW GRANTS row, retargeted to an account: a GRANT of privileges on an object
// (or of a role, object empty), or a partial REVOKE (MySQL 8 with partial_revokes).
type mysqlGrant struct {
	statement  string
	revoke     bool
	privileges []string // keywords upper-cased; for a role grant, the role
	object     string   // "ON <object>" part; "" for a role grant
	option     string   // "WITH GRANT OPTION", "WITH ADMIN OPTION" or ""
}

// parseGrantRow parses a SHOW GRANTS row and retargets it to account. ok is false for rows that
// carry nothing to copy (a bare USAGE) or that it cannot read.
func parseGrantRow(row, account string) (mysqlGrant, bool) {
	upper := strings.ToUpper(row)
	var g mysqlGrant
	var body string
	switch {
	case strings.HasPrefix(upper, "GRANT "):
		index := lastTopLevel(row, " TO ")
		if index < 0 {
			return g, false
		}
		body = row[len("GRANT "):index]
		rest := strings.ToUpper(row[index:])
		switch {
		case strings.Contains(rest, "WITH GRANT OPTION"):
			g.option = "WITH GRANT OPTION"
		case strings.Contains(rest, "WITH ADMIN OPTION"):
			g.option = "WITH ADMIN OPTION"
		}
	case strings.HasPrefix(upper, "REVOKE "):
		index := lastTopLevel(row, " FROM ")
		if index < 0 {
			return g, false
		}
		g.revoke = true
		body = row[len("REVOKE "):index]
	default:
		return g, false
	}
	privileges := body
	if on := firstTopLevel(body, " ON "); on >= 0 {
		privileges, g.object = body[:on], strings.TrimSpace(body[on+len(" ON "):])
	}
	for _, p := range splitTopLevel(privileges) {
		g.privileges = append(g.privileges, upperOutsideQuotes(strings.TrimSpace(p)))
	}
	if !g.revoke && g.object == "*.*" && len(g.privileges) == 1 && g.privileges[0] == "USAGE" && g.option == "" {
		// CREATE USER already gives it; the source's password hash and REQUIRE are not copied here.
		return g, false
	}
	g.statement = g.render(account)
	return g, true
}

func (g mysqlGrant) render(account string) string {
	verb, preposition := "GRANT ", " TO "
	if g.revoke {
		verb, preposition = "REVOKE ", " FROM "
	}
	statement := verb + strings.Join(g.privileges, ", ")
	if g.object != "" {
		statement += " ON " + g.object
	}
	statement += preposition + account
	if g.option != "" {
		statement += " " + g.option
	}
	return statement
}

// retargetGrant rewrites a SHOW GRANTS row for another account (see parseGrantRow).
func retargetGrant(grant, account string) (string, bool) {
	g, ok := parseGrantRow(grant, account)
	return g.statement, ok
}

// excessRevokes are the statements that take from the clone what it holds beyond the source's
// grants: a clone made at an earlier rotation keeps what the source has since lost otherwise.
func excessRevokes(source, clone []mysqlGrant, account string) []string {
	sourceGrants := map[string]mysqlGrant{}
	for _, g := range source {
		if !g.revoke {
			sourceGrants[g.object] = mergeGrant(sourceGrants[g.object], g)
		}
	}
	var statements []string
	for _, c := range clone {
		if c.revoke {
			continue
		}
		s, ok := sourceGrants[c.object]
		if c.object == "" {
			// Role grants: one role per row in SHOW GRANTS.
			for _, role := range c.privileges {
				if !ok || !slices.Contains(s.privileges, role) {
					statements = append(statements, "REVOKE "+role+" FROM "+account)
				}
			}
			continue
		}
		if !ok {
			statements = append(statements, "REVOKE ALL PRIVILEGES ON "+c.object+" FROM "+account)
			if c.option == "WITH GRANT OPTION" {
				statements = append(statements, "REVOKE GRANT OPTION ON "+c.object+" FROM "+account)
			}
			continue
		}
		var extra []string
		for _, p := range c.privileges {
			if p == "ALL PRIVILEGES" || p == "ALL" {
				if !slices.Contains(s.privileges, "ALL PRIVILEGES") && !slices.Contains(s.privileges, "ALL") {
					// Take ALL and give back what the source has (the GRANT replay ran first and
					// runs again after this).
					extra = append(extra, "ALL PRIVILEGES")
				}
				continue
			}
			if !slices.Contains(s.privileges, p) && !slices.Contains(s.privileges, "ALL PRIVILEGES") {
				extra = append(extra, p)
			}
		}
		if len(extra) > 0 {
			statements = append(statements, "REVOKE "+strings.Join(extra, ", ")+" ON "+c.object+" FROM "+account)
		}
		if c.option == "WITH GRANT OPTION" && s.option != "WITH GRANT OPTION" {
			statements = append(statements, "REVOKE GRANT OPTION ON "+c.object+" FROM "+account)
		}
	}
	return statements
}

func mergeGrant(into, g mysqlGrant) mysqlGrant {
	if into.statement == "" {
		return g
	}
	into.privileges = append(slices.Clone(into.privileges), g.privileges...)
	if g.option != "" {
		into.option = g.option
	}
	return into
}

// grantSet is the set of a user's grants, retargeted to one placeholder account so two users'
// grants compare.
func grantSet(rows []string) []string {
	var set []string
	for _, row := range rows {
		if g, ok := parseGrantRow(row, "`?`@`?`"); ok {
			set = append(set, g.statement)
		}
	}
	slices.Sort(set)
	return slices.Compact(set)
}

// ownGrants reads the grants of the session's own user (SHOW GRANTS needs no privilege for one's own).
func (s *mysqlSession) ownGrants(ctx context.Context) ([]string, error) {
	rows, err := s.conn.QueryContext(ctx, "SHOW GRANTS")
	if err != nil {
		return nil, failure(CodeDBStatementFailed, "reading the grants of MySQL user %q: %v", s.username, mysqlErrorText(err))
	}
	defer rows.Close()
	var grants []string
	for rows.Next() {
		var grant string
		if err := rows.Scan(&grant); err != nil {
			return nil, failure(CodeDBStatementFailed, "reading the grants of MySQL user %q: %v", s.username, mysqlErrorText(err))
		}
		grants = append(grants, grant)
	}
	if err := rows.Err(); err != nil {
		return nil, failure(CodeDBStatementFailed, "reading the grants of MySQL user %q: %v", s.username, mysqlErrorText(err))
	}
	return grantSet(grants), nil
}

// GrantsMatch implements grantChecker: the session's user (the pending clone) holds exactly the
// grants of the source session's user (the base user).
func (s *mysqlSession) GrantsMatch(ctx context.Context, source Session) error {
	other, ok := source.(*mysqlSession)
	if !ok {
		return nil
	}
	// The effective privileges are the grants and the roles active at login: a clone holding
	// the base user's role but not as its default has the grant rows and none of the privileges.
	myRoles, err := s.activeRoles(ctx)
	if err != nil {
		return err
	}
	theirRoles, err := other.activeRoles(ctx)
	if err != nil {
		return err
	}
	if myRoles != theirRoles {
		return failure(CodeTestFailed, "MySQL user %q logs in with the active roles %s, but %q with %s; the clone lacks the base user's default roles — cancel the rotation and rotate again, which copies them",
			s.username, orNone(myRoles), other.username, orNone(theirRoles))
	}
	mine, err := s.ownGrants(ctx)
	if err != nil {
		return err
	}
	theirs, err := other.ownGrants(ctx)
	if err != nil {
		return err
	}
	var missing, extra []string
	for _, g := range theirs {
		if !slices.Contains(mine, g) {
			missing = append(missing, g)
		}
	}
	for _, g := range mine {
		if !slices.Contains(theirs, g) {
			extra = append(extra, g)
		}
	}
	if len(missing) > 0 || len(extra) > 0 {
		return failure(CodeTestFailed, "MySQL user %q does not hold the same grants as %q (missing: %s; extra: %s); the clone was not completed — cancel the rotation and rotate again, which copies them",
			s.username, other.username, listOrNone(missing), listOrNone(extra))
	}
	return nil
}

// activeRoles are the roles active in the session (CURRENT_ROLE(): MariaDB's one role or NULL,
// MySQL 8's list or NONE); "" where the server has no roles.
func (s *mysqlSession) activeRoles(ctx context.Context) (string, error) {
	var roles sql.NullString
	if err := s.conn.QueryRowContext(ctx, "SELECT CURRENT_ROLE()").Scan(&roles); err != nil {
		var mysqlErr *mysql.MySQLError
		if errors.As(err, &mysqlErr) && mysqlErr.Number == mysqlNoSuchFunction {
			return "", nil
		}
		return "", failure(CodeDBStatementFailed, "reading the active roles of MySQL user %q: %v", s.username, mysqlErrorText(err))
	}
	if strings.EqualFold(roles.String, "NONE") {
		return "", nil
	}
	return roles.String, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// throwawayPassword is a password nobody knows: a new clone has it until its grants are copied,
// so that the pending credentials cannot log in to a half-made clone.
func throwawayPassword() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return "Tmp-" + hex.EncodeToString(b)
}

// firstTopLevel and lastTopLevel find sep outside backquotes, quotes and parentheses.
func firstTopLevel(s, sep string) int {
	positions := topLevel(s, sep)
	if len(positions) == 0 {
		return -1
	}
	return positions[0]
}

func lastTopLevel(s, sep string) int {
	positions := topLevel(s, sep)
	if len(positions) == 0 {
		return -1
	}
	return positions[len(positions)-1]
}

func topLevel(s, sep string) []int {
	var positions []int
	depth := 0
	outsideQuotes(s, func(i int, c byte) {
		switch {
		case c == '(':
			depth++
		case c == ')':
			depth--
		case depth == 0 && strings.HasPrefix(strings.ToUpper(s[i:]), sep):
			positions = append(positions, i)
		}
	})
	return positions
}

// outsideQuotes calls visit with each byte of s that is neither in a quoted name or string
// (backquotes, single or double quotes) nor one of its quotes.
func outsideQuotes(s string, visit func(i int, c byte)) {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '`' || c == '\'' || c == '"':
			quote = c
		default:
			visit(i, c)
		}
	}
}

// splitTopLevel splits a privilege list on commas outside parentheses (column lists) and quotes.
func splitTopLevel(s string) []string {
	var parts []string
	start := 0
	for _, i := range topLevel(s, ",") {
		parts = append(parts, s[start:i])
		start = i + 1
	}
	return append(parts, s[start:])
}

// upperOutsideQuotes upper-cases keywords, leaving quoted names (roles, columns) as they are.
func upperOutsideQuotes(s string) string {
	b := []byte(s)
	outsideQuotes(s, func(i int, c byte) {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	})
	return string(b)
}

func listOrNone(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	return strings.Join(items, "; ")
}
