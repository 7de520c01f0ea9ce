//go:build ignore

// gen builds the rotation function for each Lambda architecture and writes
// bootstrap-linux-<arch>.zip, byte-for-byte the same on every run from the same source and Go
// toolchain: no build id or VCS stamp in the binary, one entry with a fixed time and mode. Beside
// each zip it writes <zip>.sha256, the zip's SHA-256 in base64 as Lambda reports it in CodeSha256,
// so that the provider knows the hash without reading the package on every plan.
//
//	go run gen.go [-out dir]
package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

const bootstrapPackage = "github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator/bootstrap"

// zipTime is every entry's modification time: a fixed instant instead of the build's.
var zipTime = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

func main() {
	out := flag.String("out", ".", "directory to write the zips to")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	work, err := os.MkdirTemp("", "secretsbundle-bootstrap-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	// Sequential on purpose: each build already uses every core.
	for _, arch := range []string{"amd64", "arm64"} {
		binary := filepath.Join(work, "bootstrap-"+arch)
		if err := build(arch, binary); err != nil {
			return err
		}
		if err := writeZip(binary, filepath.Join(out, "bootstrap-linux-"+arch+".zip")); err != nil {
			return err
		}
	}
	return nil
}

func build(arch, binary string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-tags", "lambda.norpc",
		"-ldflags", "-s -w -buildid=", "-o", binary, bootstrapPackage)
	// GOFLAGS is cleared so that a developer's flags (-race, -cover) cannot change the binary.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch, "GOFLAGS=")
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building the rotator for linux/%s: %w", arch, err)
	}
	return nil
}

func writeZip(binary, zipPath string) error {
	content, err := os.ReadFile(binary)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	archive := zip.NewWriter(&buf)
	// The package is embedded in the provider twice (one per architecture): every byte counts.
	archive.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	header := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: zipTime}
	// Lambda runs the file as is: it must be executable in the archive.
	header.SetMode(0o755)
	entry, err := archive.CreateHeader(header)
	if err != nil {
		return err
	}
	if _, err := io.Copy(entry, bytes.NewReader(content)); err != nil {
		return err
	}
	if err := archive.Close(); err != nil {
		return err
	}
	sum := sha256.Sum256(buf.Bytes())
	if err := writeAtomically(zipPath+".sha256", []byte(base64.StdEncoding.EncodeToString(sum[:]))); err != nil {
		return err
	}
	return writeAtomically(zipPath, buf.Bytes())
}

// writeAtomically writes beside the target and renames, so an interrupted run never leaves a
// truncated file for go:embed to pick up.
func writeAtomically(path string, content []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, content, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
