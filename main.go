// Command terraform-provider-gcore serves the gcore provider to Terraform.
package main

import (
	"flag"
	"fmt"
	"log"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

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

	server, err := provider.NewServer(version)
	if err != nil {
		log.Fatal(err.Error())
	}
	var opts []tf6server.ServeOpt
	if debug {
		// Prints the TF_REATTACH_PROVIDERS setting to give Terraform, and
		// serves until interrupted.
		opts = append(opts, tf6server.WithManagedDebug())
	}
	if err := tf6server.Serve(provider.RegistryAddress, server, opts...); err != nil {
		log.Fatal(err.Error())
	}
}
