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

// docsSite is the site of issue 20: 40 directories of 100 pages under
// /docs/, every page at version v, and 1,000 images under /img/ that never
// change.
func docsSite(v string) site {
	s := site{}
	for d := range 40 {
		for p := range 100 {
			s[fmt.Sprintf("/docs/guide-%d/page-%d.html", d, p)] = v
		}
	}
	for i := range 1000 {
		s[fmt.Sprintf("/img/%d.png", i)] = "1"
	}
	return s
}

// windows is how many rate windows requests span at perWindow a window: the
// first perWindow go in the first.
func windows(requests, perWindow int) int { return ceilDiv(requests, perWindow) }

// directoriesBenchmark is benchmark 7: a deploy that changes every page of
// a documentation site, by URL and with purge_directories, at the
// compressed limits, and its projection to Gcore's documented limits.
func (b *bench) directoriesBenchmark() bool {
	heading("7. A deploy changing every page of 40 directories of 100 pages (beside 1,000 unchanged images), with and without purge_directories")
	hcl := func(s site, args string) string {
		return requiredProviders + fmt.Sprintf("resource \"gcore_cdn_purge_changed_files\" \"site\" {\n  resource_id = %d\n"+
			"  purge_on_create = false\n%s  files = %s\n}\n", siteID, args, s.hcl())
	}
	urlDoc, patternDoc := gcoreapi.PurgeByURL.DocumentedRate(), gcoreapi.PurgeByPattern.DocumentedRate()
	row("configuration", "URLs by URL", "patterns", "requests by URL", "by pattern", "429s", "wall time",
		fmt.Sprintf("windows by URL / by pattern (%s, %s)", urlRate, patternRate),
		fmt.Sprintf("at the documented limits (%s by URL, %s by pattern)", urlDoc, patternDoc))
	row("---", "---", "---", "---", "---", "---", "---", "---", "---")
	ok := true
	var urlOnlyWindows int
	var verdicts []string
	for _, v := range []struct {
		name, args string
	}{
		{"by URL (purge_directories unset)", ""},
		{"purge_directories = true", "  purge_directories = true\n"},
	} {
		dir, err := b.workspace(hcl(docsSite("v1"), v.args))
		if err == nil {
			_, err = b.terraformIn(dir, "apply", "-auto-approve", "-input=false", "-no-color")
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "main.tf"), []byte(hcl(docsSite("v2"), v.args)), 0o600)
		}
		var wall time.Duration
		if err == nil {
			b.sim.Reset()
			wall, err = b.terraformIn(dir, "apply", "-auto-approve", "-input=false", "-no-color")
		}
		if err != nil {
			log.Print(err)
			return false
		}
		var urls, patterns, byURL, byPattern int
		for _, p := range b.sim.Purges() {
			switch p.Type {
			case simulator.PurgeByURL:
				byURL++
				urls += len(p.Items)
			case simulator.PurgeByPattern:
				byPattern++
				patterns += len(p.Items)
				for _, pattern := range p.Items {
					if prefix := strings.TrimSuffix(pattern, "*"); strings.HasPrefix("/img/0.png", prefix) || strings.HasPrefix(prefix, "/img/") {
						log.Printf("pattern %s covers the unchanged images", pattern)
						ok = false
					}
				}
			}
		}
		urlWindows, patternWindows := windows(byURL, urlRate.Requests), windows(byPattern, patternRate.Requests)
		// At the documented limits the queues go side by side: the slower
		// one's windows, less the first, are what the deploy waits.
		docURL, docPattern := windows(byURL, urlDoc.Requests), windows(byPattern, patternDoc.Requests)
		wait := max(time.Duration(max(docURL-1, 0))*urlDoc.Window, time.Duration(max(docPattern-1, 0))*patternDoc.Window)
		row(v.name, fmt.Sprint(urls), fmt.Sprint(patterns), fmt.Sprint(byURL), fmt.Sprint(byPattern), fmt.Sprint(b.sim.RateLimited()),
			seconds(wall), fmt.Sprintf("%d / %d", urlWindows, patternWindows),
			fmt.Sprintf("%d / %d windows: at least %s", docURL, docPattern, wait))
		if v.args == "" {
			urlOnlyWindows = docURL
			continue
		}
		met := docURL <= 2 && docPattern <= 2 && byURL+byPattern <= 8 && b.sim.RateLimited() == 0
		ok = ok && met
		verdicts = append(verdicts, fmt.Sprintf("- purge_directories: %d and %d windows of the URL and pattern queues at the "+
			"documented limits (at most 2 each, where by URL alone needs %d), %d requests (at most 8): %s.",
			docURL, docPattern, urlOnlyWindows, byURL+byPattern, verdict(met)))
	}
	fmt.Printf("\n%s\n", strings.Join(verdicts, "\n"))
	return ok
}
