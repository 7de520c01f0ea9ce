package artifact

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The embedded zips must be what gen.go builds from this source: a rebuild gives the same bytes.
func TestZipsAreReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("rebuilds the rotator for two architectures")
	}
	out := t.TempDir()
	cmd := exec.Command("go", "run", "gen.go", "-out", out)
	if output, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run gen.go: %v\n%s", err, output)
	}
	for _, arch := range Architectures {
		embedded, err := Zip(arch)
		if err != nil {
			t.Fatal(err)
		}
		rebuilt, err := os.ReadFile(filepath.Join(out, "bootstrap-linux-"+goArch[arch]+".zip"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(embedded, rebuilt) {
			t.Errorf("%s: the rebuilt zip (sha256 %s) differs from the embedded one (sha256 %s); run make generate, and if it still differs the build is not reproducible",
				arch, sum(rebuilt), sum(embedded))
		}
	}
}

func TestZipHoldsExecutableBootstrap(t *testing.T) {
	for _, arch := range Architectures {
		content, err := Zip(arch)
		if err != nil {
			t.Fatal(err)
		}
		if len(content) > 6<<20 {
			t.Errorf("%s: the zip is %d bytes; the goal is at most 6 MiB", arch, len(content))
		}
		reader, err := zip.NewReader(bytes.NewReader(content), int64(len(content)))
		if err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		if len(reader.File) != 1 || reader.File[0].Name != "bootstrap" {
			t.Fatalf("%s: want exactly one entry named bootstrap, got %v", arch, reader.File)
		}
		if mode := reader.File[0].Mode().Perm(); mode != 0o755 {
			t.Errorf("%s: bootstrap has mode %o, want 755", arch, mode)
		}
		t.Logf("%s: zip %d bytes, bootstrap %d bytes", arch, len(content), reader.File[0].UncompressedSize64)
	}
}

// The hash gen.go wrote beside each zip is the zip's, in Lambda's CodeSha256 encoding.
func TestSHA256MatchesLambdaEncoding(t *testing.T) {
	for _, arch := range []string{"arm64", "x86_64", "amd64"} {
		content, err := Zip(arch)
		if err != nil {
			t.Fatal(err)
		}
		got, err := SHA256(arch)
		if err != nil {
			t.Fatal(err)
		}
		if got != sum(content) {
			t.Errorf("%s: SHA256 = %s, want %s; run make generate", arch, got, sum(content))
		}
	}
	if _, err := Zip("mips"); err == nil {
		t.Error("Zip(mips) succeeded, want an error naming the supported architectures")
	}
	if _, err := SHA256("mips"); err == nil {
		t.Error("SHA256(mips) succeeded, want an error naming the supported architectures")
	}
}

func sum(content []byte) string {
	digest := sha256.Sum256(content)
	return base64.StdEncoding.EncodeToString(digest[:])
}
