package rotator

import (
	"context"
	"crypto/sha1" //nolint:gosec // mysql_native_password's hash is SHA1(SHA1(password)) by definition
	"crypto/sha512"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"filippo.io/edwards25519"
	"github.com/go-sql-driver/mysql"
)

// mysqlEngine serves MySQL, Aurora MySQL and MariaDB; they differ in the username limit and, by
// server version, in the password statement.
type mysqlEngine struct {
	maxUsernameLength int
}

// MySQL error numbers the rotator tells apart.
const (
	mysqlAccessDenied       = 1045
	mysqlAccessDeniedNoPass = 1698
	// ER_CON_COUNT_ERROR and ER_TOO_MANY_USER_CONNECTIONS: the server is busy.
	mysqlTooManyConnections     = 1040
	mysqlTooManyUserConnections = 1203
	// ER_TABLEACCESS_DENIED_ERROR and ER_COLUMNACCESS_DENIED_ERROR.
	mysqlTableAccessDenied  = 1142
	mysqlColumnAccessDenied = 1143
	// ER_SP_DOES_NOT_EXIST: a function the server does not have (CURRENT_ROLE before roles).
	mysqlNoSuchFunction = 1305
)

func (mysqlEngine) DefaultPort() int      { return 3306 }
func (mysqlEngine) accountsPerHost()      {}
func (mysqlEngine) DefaultDBName() string { return "" }

func (e mysqlEngine) CheckUsername(username string) error {
	if n := utf8.RuneCountInString(username); n > e.maxUsernameLength {
		return failure(CodeUsernameTooLong, "the username %q is %d characters; this engine's user names hold at most %d", username, n, e.maxUsernameLength)
	}
	return nil
}

