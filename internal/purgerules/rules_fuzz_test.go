package purgerules

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// seeds are the odd inputs both fuzz targets start from; `go test` runs
// them as plain tests, `go test -fuzz` mutates them.
var seeds = []string{
	"", "/", "/a.js", "a.js", "*", "/*", "/**", "/img/*", "/img/*/large", "/a*b.js",
	"/img/logo.png?v=2&size=large", "/search?q=a+b#frag",
	"/%E2%9C%93.txt", "/%2F%2e%2e/etc", "/%", "/ünïcödé/файл.html", "/😀", "/\u200b", "/\u202e",
	"/a b", "/a\tb", "/a\nb", "/a\x00", "/a\x7f", "/a\u00a0b", "/a\u2028", "/\xff\xfe",
	"https://cdn.example.com/a.js?x=1", "http://cdn.example.com", "HTTP://cdn.example.com/x",
	"//cdn.example.com/img/a.png", "//", "///a", "/http://x/y", "ftp://x/y", "https://", "https:///a",
	"//host/a b", "//host/p?q=a b", "//host/p?q=\u00a0", "https://h/\x7f", "https://h//other/a", "https://h/%2F/a",
	"/" + strings.Repeat("x", 4096),
}

// suggestion is the path an error tells the user to write instead.
var suggestion = regexp.MustCompile(`(?:write only the path|such as), ("(?:[^"\\]|\\.)*")$`)

// checkCommon asserts what holds for CheckURL and CheckPattern alike: an
// accepted string is a path from the root, in which no URL parser finds a
// host, without white space or control characters; a refusal says why in one
// line of valid UTF-8, and a fix it suggests is itself accepted.
func checkCommon(t *testing.T, name string, check func(string) error, s string) {
	err := check(s)
	if err == nil {
		if !strings.HasPrefix(s, "/") {
			t.Fatalf("%s(%q) accepted a string that is not a path from the root", name, s)
		}
		if u, perr := url.Parse(s); perr == nil && u.Host != "" {
			t.Fatalf("%s(%q) accepted a URL with host %q", name, s, u.Host)
		}
		if i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }); i >= 0 {
			t.Fatalf("%s(%q) accepted white space or a control character at %d", name, s, i)
		}
		return
	}
	msg := err.Error()
	if !utf8.ValidString(msg) || strings.ContainsAny(msg, "\n\r") {
		t.Fatalf("%s(%q): message %q is not one line of valid UTF-8", name, s, msg)
	}
	if m := suggestion.FindStringSubmatch(msg); m != nil {
		fix, uerr := strconv.Unquote(m[1])
		if uerr != nil {
			t.Fatalf("%s(%q): cannot read the suggestion in %q: %v", name, s, msg, uerr)
		}
		if ferr := CheckURL(fix); ferr != nil {
			t.Fatalf("%s(%q) suggests %q, which CheckURL refuses: %v", name, s, fix, ferr)
		}
	}
}

func FuzzCheckURL(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkCommon(t, "CheckURL", CheckURL, s)
	})
}

// FuzzCheckPattern: a pattern is a URL path whose only "*" is its last
// character; CheckPattern accepts exactly those.
func FuzzCheckPattern(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkCommon(t, "CheckPattern", CheckPattern, s)
		star := strings.IndexByte(s, '*')
		wildcardAtEnd := star < 0 || star == len(s)-1
		if want := CheckURL(s) == nil && wildcardAtEnd; (CheckPattern(s) == nil) != want {
			t.Fatalf("CheckPattern(%q) = %v, CheckURL = %v: a pattern is a URL with \"*\" only at its end", s, CheckPattern(s), CheckURL(s))
		}
	})
}
