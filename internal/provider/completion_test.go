package provider

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

// wait_for_completion and prefetch, live against the simulator: its purge
// history turns each accepted purge from "In progress" to the outcome the
// test sets, after a delay the test sets.

// historyReads counts the reads of the purge history.
func (h *harness) historyReads() int {
	n := 0
	for _, r := range h.sim.Requests() {
		if r.Path == "/cdn/purge_statuses" {
			n++
		}
	}
	return n
}

// historySimulator's purges end in outcome after completion; its prefetch
// window is as roomy as its purge windows, so that the tests never wait. Its
// history lists full URLs, as Gcore's API reference shows it.
func historySimulator(outcome simulator.PurgeStatus, completion time.Duration) simulator.Config {
	limits := roomyLimits
	limits.PrefetchRequestLimit = "100/s"
	return simulator.Config{Limits: limits, PurgeOutcome: outcome, PurgeCompletion: completion}
}

// TestAccCDNPurge_waitsForCompletion: the apply returns once the history
// says the purge is done; a history that says it failed is an error and
// nothing lands in state; changing wait_for_completion alone sends nothing.
func TestAccCDNPurge_waitsForCompletion(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(historySimulator(simulator.StatusSuccessful, 1500*time.Millisecond)))
	var took time.Duration
	var start time.Time
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig:         func() { start = time.Now() },
				Config:            h.purgeConfig("urls = [\"/a.js\"]\n  wait_for_completion = true"),
				ConfigStateChecks: stateHoldsPurge(),
				Check: func(*terraform.State) error {
					took = time.Since(start)
					if h.historyReads() < 2 {
						return fmt.Errorf("the history was read %d times, want until the purge was done", h.historyReads())
					}
					return nil
				},
			},
			{
				// In place, nothing sent.
				Config: h.purgeConfig("urls = [\"/a.js\"]"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(purgeAddress, plancheck.ResourceActionUpdate),
				}},
				Check: h.checkPurges("POST " + h.purgePath() + ` {"urls":["/a.js"]}`),
			},
			{
				PreConfig: func() {
					if err := h.sim.SetPurgeOutcome(simulator.StatusFailed, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config: h.purgeConfig("urls = [\"/b.js\"]\n  wait_for_completion = true"),
				ExpectError: diagnostic("Purge did not complete", "The API accepted the purge, but it did not complete",
					"purge by URL (/b.js)", "reports it failed", "Nothing was written to state: the next apply purges again."),
			},
			{
				Config: h.purgeConfig("urls = [\"/b.js\"]\n  wait_for_completion = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(purgeAddress, plancheck.ResourceActionCreate),
				}},
				ExpectError: diagnostic("Purge did not complete"),
			},
		},
	})
	if took < 1500*time.Millisecond {
		t.Errorf("the apply returned after %s, before the purge's completion", took)
	}
}

// TestAccCDNPurge_completionNotConfirmedIsAWarning: an account without
// status reports, or a purge the history never shows, warns; the apply
// succeeds and the purge is in state.
func TestAccCDNPurge_completionNotConfirmedIsAWarning(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(historySimulator(simulator.StatusReportDisabled, 0)))
	cli := h.planCLI(h.purgeConfig("urls = [\"/a.js\"]\n  wait_for_completion = true"))
	out := cli.mustRun("apply", "-auto-approve")
	if !diagnostic("Warning: Purge completion not confirmed", "its completion could not be confirmed",
		"purge by URL (/a.js)", "Status report disabled").MatchString(out) || !strings.Contains(out, "1 added") {
		t.Errorf("want a warning and the purge applied:\n%s", out)
	}
}

// TestAccCDNPurge_mergedPurgesWaitForTheirOneRequest: purges merged into one
// request both find it in the history.
func TestAccCDNPurge_mergedPurgesWaitForTheirOneRequest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(historySimulator(simulator.StatusSuccessful, time.Second)))
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf("resource \"gcore_cdn_purge\" \"files\" {\n  count = 3\n  resource_id = %d\n"+
				"  urls = [\"/f${count.index}.js\"]\n  wait_for_completion = true\n}\n", h.resourceID),
			Check: func(*terraform.State) error {
				if p := h.sim.Purges(); len(p) != 1 || len(p[0].Items) != 3 {
					return fmt.Errorf("accepted purges %+v, want one request of the 3 URLs", p)
				}
				// The history says "In progress" for a second: each purge
				// read it again before the apply ended.
				if n := h.historyReads(); n < 2 {
					return fmt.Errorf("the history was read %d times, want until the merged request was done", n)
				}
				return nil
			},
		}},
	})
}

