// Package dbserver starts real database servers for the integration tests: PostgreSQL and MariaDB
// from their Debian packages and FerretDB (the MongoDB wire protocol) built from the Go module
// proxy into .harness/ferretdb, each initialised in its own temporary directory and listening on
// a free loopback port, optionally with TLS from a self-signed certificate, and stopped by pid.
//
// The packages are installed by scripts/databases.sh when missing (apt, under a lock so that test
// binaries running in parallel install once). PostgreSQL refuses to run as root, so when the tests
// run as root it is initialised and run as the postgres system user (runuser -u postgres --);
// MariaDB drops to the mysql user by itself (--user=mysql).
package dbserver

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Engine is a kind of database server.
type Engine string

const (
	Postgres Engine = "postgres"
	MariaDB  Engine = "mariadb"
)

// Options choose the server to start.
type Options struct {
	Engine Engine
	// TLS starts the server with a certificate for 127.0.0.1 issued by CA (Server.CACertPEM).
	TLS bool
	// CA issues the server's certificate; nil makes a CA for the server.
	CA *CA
	// CertHost is the one name (IP address or DNS name) the certificate is for; empty means
	// 127.0.0.1 and localhost. Another name makes host-name verification fail.
	CertHost string
	// LogStatements logs every statement the server runs (PostgreSQL's log_statement=all,
	// MariaDB's general query log), for tests that look for secrets in the server's log.
	LogStatements bool
	// MD5Passwords configures PostgreSQL as RDS PostgreSQL 13 and earlier and PgBouncer auth_file
	// setups have it: password_encryption = md5 and md5 logins over TCP (which also accept a
	// SCRAM verifier).
	MD5Passwords bool
}

// Server is a running database server.
type Server struct {
	Engine Engine
	Host   string
	Port   int
	// SuperUser and SuperPassword log in with every privilege over TCP.
	SuperUser     string
	SuperPassword string
	TLS           bool
	// CACertPEM is the certificate of the CA that issued the server's, when TLS is on.
	CACertPEM []byte
	opts      Options

	dir     string
	pid     int
	process *exec.Cmd
	logPath string
	// generalLogPath is MariaDB's general query log, with LogStatements.
	generalLogPath string
	// launch runs the server process on the initialised data directory: Start and Restart.
	launch  func(context.Context) error
	halted  bool
	stopped bool
	mu      sync.Mutex
}

const startTimeout = 60 * time.Second

// superPassword is fixed: the servers listen on loopback only and live for one test run.
const superPassword = "harness-superuser-password"

// Start starts a server; Stop must be called (StartT and Shared arrange that).
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Engine != FerretDB {
		if err := ensureInstalled(ctx); err != nil {
			return nil, err
		}
	}
	// A port that was free when picked can be taken before the server binds it (the machine is
	// shared); such a start is tried again on another port.
	var server *Server
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		server = &Server{Engine: opts.Engine, Host: "127.0.0.1", Port: port, SuperPassword: superPassword, TLS: opts.TLS, opts: opts}
		switch opts.Engine {
		case Postgres:
			err = server.startPostgres(ctx)
		case MariaDB:
			err = server.startMariaDB(ctx)
		case FerretDB:
			err = server.startFerretDB(ctx)
		default:
			return nil, fmt.Errorf("dbserver: unknown engine %q (use postgres, mariadb or ferretdb)", opts.Engine)
		}
		if err == nil {
			break
		}
		_ = server.Stop()
		if attempt == 3 || !strings.Contains(strings.ToLower(err.Error()), "in use") {
			return nil, err
		}
	}
	server.register()
	return server, nil
}

// registryDir holds one file per running server, "<pid> <dir>", so that `scripts/databases.sh
// stop-all` can stop servers whose test binary died (killed by a timeout) before Stop ran.
func registryDir() string {
	return filepath.Join(repoRoot(), ".harness", "run", "dbserver")
}

func (s *Server) registryFile() string {
	return filepath.Join(registryDir(), fmt.Sprintf("%s-%d", s.Engine, s.Port))
}

