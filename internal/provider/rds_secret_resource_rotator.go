package provider

import (
	"fmt"
	"sync"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator/artifact"
)

// rotatorPackage is the embedded rotator for one architecture, read and hashed once: every plan
// compares the hash with the function's, and every create uploads the package, so re-reading the
// 4 MB file each time would only cost memory.
type rotatorPackage struct {
	zip    []byte
	sha256 string
	err    error
}

var rotatorPackages sync.Map // architecture → func() rotatorPackage

func loadRotator(architecture string) rotatorPackage {
	load, _ := rotatorPackages.LoadOrStore(architecture, sync.OnceValue(func() rotatorPackage {
		zip, err := artifact.Zip(architecture)
		if err != nil {
			return rotatorPackage{err: err}
		}
		return rotatorPackage{zip: zip, sha256: bundle.CodeSHA256(zip)}
	}))
	get, ok := load.(func() rotatorPackage)
	if !ok {
		return rotatorPackage{err: fmt.Errorf("the rotator cache holds %T; this is a bug in the provider", load)}
	}
	return get()
}

// rotatorCode is bundle.Deps.RotatorCode over the cache.
func rotatorCode(architecture string) ([]byte, error) {
	p := loadRotator(architecture)
	return p.zip, p.err
}

// rotatorSHA256 is the hash Lambda reports for the package of an architecture.
func rotatorSHA256(architecture string) (string, error) {
	p := loadRotator(architecture)
	return p.sha256, p.err
}
