package simulator

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// quotedItems returns n JSON strings "/a0", "/a1"..., comma-separated.
func quotedItems(n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = strconv.Quote("/a" + strconv.Itoa(i))
	}
	return strings.Join(items, ",")
}

// The 400 bodies Gcore's API reference documents for POST
// /cdn/resources/{resource_id}/purge, as its schemas' examples give them.
const (
	pathsNotProvided = `{"errors":{"paths":["This field is required."]}}`
	pathsTypeStr     = `{"errors":{"paths":["Expected a list of items but got type \"str\"."]}}`
	pathsFormat      = `{"errors":{"paths":["A path should start with /."]}}`
	pathsItemBlank   = `{"errors":{"paths":{"0":["This field may not be blank."]}}}`
)

func TestPurgeBadRequestBodies(t *testing.T) {
	// A body for which Python's json module says what the reference's
	// example JSONParseError says.
	referenceExample := "{\n  \"comment\": \"xxxxxxxxxxxxxxxxxxxxxxxxxx\",\n  \"paths\": [\"/images/a.png\"     \"/b\"]\n}"
	tests := []struct {
		name, body, want string
	}{
		// The documented forms.
		{"empty object", `{}`, pathsNotProvided},
		{"paths str", `{"paths": "/a"}`, pathsTypeStr},
		{"no slash", `{"paths": ["images/*"]}`, pathsFormat},
		{"blank item", `{"paths": [""]}`, pathsItemBlank},
		{"reference's parse error", referenceExample,
			`{"message":"JSON parse error - Expecting ',' delimiter: line 3 column 33 (char 77)"}`},

		// Parse errors, in Python's words and positions.
		{"not JSON", `not json`, `{"message":"JSON parse error - Expecting value: line 1 column 1 (char 0)"}`},
		{"white space only", "  ", `{"message":"JSON parse error - Expecting value: line 1 column 3 (char 2)"}`},
		{"missing colon", `{"paths" []}`, `{"message":"JSON parse error - Expecting ':' delimiter: line 1 column 10 (char 9)"}`},
		{"unquoted key", `{paths: []}`, `{"message":"JSON parse error - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"}`},
		{"extra data", `{"paths": []} {}`, `{"message":"JSON parse error - Extra data: line 1 column 15 (char 14)"}`},
		{"cut short", `{"urls": [`, `{"message":"JSON parse error - Expecting value: line 1 column 11 (char 10)"}`},
		{"columns count characters", `{"paths": ["/é" "/b"]}`, `{"message":"JSON parse error - Expecting ',' delimiter: line 1 column 17 (char 16)"}`},

		// JSON that is not an object, or asks for two purges.
		{"a list", `["/a"]`, `{"errors":{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}}`},
		{"null", `null`, `{"errors":{"non_field_errors":["Invalid data. Expected a dictionary, but got NoneType."]}}`},
		{"both", `{"urls": ["/a"], "paths": ["/b"]}`, `{"errors":{"non_field_errors":["Specify either urls or paths, not both."]}}`},

		// Without "urls" or "paths", "paths" is missing.
		{"empty body", ``, pathsNotProvided},
		{"misspelt key", `{"url": ["/a"]}`, pathsNotProvided},

		// Not a list.
		{"urls int", `{"urls": 5}`, `{"errors":{"urls":["Expected a list of items but got type \"int\"."]}}`},
		{"urls float", `{"urls": 1e3}`, `{"errors":{"urls":["Expected a list of items but got type \"float\"."]}}`},
		{"paths bool", `{"paths": true}`, `{"errors":{"paths":["Expected a list of items but got type \"bool\"."]}}`},
		{"paths dict", `{"paths": {"0": "/a"}}`, `{"errors":{"paths":["Expected a list of items but got type \"dict\"."]}}`},
		{"urls null", `{"urls": null}`, `{"errors":{"urls":["Expected a list of items but got type \"NoneType\"."]}}`},

		// Items that are not strings, or blank, each named by its index in
		// list order.
		{"empty urls", `{"urls": []}`, `{"errors":{"urls":["This list may not be empty."]}}`},
		{"bad items", `{"urls": ["/a", 5, null, " ", true]}`,
			`{"errors":{"urls":{"1":["Not a valid string."],"2":["This field may not be null."],"3":["This field may not be blank."],"4":["Not a valid string."]}}}`},
		{"indexes in list order", `{"urls": ["/a", "/b", "", "/d", "/e", "/f", "/g", "/h", "/i", "/j", ""]}`,
			`{"errors":{"urls":{"2":["This field may not be blank."],"10":["This field may not be blank."]}}}`},
		{"inner wildcard", `{"paths": ["/img/*", "/a*b"]}`,
			`{"errors":{"paths":{"1":["The wildcard * is allowed only at the end of a pattern."]}}}`},

		// Paths without a domain name, starting with "/".
		{"URL without slash", `{"urls": ["/a", "a.jpg"]}`, `{"errors":{"urls":["A path should start with /."]}}`},
		{"absolute URL", `{"urls": ["https://cdn.example.com/a"]}`, `{"errors":{"urls":["A path should start with /."]}}`},
		{"scheme-relative URL", `{"urls": ["/ok", "//cdn.example.com/a?x=1&y=2"]}`, `{"errors":{"urls":["A path should start with /."]}}`},
		{"scheme-relative URL, no path", `{"urls": ["//cdn.example.com"]}`, `{"errors":{"urls":["A path should start with /."]}}`},
		{"absolute pattern", `{"paths": ["http://cdn.example.com/img/*"]}`, pathsFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, Config{})
			w := purge(s, 7, tt.body)
			expect(t, w, http.StatusBadRequest, tt.want)
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if got := s.Purges(); len(got) != 0 {
				t.Errorf("a 400 recorded purges %v", got)
			}
		})
	}
}

