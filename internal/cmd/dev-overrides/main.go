// Command dev-overrides writes a Terraform CLI configuration that runs
// providers from local directories instead of installing them, for the
// scripts that drive Terraform (make demo, make examples-check):
//
//	go run ./internal/cmd/dev-overrides FILE SOURCE=DIR...
//
// for example `go run ./internal/cmd/dev-overrides /tmp/rc gcore-purge/gcore=/tmp/bin`;
// then TF_CLI_CONFIG_FILE=/tmp/rc.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/gcore-purge/terraform-provider-gcore/internal/tfrc"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "dev-overrides:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) < 2 {
		return errors.New("usage: dev-overrides FILE SOURCE=DIR [SOURCE=DIR]")
	}
	dirs := map[string]string{}
	for _, arg := range args[1:] {
		source, dir, ok := strings.Cut(arg, "=")
		if !ok || source == "" || dir == "" {
			return fmt.Errorf("%q: want SOURCE=DIR, such as gcore-purge/gcore=/tmp/bin", arg)
		}
		dirs[source] = dir
	}
	return tfrc.WriteDevOverrides(args[0], dirs)
}
