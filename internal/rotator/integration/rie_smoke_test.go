package integration

import (
	"strings"
	"testing"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator"
)

// The emulator runs the packaged bootstrap and reports the rotator's failure for a bad event
// without any AWS call.
func TestAccEmulatorRunsBootstrap(t *testing.T) {
	requireAcc(t)
	fn := startFunction(t, "http://127.0.0.1:1", nil)
	result := fn.invoke(rotator.Event{Step: "rotateEverything", SecretID: "s", ClientRequestToken: "t"})
	if result.Err == nil || !strings.Contains(result.Err.Error(), "unknown_step") {
		t.Fatalf("want an unknown_step error, got %v", result.Err)
	}
	if result.Line.Code != rotator.CodeUnknownStep || result.Line.Outcome != rotator.OutcomeFailed {
		t.Errorf("log line %+v", result.Line)
	}
	t.Logf("cold invocation %v, peak RSS %d KiB", result.Wall, fn.peakRSSKiB())
}