// TestPurgeAcceptsWhatTheReferenceAllows: the simulator refuses only what
// Gcore's API reference says the API refuses. The provider is stricter on
// purpose; the simulator must not be.
func TestPurgeAcceptsWhatTheReferenceAllows(t *testing.T) {
	for _, body := range []string{
		`{"urls": ["/a b", "/tab\there", "/../etc/passwd", "/a/./b", "/%zz", "/%2F", "/ünïcödé", "/a*b", "/a?x=1&y=2"]}`,
		`{"urls": ["///a", "//", "//#x", "//?y", "/a?next=https://b.example.com/c", "/https://b"]}`,
		`{"paths": ["/img", "/img/*", "/*", "/", "/a b/*", "/../*", "/a?ignored=1"]}`,
		`{"paths": []}`,
		`{"paths": [], "comment": "unknown keys are ignored"}`,
		`{"urls": ["/a"], "urls": ["/last key wins"]}`,
	} {
		s := newSim(t, Config{})
		expect(t, purge(s, 7, body), http.StatusCreated, "")
	}
}

// TestItemCaps: a purge carries at most 100 URLs and 10 patterns, as the
// purge operation states, whatever higher figure the account's limits give;
// a lower one applies.
func TestItemCaps(t *testing.T) {
	urls := func(n int) string { return `{"urls": [` + quotedItems(n) + `]}` }
	paths := func(n int) string { return `{"paths": [` + quotedItems(n) + `]}` }
	tooMany := func(field string, n int) string {
		return `{"errors":{"` + field + `":["Ensure this field has no more than ` + strconv.Itoa(n) + ` elements."]}}`
	}
	tests := []struct {
		name   string
		limits Limits
		body   string
		status int
		want   string
	}{
		{"100 URLs", Limits{}, urls(100), 201, ""},
		{"101 URLs", Limits{}, urls(101), 400, tooMany("urls", 100)},
		{"10 patterns", Limits{}, paths(10), 201, ""},
		// The default limits answer says purge_pattern_limit 50.
		{"30 patterns, the limits saying 50", Limits{}, paths(30), 400, tooMany("paths", 10)},
		{"300 URLs, the limits saying 1e9", Limits{PurgeMaxURLsLimit: 1_000_000_000}, urls(300), 400, tooMany("urls", 100)},
		{"11 patterns, the limits silent", Limits{Omit: []string{"purge_pattern_limit"}}, paths(11), 400, tooMany("paths", 10)},
		{"an account's lower URL cap", Limits{PurgeMaxURLsLimit: 3}, urls(4), 400, tooMany("urls", 3)},
		{"an account's lower pattern cap", Limits{PurgePatternLimit: 2}, paths(3), 400, tooMany("paths", 2)},
		{"at an account's lower cap", Limits{PurgePatternLimit: 2}, paths(2), 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, Config{Limits: tt.limits})
			expect(t, purge(s, 7, tt.body), tt.status, tt.want)
		})
	}
}

