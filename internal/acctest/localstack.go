// Package acctest is the test harness: it starts (or reuses) LocalStack, the AWS proxy and the
// database servers the acceptance and integration tests need, and fails the test, never skips it,
// when they cannot be started.
package acctest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// LocalStack credentials and coordinates: LocalStack accepts any key, and these are the ones its
// documentation and tflocal use.
const (
	AccessKeyID     = "test"
	SecretAccessKey = "test"
	Region          = "us-east-1"
	AccountID       = "000000000000"
)

var (
	harnessOnce sync.Once
	harnessErr  error
)

// RepoRoot is the repository's top directory, found from this file's location so tests in any
// package agree on where .harness/ and scripts/ are.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

func localStackPort() string {
	if port := os.Getenv("LOCALSTACK_PORT"); port != "" {
		return port
	}
	return "4566"
}

func proxyPort() string {
	if port := os.Getenv("AWSPROXY_PORT"); port != "" {
		return port
	}
	return "4567"
}

// PreCheck fails the test unless TF_ACC is set: acceptance tests are opt-in like
// terraform-plugin-testing's, but once opted in they never skip silently.
func PreCheck(t testing.TB) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make testacc starts LocalStack through the harness)")
	}
}

// ensureHarness runs `scripts/localstack.sh up` once per test binary, unless LocalStack and the
// proxy both already answer. The script is idempotent and
// locked, so test binaries of several packages may call it at once.
func ensureHarness() error {
	harnessOnce.Do(func() {
		if healthy("http://127.0.0.1:"+localStackPort()+"/_localstack/health") &&
			healthy("http://127.0.0.1:"+proxyPort()+"/_proxy/health") {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "bash", filepath.Join(RepoRoot(), "scripts", "localstack.sh"), "up")
		cmd.Dir = RepoRoot()
		out, err := cmd.CombinedOutput()
		if err != nil {
			harnessErr = fmt.Errorf("starting LocalStack with scripts/localstack.sh up: %w\n%s", err, out)
		}
	})
	return harnessErr
}

// LocalStackEndpoint returns LocalStack's gateway URL, starting LocalStack through the harness when
// it is not running. The test fails when it cannot be started.
func LocalStackEndpoint(t testing.TB) string {
	t.Helper()
	PreCheck(t)
	if err := ensureHarness(); err != nil {
		t.Fatal(err)
	}
	return "http://127.0.0.1:" + localStackPort()
}

// ProxyEndpoint returns the URL of the harness's AWS proxy that `scripts/localstack.sh up` starts
// beside LocalStack. The test fails when the proxy does not answer.
func ProxyEndpoint(t testing.TB) string {
	t.Helper()
	LocalStackEndpoint(t)
	endpoint := "http://127.0.0.1:" + proxyPort()
	if !healthy(endpoint + "/_proxy/health") {
		t.Fatalf("the AWS proxy does not answer on %s: start it with `make localstack-up`", endpoint)
	}
	return endpoint
}

func healthy(url string) bool {
	client := http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
