package dbserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// FerretDB speaks the MongoDB wire protocol (the rotator's "mongo" engine, as Amazon DocumentDB
// and MongoDB), on an embedded SQLite backend, with SCRAM-SHA-256 users (createUser, updateUser,
// usersInfo) under its new authentication. It is not MongoDB: it keeps the roles it is given but
// does not enforce them.
const FerretDB Engine = "ferretdb"

// ferretDBVersion is built from the Go module proxy into .harness/ferretdb/<version>.
const ferretDBVersion = "v1.24.2"

const ferretDBSuperUser = "harness"

// ferretDBBinary builds FerretDB once per machine (under a lock: test binaries run in parallel):
// the module's source is copied out of the module cache (read-only there) with the
// build/version/version.txt its build embeds, without which the binary panics at start.
func ferretDBBinary(ctx context.Context) (string, error) {
	dir := filepath.Join(repoRoot(), ".harness", "ferretdb", ferretDBVersion)
	binary := filepath.Join(dir, "ferretdb")
	if _, err := os.Stat(binary); err == nil {
		return binary, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	defer func() { _ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) }()
	if _, err := os.Stat(binary); err == nil {
		return binary, nil // built by another test binary meanwhile
	}
	module := "github.com/FerretDB/FerretDB@" + ferretDBVersion
	download := exec.CommandContext(ctx, "go", "mod", "download", "-json", module)
	download.Dir = dir // outside this module: its go.mod would otherwise be consulted
	download.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	output, err := download.Output()
	if err != nil {
		return "", fmt.Errorf("downloading %s from the Go module proxy: %w\n%s", module, err, output)
	}
	var downloaded struct{ Dir, Error string }
	if err := json.Unmarshal(output, &downloaded); err != nil || downloaded.Dir == "" {
		return "", fmt.Errorf("downloading %s: %v %s", module, err, downloaded.Error)
	}
	source := filepath.Join(dir, "src")
	_ = os.RemoveAll(source)
	if output, err := exec.CommandContext(ctx, "cp", "-R", downloaded.Dir, source).CombinedOutput(); err != nil {
		return "", fmt.Errorf("copying the FerretDB source: %w\n%s", err, output)
	}
	if output, err := exec.CommandContext(ctx, "chmod", "-R", "u+w", source).CombinedOutput(); err != nil {
		return "", fmt.Errorf("making the FerretDB source writable: %w\n%s", err, output)
	}
	if err := os.WriteFile(filepath.Join(source, "build", "version", "version.txt"), []byte(ferretDBVersion), 0o644); err != nil {
		return "", err
	}
	build := exec.CommandContext(ctx, "go", "build", "-o", binary+".tmp", "./cmd/ferretdb")
	build.Dir = source
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "CGO_ENABLED=0")
	if output, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building FerretDB %s: %w\n%s", ferretDBVersion, err, output)
	}
	if err := os.Rename(binary+".tmp", binary); err != nil {
		return "", err
	}
	_ = os.RemoveAll(source)
	return binary, nil
}

func (s *Server) startFerretDB(ctx context.Context) error {
	binary, err := ferretDBBinary(ctx)
	if err != nil {
		return err
	}
	s.SuperUser = ferretDBSuperUser
	s.dir, err = os.MkdirTemp("", "secretsbundle-ferretdb-")
	if err != nil {
		return err
	}
	data := filepath.Join(s.dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		return err
	}
	s.logPath = filepath.Join(s.dir, "ferretdb.log")
	address := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	args := []string{
		"--handler=sqlite", "--sqlite-url=file:" + data + "/",
		"--test-enable-new-auth", "--telemetry=disable", "--debug-addr=-", "--log-level=warn",
		"--setup-database=admin", "--setup-username=" + s.SuperUser, "--setup-password=" + s.SuperPassword,
		"--state-dir=" + s.dir,
	}
	if s.TLS {
		certPath, keyPath, certPEM, err := writeServerCert(s.dir, s.opts.CA, s.opts.CertHost)
		if err != nil {
			return fmt.Errorf("making the FerretDB test certificate: %w", err)
		}
		s.CACertPEM = certPEM
		// TLS only: no plaintext listener beside it.
		args = append(args, "--listen-addr=", "--listen-tls="+address, "--listen-tls-cert-file="+certPath, "--listen-tls-key-file="+keyPath)
	} else {
		args = append(args, "--listen-addr="+address)
	}
	s.launch = func(ctx context.Context) error {
		logFile, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		defer logFile.Close()
		process := exec.Command(binary, args...)
		process.Stdout, process.Stderr = logFile, logFile
		return s.startProcess(ctx, process, "FerretDB", s.pingFerretDB)
	}
	return s.launch(ctx)
}

func (s *Server) pingFerretDB(ctx context.Context) error {
	client, err := s.MongoClient(s.SuperUser, s.SuperPassword)
	if err != nil {
		return err
	}
	defer func() { _ = client.Disconnect(context.Background()) }()
	return client.Database("admin").RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err()
}

// MongoClient connects to this server as a user of the admin database (SCRAM-SHA-256), over
// TLS verified with the test CA when the server has TLS. Test code only.
func (s *Server) MongoClient(username, password string) (*mongo.Client, error) {
	opts := options.Client().
		SetHosts([]string{net.JoinHostPort(s.Host, strconv.Itoa(s.Port))}).
		SetDirect(true).
		SetRetryWrites(false).
		SetConnectTimeout(5 * time.Second).
		SetServerSelectionTimeout(5 * time.Second).
		SetAuth(options.Credential{AuthMechanism: "SCRAM-SHA-256", AuthSource: "admin", Username: username, Password: password})
	if s.TLS {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(s.CACertPEM)
		opts.SetTLSConfig(&tls.Config{RootCAs: pool, ServerName: s.Host, MinVersion: tls.VersionTLS12})
	}
	return mongo.Connect(opts)
}