// TestAccCDNPurgeChangedFiles_waitAndPrefetch: after the purge is done, the
// changed and added files are prefetched, not the removed ones; a failed
// request of the history keeps its files at their old version; a failed
// prefetch is a warning and the purge is recorded.
func TestAccCDNPurgeChangedFiles_waitAndPrefetch(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(historySimulator(simulator.StatusSuccessful, 500*time.Millisecond)))
	options := "wait_for_completion = true\n  prefetch = true\n  purge_added = true"
	first := `{ "/a.js" = "1", "/b.js" = "1", "/gone.js" = "1" }`
	second := `{ "/a.js" = "2", "/b.js" = "1", "/new.js" = "1" }`
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: h.siteConfig(first, options),
				Check: func(*terraform.State) error {
					return expectPrefetches(h, []string{"/a.js", "/b.js", "/gone.js"})
				},
			},
			{
				Config: h.siteConfig(second, options),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: plannedPurge(plancheck.ResourceActionUpdate,
					because("changed", "/a.js").and(because("removed", "/gone.js")).and(because("added", "/new.js")))},
				Check: func(*terraform.State) error {
					return expectPrefetches(h, []string{"/a.js", "/b.js", "/gone.js"}, []string{"/a.js", "/new.js"})
				},
			},
			{
				PreConfig: func() {
					if err := h.sim.SetPurgeOutcome(simulator.StatusFailed, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config: h.siteConfig(`{ "/a.js" = "3", "/b.js" = "1", "/new.js" = "1" }`, options),
				ExpectError: diagnostic("Purge did not complete", "purge by URL (/a.js)",
					"0 URLs of 1 were purged before the failure and 1 remain"),
			},
			{
				// The failed file kept its old version: the next plan purges it again.
				PreConfig: func() {
					if err := h.sim.SetPurgeOutcome(simulator.StatusSuccessful, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config:           h.siteConfig(`{ "/a.js" = "3", "/b.js" = "1", "/new.js" = "1" }`, options),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: plannedPurge(plancheck.ResourceActionUpdate, because("changed", "/a.js"))},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(siteAddress, tfjsonpath.New("files").AtMapKey("/a.js"), knownvalue.StringExact("3")),
				},
			},
		},
	})
}

// TestAccCDNPurgeChangedFiles_failedPrefetchIsAWarning: the purge is what
// correctness needs; a prefetch the API refuses only warns.
func TestAccCDNPurgeChangedFiles_failedPrefetchIsAWarning(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(historySimulator(simulator.StatusSuccessful, 0)))
	h.injectFault(simulator.Fault{Path: fmt.Sprintf("/cdn/resources/%d/prefetch", h.resourceID), Status: 400,
		Body: `{"errors":{"paths":{"0":["This path cannot be prefetched."]}}}`})
	cli := h.planCLI(h.siteConfig(`{ "/a.js" = "1" }`, "prefetch = true"))
	out := cli.mustRun("apply", "-auto-approve")
	if !diagnostic("Warning: Prefetch incomplete", "This path cannot be prefetched", "The purge is recorded",
		"1 URL of 1 were not prefetched", "/a.js").MatchString(out) {
		t.Errorf("want a warning naming the file not prefetched:\n%s", out)
	}
	if show := cli.mustRun("show", "-json"); !strings.Contains(show, `"purged_urls":{"/a.js":"created"}`) {
		t.Errorf("the purge is not in state:\n%s", show)
	}
}

func expectPrefetches(h *harness, want ...[]string) error {
	var got [][]string
	for _, p := range h.sim.Prefetches() {
		got = append(got, p.Paths)
	}
	if !slices.EqualFunc(got, want, slices.Equal[[]string]) {
		return fmt.Errorf("prefetches %q, want %q", got, want)
	}
	return nil
}

// TestAction_waitsForCompletionAndSaysHowFar: the action reports how many
// of its requests the purge history says are done, and fails on a purge the
// history reports failed.
func TestAction_waitsForCompletionAndSaysHowFar(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(historySimulator(simulator.StatusSuccessful, time.Second)))
	c := h.protocolClient()
	config := c.actionConfig(map[string]tftypes.Value{
		"resource_id":         number(h.resourceID),
		"urls":                stringSet("/index.html"),
		"wait_for_completion": tftypes.NewValue(tftypes.Bool, true),
	})
	inv := c.invoke(config)
	expectNoDiagnostics(t, "InvokeAction", inv.diagnostics)
	expectProgress(t, inv.progress,
		fmt.Sprintf(`^CDN resource %d: accepted$`, h.resourceID),
		fmt.Sprintf(`^CDN resource %d: purge history: 0 of 1 requests done$`, h.resourceID),
		fmt.Sprintf(`^CDN resource %d: purge history: 1 of 1 requests done$`, h.resourceID))

	if err := h.sim.SetPurgeOutcome(simulator.StatusFailed, 0); err != nil {
		t.Fatal(err)
	}
	inv = c.invoke(config)
	if !diagnostic("Purge did not complete", "reports it failed").MatchString(render(inv.diagnostics)) {
		t.Errorf("diagnostics %s, want the failed purge", render(inv.diagnostics))
	}
}

// TestAction_planReadsTheCDNResource: planning the action raises what the
// API would answer its purge (plan_checks).
func TestAction_planReadsTheCDNResource(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(checkedSite()))
	c := h.protocolClient()
	diags := c.plan(c.actionConfig(map[string]tftypes.Value{"resource_id": number(999), "urls": stringSet("/a.js")}))
	if !diagnostic("CDN resource not found", "CDN resource 999 does not exist").MatchString(render(diags)) {
		t.Errorf("diagnostics %s, want the unknown CDN resource at plan", render(diags))
	}
	diags = c.plan(c.actionConfig(map[string]tftypes.Value{"resource_id": number(testResourceID + 1), "urls": stringSet("/a.js")}))
	if !diagnostic("CDN resource cannot purge by URL", "ignore_vary_header").MatchString(render(diags)) {
		t.Errorf("diagnostics %s, want the warning on urls", render(diags))
	}
	h.expectPurges()
}