// TestPurgeAcceptedWithoutABody: 201 and nothing else, as documented; or the
// list of what was purged, as a portal guide says.
func TestPurgeAcceptedWithoutABody(t *testing.T) {
	w := purge(newSim(t, Config{}), 7, `{"urls": ["/a.js"]}`)
	expect(t, w, http.StatusCreated, "")
	if ct := w.Header().Get("Content-Type"); ct != "" {
		t.Errorf("Content-Type %q for no body", ct)
	}

	s := newSim(t, Config{ListPurgedItems: true})
	w = purge(s, 7, `{"urls": ["/a.js", "/b?v=1&w=2"]}`)
	expect(t, w, 201, `["/a.js","/b?v=1&w=2"]`)
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	expect(t, purge(s, 7, `{"paths": []}`), 201, `[]`)
}

func TestAcceptedPurgesAreRecorded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		s := newSim(t, Config{Resources: map[int64]Resource{7: {CName: "static.example.org"}, 8: {}, 9: {}}})
		for i, body := range []string{`{"urls": ["/a.jpg", "/b?v=1&w=2"]}`, `{"paths": ["/img/*", "/css"]}`, `{"paths": []}`} {
			expect(t, purge(s, int64(7+i), body), 201, "")
			time.Sleep(time.Second)
		}
		want := []Purge{
			{ID: 1, ResourceID: 7, CName: "static.example.org", Type: PurgeByURL, Items: []string{"/a.jpg", "/b?v=1&w=2"}, At: t0},
			{ID: 2, ResourceID: 8, CName: "cdn8.example.com", Type: PurgeByPattern, Items: []string{"/img/*", "/css"}, At: t0.Add(time.Second)},
			{ID: 3, ResourceID: 9, CName: "cdn9.example.com", Type: PurgeAll, Items: []string{}, At: t0.Add(2 * time.Second)},
		}
		got := s.Purges()
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Purges() = %+v\nwant %+v", got, want)
		}
		got[0].Items[0] = "changed"
		if s.Purges()[0].Items[0] != "/a.jpg" {
			t.Error("Purges() shares its items with the simulator")
		}
	})
}

// TestPurgeByURLRefusedWithoutTheCapability: a CDN resource whose
// can_purge_by_urls is false refuses purges by URL, and takes no place in
// its window for them; purges by pattern and of everything still work.
func TestPurgeByURLRefusedWithoutTheCapability(t *testing.T) {
	s := newSim(t, Config{Resources: map[int64]Resource{7: {NoPurgeByURLs: true}}})
	for range 3 {
		expect(t, purge(s, 7, `{"urls": ["/a.js"]}`), 400, `{"errors":{"urls":["Purge by URL is not available for this CDN resource."]}}`)
	}
	expect(t, purge(s, 7, `{"paths": ["/img/*"]}`), 201, "")
	expect(t, purge(s, 7, `{"paths": []}`), 201, "")
	if got := len(s.Purges()); got != 2 {
		t.Errorf("%d purges accepted, want 2", got)
	}
}

// TestPurgesByResourceState: a deleted resource is not found; a suspended,
// processed or inactive one accepts purges.
func TestPurgesByResourceState(t *testing.T) {
	s := newSim(t, Config{Resources: map[int64]Resource{
		1: {Deleted: true}, 2: {Status: "deleted"}, 3: {Status: "suspended"}, 4: {Status: "processed"}, 5: {Inactive: true},
	}})
	for id, want := range map[int64]int{1: 404, 2: 404, 3: 201, 4: 201, 5: 201} {
		if w := purge(s, id, `{"paths": []}`); w.Code != want {
			t.Errorf("resource %d: purge answered %d, want %d", id, w.Code, want)
		}
		if w := call(s, http.MethodPost, "/cdn/resources/"+strconv.FormatInt(id, 10)+"/prefetch", "APIKey "+key, `{"paths": ["/a"]}`); w.Code != want {
			t.Errorf("resource %d: prefetch answered %d, want %d", id, w.Code, want)
		}
	}
	expect(t, purge(s, 1, `{"paths": []}`), 404, `{"message":"Not found."}`)
}
