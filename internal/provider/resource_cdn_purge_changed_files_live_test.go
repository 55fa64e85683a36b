package provider

import (
	"regexp"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

// The live tests of gcore_cdn_purge_changed_files: their subject is time
// (how long a purge of many files takes at the limits), so they run against
// the simulator with simulator.CompressedLimits (2 requests a second by URL)
// and no cassette.

// TestAccCDNPurgeChangedFiles_firstPurgeTooLongFailsAtPlan: 1,000 files need
// 10 requests, at least 4 windows of about a second at 2/s: more than a
// create timeout of 3s. The plan fails on files, saying why and the three
// ways out, and no purge is sent.
func TestAccCDNPurgeChangedFiles_firstPurgeTooLongFailsAtPlan(t *testing.T) {
	h := newHarness(t, liveSimulator(simulator.Config{Limits: simulator.CompressedLimits}))
	mark := 0
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{
			Config: h.siteConfig(numberedFiles(1000, "v1"), "timeouts {\n    create = \"3s\"\n  }"),
			ExpectError: diagnostic("First purge cannot finish within timeouts.create",
				"Purging 1000 URLs takes at least 10 requests of at most 100 URLs at the limit of 2/s (account's purge_by_urls_request_limit): at least 4s, longer than timeouts.create (3s)",
				"Raise timeouts.create", "set purge_all_above", "purge_on_create = false"),
		}},
	})
	h.expectSimCalls(&mark, limitsCall)
}

// TestAccCDNPurgeChangedFiles_estimateCountsThePrefetch: 300 files purge in
// 3 requests (a window at 2/s) within 2s, but prefetching them too takes 3
// more at 1/s: the plan refuses the create with prefetch, not without.
func TestAccCDNPurgeChangedFiles_estimateCountsThePrefetch(t *testing.T) {
	h := newHarness(t, liveSimulator(simulator.Config{Limits: simulator.CompressedLimits}))
	timeouts := "timeouts {\n    create = \"2s\"\n  }"
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: h.siteConfig(numberedFiles(300, "v1"), timeouts+"\n  prefetch = true"),
				ExpectError: diagnostic("First purge cannot finish within timeouts.create",
					"Purging 300 URLs takes at least 3 requests of at most 100 URLs at the limit of 2/s (account's purge_by_urls_request_limit), then prefetching "+
						"300 URLs takes at least 3 requests of at most 100 URLs at the limit of 1/s (account's prefetch_request_limit): at least 3s",
					"set prefetch = false"),
				PlanOnly: true,
			},
			{
				Config:             h.siteConfig(numberedFiles(300, "v1"), timeouts),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
		},
	})
	if n := len(h.sim.Purges()) + len(h.sim.Prefetches()); n != 0 {
		t.Errorf("%d requests sent by plans", n)
	}
}

// TestAccCDNPurgeChangedFiles_timeoutPartWayThenTheRest: an update whose
// timeout ends after two of its three requests keeps the 200 URLs the API
// accepted; the plan warned it might not finish. The next apply purges
// exactly the remaining 100, and sends nothing twice.
func TestAccCDNPurgeChangedFiles_timeoutPartWayThenTheRest(t *testing.T) {
	h := newHarness(t, liveSimulator(simulator.Config{Limits: simulator.CompressedLimits}))
	all := numberedURLs(0, 300)
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{Config: h.siteConfig(numberedFiles(300, "v1"), "purge_on_create = false")},
			{
				Config: h.siteConfig(numberedFiles(300, "v2"), "timeouts {\n    update = \"1s\"\n  }"),
				ExpectError: diagnostic("Purge timed out", "200 URLs of 300 were purged before the failure and 100 remain",
					"the next apply purges, only the remaining ones"),
			},
			{
				Config:           h.siteConfig(numberedFiles(300, "v2"), ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: plannedPurge(plancheck.ResourceActionUpdate, because("changed", all[200:]...))},
			},
			{
				Config:           h.siteConfig(numberedFiles(300, "v2"), ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
	var sent [][]string
	for _, p := range h.sim.Purges() {
		sent = append(sent, p.Items)
	}
	want := [][]string{all[:100], all[100:200], all[200:]}
	if !slices.EqualFunc(sent, want, slices.Equal[[]string]) {
		t.Errorf("accepted purges carried %d requests, want exactly the three of 100 URLs each, none twice: %q", len(sent), sent)
	}
	if n := h.sim.RateLimited(); n != 0 {
		t.Errorf("the API answered 429 %d times; want none", n)
	}
}

// TestAccCDNPurgeChangedFiles_updateTooLongWarns: the same estimate only
// warns for an update, which keeps partial progress.
func TestAccCDNPurgeChangedFiles_updateTooLongWarns(t *testing.T) {
	h := newHarness(t, liveSimulator(simulator.Config{Limits: simulator.CompressedLimits}))
	cli := newTerraformCLI(t, "", h.serveProvider())
	cli.writeConfig(requiredProviders + h.siteConfig(numberedFiles(500, "v1"), `purge_on_create = false`))
	cli.mustRun("init")
	cli.mustRun("apply", "-auto-approve")
	cli.writeConfig(requiredProviders + h.siteConfig(numberedFiles(500, "v2"), "timeouts {\n    update = \"1s\"\n  }"))
	out, _ := cli.run("plan")
	if !regexp.MustCompile(`(?s)Warning: Purge may not finish within timeouts.update.*Purging 500 URLs takes at least 5 requests`).MatchString(out) {
		t.Errorf("plan did not warn:\n%s", out)
	}
}
