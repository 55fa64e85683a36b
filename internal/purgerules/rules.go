// Package purgerules holds the rules a purge item must follow, as the
// provider's plan-time validators check them: stricter than the Gcore API on
// purpose (the API simulator, which follows only Gcore's API reference,
// accepts everything these rules accept). It knows nothing of Terraform.
package purgerules

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// CheckURL returns nil when s can be sent in a purge by URL: a path that
// starts with "/", with no scheme or host, no whitespace and no control
// characters. A query string is part of the cached object's key and is kept.
func CheckURL(s string) error {
	return checkPath(s)
}

// CheckPattern returns nil when s can be sent in a purge by pattern: the rules
// of CheckURL, and "*" only as the last character.
func CheckPattern(s string) error {
	if err := checkPath(s); err != nil {
		return err
	}
	if i := strings.IndexByte(s, '*'); i >= 0 && i != len(s)-1 {
		return fmt.Errorf("%q has a \"*\" before its end: the API allows the wildcard only as the last character, as in %q", s, s[:i+1])
	}
	return nil
}

func checkPath(s string) error {
	if s == "" {
		return fmt.Errorf("an empty string is not a path: write a path that starts with \"/\", such as \"/index.html\"")
	}
	if path, ok := pathOfAbsoluteURL(s); ok {
		if strings.HasPrefix(path, "//") {
			// Written alone, this path would read as a host again.
			return fmt.Errorf("%q includes a scheme or host: write only the path, from the root of the CDN resource", s)
		}
		return fmt.Errorf("%q includes a scheme or host: write only the path, %q", s, path)
	}
	if !strings.HasPrefix(s, "/") {
		return fmt.Errorf("%q does not start with \"/\": write the path from the root of the CDN resource, such as %q", s, "/"+s)
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return fmt.Errorf("%q contains whitespace or a control character (%U): percent-encode it, e.g. a space as %%20", s, r)
		}
	}
	return nil
}

// pathOfAbsoluteURL recognises "https://host/p", "http://host/p" and
// "//host/p" and returns the path (with query) the user meant, with any white
// space or control character percent-encoded so that it can be written as it
// is.
func pathOfAbsoluteURL(s string) (string, bool) {
	if !strings.HasPrefix(s, "//") && !strings.Contains(s, "://") {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", false
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	return percentEncodeUnsafe(path), true
}

// percentEncodeUnsafe percent-encodes the UTF-8 bytes of every white space
// and control character in s.
func percentEncodeUnsafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		if !unicode.IsSpace(r) && !unicode.IsControl(r) {
			b.WriteRune(r)
			continue
		}
		for _, c := range []byte(string(r)) {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// CheckFile returns nil when s can name a file of a deploy: a path that starts
// with "/", with no scheme or host, no control characters and no "?" or "#"
// (a file has no query string). White space and non-ASCII characters are
// allowed: EscapeFile percent-encodes them.
func CheckFile(s string) error {
	if s == "" || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") {
		return checkPath(s)
	}
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		return fmt.Errorf("%q contains %q: name the file only, without a query string or fragment, as in %q", s, s[i:i+1], s[:i])
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return fmt.Errorf("%q contains a control character (%U): file names cannot hold one", s, r)
		}
	}
	return nil
}

// EscapeFile writes a file path the way a browser requests it: every byte
// other than an unreserved character (RFC 3986: letters, digits, "-", ".",
// "_", "~") or "/" is percent-encoded, except a "%" that already starts a
// %XX escape, so that a path written pre-encoded stays as it is.
func EscapeFile(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isUnreserved(c) || c == '/':
			b.WriteByte(c)
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
