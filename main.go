package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/provider"
)

// Run "go generate" to build the rotator zips and format example terraform files and generate the docs.
//go:generate go generate ./internal/rotator/artifact
//go:generate terraform fmt -recursive ./examples/
//go:generate go tool tfplugindocs generate -provider-name secretsbundle

// version is set by goreleaser through -ldflags "-X main.version=...".
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "set to true to run the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/secretsbundle/secretsbundle",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
