package filediff

import (
	"maps"
	"slices"
	"testing"
)

var (
	before = Files{"/a.js": "1", "/b.js": "1", "/gone.css": "1", "/same.png": "1"}
	after  = Files{"/a.js": "2", "/b.js": "2", "/new file.js": "1", "/same.png": "1"}
)

func TestChanges(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		want []string
	}{
		{"changed and removed (the defaults)", Options{PurgeRemoved: true}, []string{"/a.js", "/b.js", "/gone.css"}},
		{"changed only", Options{}, []string{"/a.js", "/b.js"}},
		{"changed, added and removed", Options{PurgeAdded: true, PurgeRemoved: true},
			[]string{"/a.js", "/b.js", "/gone.css", "/new%20file.js"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Changes(before, after, tc.opts).URLs; !slices.Equal(got, tc.want) {
				t.Fatalf("URLs = %q, want %q", got, tc.want)
			}
		})
	}
	if got := Changes(after, after, Options{PurgeAdded: true, PurgeRemoved: true}).URLs; len(got) != 0 {
		t.Fatalf("no change purged %q", got)
	}
}

func TestEverythingEncodesAndSorts(t *testing.T) {
	got := Everything(Files{"/z.js": "1", "/ü.txt": "1", "/a b.js": "1", "/a%20b.js": "1"}, Options{}).URLs
	want := []string{"/%C3%BC.txt", "/a%20b.js", "/z.js"} // "/a b.js" and "/a%20b.js" are one URL
	if !slices.Equal(got, want) {
		t.Fatalf("URLs = %q, want %q", got, want)
	}
}

func TestIndexDocumentPurgesItsDirectory(t *testing.T) {
	files := Files{"/index.html": "1", "/docs/index.html": "1", "/docs/reindex.html": "1", "/x/index.htm": "1"}
	got := Everything(files, Options{IndexDocument: "index.html"}).URLs
	want := []string{"/", "/docs/", "/docs/index.html", "/docs/reindex.html", "/index.html", "/x/index.htm"}
	if !slices.Equal(got, want) {
		t.Fatalf("URLs = %q, want %q", got, want)
	}
}

func TestSettleKeepsOnlyWhatWasAccepted(t *testing.T) {
	opts := Options{PurgeAdded: true, PurgeRemoved: true, IndexDocument: "index.html"}
	old := Files{"/a.js": "1", "/gone.css": "1", "/docs/index.html": "1", "/same": "1"}
	next := Files{"/a.js": "2", "/added.js": "1", "/docs/index.html": "2", "/same": "1"}
	p := Changes(old, next, opts)
	// Accepted: /a.js, and only half of the index document's URLs.
	settled, remaining := p.Settle(old, next, []string{"/a.js", "/docs/index.html"}, nil)

	want := Files{"/a.js": "2", "/gone.css": "1", "/docs/index.html": "1", "/same": "1"}
	if !maps.Equal(settled, want) || remaining != 3 {
		t.Fatalf("settled %v with %d remaining, want %v with 3 (/added.js, /docs/, /gone.css)", settled, remaining, want)
	}
	// What the next apply purges is exactly what remained.
	rest := Changes(settled, next, opts).URLs
	if wantRest := []string{"/added.js", "/docs/", "/docs/index.html", "/gone.css"}; !slices.Equal(rest, wantRest) {
		t.Fatalf("next purge %q, want %q", rest, wantRest)
	}

	settled, remaining = p.Settle(old, next, p.URLs, nil)
	if !maps.Equal(settled, next) || remaining != 0 {
		t.Fatalf("all accepted: settled %v, %d remaining", settled, remaining)
	}
}

func TestSettleKeepsFilesThatNeededNoPurge(t *testing.T) {
	p := Changes(before, after, Options{}) // neither added nor removed files are purged
	settled, _ := p.Settle(before, after, nil, nil)
	want := Files{"/a.js": "1", "/b.js": "1", "/new file.js": "1", "/same.png": "1"}
	if !maps.Equal(settled, want) {
		t.Fatalf("settled %v, want %v", settled, want)
	}
}

func TestFilesOf(t *testing.T) {
	p := Everything(Files{"/a b.js": "1", "/c.js": "1", "/index.html": "1"}, Options{IndexDocument: "index.html"})
	if got := p.FilesOf([]string{"/a%20b.js", "/"}); !slices.Equal(got, []string{"/a b.js", "/index.html"}) {
		t.Fatalf("FilesOf = %q", got)
	}
}

func TestRefreshedIsWhatADeployBrought(t *testing.T) {
	got := Refreshed(before, after, Options{IndexDocument: "index.html"})
	want := []string{"/a.js", "/b.js", "/new%20file.js"} // not /gone.css, not /same.png
	if !slices.Equal(got, want) {
		t.Fatalf("Refreshed = %q, want %q", got, want)
	}
	if got := Refreshed(nil, Files{"/docs/index.html": "1"}, Options{IndexDocument: "index.html"}); !slices.Equal(got, []string{"/docs/", "/docs/index.html"}) {
		t.Fatalf("first deploy: %q", got)
	}
}

func TestReasonsSayWhyEachURLIsPurged(t *testing.T) {
	opts := Options{PurgeAdded: true, PurgeRemoved: true, IndexDocument: "index.html"}
	old := Files{"/a.js": "1", "/gone.css": "1", "/docs/index.html": "1", "/same.png": "1"}
	next := Files{"/a.js": "2", "/new.js": "1", "/docs/index.html": "2", "/same.png": "1"}
	d := Changes(old, next, opts)
	got := d.Reasons(old, next, d.URLs)
	want := map[string]string{"/a.js": ReasonChanged, "/gone.css": ReasonRemoved, "/new.js": ReasonAdded,
		"/docs/index.html": ReasonChanged, "/docs/": ReasonIndexDocument}
	if !maps.Equal(got, want) {
		t.Fatalf("reasons = %v, want %v", got, want)
	}
	first := Everything(next, opts)
	if got := first.Reasons(nil, next, []string{"/a.js", "/docs/", "/elsewhere"}); !maps.Equal(got,
		map[string]string{"/a.js": ReasonCreated, "/docs/": ReasonIndexDocument}) {
		t.Fatalf("reasons of a first purge = %v", got)
	}
	// "/a b.js" and "/a%20b.js" are one URL: its own files' reasons, the
	// smallest first, whatever the order of the map.
	twin := Files{"/a b.js": "2", "/a%20b.js": "1"}
	d = Changes(Files{"/a b.js": "1"}, twin, opts)
	for range 20 {
		if got := d.Reasons(Files{"/a b.js": "1"}, twin, d.URLs); got["/a%20b.js"] != ReasonAdded {
			t.Fatalf("reasons = %v, want added (before changed)", got)
		}
	}
}
