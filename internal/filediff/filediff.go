// Package filediff works out what a deploy changed: which files of a site
// must be purged from the CDN, as the URLs a browser requests, and what to
// record once some of those URLs were purged. It knows nothing of Terraform.
package filediff

import (
	"maps"
	"slices"
	"strings"

	"github.com/gcore-purge/terraform-provider-gcore/internal/purgerules"
)

// Files maps a file's path, as the CDN serves it ("/css/app.css"), to its
// version: any string that changes when the content does.
type Files map[string]string

// Options say which differences are purged.
type Options struct {
	// PurgeAdded purges files that are new (a CDN may have cached a 404).
	PurgeAdded bool
	// PurgeRemoved purges files that are gone, so that they stop being served.
	PurgeRemoved bool
	// IndexDocument, when set (e.g. "index.html"), also purges the directory
	// URL of each purged index document: "/docs/index.html" purges "/docs/"
	// and "/index.html" purges "/", which the CDN caches apart.
	IndexDocument string
}

// Diff is what a deploy changed, as the URLs to purge and the files they
// stand for.
type Diff struct {
	// URLs are sorted, each once, percent-encoded as a browser requests them.
	URLs []string
	// urlsOf maps each purged file to its URLs.
	urlsOf map[string][]string
}

// Everything is the purge of every file, as the first apply of a deploy does.
func Everything(files Files, opts Options) Diff {
	return newDiff(slices.Collect(maps.Keys(files)), opts)
}

// Changes is the purge that takes a site from old to next: the files whose
// version changed, and those added or removed when opts say so.
func Changes(old, next Files, opts Options) Diff {
	var paths []string
	for path, version := range next {
		before, existed := old[path]
		if existed && before != version || !existed && opts.PurgeAdded {
			paths = append(paths, path)
		}
	}
	if opts.PurgeRemoved {
		for path := range old {
			if _, kept := next[path]; !kept {
				paths = append(paths, path)
			}
		}
	}
	return newDiff(paths, opts)
}

// Refreshed returns the URLs of the files of next that are new or have a new
// version since old, sorted: the files a deploy brought, which a prefetch
// loads into the CDN. Removed files are not among them.
func Refreshed(old, next Files, opts Options) []string {
	var paths []string
	for path, version := range next {
		if before, existed := old[path]; !existed || before != version {
			paths = append(paths, path)
		}
	}
	return newDiff(paths, opts).URLs
}

func newDiff(paths []string, opts Options) Diff {
	d := Diff{urlsOf: make(map[string][]string, len(paths))}
	seen := make(map[string]bool, len(paths))
	for _, path := range paths {
		urls := urlsOfFile(path, opts.IndexDocument)
		d.urlsOf[path] = urls
		for _, u := range urls {
			if !seen[u] {
				seen[u] = true
				d.URLs = append(d.URLs, u)
			}
		}
	}
	slices.Sort(d.URLs)
	return d
}

// urlsOfFile is the file's own URL and, for an index document, its
// directory's.
func urlsOfFile(path, indexDocument string) []string {
	url := purgerules.EscapeFile(path)
	if indexDocument == "" {
		return []string{url}
	}
	dir, isIndex := strings.CutSuffix(url, "/"+purgerules.EscapeFile(indexDocument))
	if !isIndex {
		return []string{url}
	}
	return []string{url, dir + "/"}
}

// Settle returns the files to record once the URLs in accepted, and the
// patterns in patterns, were purged, when the purge went from old to next: a
// file takes its new version (or is gone, if removed) when all its URLs were
// accepted or covered by an accepted pattern, or when it needed no purge;
// otherwise it keeps its old version (or stays absent, if added), so that
// the next Changes purges exactly what remains. remaining counts the URLs of
// the diff neither accepted nor covered.
func (d Diff) Settle(old, next Files, accepted, patterns []string) (settled Files, remaining int) {
	done := d.Covered(accepted, patterns)
	settled = make(Files, len(next))
	for path, version := range next {
		if d.purgedAll(path, done) {
			settled[path] = version
		} else if before, existed := old[path]; existed {
			settled[path] = before
		}
	}
	for path, before := range old {
		if _, kept := next[path]; !kept && !d.purgedAll(path, done) {
			settled[path] = before
		}
	}
	for _, u := range d.URLs {
		if !done[u] {
			remaining++
		}
	}
	return settled, remaining
}

// Covered is the set of the diff's URLs that urls name or patterns cover.
func (d Diff) Covered(urls, patterns []string) map[string]bool {
	done := make(map[string]bool, len(urls))
	for _, u := range urls {
		done[u] = true
	}
	for _, p := range patterns {
		prefix := strings.TrimSuffix(p, "*")
		for _, u := range d.URLs {
			if strings.HasPrefix(u, prefix) {
				done[u] = true
			}
		}
	}
	return done
}

// purgedAll reports whether path needed no purge or had all its URLs in done.
func (d Diff) purgedAll(path string, done map[string]bool) bool {
	for _, u := range d.urlsOf[path] {
		if !done[u] {
			return false
		}
	}
	return true
}

// FilesOf returns the files whose URLs include one of urls, sorted: the
// files to name when the API refuses those URLs.
func (d Diff) FilesOf(urls []string) []string {
	wanted := make(map[string]bool, len(urls))
	for _, u := range urls {
		wanted[u] = true
	}
	var paths []string
	for path, own := range d.urlsOf {
		if slices.ContainsFunc(own, func(u string) bool { return wanted[u] }) {
			paths = append(paths, path)
		}
	}
	slices.Sort(paths)
	return paths
}

// Why a URL is purged, as Reasons says.
const (
	ReasonCreated       = "created"        // every file of a first purge
	ReasonChanged       = "changed"        // the file's version changed
	ReasonAdded         = "added"          // the file is new (purge_added)
	ReasonRemoved       = "removed"        // the file is gone (purge_removed)
	ReasonIndexDocument = "index_document" // the directory URL of a purged index document
)

// Reasons maps each of urls, URLs of d, to why d purges it, given the deploy
// from old (nil on a first purge, which Everything made) to next. A URL that
// is no URL of d is left out. A URL that several files share (two keys that
// encode alike) takes the reason of its own file first, then the smallest,
// so that the same deploy always gives the same reasons.
func (d Diff) Reasons(old, next Files, urls []string) map[string]string {
	wanted := make(map[string]bool, len(urls))
	for _, u := range urls {
		wanted[u] = true
	}
	reasons := make(map[string]string, len(urls))
	for path, own := range d.urlsOf {
		why := ReasonChanged
		_, inOld := old[path]
		_, inNext := next[path]
		switch {
		case old == nil:
			why = ReasonCreated
		case !inOld:
			why = ReasonAdded
		case !inNext:
			why = ReasonRemoved
		}
		for i, u := range own {
			if !wanted[u] {
				continue
			}
			if i > 0 {
				// The directory URL of an index document.
				if reasons[u] == "" {
					reasons[u] = ReasonIndexDocument
				}
				continue
			}
			if r := reasons[u]; r == "" || r == ReasonIndexDocument || why < r {
				reasons[u] = why
			}
		}
	}
	return reasons
}
