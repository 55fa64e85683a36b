package filediff

import (
	"slices"
	"strings"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/purgerules"
)

// A Directory is a directory of the site all of whose files a deploy purges,
// so that one pattern (Pattern, such as "/docs/*") may purge them instead of
// their URLs one by one.
type Directory struct {
	// Path is the directory as a URL path, with its final "/" ("/docs/").
	Path string
	// Pattern purges it and everything under it.
	Pattern string
	// URLs are the URLs of the diff it covers, sorted.
	URLs []string
}

// Directories returns the highest directories of the site whose every file
// d purges, each at most once and none inside another, largest first (then
// by path): the candidates for a purge by pattern. A directory qualifies
// when every file of next under it is purged, and so is every file of old
// under it that next no longer lists: a pattern never covers a file the
// deploy leaves alone. The root is never one: its pattern would purge the
// whole CDN resource, which only purge_all asks for. A directory whose
// pattern the API would refuse (a "*" in its name) is left out.
func (d Diff) Directories(old, next Files) []Directory {
	untouched := make(map[string]bool) // directories holding a file d leaves alone
	for _, files := range []Files{old, next} {
		for path := range files {
			if _, purged := d.urlsOf[path]; !purged {
				for _, dir := range parents(path) {
					untouched[dir] = true
				}
			}
		}
	}
	highest := make(map[string]*Directory)
	for path, urls := range d.urlsOf {
		dir := highestQualifying(path, untouched)
		if dir == "" {
			continue
		}
		if highest[dir] == nil {
			highest[dir] = &Directory{Path: dir, Pattern: purgerules.EscapeFile(dir) + "*"}
		}
		highest[dir].URLs = append(highest[dir].URLs, urls...)
	}
	dirs := make([]Directory, 0, len(highest))
	for _, dir := range highest {
		if purgerules.CheckPattern(dir.Pattern) != nil {
			continue
		}
		slices.Sort(dir.URLs)
		dir.URLs = slices.Compact(dir.URLs)
		dirs = append(dirs, *dir)
	}
	slices.SortFunc(dirs, func(a, b Directory) int {
		if len(a.URLs) != len(b.URLs) {
			return len(b.URLs) - len(a.URLs)
		}
		return strings.Compare(a.Path, b.Path)
	})
	return dirs
}

// parents are the directories that hold path, from the root down, each with
// its final "/": "/a/b/c.js" has "/", "/a/" and "/a/b/".
func parents(path string) []string {
	var dirs []string
	for i := 0; i < len(path); i++ {
		if path[i] == '/' {
			dirs = append(dirs, path[:i+1])
		}
	}
	return dirs
}

// highestQualifying is the highest directory under the root that holds path
// and no untouched file; "" when there is none.
func highestQualifying(path string, untouched map[string]bool) string {
	for _, dir := range parents(path)[1:] {
		if !untouched[dir] {
			return dir
		}
	}
	return ""
}

// Split is how a deploy's purge goes out: patterns of whole directories, and
// the URLs they do not cover.
type Split struct {
	Patterns []string
	URLs     []string
}

// SplitWith is the split that sends patterns, and by URL the URLs of d
// they do not cover: the split a plan chose, sent as planned.
func (d Diff) SplitWith(patterns []string) Split {
	covered := d.Covered(nil, patterns)
	split := Split{Patterns: slices.Sorted(slices.Values(patterns))}
	for _, u := range d.URLs {
		if !covered[u] {
			split.URLs = append(split.URLs, u)
		}
	}
	return split
}

// SplitByDirectory chooses, among dirs (as Directories returns them, largest
// first), the patterns that finish the purge soonest when the URL queue and
// the pattern queue work side by side: finish(urls, patterns) is the least
// time n URLs and k patterns take at the limits in force, the slower queue's.
// Patterns go only where they save time, and a tie goes to fewer patterns, so
// that the same deploy always gives the same requests. For a given number of
// patterns, the largest directories remove the most URLs, so only how many
// to take is chosen.
func (d Diff) SplitByDirectory(dirs []Directory, finish func(urls, patterns int) time.Duration) Split {
	best, bestTime, covered := 0, finish(len(d.URLs), 0), 0
	for k := 1; k <= len(dirs); k++ {
		covered += len(dirs[k-1].URLs)
		if t := finish(len(d.URLs)-covered, k); t < bestTime {
			best, bestTime = k, t
		}
	}
	var split Split
	gone := make(map[string]bool)
	for _, dir := range dirs[:best] {
		split.Patterns = append(split.Patterns, dir.Pattern)
		for _, u := range dir.URLs {
			gone[u] = true
		}
	}
	slices.Sort(split.Patterns)
	for _, u := range d.URLs {
		if !gone[u] {
			split.URLs = append(split.URLs, u)
		}
	}
	return split
}
