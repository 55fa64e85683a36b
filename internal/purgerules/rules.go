// Package purgerules holds the rules an item of a purge or prefetch must
// follow so that it names what a browser requests, and the one encoding of a
// file's path into the URL a browser requests for it. The provider's
// plan-time validators use them; they are stricter than the API, which
// accepts URLs that can never match a request (a fragment, a dot-segment, an
// invisible character), so that a purge never clears nothing in silence. It
// knows nothing of Terraform.
package purgerules

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// CheckURL returns nil when s can be sent in a purge by URL or a prefetch: a
// path that starts with "/", with no scheme or host, no white space or
// control character, and none of what makes a URL differ from the one a
// browser requests (see checkRequestable). A query string is part of the
// cached object's key and is kept.
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
	if err := checkRooted(s); err != nil {
		return err
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return fmt.Errorf("%q contains whitespace or a control character (%U): percent-encode it, e.g. a space as %%20", s, r)
		}
	}
	return checkRequestable(s)
}

// checkRooted refuses what is not a path from the root of the CDN resource:
// nothing, a full URL, or a path without its leading "/".
func checkRooted(s string) error {
	if s == "" {
		return fmt.Errorf("an empty string is not a path: write a path that starts with \"/\", such as \"/index.html\"")
	}
	if path, ok := pathOfAbsoluteURL(s); ok {
		if strings.HasPrefix(path, "//") || checkPath(path) != nil {
			// Written alone, this path would read as a host again, or be
			// refused for another reason: no suggestion then.
			return fmt.Errorf("%q includes a scheme or host: write only the path, from the root of the CDN resource", s)
		}
		return fmt.Errorf("%q includes a scheme or host: write only the path, %q", s, path)
	}
	if !strings.HasPrefix(s, "/") {
		return fmt.Errorf("%q does not start with \"/\": write the path from the root of the CDN resource, such as %q", s, "/"+s)
	}
	return nil
}

// checkRequestable refuses what a browser never requests as written, so that
// a purge of it would clear nothing: a fragment (never sent to a server), a
// dot-segment (resolved away by the browser), a "%" that starts no escape,
// and an invisible format character (Unicode category Cf, such as the bidi
// override U+202E) written unencoded.
func checkRequestable(s string) error {
	for _, r := range s {
		if unicode.Is(unicode.Cf, r) {
			return fmt.Errorf("%q contains the invisible format character %U: remove it, or write it percent-encoded (%s)",
				s, r, percentEncode(string(r)))
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			return fmt.Errorf("%q has a %%-sign that starts no escape (at byte %d): write a literal %% as %%25, as in %q",
				s, i, s[:i]+"%25"+s[i+1:])
		}
	}
	if i := strings.IndexByte(s, '#'); i >= 0 {
		return fmt.Errorf("%q has a fragment (%q), which a browser never sends to the CDN: %s", s, s[i:], writeInstead(requested(s)))
	}
	if fixed := requested(s); fixed != s {
		return fmt.Errorf("%q has a \".\" or \"..\" segment, which a browser resolves before it sends the request: %s",
			s, writeInstead(fixed))
	}
	return nil
}

// writeInstead suggests fixed, the URL a browser requests, when it is one
// these rules accept.
func writeInstead(fixed string) string {
	if strings.HasPrefix(fixed, "//") || checkPath(fixed) != nil {
		return "write the path the browser requests instead"
	}
	return fmt.Sprintf("write only the path, %q", fixed)
}

// requested is the URL a browser requests for s: without its fragment, its
// dot-segments resolved.
func requested(s string) string {
	s, _, _ = strings.Cut(s, "#")
	path, query, hasQuery := strings.Cut(s, "?")
	path = removeDotSegments(path)
	if hasQuery {
		return path + "?" + query
	}
	return path
}

// removeDotSegments resolves the "." and ".." segments of an absolute path as
// a browser does (RFC 3986, section 5.2.4; the WHATWG URL Standard also
// reads "%2e" as "."): "/a/../b.js" is "/b.js", "/a/./" is "/a/".
func removeDotSegments(path string) string {
	segments := strings.Split(path, "/")[1:]
	out := make([]string, 0, len(segments))
	for i, seg := range segments {
		last := i == len(segments)-1
		switch strings.ToLower(seg) {
		case ".", "%2e":
			if last {
				out = append(out, "")
			}
		case "..", ".%2e", "%2e.", "%2e%2e":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, seg)
		}
	}
	return "/" + strings.Join(out, "/")
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
	return encodeUnsafe(path), true
}

// encodeUnsafe percent-encodes every white space and control character in
// s.
func encodeUnsafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			b.WriteString(percentEncode(string(r)))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// CheckFile returns nil when s can name a file of a deploy: a path that
// starts with "/", with no scheme or host, no control character and no "?"
// or "#" (a file has no query string), and none of what checkRequestable
// refuses. White space and non-ASCII characters are allowed: EscapeFile
// percent-encodes them.
func CheckFile(s string) error {
	if err := checkRooted(s); err != nil {
		return err
	}
	if strings.HasPrefix(s, "//") {
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
	return checkRequestable(s)
}

// EscapeFile writes a file path as a browser requests it: it percent-encodes,
// as UTF-8, exactly the code points of the WHATWG URL Standard's path
// percent-encode set (C0 controls, space, '"', '#', '<', '>', '?', '^', '`',
// '{', '}', and every code point above '~'), and leaves everything else as
// written: "/img/logo@2x.png" stays as it is, "/my file.js" is
// "/my%20file.js". An existing %XX escape is kept, so that a path written
// pre-encoded stays as it is. A "*" is kept too: a purge by URL names an
// exact URL, and the API reads "*" as a wildcard only in a purge by pattern.
func EscapeFile(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inPathEncodeSet(c) {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// inPathEncodeSet reports whether the byte c of a UTF-8 string is encoded in
// a URL path: every byte of a code point above '~' is 0x80 or more.
func inPathEncodeSet(c byte) bool {
	return c <= 0x20 || c >= 0x7F || strings.IndexByte("\"#<>?^`{}", c) >= 0
}

// percentEncode writes every byte of s as %XX.
func percentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%%%02X", s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