func (mysqlEngine) Connect(ctx context.Context, creds Credentials) (Session, error) {
	config := mysql.NewConfig()
	config.Net = "tcp"
	config.Addr = net.JoinHostPort(creds.Host, strconv.Itoa(creds.Port))
	config.User = creds.Username
	config.Passwd = creds.Password
	config.DBName = creds.DBName
	config.Timeout = connectTimeout
	// Client-side interpolation escapes the password into the statement with the server's own
	// rules (it follows NO_BACKSLASH_ESCAPES); ALTER USER cannot be a server-side prepared statement.
	config.InterpolateParams = true
	// Verified TLS unless the secret says ssl=false; never a fallback to plaintext.
	config.TLS = creds.tlsConfig()
	connector, err := mysql.NewConnector(config)
	if err != nil {
		return nil, failure(CodeDBUnreachable, "preparing a MySQL connection to %s: %v", endpoint(creds), err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	conn, err := db.Conn(ctx)
	if err == nil {
		err = conn.PingContext(ctx)
	}
	if err != nil {
		if conn != nil {
			_ = conn.Close()
		}
		_ = db.Close()
		return nil, classifyMySQLConnectError(err, creds)
	}
	return &mysqlSession{db: db, conn: conn, username: creds.Username}, nil
}

func classifyMySQLConnectError(err error, creds Credentials) error {
	var mysqlErr *mysql.MySQLError
	if errors.As(err, &mysqlErr) {
		switch mysqlErr.Number {
		case mysqlAccessDenied, mysqlAccessDeniedNoPass:
			return failure(CodeDBLoginFailed, "MySQL at %s refused the login of %q (error %d)", endpoint(creds), creds.Username, mysqlErr.Number)
		case mysqlTooManyConnections, mysqlTooManyUserConnections:
			// Busy, not a wrong password: no previous-password fallback.
			return failure(CodeDBUnreachable, "MySQL at %s cannot take the login of %q now: %s (error %d); retry when the server accepts connections", endpoint(creds), creds.Username, mysqlErr.Message, mysqlErr.Number)
		}
		return failure(CodeDBLoginFailed, "MySQL at %s refused the connection of %q: %s (error %d)", endpoint(creds), creds.Username, mysqlErr.Message, mysqlErr.Number)
	}
	if creds.TLS != tlsDisable && isTLSError(err) {
		return tlsFailure("MySQL", err, creds)
	}
	return failure(CodeDBUnreachable, "cannot reach MySQL at %s: %v; check the host, port, the function's network access and that the server runs", endpoint(creds), err)
}

type mysqlSession struct {
	db       *sql.DB
	conn     *sql.Conn
	username string
	syntax   *mysqlSyntax
}

// mysqlSyntax is how a server version spells account changes: MySQL before 5.7.6 and MariaDB
// before 10.2 have neither ALTER USER ... IDENTIFIED BY nor ALTER USER ... REQUIRE.
type mysqlSyntax struct {
	alterUser bool
	// mariaDB: MariaDB lets a user change its own password only with SET PASSWORD (ALTER USER
	// needs the CREATE USER privilege even for oneself), MySQL 8 only with ALTER USER (it has no
	// PASSWORD() function).
	mariaDB bool
}

func parseMySQLSyntax(version string) mysqlSyntax {
	isMariaDB := strings.Contains(strings.ToLower(version), "mariadb")
	// MariaDB behind some proxies reports "5.5.5-<real version>" for old clients' sake.
	if isMariaDB {
		version = strings.TrimPrefix(version, "5.5.5-")
	}
	numbers := version
	if i := strings.IndexFunc(numbers, func(r rune) bool { return r != '.' && (r < '0' || r > '9') }); i >= 0 {
		numbers = numbers[:i]
	}
	parts := strings.Split(numbers, ".")
	component := func(i int) int {
		if i >= len(parts) {
			return 0
		}
		n, _ := strconv.Atoi(parts[i])
		return n
	}
	major, minor, patch := component(0), component(1), component(2)
	atLeast := func(wantMajor, wantMinor, wantPatch int) bool {
		if major != wantMajor {
			return major > wantMajor
		}
		if minor != wantMinor {
			return minor > wantMinor
		}
		return patch >= wantPatch
	}
	if isMariaDB {
		return mysqlSyntax{alterUser: atLeast(10, 2, 0), mariaDB: true}
	}
	return mysqlSyntax{alterUser: atLeast(5, 7, 6)}
}

func (s *mysqlSession) serverSyntax(ctx context.Context) (mysqlSyntax, error) {
	if s.syntax != nil {
		return *s.syntax, nil
	}
	var version string
	if err := s.conn.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return mysqlSyntax{}, failure(CodeDBStatementFailed, "reading the MySQL server version: %v", mysqlErrorText(err))
	}
	syntax := parseMySQLSyntax(version)
	s.syntax = &syntax
	return syntax, nil
}

func (s *mysqlSession) SetOwnPassword(ctx context.Context, password string) error {
	syntax, err := s.serverSyntax(ctx)
	if err != nil {
		return err
	}
	if err := s.setOtherEntries(ctx, syntax, password); err != nil {
		return err
	}
	if syntax.mariaDB {
		// MariaDB writes statements to its general and slow logs as they are: send the
		// mysql_native_password hash, not the password. A user of another plugin (ed25519) has
		// another hash format; the server refuses this one and the password is sent instead.
		if _, err := s.conn.ExecContext(ctx, "SET PASSWORD = ?", mysqlNativePasswordHash(password)); err == nil {
			return nil
		} else if !isMySQLHashFormatError(err) {
			return failure(CodeDBStatementFailed, "changing the password of MySQL user %q: %v", s.username, mysqlErrorText(err))
		}
	}
	// MySQL 5.7 and later rewrite the password out of the statements they log.
	statement := "SET PASSWORD = PASSWORD(?)"
	if syntax.alterUser && !syntax.mariaDB {
		statement = "ALTER USER CURRENT_USER() IDENTIFIED BY ?"
	}
	if _, err := s.conn.ExecContext(ctx, statement, password); err != nil {
		return failure(CodeDBStatementFailed, "changing the password of MySQL user %q: %v", s.username, mysqlErrorText(err))
	}
	return nil
}

// setOtherEntries sets the password of the user's other host entries (app@'10.0.1.%' beside
// app@'10.0.2.%'): a login matches one entry only, and SET PASSWORD changes that one, so the
// application would keep the old password wherever it connects from another network. It runs
// before the user's own entry changes, so a refusal leaves every entry as it was (and a retried
// setSecret finds the current password still working). A user that cannot read mysql.user
// cannot see its other entries: then only its own changes (the alternating-users strategy's
// master sees them all).
func (s *mysqlSession) setOtherEntries(ctx context.Context, syntax mysqlSyntax, password string) error {
	rows, err := s.conn.QueryContext(ctx, "SELECT Host, CONCAT(User, '@', Host) = CURRENT_USER() FROM mysql.user WHERE User = ? ORDER BY Host", s.username)
	if err != nil {
		var mysqlErr *mysql.MySQLError
		if errors.As(err, &mysqlErr) && (mysqlErr.Number == mysqlTableAccessDenied || mysqlErr.Number == mysqlColumnAccessDenied) {
			return nil // no SELECT on mysql.user
		}
		return failure(CodeDBStatementFailed, "listing the host entries of MySQL user %q: %v", s.username, mysqlErrorText(err))
	}
	defer rows.Close()
	var others []string
	for rows.Next() {
		var host string
		var own bool
		if err := rows.Scan(&host, &own); err != nil {
			return failure(CodeDBStatementFailed, "listing the host entries of MySQL user %q: %v", s.username, mysqlErrorText(err))
		}
		if !own {
			others = append(others, host)
		}
	}
	if err := rows.Err(); err != nil {
		return failure(CodeDBStatementFailed, "listing the host entries of MySQL user %q: %v", s.username, mysqlErrorText(err))
	}
	for _, host := range others {
		plugin, err := s.accountPlugin(ctx, s.username, host)
		if err == nil {
			err = s.setAccountPassword(ctx, syntax, s.username, host, password, plugin)
		}
		if err != nil {
			return failure(CodeDBStatementFailed, "MySQL user %q has the host entries %s besides the one the function logs in as, and changing their passwords failed (%s); the entry it logs in as keeps its password — grant the user CREATE USER so that it can change its other entries, drop the entries it no longer needs, or use the alternating-users strategy, whose master changes every entry",
				s.username, strings.Join(others, ", "), messageOf(err))
		}
	}
	return nil
}

// mysqlNativePasswordHash is the mysql_native_password hash: "*" and SHA1(SHA1(password)) in
// upper-case hex, as PASSWORD() computes it.
func mysqlNativePasswordHash(password string) string {
	first := sha1.Sum([]byte(password))
	second := sha1.Sum(first[:])
	return "*" + strings.ToUpper(hex.EncodeToString(second[:]))
}

// isMySQLHashFormatError: ER_PASSWD_LENGTH (1372) and ER_PASSWORD_FORMAT (1827), a hash the
// account's plugin does not take.
func isMySQLHashFormatError(err error) bool {
	var mysqlErr *mysql.MySQLError
	return errors.As(err, &mysqlErr) && (mysqlErr.Number == 1372 || mysqlErr.Number == 1827)
}

// accountPlugin is the authentication plugin of user@host ("" when the server does not say).
func (s *mysqlSession) accountPlugin(ctx context.Context, user, host string) (string, error) {
	var plugin sql.NullString
	// mysql.user's plugin column (a view over mysql.global_priv from MariaDB 10.4).
	err := s.conn.QueryRowContext(ctx, "SELECT plugin FROM mysql.user WHERE User = ? AND Host = ?", user, host).Scan(&plugin)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", failure(CodeDBStatementFailed, "reading the authentication plugin of MySQL user %s: %v", quoteMySQLAccount(user, host), mysqlErrorText(err))
	}
	return plugin.String, nil
}

