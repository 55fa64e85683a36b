package filediff

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// docsSite is a documentation site: dirs directories of pages pages under
// /docs/, and images unchanged images under /img/.
func docsSite(dirs, pages, images int, version string) Files {
	files := Files{}
	for d := range dirs {
		for p := range pages {
			files[fmt.Sprintf("/docs/guide-%d/page-%d.html", d, p)] = version
		}
	}
	for i := range images {
		files[fmt.Sprintf("/img/%d.png", i)] = "1"
	}
	return files
}

func TestDirectoriesArePurgedWholeOrNotAtAll(t *testing.T) {
	old := Files{
		"/docs/a/1.html": "1", "/docs/a/2.html": "1", "/docs/b/1.html": "1", "/docs/b/2.html": "1",
		"/img/x.png": "1", "/blog/gone.html": "1", "/blog/kept.html": "1", "/index.html": "1",
	}
	next := Files{
		"/docs/a/1.html": "2", "/docs/a/2.html": "2", // all of /docs/a/ changed
		"/docs/b/1.html": "2", "/docs/b/2.html": "1", // half of /docs/b/ changed
		"/img/x.png": "1", "/blog/kept.html": "2", "/index.html": "2",
	}
	t.Run("purge_removed", func(t *testing.T) {
		d := Changes(old, next, Options{PurgeRemoved: true})
		got := d.Directories(old, next)
		if len(got) != 2 || got[0].Path != "/blog/" || got[0].Pattern != "/blog/*" || got[1].Path != "/docs/a/" ||
			!slices.Equal(got[1].URLs, []string{"/docs/a/1.html", "/docs/a/2.html"}) {
			t.Fatalf("directories = %+v, want /blog/ (its kept file changed, the other removed) and /docs/a/ only", got)
		}
	})
	t.Run("removed files kept", func(t *testing.T) {
		d := Changes(old, next, Options{})
		got := d.Directories(old, next)
		if len(got) != 1 || got[0].Path != "/docs/a/" {
			t.Fatalf("directories = %+v, want /docs/a/ only: /blog/ holds a removed file that is not purged", got)
		}
	})
	t.Run("added files not purged", func(t *testing.T) {
		withNew := Files{"/docs/a/3.html": "1"}
		for k, v := range next {
			withNew[k] = v
		}
		got := Changes(old, withNew, Options{}).Directories(old, withNew)
		if len(got) != 0 {
			t.Fatalf("directories = %+v, want none: /docs/a/ holds a new file left alone", got)
		}
	})
}

func TestTheRootIsNeverAPattern(t *testing.T) {
	old := Files{"/a.js": "1", "/b/c.js": "1"}
	next := Files{"/a.js": "2", "/b/c.js": "2"}
	got := Changes(old, next, Options{}).Directories(old, next)
	if len(got) != 1 || got[0].Pattern != "/b/*" {
		t.Fatalf("directories = %+v, want /b/* alone: every file changed, yet /* would purge the whole CDN resource", got)
	}
}

func TestPatternsAreEncodedAndCoverTheIndexDirectory(t *testing.T) {
	next := Files{"/my docs/index.html": "2", "/my docs/é.html": "2", "/a*b/x.html": "2", "/keep.js": "1"}
	old := Files{"/my docs/index.html": "1", "/my docs/é.html": "1", "/a*b/x.html": "1", "/keep.js": "1"}
	d := Changes(old, next, Options{IndexDocument: "index.html"})
	got := d.Directories(old, next)
	want := []string{"/my%20docs/", "/my%20docs/%C3%A9.html", "/my%20docs/index.html"}
	if len(got) != 1 || got[0].Pattern != "/my%20docs/*" || !slices.Equal(got[0].URLs, want) {
		t.Fatalf("directories = %+v, want /my%%20docs/* covering %q (a \"*\" in a name makes no pattern)", got, want)
	}
}

// documented is the least time at Gcore's documented limits: 100 URLs a
// request, 2 requests a minute; 10 patterns a request, 1 a minute; the two
// queues side by side.
func documented(urls, patterns int) time.Duration {
	windows := func(n, perRequest, rate int) time.Duration {
		requests := (n + perRequest - 1) / perRequest
		if requests <= rate {
			return 0
		}
		return time.Duration((requests+rate-1)/rate-1) * time.Minute
	}
	return max(windows(urls, 100, 2), windows(patterns, 10, 1))
}

