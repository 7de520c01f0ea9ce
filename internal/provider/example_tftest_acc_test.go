package provider

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAccExample_testingWithLocalStack runs the LocalStack guide's module and its terraform test
// file as a reader would (terraform test, with this tree's provider as a dev override), against
// the harness: the bundle the guide's advice makes without a database (rotation off until the
// database has the stored password) applies, reads back and destroys. The guide once set
// rotate_immediately = false instead, whose schedule runs the rotator's testSecret and fails.
func TestAccExample_testingWithLocalStack(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("builds the provider and runs terraform test: runs with TF_ACC=1 (make test)")
	}
	proxy := startProxy(t)
	bin := buildProvider(t, "../..")
	dir := t.TempDir()
	source := filepath.FromSlash("../../examples/guides/testing-with-localstack")
	err := filepath.WalkDir(source, func(path string, entry os.DirEntry, err error) error {
		if err != nil || entry.IsDir() {
			return err
		}
		content, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		// The guide's harness proxy is on 127.0.0.1:4567; this test's is its own.
		text := strings.ReplaceAll(string(content), "http://127.0.0.1:4567", proxy.URL())
		text = strings.ReplaceAll(text, `lambda_architecture = "x86_64"`, `lambda_architecture = "`+hostArchitecture()+`"`)
		target := filepath.Join(dir, strings.TrimPrefix(path, source))
		if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			return err
		}
		return os.WriteFile(target, []byte(text), 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	if code, output := terraformWith(t, dir, bin, "get", "-no-color"); code != 0 {
		t.Fatalf("terraform get (%d):\n%s", code, output)
	}
	code, output := terraformWith(t, dir, bin, "test", "-no-color")
	if code != 0 || !strings.Contains(output, "2 passed, 0 failed") {
		t.Fatalf("terraform test of the guide's example (%d):\n%s", code, output)
	}
	t.Log(output)
}
