package docsamples

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
)

// documentedName is the secret name the samples are written for; each test replaces it with its own.
const documentedName = "prod/orders/db"

// samples returns the fenced blocks of the resource page's template, by language, in order.
func samples(t *testing.T, language string) []string {
	t.Helper()
	page, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "templates", "resources", "rds_secret.md.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```"+language+"\n(.*?)```").FindAllStringSubmatch(string(page), -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// rotatingSecret is a secret in LocalStack whose AWSCURRENT the test moves as a rotation does.
type rotatingSecret struct {
	t      *testing.T
	client *secretsmanager.Client
	name   string
	n      int
}

func newRotatingSecret(t *testing.T) *rotatingSecret {
	endpoint := harness.LocalStackEndpoint(t)
	s := &rotatingSecret{t: t, client: harness.NewAWS(t, endpoint).SecretsManager, name: fmt.Sprintf("tf-acc-docsample-%d", time.Now().UnixNano())}
	if _, err := s.client.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String(s.name), SecretString: aws.String(s.value())}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = s.client.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(s.name), ForceDeleteWithoutRecovery: aws.Bool(true)})
	})
	return s
}

func (s *rotatingSecret) password() string { return fmt.Sprintf("password-%d", s.n) }

func (s *rotatingSecret) value() string {
	return fmt.Sprintf(`{"engine":"postgres","host":"db.example.internal","port":5432,"dbname":"orders","username":"app","password":%q}`, s.password())
}

// rotate writes a new AWSCURRENT version, as the rotator's finishSecret leaves it.
func (s *rotatingSecret) rotate() {
	s.n++
	if _, err := s.client.PutSecretValue(context.Background(), &secretsmanager.PutSecretValueInput{SecretId: aws.String(s.name), SecretString: aws.String(s.value())}); err != nil {
		s.t.Fatal(err)
	}
}

// sampleEnv points the SDKs at LocalStack the way a user's environment points them at AWS.
func sampleEnv(endpoint string) []string {
	return append(os.Environ(), "AWS_ENDPOINT_URL="+endpoint, "AWS_REGION="+harness.Region, "AWS_DEFAULT_REGION="+harness.Region,
		"AWS_ACCESS_KEY_ID="+harness.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+harness.SecretAccessKey)
}

// conversation runs a sample's driver, which prints one password per line and reads a line from
// stdin between them; rotateAfter lists the lines after which the secret rotates.
func conversation(t *testing.T, cmd *exec.Cmd, s *rotatingSecret, lines int, rotateAfter map[int]bool) []string {
	t.Helper()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	read := bufio.NewScanner(stdout)
	var got []string
	for i := 1; i <= lines; i++ {
		if !read.Scan() {
			t.Fatalf("the sample stopped after %d of %d lines: %v\n%s", i-1, lines, read.Err(), stderr.String())
		}
		got = append(got, strings.TrimSpace(read.Text()))
		if rotateAfter[i] {
			s.rotate()
		}
		if _, err := io.WriteString(stdin, "next\n"); err != nil {
			t.Fatal(err)
		}
	}
	return got
}

const goDriver = `package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"sample/dbsecret"
)

// Get, Get again (cached across a rotation), Refresh and Get: the sequence of an application
// whose login is refused after a rotation.
func main() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		panic(err)
	}
	cache := &dbsecret.Cache{Client: secretsmanager.NewFromConfig(cfg), SecretID: os.Args[1], TTL: time.Hour}
	in := bufio.NewScanner(os.Stdin)
	for step := 0; step < 3; step++ {
		if step == 2 {
			cache.Refresh()
		}
		v, err := cache.Get(ctx)
		if err != nil {
			panic(err)
		}
		fmt.Println(v.Password, v.Engine, v.Port)
		in.Scan()
	}
}
`

// TestAccDocSample_go compiles the Go sample (package dbsecret) as a module of its own, with this
// repository's dependency versions, and runs it: the cached value survives a rotation until
// Refresh, then AWSCURRENT is read again.
func TestAccDocSample_go(t *testing.T) {
	s := newRotatingSecret(t)
	blocks := samples(t, "go")
	if len(blocks) != 1 {
		t.Fatalf("the page shows %d Go samples; this test runs one", len(blocks))
	}
	dir := t.TempDir()
	mod, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	mod = regexp.MustCompile(`(?m)^module .*$`).ReplaceAll(mod, []byte("module sample"))
	for name, content := range map[string][]byte{"go.mod": mod, "go.sum": sum, "main.go": []byte(goDriver), "dbsecret/dbsecret.go": []byte(blocks[0])} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	build := exec.Command("go", "build", "-o", "sample", ".")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("the Go sample does not compile: %v\n%s", err, out)
	}
	cmd := exec.Command(filepath.Join(dir, "sample"), s.name)
	cmd.Env = sampleEnv(harness.LocalStackEndpoint(t))
	got := conversation(t, cmd, s, 3, map[int]bool{1: true})
	want := []string{"password-0 postgres 5432", "password-0 postgres 5432", "password-1 postgres 5432"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Get, Get after a rotation, Refresh+Get = %q, want %q", got, want)
	}
}

