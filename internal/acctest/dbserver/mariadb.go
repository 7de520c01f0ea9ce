package dbserver

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
)

const mariadbSuperUser = "harness"

func (s *Server) startMariaDB(ctx context.Context) error {
	server, installDB := mariadbBin("mariadbd"), mariadbBin("mariadb-install-db")
	if server == "" || installDB == "" {
		return fmt.Errorf("MariaDB is not installed (no mariadbd or mariadb-install-db); run scripts/databases.sh")
	}
	uid, gid, asMySQL, err := systemUser("mysql")
	if err != nil {
		return err
	}
	s.SuperUser = mariadbSuperUser
	s.dir, err = os.MkdirTemp("", "secretsbundle-mariadb-")
	if err != nil {
		return err
	}
	data := filepath.Join(s.dir, "data")
	s.logPath = filepath.Join(s.dir, "error.log")
	// A temporary directory of its own: mariadb-install-db and the server otherwise share /tmp
	// with every other server and test on the machine.
	tmp := filepath.Join(s.dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return err
	}
	// The init file runs at every start; IF NOT EXISTS keeps it idempotent. The harness's
	// superuser logs in over TCP with a password, unlike root (unix_socket only).
	initFile := filepath.Join(s.dir, "init.sql")
	initSQL := fmt.Sprintf("CREATE USER IF NOT EXISTS '%s'@'%%' IDENTIFIED BY '%s';\nGRANT ALL PRIVILEGES ON *.* TO '%s'@'%%' WITH GRANT OPTION;\n",
		s.SuperUser, s.SuperPassword, s.SuperUser)
	if err := os.WriteFile(initFile, []byte(initSQL), 0o600); err != nil {
		return err
	}
	args := []string{
		"--no-defaults",
		"--datadir=" + data,
		"--port=" + strconv.Itoa(s.Port),
		"--bind-address=127.0.0.1",
		"--socket=" + filepath.Join(s.dir, "mariadbd.sock"),
		"--pid-file=" + filepath.Join(s.dir, "mariadbd.pid"),
		"--log-error=" + s.logPath,
		"--init-file=" + initFile,
		"--tmpdir=" + tmp,
		"--skip-name-resolve",
		"--skip-log-bin",
		"--innodb-buffer-pool-size=32M",
		"--innodb-log-file-size=16M",
		"--innodb-flush-log-at-trx-commit=0",
	}
	if s.TLS {
		certPath, keyPath, certPEM, err := writeServerCert(s.dir, s.opts.CA, s.opts.CertHost)
		if err != nil {
			return fmt.Errorf("making the MariaDB test certificate: %w", err)
		}
		s.CACertPEM = certPEM
		args = append(args, "--ssl-cert="+certPath, "--ssl-key="+keyPath)
	}
	if s.opts.LogStatements {
		s.generalLogPath = filepath.Join(s.dir, "general.log")
		args = append(args, "--general-log=1", "--general-log-file="+s.generalLogPath)
	}
	if asMySQL {
		args = append(args, "--user=mysql")
		if err := chownTree(s.dir, uid, gid); err != nil {
			return err
		}
	}
	installArgs := []string{"--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=socket", "--skip-test-db"}
	if asMySQL {
		installArgs = append(installArgs, "--user=mysql")
	}
	install := exec.CommandContext(ctx, installDB, installArgs...)
	install.Env = append(os.Environ(), "TMPDIR="+tmp)
	if output, err := install.CombinedOutput(); err != nil {
		return fmt.Errorf("mariadb-install-db in %s: %w\n%s", data, err, output)
	}
	s.launch = func(ctx context.Context) error {
		return s.startProcess(ctx, exec.Command(server, args...), "mariadbd", s.pingMariaDB)
	}
	return s.launch(ctx)
}

// startProcess starts a server that stops by its own pid (not under runuser), in its own process
// group (a Ctrl-C of the test run must not reach it before Stop does), and waits until ready.
func (s *Server) startProcess(ctx context.Context, process *exec.Cmd, name string, ready func(context.Context) error) error {
	s.process = process
	s.process.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.process.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", name, err)
	}
	s.pid = s.process.Process.Pid
	return s.waitReady(ctx, ready)
}

func (s *Server) pingMariaDB(ctx context.Context) error {
	db, err := s.OpenMySQL(s.SuperUser, s.SuperPassword, "")
	if err != nil {
		return err
	}
	defer db.Close()
	return db.PingContext(ctx)
}

// MySQLConfig is a plaintext connection configuration for a user of this server.
func (s *Server) MySQLConfig(username, password, database string) *mysql.Config {
	config := mysql.NewConfig()
	config.Net = "tcp"
	config.Addr = net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	config.User = username
	config.Passwd = password
	config.DBName = database
	config.Timeout = 5 * time.Second
	config.InterpolateParams = true
	return config
}

// OpenMySQL opens a database handle for a user of this server.
func (s *Server) OpenMySQL(username, password, database string) (*sql.DB, error) {
	connector, err := mysql.NewConnector(s.MySQLConfig(username, password, database))
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(connector), nil
}

// SuperuserDB opens a handle for the harness's superuser.
func (s *Server) SuperuserDB() (*sql.DB, error) {
	return s.OpenMySQL(s.SuperUser, s.SuperPassword, "")
}
