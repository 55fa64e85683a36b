package tfrc

import "testing"

// TestDevOverrides: one line per provider, in a stable order, and direct {}
// so that any other provider installs as usual.
func TestDevOverrides(t *testing.T) {
	got := DevOverrides(map[string]string{
		"registry.terraform.io/g-core/gcore": "/tmp/stub",
		"gcore-purge/gcore":                  "/tmp/my dir",
	})
	want := `provider_installation {
  dev_overrides {
    "gcore-purge/gcore" = "/tmp/my dir"
    "registry.terraform.io/g-core/gcore" = "/tmp/stub"
  }
  direct {}
}
`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
