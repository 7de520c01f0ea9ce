package integration

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator/artifact"
)

var (
	bootstrapOnce sync.Once
	bootstrapPath string
	bootstrapDir  string
	bootstrapErr  error
	rieOnce       sync.Once
	riePath       string
	rieErr        error
)

// extractBootstrap unpacks the embedded package for this machine's architecture: the tests run
// exactly the binary the provider deploys.
func extractBootstrap(t testing.TB) string {
	t.Helper()
	bootstrapOnce.Do(func() {
		content, err := artifact.Zip(runtime.GOARCH)
		if err != nil {
			bootstrapErr = err
			return
		}
		reader, err := zip.NewReader(bytes.NewReader(content), int64(len(content)))
		if err != nil {
			bootstrapErr = err
			return
		}
		// Shared by every test of the binary, so not a test's TempDir; TestMain removes it.
		dir, err := os.MkdirTemp("", "secretsbundle-rotator-task-") //nolint:usetesting // outlives any one test
		bootstrapDir = dir
		if err != nil {
			bootstrapErr = err
			return
		}
		entry, err := reader.File[0].Open()
		if err != nil {
			bootstrapErr = err
			return
		}
		defer entry.Close()
		bootstrapPath = filepath.Join(dir, "bootstrap")
		file, err := os.OpenFile(bootstrapPath, os.O_CREATE|os.O_WRONLY, reader.File[0].Mode())
		if err != nil {
			bootstrapErr = err
			return
		}
		defer file.Close()
		_, bootstrapErr = io.Copy(file, entry)
	})
	if bootstrapErr != nil {
		t.Fatalf("extracting the rotator's bootstrap: %v", bootstrapErr)
	}
	return bootstrapPath
}

// installRIE runs scripts/install-rie.sh, which builds the emulator into .harness/bin once.
func installRIE(t testing.TB) string {
	t.Helper()
	rieOnce.Do(func() {
		cmd := exec.Command("bash", filepath.Join(acctest.RepoRoot(), "scripts", "install-rie.sh"))
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			rieErr = fmt.Errorf("scripts/install-rie.sh: %w", err)
			return
		}
		riePath = strings.TrimSpace(string(out))
	})
	if rieErr != nil {
		t.Fatal(rieErr)
	}
	return riePath
}

