// Command terraform-provider-gcore serves the gcore provider to Terraform.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"strings"

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

	quietFrameworkTraces()
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

// quietFrameworkTraces sets TF_LOG_SDK_FRAMEWORK=DEBUG unless it is set, or
// the user asks for traces (TF_LOG, TF_LOG_PROVIDER or TF_LOG_SDK at TRACE,
// or JSON, which is TRACE). terraform-plugin-framework logs at TRACE each
// element of every value it walks, and looks its logger up through a
// context that grows by a layer per element, before finding out that TRACE
// is not logged; the lookup is skipped only when the framework's own level,
// from TF_LOG_SDK_FRAMEWORK, is above TRACE. Measured (make bench, the plan
// of 1,000 gcore_cdn_purge resources): 7.3s with it unset, 3.5s at DEBUG,
// 3.2s off. Nothing that would have been logged is lost.
func quietFrameworkTraces() {
	if os.Getenv("TF_LOG_SDK_FRAMEWORK") != "" {
		return
	}
	for _, env := range []string{"TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_SDK"} {
		switch strings.ToUpper(os.Getenv(env)) {
		case "TRACE", "JSON":
			return
		}
	}
	if err := os.Setenv("TF_LOG_SDK_FRAMEWORK", "DEBUG"); err != nil {
		log.Printf("[WARN] setting TF_LOG_SDK_FRAMEWORK: %v", err)
	}
}
