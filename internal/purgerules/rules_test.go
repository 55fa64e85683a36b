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
