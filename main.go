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
// the default GOGC; collecting earlier keeps the peak RSS of a 50-bundle plan near 57 MB instead of
// 71 MB for about a tenth more CPU time. It is soft: a larger live heap is never refused.
const memoryLimit = 30 << 20

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