// function is the rotator running under the emulator, with one environment (one function
// configuration). The emulator starts the bootstrap at the first invocation and keeps it warm.
type function struct {
	t       testing.TB
	url     string
	cmd     *exec.Cmd
	output  *lockedBuffer
	mu      sync.Mutex
	invokes int
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startFunction starts the emulator with the rotator and these extra environment variables on top
// of what Lambda sets (credentials, region) and the LocalStack endpoint. The two ports are picked
// free but can be taken before the emulator binds them (the machine is shared, LocalStack opens
// connections all the time): a start that fails on "address already in use" is tried again on
// other ports.
func startFunction(t testing.TB, endpoint string, env map[string]string) *function {
	t.Helper()
	bootstrap := extractBootstrap(t)
	return startRuntime(t, endpoint, env, filepath.Dir(bootstrap), bootstrap)
}

// startRuntime starts the emulator with another runtime process (argv, run in dir) in the rotator's
// place: the benchmark runs AWS's Python template this way (benchmark_template_test.go).
func startRuntime(t testing.TB, endpoint string, env map[string]string, dir string, argv ...string) *function {
	t.Helper()
	const attempts = 4
	for attempt := 1; ; attempt++ {
		fn, err := tryStartFunction(t, endpoint, env, dir, argv)
		if err == nil {
			t.Cleanup(fn.stop)
			return fn
		}
		if attempt == attempts || !strings.Contains(err.Error(), "address already in use") {
			t.Fatal(err)
		}
		t.Logf("attempt %d: %v; trying other ports", attempt, firstLine(err.Error()))
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func tryStartFunction(t testing.TB, endpoint string, env map[string]string, dir string, argv []string) (*function, error) {
	t.Helper()
	rie := installRIE(t)
	invokePort, runtimePort := freePort(t), freePort(t)
	for runtimePort == invokePort {
		runtimePort = freePort(t)
	}
	cmd := exec.Command(rie,
		"--runtime-interface-emulator-address", "127.0.0.1:"+strconv.Itoa(invokePort),
		"--runtime-api-address", "127.0.0.1:"+strconv.Itoa(runtimePort))
	cmd.Args = append(cmd.Args, argv...)
	cmd.Dir = dir
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"AWS_ACCESS_KEY_ID=" + acctest.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + acctest.SecretAccessKey,
		"AWS_SESSION_TOKEN=",
		"AWS_REGION=" + acctest.Region,
		"AWS_ENDPOINT_URL=" + endpoint,
		"AWS_LAMBDA_FUNCTION_TIMEOUT=30",
		"AWS_LAMBDA_FUNCTION_NAME=secretsbundle-rotator-test",
		"LOG_LEVEL=warn",
	}
	for name, value := range env {
		cmd.Env = append(cmd.Env, name+"="+value)
	}
	output := &lockedBuffer{}
	cmd.Stdout = output
	cmd.Stderr = output
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the Runtime Interface Emulator: %w", err)
	}
	fn := &function{t: t, url: fmt.Sprintf("http://127.0.0.1:%d/2015-03-31/functions/function/invocations", invokePort), cmd: cmd, output: output}
	deadline := time.Now().Add(15 * time.Second)
	for {
		if strings.Contains(output.String(), "address already in use") {
			fn.stop()
			return nil, fmt.Errorf("the emulator could not bind its ports: %s", output.String())
		}
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", invokePort), time.Second)
		if err == nil {
			conn.Close()
			return fn, nil
		}
		if time.Now().After(deadline) {
			fn.stop()
			return nil, fmt.Errorf("the emulator did not listen on %d: %v\n%s", invokePort, err, output.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop ends the emulator and the bootstrap it started (one process group, by its id).
func (fn *function) stop() {
	if fn.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-fn.cmd.Process.Pid, syscall.SIGKILL)
	_ = fn.cmd.Wait()
}

// invocationResult is one invocation as Secrets Manager would see it.
type invocationResult struct {
	// Err is the function error (the rotator's message), nil on success.
	Err error
	// Wall is the invocation's round trip through the emulator.
	Wall time.Duration
	// Line is the rotator's log line for the step.
	Line rotator.LogLine
}

// invoke runs one rotation step.
func (fn *function) invoke(event rotator.Event) invocationResult {
	fn.t.Helper()
	fn.mu.Lock()
	defer fn.mu.Unlock()
	body, _ := json.Marshal(event)
	linesBefore := len(fn.logLines())
	started := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	request, _ := http.NewRequestWithContext(ctx, http.MethodPost, fn.url, bytes.NewReader(body))
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		fn.t.Fatalf("invoking %s through the emulator: %v\n%s", event.Step, err, fn.output.String())
	}
	payload, _ := io.ReadAll(response.Body)
	response.Body.Close()
	result := invocationResult{Wall: time.Since(started)}
	fn.invokes++
	var functionError struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}
	if json.Unmarshal(payload, &functionError) == nil && functionError.ErrorMessage != "" {
		result.Err = fmt.Errorf("%s", functionError.ErrorMessage)
	} else if response.StatusCode != http.StatusOK {
		result.Err = fmt.Errorf("emulator status %d: %s", response.StatusCode, payload)
	}
	// The log line is written before the handler returns, but stdout is piped: wait for it.
	deadline := time.Now().Add(5 * time.Second)
	for {
		lines := fn.logLines()
		if len(lines) > linesBefore {
			result.Line = lines[len(lines)-1]
			break
		}
		if time.Now().After(deadline) {
			fn.t.Fatalf("no log line for %s (error %v); output:\n%s", event.Step, result.Err, fn.output.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return result
}

func (fn *function) logLines() []rotator.LogLine {
	var lines []rotator.LogLine
	for _, text := range strings.Split(fn.output.String(), "\n") {
		if line, ok := rotator.ParseLogLine(text); ok {
			lines = append(lines, line)
		}
	}
	return lines
}

// peakRSSKiB is the bootstrap's peak resident set (VmHWM), read from /proc while it runs.
func (fn *function) peakRSSKiB() int {
	fn.t.Helper()
	pid := childPID(fn.cmd.Process.Pid)
	if pid == 0 {
		fn.t.Fatalf("the emulator (pid %d) has no bootstrap child process", fn.cmd.Process.Pid)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		fn.t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if value, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kib, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(value), "kB")))
			return kib
		}
	}
	return 0
}

func childPID(parent int) int {
	entries, _ := os.ReadDir("/proc")
	for _, entry := range entries {
		pid, err := strconv.Atoi(entry.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// Fields after the ")" closing the command: state, ppid, ...
		end := bytes.LastIndexByte(stat, ')')
		fields := strings.Fields(string(stat[end+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(parent) {
			return pid
		}
	}
	return 0
}

// freePort finds a port that is free now, below Linux's ephemeral range (32768–60999) so that
// the many outgoing connections to LocalStack do not take it before the emulator binds it.
func freePort(t testing.TB) int {
	t.Helper()
	for range 200 {
		port := 20000 + rand.IntN(12000)
		listener, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue
		}
		listener.Close()
		return port
	}
	t.Fatal("no free port between 20000 and 32000")
	return 0
}
