package provider

import (
	"context"
	"fmt"
	"log"
	"os"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	harness "github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/dbserver"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient"
	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/bundle"
)

// TestMain lets `go test ./internal/provider -sweep=us-east-1` run the sweepers; without -sweep
// it runs the tests as usual, then stops the database servers they shared (they run in process
// groups of their own, so they would outlive the test binary).
func TestMain(m *testing.M) {
	resource.TestMain(stopSharedServersAfter{m})
}

type stopSharedServersAfter struct{ m *testing.M }

func (s stopSharedServersAfter) Run() int {
	code := s.m.Run()
	if err := dbserver.StopShared(); err != nil {
		log.Printf("stopping the shared database servers: %v", err)
		return max(code, 1)
	}
	return code
}

func init() {
	resource.AddTestSweepers("secretsbundle_rds_secret", &resource.Sweeper{
		Name: "secretsbundle_rds_secret",
		F:    sweepRDSSecrets,
	})
}

// sweepRDSSecrets deletes the bundles acceptance tests left in LocalStack (names tf-acc-*).
func sweepRDSSecrets(region string) error {
	port := os.Getenv("LOCALSTACK_PORT")
	if port == "" {
		port = "4566"
	}
	endpoint := "http://127.0.0.1:" + port
	endpoints := map[string]string{}
	for _, service := range awsclient.Services {
		endpoints[service] = endpoint
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	client, err := awsclient.New(ctx, awsclient.Config{Region: region, AccessKey: harness.AccessKeyID, SecretKey: harness.SecretAccessKey, Endpoints: endpoints})
	if err != nil {
		return fmt.Errorf("connecting to LocalStack at %s to sweep: %w", endpoint, err)
	}
	swept, err := bundle.Sweep(ctx, bundle.Deps{AWS: client, RotatorCode: rotatorCode}, "tf-acc-")
	log.Printf("[INFO] swept %d secretsbundle_rds_secret bundles: %v", len(swept), swept)
	return err
}
