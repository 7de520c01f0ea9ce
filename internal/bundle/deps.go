package bundle

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
)

// Deps is what the bundle works with: the AWS clients and the rotator's deployment package.
type Deps struct {
	AWS *awsclient.Client
	// RotatorCode returns the rotator's zip for a Lambda architecture (internal/rotator/artifact.Zip).
	RotatorCode func(architecture string) ([]byte, error)

	// began is when the running Create started: an object found by its name is taken for the
	// bundle's only if it is not older.
	began time.Time
	// firstRotation receives the version id of the rotation Create starts, if it starts one.
	firstRotation *string
}

func (d Deps) arns() arnContext {
	return arnContext{Partition: d.AWS.Partition, Region: d.AWS.Region, AccountID: d.AWS.AccountID}
}

// newToken returns a ClientRequestToken: a random UUID, fixed for one create so that the SDK's
// retries and ours cannot make two versions.
func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux and panics rather than fail elsewhere.
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
