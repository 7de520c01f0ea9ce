package integration

import (
	"slices"
	"testing"
	"time"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/dbserver"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/rotator/artifact"
)

// warmRotations is how many rotations the warm figures are the median of.
const warmRotations = 9

// rotationFigures sums one rotation's four invocations.
type rotationFigures struct {
	wall    time.Duration
	handler time.Duration
	calls   int
}

func sumRotation(results []invocationResult) rotationFigures {
	var figures rotationFigures
	for _, result := range results {
		figures.wall += result.Wall
		figures.handler += time.Duration(result.Line.DurationMS * float64(time.Millisecond))
		figures.calls += result.Line.SecretsManagerCalls
	}
	return figures
}

func median(values []time.Duration) time.Duration {
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	return sorted[len(sorted)/2]
}

// TestAccRotationFiguresThroughEmulator measures single-user rotations through the emulator alone
// (no LocalStack Lambda in the way): the first rotation of a new execution environment (cold:
// process start included) and warm ones, Secrets Manager calls per rotation, and the bootstrap's
// peak memory. It asserts only what must hold (calls per rotation); the figures are logged.
func TestAccRotationFiguresThroughEmulator(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) { measureRotations(t, db, appOptions{}) })
	t.Run("mongo", func(t *testing.T) {
		db, rightCA := mongoServer(t)
		measureRotations(t, db, appOptions{env: rightCA})
	})
	t.Run("redshift", func(t *testing.T) {
		db := redshiftStandIn{postgresDatabase{srv: dbserver.Shared(t, dbserver.Options{Engine: dbserver.Postgres, MD5Passwords: true})}}
		measureRotations(t, db, appOptions{})
	})
}

func measureRotations(t *testing.T, db database, opts appOptions) {
	a := newApp(t, db, opts)
	_, cold := a.mustRotate()
	coldFigures := sumRotation(cold)
	var walls, handlers []time.Duration
	var calls []int
	for i := range warmRotations {
		_, results := a.mustRotate()
		if i == warmRotations-1 {
			for _, result := range results {
				t.Logf("%s warm %s: wall %v, handler %.2fms, %d Secrets Manager calls", db.engine(), result.Line.Step,
					result.Wall.Round(10*time.Microsecond), result.Line.DurationMS, result.Line.SecretsManagerCalls)
			}
		}
		figures := sumRotation(results)
		walls = append(walls, figures.wall)
		handlers = append(handlers, figures.handler)
		calls = append(calls, figures.calls)
	}
	a.assertCurrentLogsIn()
	t.Logf("%s single user through the emulator: cold rotation %v wall (first invoke %v, handler %v), warm median %v wall / %v handler over %d rotations",
		db.engine(), coldFigures.wall.Round(time.Microsecond*10), cold[0].Wall.Round(time.Microsecond*10), coldFigures.handler.Round(time.Microsecond*10),
		median(walls).Round(time.Microsecond*10), median(handlers).Round(time.Microsecond*10), warmRotations)
	t.Logf("%s Secrets Manager calls per rotation: cold %d, warm %v", db.engine(), coldFigures.calls, calls)
	t.Logf("%s bootstrap peak RSS (VmHWM): %d KiB", db.engine(), a.fn.peakRSSKiB())
	if coldFigures.calls > 7 {
		t.Errorf("a cold rotation made %d Secrets Manager calls, want at most 7", coldFigures.calls)
	}
	for _, n := range calls {
		if n > 6 {
			t.Errorf("a warm rotation made %d Secrets Manager calls, want at most 6", n)
		}
	}
}

func TestZipSizes(t *testing.T) {
	for _, arch := range artifact.Architectures {
		content, err := artifact.Zip(arch)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("rotator package for %s: %d bytes (%.2f MiB)", arch, len(content), float64(len(content))/(1<<20))
	}
}