func (s *Server) register() {
	if err := os.MkdirAll(registryDir(), 0o755); err != nil {
		return
	}
	// Best effort: the registry only helps clean up after a crash.
	_ = os.WriteFile(s.registryFile(), []byte(fmt.Sprintf("%d %s\n", s.pid, s.dir)), 0o644)
}

// StartT starts a server for one test and stops it when the test ends; the test fails when the
// server cannot be started.
func StartT(t testing.TB, opts Options) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	server, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("starting %s: %v", opts.Engine, err)
	}
	t.Cleanup(func() {
		if err := server.Stop(); err != nil {
			t.Errorf("stopping %s: %v", opts.Engine, err)
		}
	})
	return server
}

var (
	sharedMu      sync.Mutex
	sharedServers = map[Options]*Server{}
	sharedErrors  = map[Options]error{}
)

// Shared returns a server started once per test binary for these options, so a package's tests
// share one server instead of paying a start each. Call StopShared from TestMain.
func Shared(t testing.TB, opts Options) *Server {
	t.Helper()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if server, ok := sharedServers[opts]; ok {
		return server
	}
	if err, ok := sharedErrors[opts]; ok {
		t.Fatalf("starting %s (earlier attempt): %v", opts.Engine, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	server, err := Start(ctx, opts)
	if err != nil {
		sharedErrors[opts] = err
		t.Fatalf("starting %s: %v", opts.Engine, err)
	}
	sharedServers[opts] = server
	return server
}

// StopShared stops every server Shared started.
func StopShared() error {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	var errs []error
	for opts, server := range sharedServers {
		errs = append(errs, server.Stop())
		delete(sharedServers, opts)
	}
	return errors.Join(errs...)
}

// Stop stops the server by its pid and removes its directory. Stopping twice is harmless.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil
	}
	s.stopped = true
	var err error
	if s.pid > 0 {
		err = stopPID(s.pid, s.stopSignal())
	}
	if s.process != nil {
		// runuser stops itself when its child is stopped (Pause) and waits for a SIGCONT; make
		// sure it runs, then reap it. Its exit status after a stop signal is not an error.
		_ = s.process.Process.Signal(syscall.SIGCONT)
		_ = s.process.Wait()
	}
	_ = os.Remove(s.registryFile())
	if s.dir != "" {
		if rmErr := os.RemoveAll(s.dir); rmErr != nil {
			err = errors.Join(err, rmErr)
		}
	}
	return err
}

// Halt shuts the server down as a database that went down would be: connections are refused
// until Restart starts it again on the same port with the same data. Stop still cleans up.
func (s *Server) Halt() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped || s.halted {
		return fmt.Errorf("dbserver: the %s server on port %d is not running", s.Engine, s.Port)
	}
	err := stopPID(s.pid, s.stopSignal())
	if s.process != nil {
		_ = s.process.Process.Signal(syscall.SIGCONT)
		_ = s.process.Wait()
	}
	s.halted = true
	return err
}

// Restart starts a halted server again on its port, with its data, and waits until it accepts
// logins.
func (s *Server) Restart(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped || !s.halted {
		return fmt.Errorf("dbserver: the %s server on port %d is not halted", s.Engine, s.Port)
	}
	if err := s.launch(ctx); err != nil {
		return fmt.Errorf("restarting %s on port %d: %w", s.Engine, s.Port, err)
	}
	s.halted = false
	s.register()
	return nil
}

// Pause freezes the server (SIGSTOP): it still accepts TCP connections but never answers, as a
// hung or partitioned database does. Resume undoes it.
func (s *Server) Pause() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return syscall.Kill(s.pid, syscall.SIGSTOP)
}

// Resume continues a paused server, and its launcher: runuser stops itself when its child stops.
func (s *Server) Resume() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.process != nil && s.process.Process != nil && s.process.Process.Pid != s.pid {
		_ = s.process.Process.Signal(syscall.SIGCONT)
	}
	return syscall.Kill(s.pid, syscall.SIGCONT)
}

// Log returns the server's log, for failure messages.
func (s *Server) Log() string {
	content, err := os.ReadFile(s.logPath)
	if err != nil {
		return ""
	}
	const tail = 4000
	if len(content) > tail {
		content = content[len(content)-tail:]
	}
	return string(content)
}

