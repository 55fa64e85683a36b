package main

import (
	"fmt"
	"log"
	"strings"
	"sync"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/cmd/internal/measured"
	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

const (
	siteID  = 100200 // the CDN resource most purges are for
	otherID = 100300 // the CDN resource that is purged whole
)

// A purgeSet is a group of gcore_cdn_purge resources and what they purge.
type purgeSet struct {
	name       string
	count      int
	typ        gcoreapi.PurgeType
	resourceID int64
	itemsEach  int
}

func (p purgeSet) item(n, i int) string {
	if p.typ == gcoreapi.PurgeByPattern {
		return fmt.Sprintf("/%s/section%d/*", p.name, n)
	}
	return fmt.Sprintf("/%s/group%d/file%d.js", p.name, n, i)
}

func (p purgeSet) hcl() string {
	switch p.typ {
	case gcoreapi.PurgeAll:
		return fmt.Sprintf("resource \"gcore_cdn_purge\" %q {\n  count       = %d\n  resource_id = %d\n  purge_all   = true\n}\n",
			p.name, p.count, p.resourceID)
	case gcoreapi.PurgeByPattern:
		return fmt.Sprintf("resource \"gcore_cdn_purge\" %q {\n  count       = %d\n  resource_id = %d\n  paths       = [\"/%s/section${count.index}/*\"]\n}\n",
			p.name, p.count, p.resourceID, p.name)
	default:
		return fmt.Sprintf("resource \"gcore_cdn_purge\" %q {\n  count       = %d\n  resource_id = %d\n  urls        = [for i in range(%d) : \"/%s/group${count.index}/file${i}.js\"]\n}\n",
			p.name, p.count, p.resourceID, p.itemsEach, p.name)
	}
}

func (p purgeSet) expected(into map[string]bool) {
	for n := range p.count {
		if p.typ == gcoreapi.PurgeAll {
			into[purgedItem(p.resourceID, p.typ, "")] = true
			continue
		}
		for i := range max(p.itemsEach, 1) {
			into[purgedItem(p.resourceID, p.typ, p.item(n, i))] = true
		}
	}
}

type purgeConfig []purgeSet

// requiredProviders names this provider for Terraform, which otherwise
// looks for hashicorp/gcore.
const requiredProviders = "terraform {\n  required_providers {\n    gcore = { source = \"gcore-purge/gcore\" }\n  }\n}\n\n"

func (c purgeConfig) hcl() string {
	var b strings.Builder
	b.WriteString(requiredProviders)
	for _, p := range c {
		b.WriteString(p.hcl())
	}
	return b.String()
}

func (c purgeConfig) resources() (n int) {
	for _, p := range c {
		n += p.count
	}
	return n
}

func (c purgeConfig) expected() map[string]bool {
	want := map[string]bool{}
	for _, p := range c {
		p.expected(want)
	}
	return want
}

// fewestRequests is the least number of requests that can carry c when
// Terraform runs at most parallelism creates at once: a request holds at most
// the documented number of items, and can only carry purges that have
// started, so each type needs a request per parallelism purges, too.
func (c purgeConfig) fewestRequests(parallelism int) int {
	perRequest := map[gcoreapi.PurgeType]int{gcoreapi.PurgeByURL: gcoreapi.MaxURLsPerRequest, gcoreapi.PurgeByPattern: gcoreapi.MaxPatternsPerRequest}
	items, purges := map[gcoreapi.PurgeType]int{}, map[gcoreapi.PurgeType]int{}
	requests := 0
	for _, p := range c {
		if p.typ == gcoreapi.PurgeAll {
			requests++ // one per CDN resource; the config purges one whole
			continue
		}
		items[p.typ] += p.count * p.itemsEach
		purges[p.typ] += p.count
	}
	for t, n := range items {
		requests += max(ceilDiv(n, perRequest[t]), ceilDiv(purges[t], parallelism))
	}
	return requests
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// windowsWithoutMerging is how many rate windows c needs when each resource
// sends a request of its own: the busiest queue decides.
func (c purgeConfig) windowsWithoutMerging() int {
	perWindow := map[gcoreapi.PurgeType]int{
		gcoreapi.PurgeByURL: urlRate.Requests, gcoreapi.PurgeByPattern: patternRate.Requests, gcoreapi.PurgeAll: patternRate.Requests,
	}
	windows := 0
	for _, p := range c {
		windows = max(windows, ceilDiv(p.count, perWindow[p.typ]))
	}
	return windows
}

// baselineHCL is n terraform_data resources: Terraform's own work, no API.
func baselineHCL(n int) string {
	return fmt.Sprintf("resource \"terraform_data\" \"baseline\" {\n  count            = %d\n  triggers_replace = { release = \"1\" }\n}\n", n)
}

// applyBenchmark is benchmark 1.
func (b *bench) applyBenchmark(runs int) bool {
	config := purgeConfig{
		{name: "assets", count: 20, typ: gcoreapi.PurgeByURL, resourceID: siteID, itemsEach: 5},
		{name: "docs", count: 4, typ: gcoreapi.PurgeByPattern, resourceID: siteID, itemsEach: 1},
		{name: "legacy", count: 1, typ: gcoreapi.PurgeAll, resourceID: otherID},
	}
	heading(fmt.Sprintf("1. One apply of %d gcore_cdn_purge resources", config.resources()))
	fmt.Printf("20 purges of 5 URLs and 4 pattern purges of CDN resource %d, 1 purge-all of CDN resource %d; "+
		"the baseline applies %d terraform_data resources. Median of %d runs.\n\n", siteID, otherID, config.resources(), runs)

	variants := []struct {
		name        string
		parallelism int
	}{
		{"gcore_cdn_purge, -parallelism=10 (Terraform's default)", 10},
		{"gcore_cdn_purge, -parallelism=25 (all creates at once)", 25},
	}
	var baseline []time.Duration
	times := make([][]time.Duration, len(variants))
	last := make([]traffic, len(variants))
	for range runs {
		d, err := b.applyFresh(baselineHCL(config.resources()))
		if err != nil {
			log.Print(err)
			return false
		}
		baseline = append(baseline, d)
		for i, v := range variants {
			b.sim.Reset()
			d, err := b.applyFresh(config.hcl(), fmt.Sprintf("-parallelism=%d", v.parallelism))
			if err != nil {
				log.Print(err)
				return false
			}
			times[i], last[i] = append(times[i], d), b.traffic()
			if n := last[i].missing(config.expected()); n > 0 {
				log.Printf("%s: %d items were not purged", v.name, n)
				return false
			}
		}
	}

	base := median(baseline)
	row("apply", "wall time (median)", "minus baseline", "purge requests", "fewest possible", "429s")
	row("---", "---", "---", "---", "---", "---")
	row(fmt.Sprintf("terraform_data ×%d (baseline)", config.resources()), seconds(base), "", "", "", "")
	for i, v := range variants {
		wall := median(times[i])
		row(v.name, seconds(wall), fmt.Sprintf("%s (%.1f windows)", seconds(wall-base), float64(wall-base)/float64(window)),
			fmt.Sprint(last[i].purgeRequests), fmt.Sprint(config.fewestRequests(v.parallelism)), fmt.Sprint(last[i].rateLimited))
	}
	fmt.Printf("\nFewest possible: 100 URLs and 10 patterns a request, and a request carries only the purges Terraform has started.\n")
	for i, v := range variants {
		wall, fewest := median(times[i]), config.fewestRequests(v.parallelism)
		fmt.Printf("- %s: 0 429s: %s; requests within 1 of %d: %s; within 2 windows of the baseline: %s.\n", v.name,
			verdict(last[i].rateLimited == 0), fewest, verdict(last[i].purgeRequests <= fewest+1), verdict(wall-base <= 2*window))
	}
	fmt.Printf("\nWithout merging, each resource sends its own request: %d windows for the busiest queue "+
		"(20 URL purges at 2 a window), about %d s with these limits and %d minutes with the documented ones.\n",
		config.windowsWithoutMerging(), config.windowsWithoutMerging()-1, config.windowsWithoutMerging()-1)
	return true
}

// concurrentBenchmark is benchmark 2: two Terraform processes, each with a
// scheduler of its own, purge the same CDN resource at the same time.
func (b *bench) concurrentBenchmark() bool {
	heading("2. Two Terraform processes purging one CDN resource at once")
	b.sim.Reset()
	configs := []purgeConfig{
		{{name: "team_a_files", count: 10, typ: gcoreapi.PurgeByURL, resourceID: siteID, itemsEach: 5},
			{name: "team_a_docs", count: 2, typ: gcoreapi.PurgeByPattern, resourceID: siteID, itemsEach: 1}},
		{{name: "team_b_files", count: 10, typ: gcoreapi.PurgeByURL, resourceID: siteID, itemsEach: 5},
			{name: "team_b_docs", count: 2, typ: gcoreapi.PurgeByPattern, resourceID: siteID, itemsEach: 1}},
	}
	walls := make([]time.Duration, len(configs))
	errs := make([]error, len(configs))
	var wg sync.WaitGroup
	for i, c := range configs {
		dir, err := b.workspace(c.hcl())
		if err != nil {
			log.Print(err)
			return false
		}
		wg.Go(func() {
			walls[i], errs[i] = b.terraformIn(dir, "apply", "-auto-approve", "-input=false", "-no-color")
		})
	}
	wg.Wait()
	t := b.traffic()
	ok := true
	for i, c := range configs {
		status := "succeeded"
		if errs[i] != nil {
			status, ok = "FAILED: "+errs[i].Error(), false
		} else if n := t.missing(c.expected()); n > 0 {
			status, ok = fmt.Sprintf("FAILED: %d items not purged", n), false
		}
		fmt.Printf("- process %d (10 URL purges, 2 pattern purges): %s in %s\n", i+1, status, seconds(walls[i]))
	}
	fmt.Printf("- the simulator received %d purge requests and answered %d of them 429: each process waited those out and retried.\n",
		t.purgeRequests, t.rateLimited)
	return ok
}

// purgesHCL is n gcore_cdn_purge resources of one URL each, with target
// naming their CDN resource.
func purgesHCL(n int, target string) string {
	return requiredProviders + fmt.Sprintf("resource \"gcore_cdn_purge\" \"files\" {\n  count    = %d\n  %s\n"+
		"  urls     = [\"/files/${count.index}.js\"]\n  triggers = { release = \"1\" }\n}\n", n, target)
}

// planBenchmark is benchmark 3.
func (b *bench) planBenchmark(runs, n int) bool {
	heading(fmt.Sprintf("3. terraform plan of %d resources", n))
	purges := purgesHCL(n, fmt.Sprintf("resource_id = %d", siteID))
	var baseline, purge []time.Duration
	var peak float64
	b.sim.Reset()
	for range runs {
		d, err := b.planFresh(baselineHCL(n))
		if err != nil {
			log.Print(err)
			return false
		}
		baseline = append(baseline, d)
		if d, err = b.planFresh(purges); err != nil {
			log.Print(err)
			return false
		}
		purge = append(purge, d)
		mib, _, err := measured.Usage(b.rssFile)
		if err != nil {
			log.Print(err)
			return false
		}
		peak = max(peak, mib)
	}
	t := b.traffic()
	base, wall := median(baseline), median(purge)
	row("plan", "wall time (median of "+fmt.Sprint(runs)+")", "ratio")
	row("---", "---", "---")
	row(fmt.Sprintf("terraform_data ×%d", n), seconds(base), "1.00")
	row(fmt.Sprintf("gcore_cdn_purge ×%d", n), seconds(wall), fmt.Sprintf("%.2f", float64(wall)/float64(base)))
	fmt.Printf("\nProvider peak memory (largest resident set of its processes during a plan): %.1f MiB. "+
		"Requests sent to the API by the %d plans: %d reads of the CDN resource (plan_checks: one per plan, "+
		"whatever the number of purges), %d purges.\n", peak, runs, t.resourceReads, t.purgeRequests)
	return t.resourceReads == runs && t.purgeRequests == 0
}
