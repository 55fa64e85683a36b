package provider

import (
	"fmt"
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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

// rootAndDirectories is 300 files at the root and 25 directories of 10
// files, all at version v.
func rootAndDirectories(v string) string {
	return fmt.Sprintf(`merge({ for i in range(300) : "/r${i}.js" => %q }, { for p in setproduct(range(25), range(10)) : "/d${p[0]}/${p[1]}.js" => %q })`, v, v)
}

// TestAccCDNPurgeChangedFiles_estimateCountsBothQueues: with
// purge_directories, the plan's estimate runs the URL queue and the pattern
// queue side by side: at 2 URL and 1 pattern requests a second, the 550
// URLs of a first purge go as 400 URLs and 15 patterns (the 300 at the root
// can only go by URL), a window on each queue: longer than a create timeout
// of 500ms. Nothing is sent.
func TestAccCDNPurgeChangedFiles_estimateCountsBothQueues(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: simulator.CompressedLimits}))
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{
			Config: h.siteConfig(rootAndDirectories("v1"), "purge_directories = true\n  timeouts {\n    create = \"500ms\"\n  }"),
			ExpectError: diagnostic("First purge cannot finish within timeouts.create",
				"Purging 400 URLs takes at least 4 requests of at most 100 URLs at the limit of 2/s (account's purge_by_urls_request_limit) "+
					"and, side by side, purging 15 patterns takes at least 2 requests of at most 10 patterns at the limit of 1/s "+
					"(account's purge_request_limit): at least 1s, longer than timeouts.create (500ms)"),
		}},
	})
	if n := len(h.sim.Purges()); n != 0 {
		t.Errorf("%d purges sent by a plan", n)
	}
}

// TestAccCDNPurgeChangedFiles_planChecksOffEstimatesAtDocumentedLimits:
// with plan_checks off the plan reads nothing, and estimates at Gcore's
// documented limits: 1,000 URLs are 10 requests at 2 a minute, 4 minutes,
// more than a create timeout of 1m; with purge_directories, their directory
// goes as one pattern and the plan holds it.
func TestAccCDNPurgeChangedFiles_planChecksOffEstimatesAtDocumentedLimits(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: simulator.CompressedLimits}))
	h.setenv(envPlanChecks, "false")
	timeouts := "timeouts {\n    create = \"1m\"\n  }"
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: h.siteConfig(numberedFiles(1000, "v1"), timeouts),
				ExpectError: diagnostic("First purge cannot finish within timeouts.create",
					"Purging 1000 URLs takes at least 10 requests of at most 100 URLs at the limit of 2/m (documented: plan_checks is off, "+
						"so the plan reads nothing from the API): at least 4m", "set purge_directories = true"),
				PlanOnly: true,
			},
			{
				Config:             h.siteConfig(numberedFiles(1000, "v1"), timeouts+"\n  purge_directories = true"),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
		},
	})
	if n := len(h.sim.Requests()); n != 0 {
		t.Errorf("the plans sent %d requests with plan_checks off: %q", n, h.simCalls(0))
	}
}

// TestAccCDNPurgeChangedFiles_unknownAtPlanCheckedBeforeSending: a version
// known only at apply is checked then, before anything is sent.
func TestAccCDNPurgeChangedFiles_unknownAtPlanCheckedBeforeSending(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}))
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{
			Config: "resource \"terraform_data\" \"build\" {\n  input = \"\"\n}\n" +
				h.siteConfig(`{ "/app.js" = terraform_data.build.output, "/logo.png" = "1" }`, ""),
			ExpectError: diagnostic("Invalid file version", `files["/app.js"] = "": the version of a file is empty`, "filemd5"),
		}},
	})
	if n := len(h.sim.Purges()); n != 0 {
		t.Errorf("%d purges sent", n)
	}
}
