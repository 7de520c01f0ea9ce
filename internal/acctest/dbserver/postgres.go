package dbserver

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"
)

func (s *Server) startPostgres(ctx context.Context) error {
	bin := postgresBin()
	if bin == "" {
		return fmt.Errorf("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); run scripts/databases.sh")
	}
	uid, gid, asPostgres, err := systemUser("postgres")
	if err != nil {
		return err
	}
	s.SuperUser = "postgres"
	s.dir, err = os.MkdirTemp("", "secretsbundle-postgres-")
	if err != nil {
		return err
	}
	data := filepath.Join(s.dir, "data")
	s.logPath = filepath.Join(s.dir, "server.log")
	passwordFile := filepath.Join(s.dir, "superuser-password")
	if err := os.WriteFile(passwordFile, []byte(s.SuperPassword+"\n"), 0o600); err != nil {
		return err
	}
	settings := []string{
		"-c", "listen_addresses=127.0.0.1",
		"-p", strconv.Itoa(s.Port),
		// The socket goes in the server's own directory: the system one (/var/run/postgresql) may
		// not exist and belongs to the system cluster.
		"-k", s.dir,
		// A throwaway server: durability only costs time.
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
	}
	if s.TLS {
		certPath, keyPath, certPEM, err := writeServerCert(s.dir, s.opts.CA, s.opts.CertHost)
		if err != nil {
			return fmt.Errorf("making the PostgreSQL test certificate: %w", err)
		}
		s.CACertPEM = certPEM
		settings = append(settings, "-c", "ssl=on", "-c", "ssl_cert_file="+certPath, "-c", "ssl_key_file="+keyPath)
	}
	if s.opts.LogStatements {
		settings = append(settings, "-c", "log_statement=all", "-c", "log_min_error_statement=error")
	}
	hostAuth := "scram-sha-256"
	if s.opts.MD5Passwords {
		hostAuth = "md5"
		settings = append(settings, "-c", "password_encryption=md5")
	}
	if asPostgres {
		if err := chownTree(s.dir, uid, gid); err != nil {
			return err
		}
	}
	initdb := command(ctx, asPostgres, filepath.Join(bin, "initdb"), "-D", data, "-U", s.SuperUser,
		"--pwfile="+passwordFile, "--auth-local=trust", "--auth-host="+hostAuth, "-E", "UTF8",
		"--locale=C", "--no-sync")
	if output, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb in %s: %w\n%s", data, err, output)
	}
	s.launch = func(ctx context.Context) error {
		return s.launchPostgres(ctx, asPostgres, filepath.Join(bin, "postgres"), data, settings)
	}
	return s.launch(ctx)
}

// launchPostgres runs the postmaster on an initialised data directory and waits for logins.
func (s *Server) launchPostgres(ctx context.Context, asPostgres bool, postgres, data string, settings []string) error {
	logFile, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	s.process = command(context.Background(), asPostgres, postgres, append([]string{"-D", data}, settings...)...)
	s.process.Stdout = logFile
	s.process.Stderr = logFile
	// Its own process group: a Ctrl-C of the test run must not reach the server before Stop does.
	s.process.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.process.Start(); err != nil {
		return fmt.Errorf("starting postgres: %w", err)
	}
	s.pid = s.process.Process.Pid
	if err := s.waitReady(ctx, s.pingPostgres); err != nil {
		return err
	}
	// Under runuser the launcher's pid is not the server's: stop the postmaster itself.
	pid, err := postmasterPID(data)
	if err != nil {
		return err
	}
	s.pid = pid
	return nil
}

// command runs a program, as the postgres user when the tests run as root.
func command(ctx context.Context, asPostgres bool, program string, args ...string) *exec.Cmd {
	if asPostgres {
		return exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", program}, args...)...)
	}
	return exec.CommandContext(ctx, program, args...)
}

func postmasterPID(data string) (int, error) {
	content, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("reading the postmaster pid: %w", err)
	}
	first, _, _ := strings.Cut(string(content), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return 0, fmt.Errorf("parsing the postmaster pid %q: %w", first, err)
	}
	return pid, nil
}

func (s *Server) pingPostgres(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, s.PostgresURL(s.SuperUser, s.SuperPassword, "postgres"))
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// PostgresURL is a connection URL for a user of this server, plaintext (the harness's own
// connections need no TLS). Test code only: the rotator never builds connection strings.
func (s *Server) PostgresURL(username, password, database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(username, password),
		Host:     fmt.Sprintf("%s:%d", s.Host, s.Port),
		Path:     "/" + database,
		RawQuery: "sslmode=disable&connect_timeout=5",
	}
	return u.String()
}

// SuperuserURL is PostgresURL for the superuser and the postgres database.
func (s *Server) SuperuserURL() string {
	return s.PostgresURL(s.SuperUser, s.SuperPassword, "postgres")
}