// setAccountPassword sets another account's password, with the authentication plugin plugin
// (the base user's, for a clone: the server's default plugin may be another). On MariaDB the
// statement carries the plugin's hash, not the password, so the password never appears in the
// server's logs: mysql_native_password's and ed25519's are computed here. MySQL 5.7 and later
// rewrite the password out of the statements they log.
func (s *mysqlSession) setAccountPassword(ctx context.Context, syntax mysqlSyntax, user, host, password, plugin string) error {
	account := quoteMySQLAccount(user, host)
	statement, value := mysqlSetPasswordStatement(syntax, account), password
	switch {
	case syntax.mariaDB && (plugin == "" || plugin == "mysql_native_password"):
		statement, value = "SET PASSWORD FOR "+account+" = ?", mysqlNativePasswordHash(password)
		if syntax.alterUser {
			statement = "ALTER USER " + account + " IDENTIFIED BY PASSWORD ?"
		}
	case syntax.mariaDB && plugin == "ed25519":
		statement, value = "ALTER USER "+account+" IDENTIFIED VIA ed25519 USING ?", mariaDBEd25519Hash(password)
	case syntax.mariaDB:
		return failure(CodeDBStatementFailed, "MySQL user %s authenticates with the %s plugin; the rotator sets passwords of mysql_native_password and ed25519 accounts on MariaDB", account, plugin)
	case plugin != "" && syntax.alterUser:
		if !isMySQLPluginName(plugin) {
			return failure(CodeDBStatementFailed, "MySQL user %s has the authentication plugin %q, which is not a plugin name", account, plugin)
		}
		statement = "ALTER USER " + account + " IDENTIFIED WITH " + plugin + " BY ?"
	}
	if _, err := s.conn.ExecContext(ctx, statement, value); err != nil {
		return failure(CodeDBStatementFailed, "setting the password of MySQL user %s: %v", account, mysqlErrorText(err))
	}
	return nil
}

