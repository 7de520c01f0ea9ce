package provider

import (
	"fmt"
	"sync"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator/artifact"
)

// onceCache computes a value per architecture once. The rotator's hash is compared with the
// function's on every plan of every bundle, and its package is uploaded by every create: reading
// the 4 MB file each time would cost memory and CPU.
type onceCache[T any] struct {
	entries sync.Map // architecture → func() (T, error)
	compute func(architecture string) (T, error)
}

func (c *onceCache[T]) get(architecture string) (T, error) {
	entry, _ := c.entries.LoadOrStore(architecture, sync.OnceValues(func() (T, error) { return c.compute(architecture) }))
	get, ok := entry.(func() (T, error))
	if !ok {
		var zero T
		return zero, fmt.Errorf("the rotator cache holds %T; this is a bug in the provider", entry)
	}
	return get()
}

// The hash is kept apart from the package so that a plan, which needs only the hash, does not
// keep 4 MB of package in memory.
var (
	rotatorZips   = onceCache[[]byte]{compute: artifact.Zip}
	rotatorHashes = onceCache[string]{compute: artifact.SHA256}
	rotatorCode   = rotatorZips.get
	rotatorSHA256 = rotatorHashes.get
)
