//go:build ignore

// gen builds the rotation function for each Lambda architecture and writes
// bootstrap-linux-<arch>.zip, byte-for-byte the same on every run from the same source and Go
// toolchain: no build id or VCS stamp in the binary, one entry with a fixed time and mode.
//
//	go run gen.go [-out dir]
package main

import (
	"archive/zip"
	"bytes"
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
	// Written beside the target and renamed, so an interrupted run never leaves a truncated zip
	// for go:embed to pick up.
	tmp := zipPath + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, zipPath)
}
