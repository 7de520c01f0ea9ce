package main

import (
	"context"
	"flag"
	"log"
	"os"
	runtimedebug "runtime/debug"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/provider"
)

// Run "go generate" to build the rotator zips and format example terraform files and generate the docs.
//go:generate go generate ./internal/rotator/artifact
//go:generate terraform fmt -recursive ./examples/
//go:generate go tool tfplugindocs generate -provider-name secretsbundle

// memoryLimit is the provider's soft memory limit unless GOMEMLIMIT says otherwise. A plan's live
// heap is small but garbage from parsing every part's API answers piles up between collections at
// the default GOGC; collecting earlier keeps the peak RSS low for a little more CPU time. Measured
// with scripts/bench.sh on 2 cores, peak RSS of a plan of 1 / 50 bundles: no limit 71 MB (50
// bundles); 30 MiB 50.4 / 58.3 MB; 20 MiB 46.7-47.0 / 49.9-50.8 MB; 16 MiB 45.9 / 53.2 MB with the
// 50-bundle plan twice as slow (the collector runs almost continuously). It is soft: a larger live
// heap is never refused.
const memoryLimit = 20 << 20

// version is set by goreleaser through -ldflags "-X main.version=...".
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "set to true to run the provider with support for debuggers like delve")
	flag.Parse()

	if os.Getenv("GOMEMLIMIT") == "" {
		runtimedebug.SetMemoryLimit(memoryLimit)
	}

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/secretsbundle/secretsbundle",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
