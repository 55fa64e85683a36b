package provider

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

// The plan-time checks: a plan that would purge reads the CDN resource once
// per provider instance, and raises then what the apply would meet. These
// tests drive the CLI against the live simulator, whose CDN resources they
// configure, and count the requests it received.

// checkedSite is the simulator's account in these tests: CDN resource
// testResourceID purges by URL, testResourceID+1 cannot.
func checkedSite() simulator.Config {
	return simulator.Config{Limits: roomyLimits, Resources: map[int64]simulator.Resource{
		testResourceID:     {CName: "site.example.com"},
		testResourceID + 1: {CName: "legacy.example.com", NoPurgeByURLs: true},
	}}
}

// planCLI is a Terraform CLI for config, served by the harness's provider.
func (h *harness) planCLI(config string) *terraformCLI {
	cli := newTerraformCLI(h.t, "", h.serveProvider())
	cli.writeConfig(requiredProviders + config)
	cli.mustRun("init")
	return cli
}

// resourceReads counts the GET /cdn/resources/{id} the simulator received.
func (h *harness) resourceReads() int {
	n := 0
	for _, r := range h.sim.Requests() {
		if isResourceRead(r) {
			n++
		}
	}
	return n
}

// purgeConfigFor is a gcore_cdn_purge named name on CDN resource id.
func purgeConfigFor(name string, id int64, args string) string {
	return fmt.Sprintf("resource \"gcore_cdn_purge\" %q {\n  resource_id = %d\n  %s\n}\n", name, id, args)
}

func TestAccPlanChecks_unknownCDNResourceFailsThePlan(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(checkedSite()))
	cli := h.planCLI(purgeConfigFor("typo", 999, `urls = ["/a.js"]`) +
		"resource \"gcore_cdn_purge_changed_files\" \"site\" {\n  resource_id = 999\n  files = { \"/a.js\" = \"1\" }\n}\n")
	out, err := cli.run("plan")
	if err == nil || !diagnostic("CDN resource not found", "CDN resource 999 does not exist in the account of this API key",
		"set plan_checks = false").MatchString(out) {
		t.Fatalf("plan did not fail on resource_id: %v\n%s", err, out)
	}
	if n := strings.Count(out, "Error: CDN resource not found"); n != 2 {
		t.Errorf("%d errors, want one per purge of the unknown CDN resource:\n%s", n, out)
	}
	if n := h.resourceReads(); n != 1 {
		t.Errorf("%d reads of the CDN resource, want 1 for the whole plan", n)
	}
	h.expectPurges()
}

func TestAccPlanChecks_rejectedKeyFailsThePlan(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}))
	h.setenv(envAPIKey, "revoked-key-0123456789")
	cli := h.planCLI(purgeConfigFor("files", testResourceID, `urls = ["/a.js"]`))
	out, err := cli.run("plan")
	if err == nil || !diagnostic("Gcore API key rejected", "401 Unauthorized", "expired or revoked").MatchString(out) {
		t.Fatalf("plan did not fail on the key: %v\n%s", err, out)
	}
	if strings.Contains(out, "revoked-key-0123456789") {
		t.Errorf("the key is in the output:\n%s", out)
	}
	h.expectPurges()
}

// TestAccPlanChecks_purgeByURLOnAResourceThatCannot: the plan warns on urls
// (and on files), not on a purge by pattern; the apply's refusal says why.
func TestAccPlanChecks_purgeByURLOnAResourceThatCannot(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(checkedSite()))
	legacy := int64(testResourceID + 1)
	cli := h.planCLI(purgeConfigFor("patterns", legacy, `paths = ["/img/*"]`))
	if out := cli.mustRun("apply", "-auto-approve"); strings.Contains(out, "Warning: CDN resource cannot purge by URL") {
		t.Errorf("a purge by pattern was warned about:\n%s", out)
	}

	cli.writeConfig(requiredProviders + purgeConfigFor("files", legacy, `urls = ["/a.js"]`) +
		fmt.Sprintf("resource \"gcore_cdn_purge_changed_files\" \"site\" {\n  resource_id = %d\n  files = { \"/b.js\" = \"1\" }\n}\n", legacy))
	// Terraform folds warnings of one summary together; its JSON lists each.
	out := cli.mustRun("plan", "-json")
	if n := strings.Count(out, `"summary":"CDN resource cannot purge by URL"`); n != 2 ||
		!strings.Contains(out, `urls = [\"/a.js\"]`) || !strings.Contains(out, `files = { \"/b.js\" = \"1\" }`) {
		t.Errorf("want one warning on urls and one on files:\n%s", out)
	}
	if !diagnostic("can_purge_by_urls = false", "ignore_vary_header", "purge by pattern (paths)").MatchString(out) {
		t.Errorf("the warning does not say why and what to do:\n%s", out)
	}

	out, err := cli.run("apply", "-auto-approve")
	if err == nil || !diagnostic("Gcore API rejected the purge", "Purge by URL is not available for this CDN resource",
		"can_purge_by_urls = false", "ignore_vary_header", "Nothing was written to state").MatchString(out) {
		t.Errorf("the refusal does not say why: %v\n%s", err, out)
	}
}

