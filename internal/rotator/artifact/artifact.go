// Package artifact holds the rotation function's deployment packages, one zip per Lambda
// architecture, embedded into the provider.
//
// The zips are built by `go generate` (make generate), never committed. When they are missing the
// build stops at the go:embed line below with "pattern bootstrap-linux-amd64.zip: no matching files
// found": run `make generate` (or `go generate ./internal/rotator/artifact`) and build again.
package artifact

import (
	"embed"
	"fmt"
)

//go:generate go run gen.go -out .

// If the build fails here, the zips have not been generated: run `make generate`.
//
//go:embed bootstrap-linux-amd64.zip bootstrap-linux-arm64.zip bootstrap-linux-amd64.zip.sha256 bootstrap-linux-arm64.zip.sha256
var zips embed.FS

// Architectures are the Lambda architectures there is a package for, by Lambda's names.
var Architectures = []string{"arm64", "x86_64"}

// goArch maps Lambda's and Go's names of an architecture to the Go name the zip is named after.
var goArch = map[string]string{
	"arm64":  "arm64",
	"x86_64": "amd64",
	"amd64":  "amd64",
}

// Zip returns the deployment package for an architecture ("arm64" or "x86_64"; Go's "amd64" is
// accepted too).
func Zip(arch string) ([]byte, error) {
	name, ok := goArch[arch]
	if !ok {
		return nil, fmt.Errorf("no rotator package for architecture %q; use arm64 or x86_64", arch)
	}
	return zips.ReadFile("bootstrap-linux-" + name + ".zip")
}

// SHA256 returns the package's SHA-256 in base64, as Lambda reports it in CodeSha256, so the
// provider can tell whether a function runs this build of the rotator. gen.go computed it when it
// wrote the zip: a plan needs the hash of every bundle's rotator, never the 4 MB package.
func SHA256(arch string) (string, error) {
	name, ok := goArch[arch]
	if !ok {
		return "", fmt.Errorf("no rotator package for architecture %q; use arm64 or x86_64", arch)
	}
	sum, err := zips.ReadFile("bootstrap-linux-" + name + ".zip.sha256")
	if err != nil {
		return "", err
	}
	return string(sum), nil
}
