package integration

import (
	"fmt"
	"os"
	"testing"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/dbserver"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if bootstrapDir != "" {
		_ = os.RemoveAll(bootstrapDir)
	}
	if err := dbserver.StopShared(); err != nil {
		fmt.Fprintln(os.Stderr, "stopping the database servers:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

func requireAcc(t testing.TB) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("runs the rotator under the Lambda emulator against real databases and LocalStack: set TF_ACC=1")
	}
}
