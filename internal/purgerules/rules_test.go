package purgerules

import (
	"strings"
	"testing"
)

func TestCheckURL(t *testing.T) {
	accepted := []string{
		"/", "/a.js", "/img/logo.png?v=2&size=large", "/%E2%9C%93.txt", "/ünïcödé/файл.html",
		"/a*b.js", // a "*" in a URL is a literal character, not a wildcard
		"/" + strings.Repeat("x", 4000),
	}
	for _, s := range accepted {
		if err := CheckURL(s); err != nil {
			t.Errorf("CheckURL(%q) = %v, want nil", s, err)
		}
	}
	rejected := map[string]string{
		"":                                 "empty string",
		"a.js":                             `does not start with "/": write the path from the root of the CDN resource, such as "/a.js"`,
		"https://cdn.example.com/a.js?x=1": `includes a scheme or host: write only the path, "/a.js?x=1"`,
		"http://cdn.example.com":           `write only the path, "/"`,
		"//cdn.example.com/img/a.png":      `write only the path, "/img/a.png"`,
		"/a b.js":                          "whitespace or a control character (U+0020)",
		"/a\tb.js":                         "(U+0009)",
		"/a\x7fb.js":                       "(U+007F)",
		"/a\u00a0b.js":                     "(U+00A0)",
	}
	for s, want := range rejected {
		err := CheckURL(s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckURL(%q) = %v, want an error containing %q", s, err, want)
		}
	}
}

func TestCheckPattern(t *testing.T) {
	for _, s := range []string{"/", "/*", "/img", "/img/*", "/img*", "/a.js?v=1"} {
		if err := CheckPattern(s); err != nil {
			t.Errorf("CheckPattern(%q) = %v, want nil", s, err)
		}
	}
	rejected := map[string]string{
		"/img/*/large": `only as the last character, as in "/img/*"`,
		"/**":          `as in "/*"`,
		"*":            `does not start with "/"`,
		"img/*":        `does not start with "/"`,
		"https://x/a*": "includes a scheme or host",
		"/a b/*":       "whitespace",
	}
	for s, want := range rejected {
		err := CheckPattern(s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckPattern(%q) = %v, want an error containing %q", s, err, want)
		}
	}
}

func TestCheckFile(t *testing.T) {
	for _, s := range []string{"/", "/index.html", "/a b.js", "/ünï/файл.html", "/100%25.txt", "/a%20b.js", "/a*b",
		"/img/logo@2x.png", "/.well-known/x", "/a..b/c.", "/...js"} {
		if err := CheckFile(s); err != nil {
			t.Errorf("CheckFile(%q) = %v, want nil", s, err)
		}
	}
	for s, want := range map[string]string{
		"":                          "empty string",
		"index.html":                `does not start with "/"`,
		"https://cdn.example.com/a": "includes a scheme or host",
		"//cdn.example.com/a":       "includes a scheme or host",
		"/a.js?v=2":                 `contains "?": name the file only, without a query string or fragment, as in "/a.js"`,
		"/a.html#top":               `contains "#"`,
		"/a\tb":                     "control character (U+0009)",
		"/a\x7f":                    "control character (U+007F)",
		"/100%.txt":                 `a %-sign that starts no escape (at byte 4): write a literal % as %25, as in "/100%25.txt"`,
		"/a/../b.js":                `write only the path, "/b.js"`,
		"/./a.js":                   `write only the path, "/a.js"`,
		"/a/%2e%2E/b.js":            `write only the path, "/b.js"`,
		"/docs/.":                   `write only the path, "/docs/"`,
		"/evil\u202egnp.js":         "invisible format character U+202E: remove it, or write it percent-encoded (%E2%80%AE)",
		"/a\u200db.js":              "U+200D",
	} {
		err := CheckFile(s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckFile(%q) = %v, want an error containing %q", s, err, want)
		}
	}
}

// TestRequestableRulesHoldForEveryKind: urls, paths and files keys refuse
// alike what a browser never requests as written.
func TestRequestableRulesHoldForEveryKind(t *testing.T) {
	for s, want := range map[string]string{
		"/a.js#top":    `has a fragment ("#top"), which a browser never sends to the CDN: write only the path, "/a.js"`,
		"/a/../b.js":   `has a "." or ".." segment, which a browser resolves before it sends the request: write only the path, "/b.js"`,
		"/./a.js?v=1":  `write only the path, "/a.js?v=1"`,
		"/a/b/..":      `write only the path, "/a/"`,
		"/../a.js":     `write only the path, "/a.js"`,
		"/a%zz.js":     `a %-sign that starts no escape (at byte 2)`,
		"/a%2":         `a %-sign that starts no escape`,
		"/x\u202e.js":  "invisible format character U+202E",
		"/x\ufeff.js":  "invisible format character U+FEFF",
		"/a/../b#frag": `write only the path, "/b"`,
	} {
		for name, check := range map[string]func(string) error{"CheckURL": CheckURL, "CheckPattern": CheckPattern, "CheckFile": CheckFile} {
			if name == "CheckFile" && strings.ContainsAny(s, "?#") {
				continue // a file has no query or fragment: refused with its own message
			}
			err := check(s)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s(%q) = %v, want an error containing %q", name, s, err, want)
			}
		}
	}
}

// TestEscapeFile: a file's URL is what a browser requests for it: the WHATWG
// URL Standard's path percent-encode set is encoded, as UTF-8, and nothing
// else; an existing escape is kept.
func TestEscapeFile(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/img/logo@2x.png", "/img/logo@2x.png"},
		{"/a+b.js", "/a+b.js"},
		{"/a+b&c.js", "/a+b&c.js"},
		{"/q=1,2;x.css", "/q=1,2;x.css"},
		{"/(c)/it's!.js", "/(c)/it's!.js"},
		{"/$x:y.js", "/$x:y.js"},
		{"/a*b.js", "/a*b.js"},
		{"/[1]|~_-.js", "/[1]|~_-.js"},
		{"/my file.js", "/my%20file.js"},
		{"/é.js", "/%C3%A9.js"},
		{"/файл.html", "/%D1%84%D0%B0%D0%B9%D0%BB.html"},
		{"/😀.png", "/%F0%9F%98%80.png"},
		{"/100%25.js", "/100%25.js"},
		{"/a%20b.js", "/a%20b.js"},
		{`/"q"<a>^b` + "`{c}.js", "/%22q%22%3Ca%3E%5Eb%60%7Bc%7D.js"},
		{"/del\x7f.js", "/del%7F.js"},
	} {
		got := EscapeFile(tc.in)
		if got != tc.want {
			t.Errorf("EscapeFile(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if err := CheckURL(got); err != nil {
			t.Errorf("EscapeFile(%q) = %q, which a purge by URL refuses: %v", tc.in, got, err)
		}
	}
}
