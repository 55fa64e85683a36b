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
	for _, s := range []string{"/", "/index.html", "/a b.js", "/ünï/файл.html", "/100%.txt", "/a%20b.js", "/a*b"} {
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
	} {
		err := CheckFile(s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckFile(%q) = %v, want an error containing %q", s, err, want)
		}
	}
}

func TestEscapeFile(t *testing.T) {
	for in, want := range map[string]string{
		"/index.html":        "/index.html",
		"/a b.js":            "/a%20b.js",
		"/ü.txt":             "/%C3%BC.txt",
		"/a%20b.js":          "/a%20b.js", // already encoded: kept
		"/100%.txt":          "/100%25.txt",
		"/50%zz":             "/50%25zz",
		"/a+b&c=d;e,f(g)!'*": "/a%2Bb%26c%3Dd%3Be%2Cf%28g%29%21%27%2A",
		"/x:y@z[1]$":         "/x%3Ay%40z%5B1%5D%24",
		"/~user/_a-b.c":      "/~user/_a-b.c",
	} {
		got := EscapeFile(in)
		if got != want {
			t.Errorf("EscapeFile(%q) = %q, want %q", in, got, want)
		}
		if err := CheckURL(got); err != nil {
			t.Errorf("EscapeFile(%q) = %q, which the API would refuse: %v", in, got, err)
		}
	}
}