// FullLog returns the server's whole log (with LogStatements, every statement it ran).
func (s *Server) FullLog() string {
	content, _ := os.ReadFile(s.logPath)
	text := string(content)
	if s.generalLogPath != "" {
		general, _ := os.ReadFile(s.generalLogPath)
		text += string(general)
	}
	return text
}

func (s *Server) stopSignal() syscall.Signal {
	if s.Engine == Postgres {
		// SIGINT is PostgreSQL's "fast" shutdown: no waiting for clients to disconnect.
		return syscall.SIGINT
	}
	return syscall.SIGTERM
}

func stopPID(pid int, signal syscall.Signal) error {
	if err := syscall.Kill(pid, signal); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return nil
		}
		return fmt.Errorf("signalling pid %d: %w", pid, err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if !alive(pid) {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	return fmt.Errorf("pid %d did not stop within 20s after %v; killed it", pid, signal)
}

// alive reports whether pid is still running (a zombie counts as gone).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the ")" that closes the command name.
	for i := len(status) - 1; i >= 0; i-- {
		if status[i] == ')' && i+2 < len(status) {
			return status[i+2] != 'Z'
		}
	}
	return true
}

// freePort finds a loopback port that is free now, below Linux's ephemeral range (32768–60999)
// so that outgoing connections do not take it before the server binds it.
func freePort() (int, error) {
	for range 200 {
		port := 10000 + rand.IntN(10000)
		listener, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue
		}
		listener.Close()
		return port, nil
	}
	return 0, fmt.Errorf("finding a free loopback port: none free between 10000 and 20000")
}

var installOnce struct {
	sync.Once
	err error
}

// ensureInstalled runs scripts/databases.sh, which installs what is missing under a lock.
func ensureInstalled(ctx context.Context) error {
	installOnce.Do(func() {
		if postgresBin() != "" && mariadbBin("mariadbd") != "" && mariadbBin("mariadb-install-db") != "" {
			return
		}
		script := filepath.Join(repoRoot(), "scripts", "databases.sh")
		cmd := exec.CommandContext(ctx, "bash", script)
		output, err := cmd.CombinedOutput()
		if err != nil {
			installOnce.err = fmt.Errorf("installing the database servers with %s: %w\n%s", script, err, output)
		}
	})
	return installOnce.err
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// postgresBin is the newest installed PostgreSQL's bin directory, or "".
func postgresBin() string {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	best, bestVersion := "", -1
	for _, match := range matches {
		version, err := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(match))))
		if err == nil && version > bestVersion {
			best, bestVersion = filepath.Dir(match), version
		}
	}
	return best
}

func mariadbBin(name string) string {
	if path, err := exec.LookPath(name); err == nil {
		return path
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return filepath.Join(dir, name)
		}
	}
	return ""
}

// systemUser returns the uid and gid of a system user, or ok=false when the tests do not run as
// root (then the servers run as the current user).
func systemUser(name string) (uid, gid int, ok bool, err error) {
	if os.Geteuid() != 0 {
		return 0, 0, false, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return 0, 0, false, fmt.Errorf("looking up the %s system user (created by its Debian package): %w", name, err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid, true, nil
}

// chownTree gives a directory tree to the server's user.
func chownTree(dir string, uid, gid int) error {
	return filepath.Walk(dir, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	})
}

// waitReady polls ready until it succeeds, the process exits, or the timeout passes.
func (s *Server) waitReady(ctx context.Context, ready func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	exited := make(chan struct{})
	go func() {
		// Only watch for an early exit; the process is reaped by Stop.
		for ctx.Err() == nil {
			if !alive(s.process.Process.Pid) {
				close(exited)
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	var lastErr error
	for {
		attempt, cancelAttempt := context.WithTimeout(ctx, 3*time.Second)
		lastErr = ready(attempt)
		cancelAttempt()
		if lastErr == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("%s exited while starting: %v\nlog:\n%s", s.Engine, lastErr, s.Log())
		case <-ctx.Done():
			return fmt.Errorf("%s did not accept logins within %s: %v\nlog:\n%s", s.Engine, startTimeout, lastErr, s.Log())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
