package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

// A site is the files of a deploy and their versions, as HCL.
type site map[string]string

// numberedSite is n files "/site/<i>.js", all at version v1.
func numberedSite(n int) site {
	s := make(site, n)
	for i := range n {
		s[fmt.Sprintf("/site/%d.js", i)] = "v1"
	}
	return s
}

// deploy changes the first changed files, removes the next removed ones and
// adds added new files: what a typical deploy does to a site.
func (s site) deploy(changed, removed, added int) site {
	next := make(site, len(s))
	for k, v := range s {
		next[k] = v
	}
	for i := range changed {
		next[fmt.Sprintf("/site/%d.js", i)] = "v2"
	}
	for i := changed; i < changed+removed; i++ {
		delete(next, fmt.Sprintf("/site/%d.js", i))
	}
	for i := range added {
		next[fmt.Sprintf("/new/%d.js", i)] = "v1"
	}
	return next
}

func (s site) hcl() string {
	var b strings.Builder
	b.WriteString("{\n")
	for k, v := range s {
		fmt.Fprintf(&b, "    %q = %q\n", k, v)
	}
	b.WriteString("  }")
	return b.String()
}

// changedFilesHCL is the deploy written the way this provider recommends.
func changedFilesHCL(s site) string {
	return requiredProviders + fmt.Sprintf("resource \"gcore_cdn_purge_changed_files\" \"site\" {\n  resource_id = %d\n  files = %s\n}\n",
		siteID, s.hcl())
}

// perFileHCL is the same deploy written as one gcore_cdn_purge per file,
// triggered by its version: the pattern gcore_cdn_purge_changed_files
// replaces.
func perFileHCL(s site) string {
	return requiredProviders + fmt.Sprintf("locals {\n  files = %s\n}\n\n"+
		"resource \"gcore_cdn_purge\" \"file\" {\n  for_each    = local.files\n  resource_id = %d\n"+
		"  urls        = [each.key]\n  triggers    = { version = each.value }\n}\n", s.hcl(), siteID)
}

// dataHCL holds the same map in one terraform_data: Terraform's own work.
func dataHCL(s site) string {
	return fmt.Sprintf("resource \"terraform_data\" \"site\" {\n  input = %s\n}\n", s.hcl())
}

// perFileDataHCL is one terraform_data per file: the per-file baseline.
func perFileDataHCL(s site) string {
	return fmt.Sprintf("locals {\n  files = %s\n}\n\nresource \"terraform_data\" \"file\" {\n  for_each = local.files\n"+
		"  input    = each.value\n}\n", s.hcl())
}

// deployRun is one apply of a deploy scenario and what it cost.
type deployRun struct {
	wall, baseline time.Duration
	t              traffic
}

// forcedWindows is what the limits force on r requests at perWindow a
// window: the first perWindow go at once, each further batch waits a window.
func forcedWindows(requests, perWindow int) int {
	return max(ceilDiv(requests, perWindow)-1, 0)
}

// changedFilesBenchmark is benchmark 4: a deploy of 1,000 files, then a
// change of 250 files, 10 removed and 5 added, with
// gcore_cdn_purge_changed_files and with one gcore_cdn_purge per file.
func (b *bench) changedFilesBenchmark() bool {
	const files, changed, removed, added = 1000, 250, 10, 5
	heading(fmt.Sprintf("4. A deploy of %d files, then %d changed, %d removed and %d added", files, changed, removed, added))
	first := numberedSite(files)
	second := first.deploy(changed, removed, added)
	variants := []struct {
		name           string
		hcl, baseline  func(site) string
		wantRequests   [2]int
		secondPurgeURL int
	}{
		{"gcore_cdn_purge_changed_files", changedFilesHCL, dataHCL, [2]int{10, 3}, changed + removed},
		{"gcore_cdn_purge per file (for_each, -parallelism=10)", perFileHCL, perFileDataHCL, [2]int{}, changed + added},
	}
	row("configuration", "apply", "URLs purged", "requests", "429s", "wall time", "minus baseline", "windows forced by the limits")
	row("---", "---", "---", "---", "---", "---", "---", "---")
	ok := true
	var verdicts []string
	for _, v := range variants {
		runs, err := b.deployTwice(v.hcl, v.baseline, first, second)
		if err != nil {
			log.Print(err)
			return false
		}
		for i, r := range runs {
			forced := forcedWindows(r.t.purgeRequests, urlRate.Requests)
			extra := r.wall - r.baseline
			row(v.name, []string{"create", "deploy"}[i], fmt.Sprint(len(r.t.purged)), fmt.Sprint(r.t.purgeRequests),
				fmt.Sprint(r.t.rateLimited), seconds(r.wall), fmt.Sprintf("%s (%.1f windows)", seconds(extra), float64(extra)/float64(window)),
				fmt.Sprint(forced))
			if v.wantRequests[i] > 0 {
				met := r.t.purgeRequests == v.wantRequests[i] && r.t.rateLimited == 0 && extra <= time.Duration(forced+1)*window
				ok = ok && met
				verdicts = append(verdicts, fmt.Sprintf("- %s, %s: %d requests (want %d), %d 429s, within 1 window of the %d forced: %s.",
					v.name, []string{"create", "deploy"}[i], r.t.purgeRequests, v.wantRequests[i], r.t.rateLimited, forced, verdict(met)))
			}
		}
	}
	fmt.Printf("\n%s\n", strings.Join(verdicts, "\n"))
	return ok
}