// python is the harness's Python (the LocalStack venv, which has boto3) with the caching client
// installed beside it, in .harness/docsamples, at the version the page's pip line names.
func python(t *testing.T) (string, string) {
	t.Helper()
	harness.LocalStackEndpoint(t) // builds the venv when it is missing
	bin := filepath.Join(harness.RepoRoot(), ".harness", "venv", "bin", "python")
	target := filepath.Join(harness.RepoRoot(), ".harness", "docsamples", "python")
	if _, err := os.Stat(filepath.Join(target, "aws_secretsmanager_caching")); err != nil {
		install := exec.Command(bin, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps", "--target", target, "aws-secretsmanager-caching=="+cachingVersion)
		if out, err := install.CombinedOutput(); err != nil {
			t.Fatalf("pip install aws-secretsmanager-caching: %v\n%s", err, out)
		}
	}
	return bin, target
}

// cachingVersion is the aws-secretsmanager-caching release the Python sample is run with.
const cachingVersion = "1.2.0"

// TestAccDocSample_python runs the boto3 sample with the AWS caching client: a value cached across
// a rotation, then read again with refresh=True.
func TestAccDocSample_python(t *testing.T) {
	s := newRotatingSecret(t)
	blocks := samples(t, "python")
	if len(blocks) != 2 || !strings.Contains(blocks[0], "SecretCache") {
		t.Fatalf("the page shows %d Python samples, the first without SecretCache; this test runs the caching client's", len(blocks))
	}
	bin, path := python(t)
	dir := t.TempDir()
	sample := strings.ReplaceAll(blocks[0], `"`+documentedName+`"`, fmt.Sprintf("%q", s.name))
	driver := "import sys\nimport sample\nfor refresh in (False, False, True):\n    print(sample.credentials(refresh=refresh)[\"password\"], flush=True)\n    sys.stdin.readline()\n"
	for name, content := range map[string]string{"sample.py": sample, "driver.py": driver} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "driver.py")
	cmd.Dir = dir
	cmd.Env = append(sampleEnv(harness.LocalStackEndpoint(t)), "PYTHONPATH="+path)
	got := conversation(t, cmd, s, 3, map[int]bool{1: true})
	want := []string{"password-0", "password-0", "password-1"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("credentials(), after a rotation, credentials(refresh=True) = %q, want %q", got, want)
	}
}

// extensionStandIn serves the Parameters and Secrets Lambda Extension's local endpoint from
// LocalStack: GET /secretsmanager/get?secretId=… with the function's session token in
// X-Aws-Parameters-Secrets-Token, answered with GetSecretValue's response. It records the calls.
func extensionStandIn(t *testing.T, client *secretsmanager.Client, token string) (port string, calls *[]string) {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	seen := []string{}
	server := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Method+" "+r.URL.Path+" "+r.URL.Query().Get("secretId"))
		if r.Header.Get("X-Aws-Parameters-Secrets-Token") != token {
			http.Error(w, "missing or wrong X-Aws-Parameters-Secrets-Token", http.StatusUnauthorized)
			return
		}
		if r.Method != http.MethodGet || r.URL.Path != "/secretsmanager/get" {
			http.NotFound(w, r)
			return
		}
		out, err := client.GetSecretValue(r.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(r.URL.Query().Get("secretId"))})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"ARN": out.ARN, "Name": out.Name, "SecretString": out.SecretString, "VersionId": out.VersionId, "VersionStages": out.VersionStages})
	})}
	go func() { _ = server.Serve(listener) }()
	t.Cleanup(func() { _ = server.Close() })
	_, port, _ = net.SplitHostPort(listener.Addr().String())
	return port, &seen
}

// TestAccDocSample_lambdaExtension runs the Lambda sample against the extension's stand-in: it
// reads the secret by name through the local endpoint with the session token, and after a rotation
// reads the new value (the stand-in does not cache; the extension's TTL is the page's caveat).
func TestAccDocSample_lambdaExtension(t *testing.T) {
	s := newRotatingSecret(t)
	blocks := samples(t, "python")
	if len(blocks) != 2 || !strings.Contains(blocks[1], "X-Aws-Parameters-Secrets-Token") {
		t.Fatalf("the page's second Python sample is not the extension's")
	}
	bin, _ := python(t)
	const token = "session-token-of-the-function"
	port, calls := extensionStandIn(t, s.client, token)
	dir := t.TempDir()
	sample := strings.ReplaceAll(blocks[1], `"`+documentedName+`"`, fmt.Sprintf("%q", s.name))
	driver := "import sys\nimport sample\nfor _ in range(2):\n    print(sample.credentials()[\"password\"], flush=True)\n    sys.stdin.readline()\n"
	for name, content := range map[string]string{"sample.py": sample, "driver.py": driver} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "driver.py")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "AWS_SESSION_TOKEN="+token, "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT="+port)
	got := conversation(t, cmd, s, 2, map[int]bool{1: true})
	if want := []string{"password-0", "password-1"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("credentials() before and after a rotation = %q, want %q", got, want)
	}
	if want := "GET /secretsmanager/get " + s.name; len(*calls) != 2 || (*calls)[0] != want {
		t.Errorf("the extension was asked %q, want twice %q", *calls, want)
	}
}
