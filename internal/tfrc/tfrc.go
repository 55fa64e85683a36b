// Package tfrc writes the Terraform CLI configuration that runs providers
// from local directories (dev_overrides) instead of installing them. The
// provider's tests, make bench, make demo and make examples-check all run
// the provider so; this is the one place that writes it.
package tfrc

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
)

// DevOverrides is a CLI configuration under which Terraform runs each
// provider of dirs (source address, such as "gcore-purge/gcore", to the
// directory holding its binary) from that directory, and installs any other
// provider as usual.
func DevOverrides(dirs map[string]string) string {
	var b strings.Builder
	b.WriteString("provider_installation {\n  dev_overrides {\n")
	for _, source := range slices.Sorted(maps.Keys(dirs)) {
		fmt.Fprintf(&b, "    %q = %q\n", source, dirs[source])
	}
	b.WriteString("  }\n  direct {}\n}\n")
	return b.String()
}

// WriteDevOverrides writes DevOverrides(dirs) to the file path, readable by
// its owner only, like any CLI configuration that may hold credentials.
func WriteDevOverrides(path string, dirs map[string]string) error {
	return os.WriteFile(path, []byte(DevOverrides(dirs)), 0o600)
}