// isMySQLPluginName: plugin names are plain identifiers (caching_sha2_password, sha256_password).
func isMySQLPluginName(name string) bool {
	for _, r := range name {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return name != ""
}

// mariaDBEd25519Hash is what MariaDB's ed25519 plugin stores for a password: the Ed25519 public
// key whose secret scalar is the clamped first half of SHA-512(password), in unpadded base64 (the
// plugin's crypto_sign_keypair on the password as the seed).
func mariaDBEd25519Hash(password string) string {
	digest := sha512.Sum512([]byte(password))
	scalar, err := edwards25519.NewScalar().SetBytesWithClamping(digest[:32])
	if err != nil {
		// SetBytesWithClamping fails only on a length other than 32.
		panic(err)
	}
	point := new(edwards25519.Point).ScalarBaseMult(scalar)
	return base64.RawStdEncoding.EncodeToString(point.Bytes())
}

func (s *mysqlSession) CloneUser(ctx context.Context, source, clone, password string) error {
	syntax, err := s.serverSyntax(ctx)
	if err != nil {
		return err
	}
	hosts, err := s.accountHosts(ctx, source)
	if err != nil {
		return err
	}
	if len(hosts) == 0 {
		return failure(CodeDBStatementFailed, "the MySQL user %q that the secret names does not exist; the master user cannot clone it", source)
	}
	// The base user is the one the database's owners manage (as in PostgreSQL, where the clone is
	// a member of the base role): rotating back to it changes its password only; rotating to the
	// clone makes the clone a copy of the base user.
	toBase := source == clone+cloneSuffix
	for _, host := range hosts {
		if err := s.cloneAccount(ctx, syntax, source, clone, host, password, toBase); err != nil {
			return err
		}
	}
	return nil
}

// CloneComplete implements cloneChecker: clone has an entry for every host of source, all with
// one password (one plugin and stored hash: a half-made entry still has its throwaway password).
// With several entries, a plugin whose hash is salted (MySQL's caching_sha2_password) never looks
// complete; CloneUser then runs again, which is idempotent.
func (s *mysqlSession) CloneComplete(ctx context.Context, source, clone string) (bool, error) {
	hosts, err := s.accountHosts(ctx, source)
	if err != nil || len(hosts) == 0 {
		return false, err
	}
	var hashes []string
	for _, host := range hosts {
		var plugin, hash sql.NullString
		err := s.conn.QueryRowContext(ctx, "SELECT plugin, authentication_string FROM mysql.user WHERE User = ? AND Host = ?", clone, host).Scan(&plugin, &hash)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		if err != nil {
			return false, failure(CodeDBStatementFailed, "reading MySQL user %s: %v", quoteMySQLAccount(clone, host), mysqlErrorText(err))
		}
		hashes = append(hashes, plugin.String+" "+hash.String)
	}
	return len(slices.Compact(hashes)) <= 1, nil
}

func (s *mysqlSession) accountHosts(ctx context.Context, user string) ([]string, error) {
	rows, err := s.conn.QueryContext(ctx, "SELECT Host FROM mysql.user WHERE User = ? ORDER BY Host", user)
	if err != nil {
		return nil, failure(CodeDBStatementFailed, "listing the hosts of MySQL user %q: %v; the master user needs SELECT on mysql.user", user, mysqlErrorText(err))
	}
	defer rows.Close()
	var hosts []string
	for rows.Next() {
		var host string
		if err := rows.Scan(&host); err != nil {
			return nil, failure(CodeDBStatementFailed, "listing the hosts of MySQL user %q: %v", user, mysqlErrorText(err))
		}
		hosts = append(hosts, host)
	}
	if err := rows.Err(); err != nil {
		return nil, failure(CodeDBStatementFailed, "listing the hosts of MySQL user %q: %v", user, mysqlErrorText(err))
	}
	return hosts, nil
}

// cloneAccount makes clone@host a copy of source@host. The pending password is set last: a new
// clone is created with a throwaway password, so until every grant, revoke and the TLS requirement
// are copied, the pending credentials do not log in, and a retried setSecret (after a failed GRANT
// or a timeout) redoes the copy instead of finding the step "already done". Every grant of the
// source is replayed (so privileges granted to the source since the last rotation reach the
// clone), partial REVOKE rows too, and what the clone holds beyond the source is revoked. toBase
// (the target is the base user, the source its clone) only sets the password of an existing user.
func (s *mysqlSession) cloneAccount(ctx context.Context, syntax mysqlSyntax, source, clone, host, password string, toBase bool) error {
	account := quoteMySQLAccount(clone, host)
	var exists int
	err := s.conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM mysql.user WHERE User = ? AND Host = ?", clone, host).Scan(&exists)
	if err != nil {
		return failure(CodeDBStatementFailed, "looking up MySQL user %s: %v", account, mysqlErrorText(err))
	}
	if exists != 0 && toBase {
		plugin, err := s.accountPlugin(ctx, clone, host)
		if err != nil {
			return err
		}
		return s.setAccountPassword(ctx, syntax, clone, host, password, plugin)
	}
	if exists == 0 {
		if _, err := s.conn.ExecContext(ctx, "CREATE USER "+account+" IDENTIFIED BY ?", throwawayPassword()); err != nil {
			return failure(CodeDBStatementFailed, "creating MySQL user %s: %v; the master user needs CREATE USER", account, mysqlErrorText(err))
		}
	}
	sourceRows, err := s.showGrants(ctx, source, host)
	if err != nil {
		return err
	}
	var sourceGrants, revokes []mysqlGrant
	for _, row := range sourceRows {
		g, ok := parseGrantRow(row, account)
		if !ok {
			continue
		}
		sourceGrants = append(sourceGrants, g)
		if g.revoke {
			revokes = append(revokes, g)
			continue
		}
		if _, err := s.conn.ExecContext(ctx, g.statement); err != nil {
			return failure(CodeDBStatementFailed, "copying a grant of %s to %s: %v; the master user needs each privilege WITH GRANT OPTION", quoteMySQLAccount(source, host), account, mysqlErrorText(err))
		}
	}
	if exists != 0 {
		cloneRows, err := s.showGrants(ctx, clone, host)
		if err != nil {
			return err
		}
		var cloneGrants []mysqlGrant
		for _, row := range cloneRows {
			if g, ok := parseGrantRow(row, account); ok {
				cloneGrants = append(cloneGrants, g)
			}
		}
		for _, statement := range excessRevokes(sourceGrants, cloneGrants, account) {
			if _, err := s.conn.ExecContext(ctx, statement); err != nil {
				return failure(CodeDBStatementFailed, "revoking from %s what %s no longer has: %v", account, quoteMySQLAccount(source, host), mysqlErrorText(err))
			}
		}
		// A REVOKE ALL of an object the source still holds in part gives back the source's part.
		for _, g := range sourceGrants {
			if g.revoke {
				continue
			}
			if _, err := s.conn.ExecContext(ctx, g.statement); err != nil {
				return failure(CodeDBStatementFailed, "copying a grant of %s to %s: %v", quoteMySQLAccount(source, host), account, mysqlErrorText(err))
			}
		}
	}
	for _, g := range revokes {
		if _, err := s.conn.ExecContext(ctx, g.statement); err != nil {
			return failure(CodeDBStatementFailed, "copying a partial revoke of %s to %s: %v", quoteMySQLAccount(source, host), account, mysqlErrorText(err))
		}
	}
	if err := s.copyTLSRequirement(ctx, syntax, source, account, host); err != nil {
		return err
	}
	if err := s.copyDefaultRoles(ctx, syntax, source, host, account, sourceRows); err != nil {
		return err
	}
	plugin, err := s.accountPlugin(ctx, source, host)
	if err != nil {
		return err
	}
	return s.setAccountPassword(ctx, syntax, clone, host, password, plugin)
}

// copyDefaultRoles gives the clone the source's default roles: the roles it holds are copied as
// grants, but a role that is not a default is not active at login (MariaDB; MySQL 8 unless
// activate_all_roles_on_login, which RDS leaves OFF), and the clone would log in without its
// privileges. MariaDB shows the default as a SET DEFAULT ROLE row of SHOW GRANTS; MySQL 8 keeps
// it in mysql.default_roles (that path follows MySQL's manual; the tests run MariaDB).
func (s *mysqlSession) copyDefaultRoles(ctx context.Context, syntax mysqlSyntax, source, host, account string, sourceRows []string) error {
	if !syntax.alterUser {
		return nil // no roles before MariaDB 10.2's ALTER USER era nor in MySQL 5.7
	}
	var roles []string
	if syntax.mariaDB {
		for _, row := range sourceRows {
			if role, ok := mariaDBDefaultRole(row); ok {
				roles = append(roles, role)
			}
		}
	} else {
		rows, err := s.conn.QueryContext(ctx, "SELECT DEFAULT_ROLE_USER, DEFAULT_ROLE_HOST FROM mysql.default_roles WHERE USER = ? AND HOST = ? ORDER BY 1, 2", source, host)
		if err != nil {
			return failure(CodeDBStatementFailed, "reading the default roles of MySQL user %s: %v; the master user needs SELECT on mysql.default_roles", quoteMySQLAccount(source, host), mysqlErrorText(err))
		}
		defer rows.Close()
		for rows.Next() {
			var roleUser, roleHost string
			if err := rows.Scan(&roleUser, &roleHost); err != nil {
				return failure(CodeDBStatementFailed, "reading the default roles of MySQL user %s: %v", quoteMySQLAccount(source, host), mysqlErrorText(err))
			}
			roles = append(roles, quoteMySQLAccount(roleUser, roleHost))
		}
		if err := rows.Err(); err != nil {
			return failure(CodeDBStatementFailed, "reading the default roles of MySQL user %s: %v", quoteMySQLAccount(source, host), mysqlErrorText(err))
		}
	}
	list := "NONE"
	if len(roles) > 0 {
		list = strings.Join(roles, ", ")
	}
	statement := "ALTER USER " + account + " DEFAULT ROLE " + list
	if syntax.mariaDB {
		statement = "SET DEFAULT ROLE " + list + " FOR " + account
	}
	if _, err := s.conn.ExecContext(ctx, statement); err != nil {
		return failure(CodeDBStatementFailed, "giving MySQL user %s the default role %s of %s: %v; the master user needs the role WITH ADMIN OPTION", account, list, quoteMySQLAccount(source, host), mysqlErrorText(err))
	}
	return nil
}

// mariaDBDefaultRole reads MariaDB's "SET DEFAULT ROLE `role` FOR `user`@`host`" row.
func mariaDBDefaultRole(row string) (string, bool) {
	const prefix = "SET DEFAULT ROLE "
	if !strings.HasPrefix(strings.ToUpper(row), prefix) {
		return "", false
	}
	index := lastTopLevel(row, " FOR ")
	if index < len(prefix) {
		return "", false
	}
	role := strings.TrimSpace(row[len(prefix):index])
	return role, role != "" && !strings.EqualFold(role, "NONE")
}

func mysqlSetPasswordStatement(syntax mysqlSyntax, account string) string {
	if syntax.alterUser {
		return "ALTER USER " + account + " IDENTIFIED BY ?"
	}
	return "SET PASSWORD FOR " + account + " = PASSWORD(?)"
}

func (s *mysqlSession) showGrants(ctx context.Context, user, host string) ([]string, error) {
	rows, err := s.conn.QueryContext(ctx, "SHOW GRANTS FOR "+quoteMySQLAccount(user, host))
	if err != nil {
		return nil, failure(CodeDBStatementFailed, "reading the grants of MySQL user %s: %v", quoteMySQLAccount(user, host), mysqlErrorText(err))
	}
	defer rows.Close()
	var grants []string
	for rows.Next() {
		var grant string
		if err := rows.Scan(&grant); err != nil {
			return nil, failure(CodeDBStatementFailed, "reading the grants of MySQL user %s: %v", quoteMySQLAccount(user, host), mysqlErrorText(err))
		}
		grants = append(grants, grant)
	}
	if err := rows.Err(); err != nil {
		return nil, failure(CodeDBStatementFailed, "reading the grants of MySQL user %s: %v", quoteMySQLAccount(user, host), mysqlErrorText(err))
	}
	return grants, nil
}

func (s *mysqlSession) copyTLSRequirement(ctx context.Context, syntax mysqlSyntax, source, account, host string) error {
	var sslType string
	var cipher, issuer, subject []byte
	err := s.conn.QueryRowContext(ctx, "SELECT ssl_type, ssl_cipher, x509_issuer, x509_subject FROM mysql.user WHERE User = ? AND Host = ?", source, host).
		Scan(&sslType, &cipher, &issuer, &subject)
	if err != nil {
		return failure(CodeDBStatementFailed, "reading the TLS requirement of MySQL user %s: %v", quoteMySQLAccount(source, host), mysqlErrorText(err))
	}
	requirement, args := mysqlRequirement(sslType, string(cipher), string(issuer), string(subject))
	statement := "GRANT USAGE ON *.* TO " + account + " REQUIRE " + requirement
	if syntax.alterUser {
		statement = "ALTER USER " + account + " REQUIRE " + requirement
	}
	if _, err := s.conn.ExecContext(ctx, statement, args...); err != nil {
		return failure(CodeDBStatementFailed, "copying the TLS requirement to MySQL user %s: %v", account, mysqlErrorText(err))
	}
	return nil
}

// mysqlRequirement turns mysql.user's ssl_type columns back into a REQUIRE clause.
func mysqlRequirement(sslType, cipher, issuer, subject string) (string, []any) {
	switch strings.ToUpper(sslType) {
	case "ANY":
		return "SSL", nil
	case "X509":
		return "X509", nil
	case "SPECIFIED":
		var clauses []string
		var args []any
		for _, part := range []struct{ keyword, value string }{{"CIPHER", cipher}, {"ISSUER", issuer}, {"SUBJECT", subject}} {
			if part.value != "" {
				clauses = append(clauses, part.keyword+" ?")
				args = append(args, part.value)
			}
		}
		if len(clauses) == 0 {
			return "X509", nil
		}
		return strings.Join(clauses, " AND "), args
	default:
		return "NONE", nil
	}
}

func (s *mysqlSession) Probe(ctx context.Context) error {
	var one int
	if err := s.conn.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return failure(CodeTestFailed, "the probe query as MySQL user %q failed: %v", s.username, mysqlErrorText(err))
	}
	return nil
}

func (s *mysqlSession) Close(context.Context) error {
	connErr := s.conn.Close()
	return errors.Join(connErr, s.db.Close())
}

// mysqlErrorText keeps the server's error number and message, never the statement. A syntax error's
// message quotes the statement near the error, and the statement may carry a password, so those
// messages are cut down to the number.
func mysqlErrorText(err error) string {
	var mysqlErr *mysql.MySQLError
	if errors.As(err, &mysqlErr) {
		if strings.Contains(mysqlErr.Message, "near '") {
			return fmt.Sprintf("SQL syntax error (error %d)", mysqlErr.Number)
		}
		return fmt.Sprintf("%s (error %d)", mysqlErr.Message, mysqlErr.Number)
	}
	return err.Error()
}

// quoteMySQLAccount quotes user@host with backticks, which, unlike '...' strings, mean the same
// whatever the server's NO_BACKSLASH_ESCAPES setting.
func quoteMySQLAccount(user, host string) string {
	return quoteMySQLIdentifier(user) + "@" + quoteMySQLIdentifier(host)
}

func quoteMySQLIdentifier(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}
