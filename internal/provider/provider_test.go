package provider

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

func TestMain(m *testing.M) {
	// An empty CLI configuration: a user's own (plugin caches, dev_overrides,
	// credentials), or a TF_CLI_CONFIG_FILE naming a missing file, must not
	// change what the tests see.
	dir, err := os.MkdirTemp("", "gcore-tf-cli-config")
	if err != nil {
		panic(err)
	}
	empty := filepath.Join(dir, "empty.tfrc")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		panic(err)
	}
	os.Setenv("TF_CLI_CONFIG_FILE", empty)
	os.Setenv("CHECKPOINT_DISABLE", "1")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// providerFactories serves a new instance of newProvider as the provider
// "gcore" each time Terraform starts it, as main serves it: muxed with the
// server of gcore_cdn_purge_changed_files.
func providerFactories(newProvider func() *gcoreProvider) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"gcore": func() (tfprotov6.ProviderServer, error) {
			server, err := newMuxServer(newProvider())
			if err != nil {
				return nil, err
			}
			return server(), nil
		},
	}
}

// terraformPreCheck returns the Terraform CLI an acceptance test (TestAcc*)
// drives: TF_ACC_TERRAFORM_PATH, else terraform on PATH, which is where
// terraform-plugin-testing looks too. As in every HashiCorp provider, an
// acceptance test runs only with TF_ACC set (`make test` sets it); without a
// CLI it skips rather than let terraform-plugin-testing download one, which
// fails offline. `make test` builds the pinned CLI and sets
// TF_ACC_TERRAFORM_PATH.
func terraformPreCheck(t testing.TB) string {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 to drive a Terraform CLI (make test does)")
	}
	if path := os.Getenv("TF_ACC_TERRAFORM_PATH"); path != "" {
		return path
	}
	path, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("no Terraform CLI: set TF_ACC_TERRAFORM_PATH, or run `make test`, which builds the pinned one")
	}
	return path
}

// TestAccProvider_attributesOverEnvironment: api_key and base_url in the
// provider block win over the environment; a trailing slash is fine.
func TestAccProvider_attributesOverEnvironment(t *testing.T) {
	t.Parallel()
	h := newHarness(t, simulatorOnly())
	baseURL := h.getenv(envBaseURL)
	h.setenv(envAPIKey, "environment-key")
	h.setenv(envBaseURL, "http://environment.invalid")
	config := fmt.Sprintf("provider \"gcore\" {\n  api_key  = %q\n  base_url = %q\n}\n", simulatorKey, baseURL+"/") +
		h.purgeConfig(`purge_all = true`)
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{Config: config}},
	})
	h.expectPurges("POST " + h.purgePath() + ` {"paths":[]}`)
	for _, r := range h.sent {
		if got := r.Header.Get("Authorization"); got != "APIKey "+simulatorKey {
			h.t.Errorf("%s %s: Authorization is not the provider block's key", r.Method, r.Path)
		}
	}
}

func TestAccProvider_invalidBaseURL(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:      "provider \"gcore\" {\n  base_url = \"api.gcore.com\"\n}\n" + h.purgeConfig(`purge_all = true`),
				ExpectError: regexp.MustCompile(`(?s)Invalid Gcore API base URL.*base_url: "api.gcore.com" is not an absolute https URL`),
			},
			{
				PreConfig:   func() { h.setenv(envBaseURL, "ftp://api.gcore.com") },
				Config:      h.purgeConfig(`purge_all = true`),
				ExpectError: regexp.MustCompile(`(?s)Invalid GCORE_BASE_URL.*GCORE_BASE_URL: "ftp://api.gcore.com" is not an absolute https URL`),
			},
			{
				// The key would cross the network in cleartext.
				PreConfig: func() { h.setenv(envBaseURL, "http://api.gcore.com") },
				Config:    h.purgeConfig(`purge_all = true`),
				ExpectError: diagnostic("Invalid GCORE_BASE_URL", "would send the API key in cleartext: use https (https://api.gcore.com), "+
					"or http only to a loopback host"),
			},
		},
	})
	h.expectPurges()
}
