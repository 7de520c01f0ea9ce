package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"debug/buildinfo"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// TestReleaseSnapshot builds the release as the release workflow does, with goreleaser (installed
// into .harness/bin by make tools) in snapshot mode without signing or publishing, and checks what a
// registry reads: one zip per platform holding only the provider binary, stripped and stamped with
// the version; the registry manifest; and a SHA256SUMS file that lists every archive and the
// manifest with their true hashes.
//
// It runs in the acceptance tier (TF_ACC=1, make test). Building the whole platform matrix takes
// several minutes on two cores, so by default the test builds only the host's os/arch from the same
// configuration; RELEASE_ALL_TARGETS=1 builds every platform that .goreleaser.yml lists.
func TestReleaseSnapshot(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("builds the release with goreleaser: runs with TF_ACC=1 (make test)")
	}
	goreleaser, err := filepath.Abs(filepath.Join(".harness", "bin", "goreleaser"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(goreleaser); err != nil {
		t.Fatalf("goreleaser is not installed in .harness/bin: run make tools (%v)", err)
	}

	dist := t.TempDir()
	config, configPath, targets := snapshotConfig(t, dist, os.Getenv("RELEASE_ALL_TARGETS") == "1")

	start := time.Now()
	cmd := exec.Command(goreleaser, "release", "--snapshot", "--skip=sign,publish", "--clean", "--config", configPath)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("goreleaser release --snapshot: %v\n%s", err, out.String())
	}
	t.Logf("goreleaser built %d target(s) in %s", len(targets), time.Since(start).Round(time.Second))

	var metadata struct {
		ProjectName string `json:"project_name"`
		Version     string `json:"version"`
	}
	readJSON(t, filepath.Join(dist, "metadata.json"), &metadata)
	if metadata.ProjectName != "terraform-provider-secretsbundle" || metadata.Version == "" {
		t.Fatalf("dist/metadata.json: project %q version %q", metadata.ProjectName, metadata.Version)
	}
	prefix := metadata.ProjectName + "_" + metadata.Version

	// The manifest is the repository's, under the name the registry looks for: goreleaser lists it
	// in SHA256SUMS (checksum.extra_files) and uploads it with the release (release.extra_files),
	// so a snapshot has it only in the checksums file.
	want, err := os.ReadFile("terraform-registry-manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Version  int `json:"version"`
		Metadata struct {
			ProtocolVersions []string `json:"protocol_versions"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(want, &manifest); err != nil || manifest.Version != 1 || len(manifest.Metadata.ProtocolVersions) != 1 || manifest.Metadata.ProtocolVersions[0] != "6.0" {
		t.Errorf("terraform-registry-manifest.json must declare protocol 6.0 (the framework's): %s (%v)", want, err)
	}
	manifestName := prefix + "_manifest.json"
	for _, section := range []string{"checksum", "release"} {
		if !hasExtraFile(config, section, "terraform-registry-manifest.json", "{{ .ProjectName }}_{{ .Version }}_manifest.json") {
			t.Errorf(".goreleaser.yml: %s.extra_files must add terraform-registry-manifest.json as {{ .ProjectName }}_{{ .Version }}_manifest.json", section)
		}
	}
	manifestSum := sha256.Sum256(want)

	// Every archive: named as the registry expects, holding only the stripped, versioned binary.
	wantFiles := map[string]bool{manifestName: true}
	for _, target := range targets {
		name := prefix + "_" + target + ".zip"
		wantFiles[name] = true
		checkArchive(t, filepath.Join(dist, name), metadata.ProjectName+"_v"+metadata.Version, metadata.Version, target)
	}

	// SHA256SUMS: exactly the archives and the manifest, with their true hashes.
	sums := readSums(t, filepath.Join(dist, prefix+"_SHA256SUMS"))
	for name := range wantFiles {
		sum, ok := sums[name]
		if !ok {
			t.Errorf("SHA256SUMS does not list %s", name)
			continue
		}
		actual := hex.EncodeToString(manifestSum[:])
		if name != manifestName {
			actual = fileSHA256(t, filepath.Join(dist, name))
		}
		if actual != sum {
			t.Errorf("SHA256SUMS says %s for %s, the file's hash is %s", sum, name, actual)
		}
	}
	for name := range sums {
		if !wantFiles[name] {
			t.Errorf("SHA256SUMS lists %s, which is not an archive or the manifest", name)
		}
	}
}

// snapshotConfig writes .goreleaser.yml with dist set to dist and, unless all is true, the build
// narrowed to the host's os/arch. It returns the repository's configuration as parsed, the written
// config's path and the os_arch targets it builds.
func snapshotConfig(t *testing.T, dist string, all bool) (map[string]any, string, []string) {
	t.Helper()
	raw, err := os.ReadFile(".goreleaser.yml")
	if err != nil {
		t.Fatal(err)
	}
	var original, config map[string]any
	if err := yaml.Unmarshal(raw, &original); err != nil {
		t.Fatalf(".goreleaser.yml: %v", err)
	}
	if err := yaml.Unmarshal(raw, &config); err != nil {
		t.Fatal(err)
	}
	builds, ok := config["builds"].([]any)
	if !ok || len(builds) != 1 {
		t.Fatalf(".goreleaser.yml: want one build, got %v", config["builds"])
	}
	build, ok := builds[0].(map[string]any)
	if !ok {
		t.Fatalf(".goreleaser.yml: build is %T", builds[0])
	}
	var targets []string
	if all {
		ignored := map[string]bool{}
		if list, ok := build["ignore"].([]any); ok {
			for _, item := range list {
				if m, ok := item.(map[string]any); ok {
					ignored[fmt.Sprint(m["goos"])+"_"+fmt.Sprint(m["goarch"])] = true
				}
			}
		}
		for _, goos := range stringList(build["goos"]) {
			for _, goarch := range stringList(build["goarch"]) {
				if target := goos + "_" + goarch; !ignored[target] {
					targets = append(targets, target)
				}
			}
		}
	} else {
		if !contains(build["goos"], runtime.GOOS) || !contains(build["goarch"], runtime.GOARCH) {
			t.Fatalf(".goreleaser.yml does not build the host's %s/%s", runtime.GOOS, runtime.GOARCH)
		}
		build["goos"] = []string{runtime.GOOS}
		build["goarch"] = []string{runtime.GOARCH}
		delete(build, "ignore")
		targets = []string{runtime.GOOS + "_" + runtime.GOARCH}
	}
	config["dist"] = dist
	out, err := yaml.Marshal(config)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "goreleaser.yml")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return original, path, targets
}

// hasExtraFile reports whether config's section (checksum, release) adds glob under nameTemplate.
func hasExtraFile(config map[string]any, section, glob, nameTemplate string) bool {
	m, _ := config[section].(map[string]any)
	files, _ := m["extra_files"].([]any)
	for _, f := range files {
		if e, ok := f.(map[string]any); ok && e["glob"] == glob && e["name_template"] == nameTemplate {
			return true
		}
	}
	return false
}

// stringList is a YAML list of scalars as strings.
func stringList(list any) []string {
	items, _ := list.([]any)
	out := make([]string, 0, len(items))
	for _, item := range items {
		out = append(out, fmt.Sprint(item))
	}
	return out
}

func contains(list any, value string) bool {
	return slices.Contains(stringList(list), value)
}

func checkArchive(t *testing.T, path, binary, version, target string) {
	t.Helper()
	r, err := zip.OpenReader(path)
	if err != nil {
		t.Errorf("archive for %s: %v", target, err)
		return
	}
	defer r.Close()
	if strings.HasPrefix(target, "windows_") {
		binary += ".exe"
	}
	// The binary, the license it is distributed under, and goreleaser's default README and CHANGELOG.
	allowed := map[string]bool{binary: true, "LICENSE": true, "README.md": true, "CHANGELOG.md": true}
	var bin *zip.File
	names := make([]string, 0, len(r.File))
	for _, f := range r.File {
		names = append(names, f.Name)
		if f.Name == binary {
			bin = f
		}
		if !allowed[f.Name] {
			t.Errorf("%s holds %s, which is not the binary, LICENSE, README.md or CHANGELOG.md", filepath.Base(path), f.Name)
		}
	}
	if bin == nil || !slices.Contains(names, "LICENSE") {
		t.Errorf("%s holds %v, want the binary %s and LICENSE", filepath.Base(path), names, binary)
		return
	}
	f, err := bin.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tmp := filepath.Join(t.TempDir(), binary)
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmp, data, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: binary %.1f MB (%d bytes)", target, float64(len(data))/(1<<20), len(data))
	info, err := buildinfo.ReadFile(tmp)
	if err != nil {
		t.Errorf("%s: not a Go binary: %v", binary, err)
		return
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	// With -trimpath Go does not record -ldflags, so look at the result: the version is in the
	// binary, and an ELF binary has no symbol table (-s).
	if !bytes.Contains(data, []byte(version)) {
		t.Errorf("%s: the version %s is not in the binary (-X main.version)", binary, version)
	}
	if e, err := elf.NewFile(bytes.NewReader(data)); err == nil {
		if e.Section(".symtab") != nil {
			t.Errorf("%s: has a symbol table: not built with -s", binary)
		}
	}
	if settings["CGO_ENABLED"] != "0" || settings["-trimpath"] != "true" {
		t.Errorf("%s: CGO_ENABLED=%q -trimpath=%q, want 0 and true", binary, settings["CGO_ENABLED"], settings["-trimpath"])
	}
	if goos, goarch, _ := strings.Cut(target, "_"); settings["GOOS"] != goos || settings["GOARCH"] != goarch {
		t.Errorf("%s: built for %s/%s, want %s", binary, settings["GOOS"], settings["GOARCH"], target)
	}
}

func readSums(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("no checksums file in the release: %v", err)
	}
	defer f.Close()
	sums := map[string]string{}
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		sum, name, ok := strings.Cut(scanner.Text(), "  ")
		if !ok || len(sum) != 64 {
			t.Fatalf("%s: line %q is not \"<sha256>  <file>\"", filepath.Base(path), scanner.Text())
		}
		sums[name] = sum
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	return sums
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
