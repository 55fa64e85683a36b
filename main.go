// Command terraform-provider-gcore serves the gcore provider to Terraform.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/gcore-purge/terraform-provider-gcore/internal/provider"
)

// version is set at build time by goreleaser (-ldflags "-X main.version=...").
// It is the version the provider reports in its User-Agent.
var version = "dev"

func main() {
	var debug, showVersion bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.BoolVar(&showVersion, "version", false, "print the provider's version and exit")
	flag.Parse()

	if showVersion {
		fmt.Printf("terraform-provider-gcore %s\n", version)
		return
	}

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: provider.RegistryAddress,
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