// TestAccPlanChecks_oneReadWhateverTheAnswer: 40 purges of one CDN resource
// read it once per plan, when it answers and when it fails; a failure other
// than a missing resource or a rejected key says nothing at plan.
func TestAccPlanChecks_oneReadWhateverTheAnswer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(checkedSite()))
	cli := h.planCLI(fmt.Sprintf("resource \"gcore_cdn_purge\" \"files\" {\n  count       = 40\n  resource_id = %d\n"+
		"  urls        = [\"/f${count.index}.js\"]\n}\n", h.resourceID))
	cli.mustRun("plan")
	if n := h.resourceReads(); n != 1 {
		t.Fatalf("%d reads for 40 purges, want 1", n)
	}
	for _, status := range []int{http.StatusForbidden, http.StatusBadGateway} {
		h.injectFault(simulator.Fault{Path: fmt.Sprintf("/cdn/resources/%d", h.resourceID), Status: status, Times: 100})
		before := h.resourceReads()
		if out, err := cli.run("plan"); err != nil || strings.Contains(out, "Error") {
			t.Errorf("a %d at plan failed the plan: %v\n%s", status, err, out)
		}
		if n := h.resourceReads() - before; n != 1 {
			t.Errorf("after a %d: %d reads, want 1 (the failure is kept too)", status, n)
		}
		h.sim.Reset()
	}
}

// TestAccPlanChecks_slowAPIDoesNotHoldThePlan: an API that does not answer
// holds a plan for at most 5 seconds, and fails nothing.
func TestAccPlanChecks_slowAPIDoesNotHoldThePlan(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(checkedSite()))
	h.injectFault(simulator.Fault{Path: fmt.Sprintf("/cdn/resources/%d", h.resourceID), Delay: time.Minute})
	cli := h.planCLI(purgeConfigFor("files", testResourceID, `urls = ["/a.js"]`))
	start := time.Now()
	out, err := cli.run("plan")
	if err != nil || !strings.Contains(out, "1 to add") {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("the plan took %s with an API that does not answer", took)
	}
}

// TestAccPlanChecks_off: plan_checks = false, or GCORE_PLAN_CHECKS=false,
// plans without reading the API; nothing is read at validate, nor by a plan
// that purges nothing.
func TestAccPlanChecks_off(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(checkedSite()))
	config := purgeConfigFor("typo", 999, `urls = ["/a.js"]`)
	cli := h.planCLI("provider \"gcore\" {\n  plan_checks = false\n}\n" + config)
	cli.mustRun("validate")
	cli.mustRun("plan")

	h.setenv(envPlanChecks, "false")
	cli = h.planCLI(config)
	cli.mustRun("plan")
	if n := h.resourceReads(); n != 0 {
		t.Errorf("%d reads with plan checks off", n)
	}

	h.setenv(envPlanChecks, "")
	cli = h.planCLI(purgeConfigFor("files", testResourceID, `urls = ["/a.js"]`))
	cli.mustRun("apply", "-auto-approve")
	reads := h.resourceReads()
	if out := cli.mustRun("plan"); !strings.Contains(out, "No changes") || h.resourceReads() != reads {
		t.Errorf("a plan that purges nothing read the API:\n%s", out)
	}

	h.setenv(envPlanChecks, "maybe")
	if out, err := h.planCLI(config).run("plan"); err == nil || !diagnostic(`GCORE_PLAN_CHECKS="maybe" is not a boolean`).MatchString(out) {
		t.Errorf("an unreadable GCORE_PLAN_CHECKS was accepted: %v\n%s", err, out)
	}
}

// TestAccPlanChecks_unreachableBaseURLSaidOnce: a base_url whose host does
// not exist, or whose certificate does not verify, fails the plan once, not
// once per purge, naming base_url and the cause.
func TestAccPlanChecks_unreachableBaseURLSaidOnce(t *testing.T) {
	t.Parallel()
	config := purgeConfigFor("a", testResourceID, `urls = ["/a.js"]`) + purgeConfigFor("b", testResourceID+2, `urls = ["/b.js"]`) +
		purgeConfigFor("c", testResourceID+3, `paths = ["/c/*"]`)
	t.Run("unknown host", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, liveSimulator(simulator.Config{}))
		h.setenv(envBaseURL, "https://gcore-api.invalid")
		// The host must not resolve without asking a resolver off this
		// machine: the transport fails as the resolver would.
		h.useTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: r.URL.Hostname(), IsNotFound: true}}
		}))
		out, err := h.planCLI(config).run("plan")
		if err == nil || strings.Count(out, "Error: Gcore API cannot be reached at base_url") != 1 ||
			!diagnostic("the host gcore-api.invalid does not exist", "check base_url").MatchString(out) {
			t.Errorf("want one error naming base_url and the cause: %v\n%s", err, out)
		}
	})
	t.Run("certificate", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, liveSimulator(simulator.Config{}))
		untrusted := httptest.NewUnstartedServer(h.sim)
		untrusted.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
		untrusted.StartTLS()
		t.Cleanup(untrusted.Close)
		h.setenv(envBaseURL, untrusted.URL)
		h.useTransport(http.DefaultTransport)
		out, err := h.planCLI(config).run("plan")
		if err == nil || strings.Count(out, "Error: Gcore API cannot be reached at base_url") != 1 ||
			!diagnostic("does not verify", "check base_url").MatchString(out) {
			t.Errorf("want one error naming base_url and the cause: %v\n%s", err, out)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