func TestSplitByDirectoryFinishesSoonest(t *testing.T) {
	old, next := docsSite(40, 100, 1000, "1"), docsSite(40, 100, 1000, "2")
	d := Changes(old, next, Options{})
	split := d.SplitByDirectory(d.Directories(old, next), documented)
	if !slices.Equal(split.Patterns, []string{"/docs/*"}) || len(split.URLs) != 0 {
		t.Fatalf("split = %d patterns %q and %d URLs, want /docs/* alone", len(split.Patterns), split.Patterns, len(split.URLs))
	}

	// Forty top-level directories: the planner takes as many as save time.
	top := func(version string) Files {
		files := Files{}
		for dir := range 40 {
			for p := range 100 {
				files[fmt.Sprintf("/d%02d/%d.html", dir, p)] = version
			}
		}
		files["/img/x.png"] = "1"
		return files
	}
	old, next = top("1"), top("2")
	d = Changes(old, next, Options{})
	dirs := d.Directories(old, next)
	split = d.SplitByDirectory(dirs, documented)
	// Forty patterns take 4 requests at 1/m, 3 minutes; so do 32, with the
	// other 800 URLs in 8 requests at 2/m; 31 would leave 900 URLs, 4 minutes.
	if got := documented(len(split.URLs), len(split.Patterns)); got != 3*time.Minute || len(split.Patterns) != 32 ||
		len(split.URLs) != 800 {
		t.Fatalf("split = %d patterns, %d URLs, finishing after %s; want 32 patterns and 800 URLs, 3 minutes "+
			"(URLs alone: %s), no pattern that saves no time", len(split.Patterns), len(split.URLs), got, documented(len(d.URLs), 0))
	}
	if again := d.SplitByDirectory(d.Directories(old, next), documented); !slices.Equal(again.Patterns, split.Patterns) {
		t.Fatal("the same deploy gave other patterns")
	}
}

func TestPatternsOnlyWhereTheySaveTime(t *testing.T) {
	old := Files{"/a/1.js": "1", "/b/1.js": "1", "/c.js": "1"}
	next := Files{"/a/1.js": "2", "/b/1.js": "2", "/c.js": "2"}
	d := Changes(old, next, Options{})
	split := d.SplitByDirectory(d.Directories(old, next), documented)
	if len(split.Patterns) != 0 || len(split.URLs) != 3 {
		t.Fatalf("split = %+v: three URLs go in one request; a pattern saves nothing", split)
	}
}

func TestSettleCountsWhatAnAcceptedPatternCovers(t *testing.T) {
	old := Files{"/docs/a.html": "1", "/docs/b.html": "1", "/img/x.png": "1", "/c.js": "1"}
	next := Files{"/docs/a.html": "2", "/docs/b.html": "2", "/img/x.png": "2", "/c.js": "2"}
	d := Changes(old, next, Options{})
	settled, remaining := d.Settle(old, next, []string{"/c.js"}, []string{"/docs/*"})
	want := Files{"/docs/a.html": "2", "/docs/b.html": "2", "/img/x.png": "1", "/c.js": "2"}
	if remaining != 1 || fmt.Sprint(settled) != fmt.Sprint(want) {
		t.Fatalf("settled = %v, %d remaining; want %v, 1 (the refused /img/* leaves its file to the next apply)", settled, remaining, want)
	}
}

func TestSplitWithSendsThePlannedPatterns(t *testing.T) {
	old := Files{"/docs/a.html": "1", "/docs/b/c.html": "1", "/x.js": "1", "/docs-old.html": "1"}
	next := Files{"/docs/a.html": "2", "/docs/b/c.html": "2", "/x.js": "2", "/docs-old.html": "2"}
	d := Changes(old, next, Options{})
	split := d.SplitWith([]string{"/docs/*"})
	if !slices.Equal(split.Patterns, []string{"/docs/*"}) || !slices.Equal(split.URLs, []string{"/docs-old.html", "/x.js"}) {
		t.Fatalf("split = %+v, want /docs/* and the two URLs it does not cover (/docs-old.html is not under /docs/)", split)
	}
	if split := d.SplitWith(nil); len(split.Patterns) != 0 || !slices.Equal(split.URLs, d.URLs) {
		t.Fatalf("split without patterns = %+v, want every URL", split)
	}
}
