package gcoreapi_test

import (
	"context"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// maxDecoded is the longest message DecodeErrorBody may return, "…"
// included: an error body ends up in a Terraform diagnostic.
const maxDecoded = 2048 + len("…")

// FuzzDecodeErrorBody: whatever a server or a proxy answers, the decoded
// message is one line of valid UTF-8 that a terminal prints as text (no
// control or bidirectional-control characters), short, and not empty when
// the body had something to say. The seeds (run by `go test`) are the
// documented error bodies and the odd ones seen in the wild; more live in
// testdata/fuzz/FuzzDecodeErrorBody.
func FuzzDecodeErrorBody(f *testing.F) {
	for _, seed := range []string{
		``,
		`{}`,
		`{"message":"JSON parse error - Expecting ',' delimiter: line 3 column 33 (char 77)"}`,
		`{"errors":{"paths":["This field is required."]}}`,
		`{"errors":{"paths":["Expected a list of items but got type \"str\"."]}}`,
		`{"errors":{"paths":{"0":["This field may not be blank."]}}}`,
		`{"errors":{"urls":{"2":["x"],"10":["y"]},"non_field_errors":["Specify either urls or paths, not both."]}}`,
		`{"message":"Invalid authentication credentials."}`,
		`{"detail":"Not found."}`,
		`{"message":5,"errors":null}`,
		`{"message":{"text":"nested"}}`,
		`["a","list"]`,
		`"a JSON string"`,
		`{"message":`,
		"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>",
		"<html>caf\xe9 cr\xe8me</html>",
		"\x1b[31mred\x1b[0m\x07",
		`{"message":"line one\nline two\u001b[2J"}`,
		"{\"message\":\"\u202egnp.exe\"}",
		`{"errors":` + strings.Repeat("[", 3000) + strings.Repeat("]", 3000) + `}`,
		`{"errors":{"` + strings.Repeat("k", 300) + `":[` + strings.Repeat(`"x",`, 500) + `"x"]}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		msg := gcoreapi.DecodeErrorBody(body)
		if !utf8.ValidString(msg) {
			t.Fatalf("DecodeErrorBody(%q) = %q: not valid UTF-8", body, msg)
		}
		for _, r := range msg {
			if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
				t.Fatalf("DecodeErrorBody(%q) = %q: contains %U", body, msg, r)
			}
		}
		if len(msg) > maxDecoded {
			t.Fatalf("DecodeErrorBody(%d bytes) returned %d bytes, more than %d", len(body), len(msg), maxDecoded)
		}
		if strings.TrimSpace(msg) != msg || strings.Contains(msg, "  ") {
			t.Fatalf("DecodeErrorBody(%q) = %q: not one tidy line", body, msg)
		}
		if (strings.TrimSpace(string(body)) != "") != (msg != "") {
			t.Fatalf("DecodeErrorBody(%q) = %q: a body with content must say something, an empty one nothing", body, msg)
		}
	})
}

// TestDecodeErrorBodyOddBodies pins what the fuzz properties leave open: how
// odd bodies read.
func TestDecodeErrorBodyOddBodies(t *testing.T) {
	deep := `{"errors":` + strings.Repeat(`{"a":`, 20) + `"x"` + strings.Repeat(`}`, 20) + `}`
	wide := `{"errors":{"` + strings.Repeat("k", 300) + `":[` + strings.Repeat(`"x",`, 500) + `"x"]}}`
	cases := []struct{ body, want string }{
		{`{"message":5}`, `{"message":5}`}, // JSON of an unknown shape is quoted, not called "not JSON"
		{`["a","list"]`, `["a","list"]`},
		{`{"message":"ok","errors":{"urls":null}}`, `ok`},
		{"<html>caf\xe9 cr\xe8me</html>", "(not JSON) <html>caf\uFFFD cr\uFFFDme</html>"},
		{"\x1b[31mred\x1b[0m\x07", "(not JSON) \uFFFD[31mred\uFFFD[0m\uFFFD"},
		{`{"message":"line one\nline two\u001b[2J"}`, "line one line two\uFFFD[2J"},
		{"{\"message\":\"\u202egnp.exe\"}", "\uFFFDgnp.exe"},
		// The errors tree is walked 8 levels deep; below, it is quoted.
		{deep, `a.a.a.a.a.a.a.a: {"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":"x"}}}}}}}}}}}}`},
	}
	for _, c := range cases {
		if got := gcoreapi.DecodeErrorBody([]byte(c.body)); got != c.want {
			t.Errorf("DecodeErrorBody(%.60q)\n got %q\nwant %q", c.body, got, c.want)
		}
	}
	// 501 leaves each repeating a 300-byte field name: cut, not 150 KB.
	got := gcoreapi.DecodeErrorBody([]byte(wide))
	if !strings.HasSuffix(got, "…") || len(got) > maxDecoded || !strings.HasPrefix(got, strings.Repeat("k", 300)+": x; ") {
		t.Errorf("wide errors: %d bytes, %.80q…%q", len(got), got, got[max(0, len(got)-20):])
	}
}

// TestErrorsNeverQuoteTheAPIKey: an answer that echoes the key (a proxy
// quoting the Authorization header) does not carry it into the error.
func TestErrorsNeverQuoteTheAPIKey(t *testing.T) {
	for _, body := range []string{
		`{"message":"Invalid header: Authorization: APIKey ` + testKey + `"}`,
		`<html>bad credentials APIKey ` + testKey + `</html>`,
	} {
		client, _ := serve(t, 401, nil, body)
		_, err := client.Purge(context.Background(), 1, gcoreapi.Purge{Type: gcoreapi.PurgeAll})
		if err == nil || strings.Contains(err.Error(), testKey) || !strings.Contains(err.Error(), "APIKey [API key redacted]") {
			t.Errorf("error %q", err)
		}
	}
}