// deployTwice applies first, then second, in one workspace, with the
// simulator reset before each, and each baseline likewise in a workspace of
// its own.
func (b *bench) deployTwice(hcl, baseline func(site) string, first, second site) ([2]deployRun, error) {
	var runs [2]deployRun
	dir, err := b.workspace(hcl(first))
	if err != nil {
		return runs, err
	}
	baseDir, err := b.workspace(baseline(first))
	if err != nil {
		return runs, err
	}
	for i, s := range []site{first, second} {
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(hcl(s)), 0o600); err != nil {
			return runs, err
		}
		if err := os.WriteFile(filepath.Join(baseDir, "main.tf"), []byte(baseline(s)), 0o600); err != nil {
			return runs, err
		}
		if runs[i].baseline, err = b.terraformIn(baseDir, "apply", "-auto-approve", "-input=false", "-no-color"); err != nil {
			return runs, err
		}
		b.sim.Reset()
		if runs[i].wall, err = b.terraformIn(dir, "apply", "-auto-approve", "-input=false", "-no-color"); err != nil {
			return runs, err
		}
		runs[i].t = b.traffic()
	}
	return runs, nil
}

// bigPlanBenchmark is benchmark 5: the plan of a 10,000-entry files map
// against terraform_data holding the same map.
func (b *bench) bigPlanBenchmark(runs int) bool {
	const files = 10000
	heading(fmt.Sprintf("5. terraform plan of a %d-entry files map", files))
	s := numberedSite(files)
	var baseline, purge []time.Duration
	for range runs {
		d, err := b.planFresh(dataHCL(s))
		if err != nil {
			log.Print(err)
			return false
		}
		baseline = append(baseline, d)
		if d, err = b.planFresh(changedFilesHCL(s)); err != nil {
			log.Print(err)
			return false
		}
		purge = append(purge, d)
	}
	base, wall := median(baseline), median(purge)
	ratio := float64(wall) / float64(base)
	row("plan", "wall time (median of "+fmt.Sprint(runs)+")", "ratio")
	row("---", "---", "---")
	row(fmt.Sprintf("terraform_data holding %d entries", files), seconds(base), "1.00")
	row(fmt.Sprintf("gcore_cdn_purge_changed_files with %d files", files), seconds(wall), fmt.Sprintf("%.2f", ratio))
	fmt.Printf("\n- within 2× of terraform_data: %s.\n", verdict(ratio <= 2))
	return ratio <= 2
}

// completionBenchmark is benchmark 6: an apply that changes 1,000 files of
// a site with wait_for_completion and prefetch, while the simulator's purge
// history reports each purge done completion after it was accepted.
func (b *bench) completionBenchmark() bool {
	const files = 1000
	const completion = 2 * time.Second
	heading(fmt.Sprintf("6. A deploy changing %d files, waiting for completion, then prefetching", files))
	hcl := func(s site) string {
		return requiredProviders + fmt.Sprintf("resource \"gcore_cdn_purge_changed_files\" \"site\" {\n  resource_id = %d\n"+
			"  purge_on_create = false\n  wait_for_completion = true\n  prefetch = true\n  files = %s\n}\n", siteID, s.hcl())
	}
	first := numberedSite(files)
	dir, err := b.workspace(hcl(first))
	if err == nil {
		_, err = b.terraformIn(dir, "apply", "-auto-approve", "-input=false", "-no-color")
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "main.tf"), []byte(hcl(first.deploy(files, 0, 0))), 0o600)
	}
	if err == nil {
		b.sim.Reset()
		err = b.sim.SetPurgeOutcome(simulator.StatusSuccessful, completion)
	}
	var wall time.Duration
	if err == nil {
		wall, err = b.terraformIn(dir, "apply", "-auto-approve", "-input=false", "-no-color")
	}
	if err != nil {
		log.Print(err)
		return false
	}
	var purges, prefetches, historyReads int
	for _, r := range b.sim.Requests() {
		switch {
		case strings.HasSuffix(r.Path, "/purge"):
			purges++
		case strings.HasSuffix(r.Path, "/prefetch"):
			prefetches++
		case r.Path == "/cdn/purge_statuses":
			historyReads++
		}
	}
	prefetchRate := mustParseRate(simulator.CompressedLimits.PrefetchRequestLimit)
	forced := forcedWindows(purges, urlRate.Requests) + forcedWindows(prefetches, prefetchRate.Requests)
	row("apply", "wall time", "purge requests", "prefetch requests", "history reads", "429s", "windows forced")
	row("---", "---", "---", "---", "---", "---", "---")
	row(fmt.Sprintf("%d changed files", files), seconds(wall), fmt.Sprint(purges), fmt.Sprint(prefetches),
		fmt.Sprint(historyReads), fmt.Sprint(b.sim.RateLimited()), fmt.Sprint(forced))
	documented := time.Duration(forcedWindows(purges, gcoreapi.PurgeByURL.DocumentedRate().Requests))*time.Minute +
		time.Duration(forcedWindows(prefetches, gcoreapi.DocumentedPrefetchRate().Requests))*time.Minute
	fmt.Printf("\nWith the history reporting each purge done %s after it was accepted. At the documented limits "+
		"(2 purges by URL and 1 prefetch a minute) the same requests need at least %s of rate-limit windows, "+
		"plus the purges' own completion time.\n", completion, documented)
	return purges == files/100 && prefetches == files/100
}
