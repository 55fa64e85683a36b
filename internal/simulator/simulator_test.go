package simulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/purgerules"
)

const key = "k3y$abc"

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)

// clock is a fake time source the tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func newSim(t *testing.T, cfg Config) (*Simulator, *clock) {
	t.Helper()
	c := newClock()
	if cfg.Now == nil {
		cfg.Now = c.Now
	}
	if cfg.APIKeys == nil {
		cfg.APIKeys = []string{key}
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s, c
}

// call sends one request straight to the handler.
func call(h http.Handler, method, path, auth, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func purge(h http.Handler, id int64, body string) *httptest.ResponseRecorder {
	return call(h, http.MethodPost, purgePath(id), "APIKey "+key, body)
}

func purgePath(id int64) string { return "/cdn/resources/" + strconv.FormatInt(id, 10) + "/purge" }

func expect(t *testing.T, w *httptest.ResponseRecorder, status int, body string) {
	t.Helper()
	if w.Code != status || w.Body.String() != body {
		t.Fatalf("got %d %q, want %d %q", w.Code, w.Body.String(), status, body)
	}
}

// quotedItems returns n JSON strings "/a", comma-separated.
func quotedItems(n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = strconv.Quote("/a")
	}
	return strings.Join(items, ",")
}

func TestBadRequestBodies(t *testing.T) {
	patternErr := purgerules.CheckPattern("/a*b").Error()
	hostErr := purgerules.CheckURL("//cdn.example.com/a?x=1&y=2").Error()
	spaceErr := purgerules.CheckURL("/a b").Error()
	// The documented form of the answer to a body that is not a JSON object.
	const parseError = `{"message":"JSON parse error - Expecting value: line 1 column 1 (char 0)"}`
	apiReferenceExample := "{\n  \"comment\": \"xxxxxxxxxxxxxxxxxxxxxxxxxx\",\n  \"paths\": [\"/images/a.png\"     \"/b\"]\n}"
	tests := []struct {
		name, body, want string
		limits           gcoreapi.AccountLimits
	}{
		// Whatever is not a JSON object gets one fixed parse error.
		{name: "not JSON", body: `not json`, want: parseError},
		{name: "API reference example", body: apiReferenceExample, want: parseError},
		{name: "unterminated string", body: `{"urls": ["/a`, want: parseError},
		{name: "extra data", body: `{"urls": ["/a"]} {}`, want: parseError},
		{name: "whitespace only", body: `  `, want: parseError},
		{name: "not an object", body: `["/a"]`, want: parseError},
		{name: "null", body: `null`, want: parseError},

		{name: "empty object", body: `{}`, want: `{"errors":{"paths":["This field is required."]}}`},
		{name: "empty body", body: ``, want: `{"errors":{"paths":["This field is required."]}}`},
		{name: "misspelt key", body: `{"url": ["/a"]}`, want: `{"errors":{"paths":["This field is required."]}}`},

		{name: "paths str", body: `{"paths": "/a"}`, want: `{"errors":{"paths":["Expected a list of items but got type \"str\"."]}}`},
		{name: "urls int", body: `{"urls": 5}`, want: `{"errors":{"urls":["Expected a list of items but got type \"int\"."]}}`},
		{name: "urls float", body: `{"urls": 1e3}`, want: `{"errors":{"urls":["Expected a list of items but got type \"float\"."]}}`},
		{name: "paths bool", body: `{"paths": true}`, want: `{"errors":{"paths":["Expected a list of items but got type \"bool\"."]}}`},
		{name: "paths dict", body: `{"paths": {"0": "/a"}}`, want: `{"errors":{"paths":["Expected a list of items but got type \"dict\"."]}}`},
		{name: "urls null", body: `{"urls": null}`, want: `{"errors":{"urls":["Expected a list of items but got type \"NoneType\"."]}}`},

		{name: "empty urls", body: `{"urls": []}`, want: `{"errors":{"urls":["This list may not be empty."]}}`},
		{name: "blank path", body: `{"paths": ["/a", ""]}`, want: `{"errors":{"paths":{"1":["This field may not be blank."]}}}`},
		{name: "bad items", body: `{"urls": ["/a", 5, null, " ", true]}`,
			want: `{"errors":{"urls":{"1":["Not a valid string."],"2":["This field may not be null."],"3":["This field may not be blank."],"4":["Not a valid string."]}}}`},
		{name: "indexes in list order", body: `{"urls": ["/a", "/b", "", "/d", "/e", "/f", "/g", "/h", "/i", "/j", ""]}`,
			want: `{"errors":{"urls":{"2":["This field may not be blank."],"10":["This field may not be blank."]}}}`},

		{name: "no slash", body: `{"urls": ["/a", "a.jpg"]}`, want: `{"errors":{"urls":["A path should start with /."]}}`},
		{name: "absolute URL", body: `{"paths": ["https://cdn.example.com/a"]}`, want: `{"errors":{"paths":["A path should start with /."]}}`},
		{name: "inner wildcard", body: `{"paths": ["/img/*", "/a*b"]}`,
			want: `{"errors":{"paths":{"1":[` + strconv.Quote(patternErr) + `]}}}`},
		{name: "scheme-relative URL", body: `{"urls": ["/ok", "//cdn.example.com/a?x=1&y=2"]}`,
			want: `{"errors":{"urls":{"1":[` + strconv.Quote(hostErr) + `]}}}`},
		{name: "whitespace in URL", body: `{"urls": ["/a b"]}`,
			want: `{"errors":{"urls":{"0":[` + strconv.Quote(spaceErr) + `]}}}`},

		{name: "too many urls", body: `{"urls": [` + quotedItems(101) + `]}`,
			want: `{"errors":{"urls":["Ensure this field has no more than 100 elements."]}}`},
		{name: "too many paths", body: `{"paths": [` + quotedItems(11) + `]}`,
			want: `{"errors":{"paths":["Ensure this field has no more than 10 elements."]}}`},
		{name: "account pattern limit", body: `{"paths": ["/a", "/b", "/c"]}`, limits: gcoreapi.AccountLimits{PurgePatternLimit: 2},
			want: `{"errors":{"paths":["Ensure this field has no more than 2 elements."]}}`},

		{name: "both", body: `{"urls": ["/a"], "paths": ["/b"]}`,
			want: `{"errors":{"non_field_errors":["Specify either urls or paths, not both."]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newSim(t, Config{Limits: tt.limits})
			w := purge(s, 7, tt.body)
			expect(t, w, http.StatusBadRequest, tt.want)
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if msg := gcoreapi.DecodeErrorBody(w.Body.Bytes()); msg == "" || strings.HasPrefix(msg, "(not JSON)") {
				t.Errorf("DecodeErrorBody = %q", msg)
			}
			if got := s.Purges(); len(got) != 0 {
				t.Errorf("a 400 recorded purges %v", got)
			}
		})
	}
}

func TestRuleMessageKeepsAmpersand(t *testing.T) {
	s, _ := newSim(t, Config{})
	w := purge(s, 7, `{"urls": ["//cdn.example.com/a?x=1&y=2"]}`)
	if !strings.Contains(w.Body.String(), "x=1&y=2") {
		t.Fatalf("body %s escapes the query string", w.Body)
	}
}

func TestLimitsAtTheEdge(t *testing.T) {
	s, _ := newSim(t, Config{})
	expect(t, purge(s, 7, `{"urls": [`+quotedItems(100)+`]}`), http.StatusCreated, "")
	expect(t, purge(s, 8, `{"paths": [`+quotedItems(10)+`]}`), http.StatusCreated, "")
}

func TestAuthentication(t *testing.T) {
	const (
		missing   = `{"message":"Authentication credentials were not provided."}`
		invalid   = `{"message":"Invalid authentication credentials."}`
		forbidden = `{"message":"You do not have permission to perform this action."}`
	)
	tests := []struct {
		name, auth string
		open       bool // Config.APIKeys empty
		status     int
		body       string
	}{
		{name: "missing", auth: "", status: 401, body: missing},
		{name: "bearer", auth: "Bearer " + key, status: 401, body: invalid},
		{name: "wrong key", auth: "APIKey nope", status: 401, body: invalid},
		{name: "two spaces", auth: "APIKey  " + key, status: 401, body: invalid},
		{name: "no key", auth: "APIKey", status: 401, body: invalid},
		{name: "forbidden", auth: "APIKey " + "readonly", status: 403, body: forbidden},
		{name: "documented lower case", auth: "apikey " + key, status: 201},
		{name: "upper case", auth: "APIKEY " + key, status: 201},
		{name: "open: any key", auth: "APIKey whatever", open: true, status: 201},
		{name: "open: missing", auth: "", open: true, status: 401, body: missing},
		{name: "open: bearer", auth: "Bearer whatever", open: true, status: 401, body: invalid},
		{name: "open: forbidden", auth: "APIKey readonly", open: true, status: 403, body: forbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{ForbiddenKeys: []string{"readonly"}}
			if tt.open {
				cfg.APIKeys = []string{}
			}
			s, _ := newSim(t, cfg)
			expect(t, call(s, http.MethodPost, purgePath(7), tt.auth, `{"paths": []}`), tt.status, tt.body)
			want := tt.status
			if want == http.StatusCreated {
				want = http.StatusOK
			}
			if w := call(s, http.MethodGet, limitsPath, tt.auth, ""); w.Code != want {
				t.Errorf("limits: got %d, want %d", w.Code, want)
			}
		})
	}
}

func TestChecksInTheAPIsOrder(t *testing.T) {
	s, _ := newSim(t, Config{ForbiddenKeys: []string{"readonly"}, Resources: map[int64]Resource{7: {}}})
	// Authentication before the resource and the body.
	expect(t, call(s, http.MethodPost, purgePath(8), "", `nonsense`), 401,
		`{"message":"Authentication credentials were not provided."}`)
	// Permission before the resource and the body.
	expect(t, call(s, http.MethodPost, purgePath(8), "APIKey readonly", `nonsense`), 403,
		`{"message":"You do not have permission to perform this action."}`)
	// The resource before the body.
	expect(t, purge(s, 8, `nonsense`), 404, `{"message":"Not found."}`)
	// The body before the rate limit.
	expect(t, purge(s, 7, `{"paths": []}`), 201, "")
	expect(t, purge(s, 7, `{}`), 400, `{"errors":{"paths":["This field is required."]}}`)
	expect(t, purge(s, 7, `{"paths": []}`), 429, "")
}

func TestUnknownResourcesAndRoutes(t *testing.T) {
	s, _ := newSim(t, Config{Resources: map[int64]Resource{7: {}}})
	expect(t, purge(s, 8, `{"paths": []}`), 404, `{"message":"Not found."}`)
	expect(t, purge(s, 7, `{"paths": []}`), 201, "")
	// An ID that is not a positive integer matches no route: 404 even
	// without a key.
	for _, path := range []string{
		"/cdn/resources/0/purge", "/cdn/resources/-1/purge", "/cdn/resources/abc/purge",
		"/cdn/resources//purge", "/cdn/resources/99999999999999999999/purge", "/cdn/resources/7/purge/",
		"/cdn/resources", "/", "/cdn/clients/me/limits/",
	} {
		expect(t, call(s, http.MethodPost, path, "", `{"paths": []}`), 404, `{"message":"Not found."}`)
	}
	w := call(s, http.MethodGet, purgePath(7), "APIKey "+key, "")
	expect(t, w, 405, `{"message":"Method \"GET\" not allowed."}`)
	if got := w.Header().Get("Allow"); got != "POST" {
		t.Errorf("Allow = %q", got)
	}

	open, _ := newSim(t, Config{})
	expect(t, purge(open, 123456789, `{"paths": []}`), 201, "")
}

func TestAcceptedPurgesAreRecorded(t *testing.T) {
	s, c := newSim(t, Config{})
	bodies := []string{`{"urls": ["/a.jpg", "/b?v=1&w=2"]}`, `{"paths": ["/img/*", "/css"]}`, `{"paths": []}`}
	for i, body := range bodies {
		c.Set(t0.Add(time.Duration(i) * time.Second))
		expect(t, purge(s, int64(7+i), body), 201, "")
	}
	want := []Purge{
		{ID: 1, ResourceID: 7, CName: "cdn7.example.com", Type: gcoreapi.PurgeByURL, Items: []string{"/a.jpg", "/b?v=1&w=2"}, At: t0},
		{ID: 2, ResourceID: 8, CName: "cdn8.example.com", Type: gcoreapi.PurgeByPattern, Items: []string{"/img/*", "/css"}, At: t0.Add(time.Second)},
		{ID: 3, ResourceID: 9, CName: "cdn9.example.com", Type: gcoreapi.PurgeAll, Items: []string{}, At: t0.Add(2 * time.Second)},
	}
	got := s.Purges()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Purges() = %+v\nwant %+v", got, want)
	}
	got[0].Items[0] = "changed"
	if s.Purges()[0].Items[0] != "/a.jpg" {
		t.Error("Purges() shares its items with the simulator")
	}

	reqs := s.Requests()
	if len(reqs) != 3 {
		t.Fatalf("Requests() = %+v", reqs)
	}
	for i, r := range reqs {
		want := Request{Method: "POST", Path: purgePath(int64(7 + i)), Body: bodies[i], Status: 201, At: t0.Add(time.Duration(i) * time.Second)}
		if r != want {
			t.Errorf("request %d = %+v, want %+v", i, r, want)
		}
		if strings.Contains(fmt.Sprintf("%+v", r), key) {
			t.Errorf("request %d stores the API key", i)
		}
	}
}

func TestSlidingWindowEdges(t *testing.T) {
	s, c := newSim(t, Config{})
	urls := `{"urls": ["/a"]}`
	at := func(d time.Duration, status int) {
		t.Helper()
		c.Set(t0.Add(d))
		if w := purge(s, 7, urls); w.Code != status {
			t.Fatalf("at t0+%v: got %d, want %d", d, w.Code, status)
		}
	}
	// Purge by URL: two a minute.
	at(0, 201)
	at(10*time.Second, 201)
	at(20*time.Second, 429)
	at(time.Minute-time.Nanosecond, 429) // the purge at t0 is still in the window
	at(time.Minute, 201)                 // exactly one window later it has left it
	at(70*time.Second-time.Nanosecond, 429)
	at(70*time.Second, 201)
	if got := s.RateLimited(); got != 3 {
		t.Errorf("RateLimited() = %d, want 3", got)
	}
}

func TestWindowsArePerResourceAndType(t *testing.T) {
	s, c := newSim(t, Config{})
	pattern, all, urls := `{"paths": ["/img/*"]}`, `{"paths": []}`, `{"urls": ["/a"]}`
	// One of each type on resource 7, and a pattern purge on resource 8: each
	// has its own window.
	for _, tc := range []struct {
		id   int64
		body string
	}{{7, pattern}, {7, all}, {7, urls}, {8, pattern}} {
		expect(t, purge(s, tc.id, tc.body), 201, "")
	}
	c.Set(t0.Add(time.Minute - time.Nanosecond))
	expect(t, purge(s, 7, pattern), 429, "")
	expect(t, purge(s, 7, all), 429, "")
	expect(t, purge(s, 8, pattern), 429, "")
	expect(t, purge(s, 7, urls), 201, "") // the second of two a minute
	expect(t, purge(s, 9, pattern), 201, "")
	c.Set(t0.Add(time.Minute))
	expect(t, purge(s, 7, pattern), 201, "")
	expect(t, purge(s, 7, all), 201, "")
}

func TestOnlyAcceptedPurgesCount(t *testing.T) {
	s, c := newSim(t, Config{})
	all := `{"paths": []}`
	expect(t, purge(s, 7, `{}`), 400, `{"errors":{"paths":["This field is required."]}}`)
	expect(t, call(s, http.MethodPost, purgePath(7), "Bearer x", all), 401, `{"message":"Invalid authentication credentials."}`)
	expect(t, purge(s, 7, all), 201, "")
	c.Set(t0.Add(30 * time.Second))
	expect(t, purge(s, 7, all), 429, "") // does not extend the window
	c.Set(t0.Add(time.Minute))
	expect(t, purge(s, 7, all), 201, "")
}

func TestCompressedRate(t *testing.T) {
	s, c := newSim(t, Config{Limits: gcoreapi.AccountLimits{PurgeByURLsRequestLimit: "2/s", PurgeRequestLimit: "3/s"}})
	urls, all := `{"urls": ["/a"]}`, `{"paths": []}`
	expect(t, purge(s, 7, urls), 201, "")
	expect(t, purge(s, 7, urls), 201, "")
	expect(t, purge(s, 7, urls), 429, "")
	for range 3 {
		expect(t, purge(s, 7, all), 201, "")
	}
	expect(t, purge(s, 7, all), 429, "")
	c.Set(t0.Add(time.Second - time.Nanosecond))
	expect(t, purge(s, 7, urls), 429, "")
	c.Set(t0.Add(time.Second))
	expect(t, purge(s, 7, urls), 201, "")
	expect(t, purge(s, 7, all), 201, "")
}

// TestWaitHints: a 429 can say how long to wait in every form the API may
// use, each giving the true wait rounded up to its unit; by default it says
// nothing, as Gcore's API reference documents it.
func TestWaitHints(t *testing.T) {
	// At t0+10.5s the window of 2/m frees at t0+60s: 49.5s to wait.
	for _, tc := range []struct {
		hint         WaitHint
		header, body string
	}{
		{NoWaitHint, "", ""},
		{RetryAfterSeconds, "Retry-After: 50", ""},
		{RetryAfterDate, "Retry-After: Fri, 02 Jan 2026 03:05:06 GMT", ""}, // t0 is 03:04:05.000000006
		{RetryAfterMs, "Retry-After-Ms: 49500", ""},
		{ThrottledBody, "", `{"detail":"Request was throttled. Expected available in 50 seconds."}`},
	} {
		s, c := newSim(t, Config{WaitHint: tc.hint})
		urls := `{"urls": ["/a"]}`
		purge(s, 7, urls)
		purge(s, 7, urls)
		c.Set(t0.Add(10*time.Second + 500*time.Millisecond))
		w := purge(s, 7, urls)
		expect(t, w, 429, tc.body)
		var header []string
		for _, name := range []string{"Retry-After", "Retry-After-Ms"} {
			if v := w.Header().Get(name); v != "" {
				header = append(header, name+": "+v)
			}
		}
		if got := strings.Join(header, ", "); got != tc.header {
			t.Errorf("hint %d: headers %q, want %q", tc.hint, got, tc.header)
		}
	}
	// DRF writes "second" for one.
	s, c := newSim(t, Config{WaitHint: ThrottledBody, Limits: gcoreapi.AccountLimits{PurgeRequestLimit: "1/s"}})
	purge(s, 7, `{"paths": []}`)
	c.Set(t0.Add(300 * time.Millisecond))
	expect(t, purge(s, 7, `{"paths": []}`), 429, `{"detail":"Request was throttled. Expected available in 1 second."}`)
	if got := s.RateLimited(); got != 1 {
		t.Errorf("RateLimited() = %d", got)
	}
}

// TestLimitsInEveryDRFForm: the account's rates may be written in any of
// Django REST Framework's forms; the simulator answers them as written and
// enforces them.
func TestLimitsInEveryDRFForm(t *testing.T) {
	for _, form := range []string{"2/s", "2/m", "2/min", "2/minute", "1/h", "1/hour", "100/d", "100/day"} {
		if _, err := New(Config{Limits: gcoreapi.AccountLimits{PurgeRequestLimit: form, PurgeByURLsRequestLimit: form}}); err != nil {
			t.Errorf("New refused %q: %v", form, err)
		}
	}
	s, c := newSim(t, Config{Limits: gcoreapi.AccountLimits{PurgeRequestLimit: "1/day"}})
	expect(t, call(s, http.MethodGet, limitsPath, "APIKey "+key, ""), 200,
		`{"purge_request_limit":"1/day","purge_by_urls_request_limit":"2/m","purge_max_urls_limit":100,`+
			`"purge_pattern_limit":10,"prefetch_request_limit":"1/m","prefetch_pattern_limit":100}`)
	expect(t, purge(s, 7, `{"paths": []}`), 201, "")
	c.Set(t0.Add(24*time.Hour - time.Nanosecond))
	expect(t, purge(s, 7, `{"paths": []}`), 429, "")
	c.Set(t0.Add(24 * time.Hour))
	expect(t, purge(s, 7, `{"paths": []}`), 201, "")
}

// TestListPurgedItems: an accepted purge may answer the JSON array of what
// it purged.
func TestListPurgedItems(t *testing.T) {
	s, _ := newSim(t, Config{ListPurgedItems: true})
	w := purge(s, 7, `{"urls": ["/a.js", "/b?v=1&w=2"]}`)
	expect(t, w, 201, `["/a.js","/b?v=1&w=2"]`)
	if got := w.Header().Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	expect(t, purge(s, 7, `{"paths": []}`), 201, `[]`)
}

// TestResourceEndpoint: GET /cdn/resources/{id} answers the configured CDN
// resources, 404 for others, and any positive ID when none is configured;
// it is authenticated like a purge and listed among the requests.
func TestResourceEndpoint(t *testing.T) {
	s, _ := newSim(t, Config{ForbiddenKeys: []string{"readonly"}, Resources: map[int64]Resource{
		7: {Cname: "static.example.org"}, 8: {NoPurgeByURLs: true},
	}})
	get := func(id int64, auth string) *httptest.ResponseRecorder {
		return call(s, http.MethodGet, "/cdn/resources/"+strconv.FormatInt(id, 10), auth, "")
	}
	expect(t, get(7, "APIKey "+key), 200, `{"id":7,"cname":"static.example.org","active":true,"can_purge_by_urls":true}`)
	expect(t, get(8, "APIKey "+key), 200, `{"id":8,"cname":"cdn8.example.com","active":true,"can_purge_by_urls":false}`)
	expect(t, get(9, "APIKey "+key), 404, `{"message":"Not found."}`)
	expect(t, get(7, ""), 401, `{"message":"Authentication credentials were not provided."}`)
	expect(t, get(7, "APIKey wrong"), 401, `{"message":"Invalid authentication credentials."}`)
	expect(t, get(7, "APIKey readonly"), 403, `{"message":"You do not have permission to perform this action."}`)
	expect(t, call(s, http.MethodDelete, "/cdn/resources/7", "APIKey "+key, ""), 405, `{"message":"Method \"DELETE\" not allowed."}`)
	expect(t, purge(s, 9, `{"paths": []}`), 404, `{"message":"Not found."}`)

	var got []string
	for _, r := range s.Requests() {
		got = append(got, fmt.Sprintf("%s %s %d", r.Method, r.Path, r.Status))
	}
	want := []string{"GET /cdn/resources/7 200", "GET /cdn/resources/8 200", "GET /cdn/resources/9 404", "GET /cdn/resources/7 401",
		"GET /cdn/resources/7 401", "GET /cdn/resources/7 403", "DELETE /cdn/resources/7 405", "POST /cdn/resources/9/purge 404"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("requests = %q, want %q", got, want)
	}

	open, _ := newSim(t, Config{})
	expect(t, call(open, http.MethodGet, "/cdn/resources/123456789", "APIKey "+key, ""), 200,
		`{"id":123456789,"cname":"cdn123456789.example.com","active":true,"can_purge_by_urls":true}`)
}

// TestPurgeByURLRefusedWithoutTheCapability: a CDN resource whose
// can_purge_by_urls is false refuses purges by URL, and takes no place in
// its window for them; purges by pattern and of everything still work.
func TestPurgeByURLRefusedWithoutTheCapability(t *testing.T) {
	s, _ := newSim(t, Config{Resources: map[int64]Resource{7: {NoPurgeByURLs: true}}})
	for range 3 {
		expect(t, purge(s, 7, `{"urls": ["/a.js"]}`), 400, `{"errors":{"urls":["Purge by URL is not available for this CDN resource."]}}`)
	}
	expect(t, purge(s, 7, `{"paths": ["/img/*"]}`), 201, "")
	expect(t, purge(s, 7, `{"paths": []}`), 201, "")
	if got := len(s.Purges()); got != 2 {
		t.Errorf("%d purges accepted, want 2", got)
	}
}

func TestLimitsEndpoint(t *testing.T) {
	s, _ := newSim(t, Config{})
	w := call(s, http.MethodGet, limitsPath, "APIKey "+key, "")
	expect(t, w, 200, `{"purge_request_limit":"1/m","purge_by_urls_request_limit":"2/m","purge_max_urls_limit":100,`+
		`"purge_pattern_limit":10,"prefetch_request_limit":"1/m","prefetch_pattern_limit":100}`)
	expect(t, call(s, http.MethodPost, limitsPath, "APIKey "+key, ""), 405, `{"message":"Method \"POST\" not allowed."}`)

	custom := gcoreapi.AccountLimits{PurgeRequestLimit: "5/h", PurgeByURLsRequestLimit: "2/s", PurgeMaxURLsLimit: 3, PurgePatternLimit: 50}
	if err := s.SetLimits(custom); err != nil {
		t.Fatal(err)
	}
	expect(t, call(s, http.MethodGet, limitsPath, "APIKey "+key, ""), 200,
		`{"purge_request_limit":"5/h","purge_by_urls_request_limit":"2/s","purge_max_urls_limit":3,`+
			`"purge_pattern_limit":50,"prefetch_request_limit":"1/m","prefetch_pattern_limit":100}`)
	expect(t, purge(s, 7, `{"urls": ["/a", "/b", "/c", "/d"]}`), 400,
		`{"errors":{"urls":["Ensure this field has no more than 3 elements."]}}`)

	if err := s.SetLimits(gcoreapi.AccountLimits{PurgeRequestLimit: "1/w"}); err == nil {
		t.Error("SetLimits accepted 1/w")
	}
	if _, err := New(Config{Limits: gcoreapi.AccountLimits{PurgeByURLsRequestLimit: "two/m"}}); err == nil {
		t.Error("New accepted two/m")
	}
	if _, err := New(Config{Limits: gcoreapi.AccountLimits{PurgeMaxURLsLimit: -1}}); err == nil {
		t.Error("New accepted a negative URL limit")
	}
}

func TestFaultStatusIsNotAPurge(t *testing.T) {
	s, _ := newSim(t, Config{})
	s.Fail(Fault{Status: 502, Body: "<html><body>Bad gateway</body></html>"})
	w := purge(s, 7, `{"paths": []}`)
	expect(t, w, 502, "<html><body>Bad gateway</body></html>")
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q", ct)
	}
	// The faulted request took no place in the one-a-minute window.
	expect(t, purge(s, 7, `{"paths": []}`), 201, "")
	if got := len(s.Purges()); got != 1 {
		t.Errorf("%d purges recorded, want 1", got)
	}
	if got := s.Requests(); len(got) != 2 || got[0].Status != 502 || got[1].Status != 201 {
		t.Errorf("Requests() = %+v", got)
	}
}

func TestFaultTimesPathAndOrder(t *testing.T) {
	s, _ := newSim(t, Config{})
	urls := `{"urls": ["/a"]}`
	s.Fail(Fault{Status: 500, Times: 2, Body: `{"message":"boom"}`})
	expect(t, purge(s, 7, urls), 500, `{"message":"boom"}`)
	expect(t, purge(s, 7, urls), 500, `{"message":"boom"}`)
	expect(t, purge(s, 7, urls), 201, "")

	// Matched first in, first out, among the faults that match the request.
	s.Fail(Fault{Path: purgePath(8), Status: 503})
	s.Fail(Fault{Status: 500})
	s.Fail(Fault{Path: limitsPath, Status: 504})
	expect(t, purge(s, 9, urls), 500, "")
	expect(t, purge(s, 9, urls), 201, "")
	expect(t, call(s, http.MethodGet, limitsPath, "APIKey "+key, ""), 504, "")
	expect(t, purge(s, 8, urls), 503, "")
	expect(t, purge(s, 8, urls), 201, "")

	// Faults come before authentication.
	s.Fail(Fault{Status: 503})
	expect(t, call(s, http.MethodPost, purgePath(7), "", urls), 503, "")

	// A fault with only a header decorates the normal answer.
	s.Fail(Fault{Header: http.Header{"Retry-After": {"7"}}})
	w := purge(s, 10, urls)
	expect(t, w, 201, "")
	if got := w.Header().Get("Retry-After"); got != "7" {
		t.Errorf("Retry-After %q", got)
	}

	s.Fail(Fault{Status: 500})
	s.Reset()
	expect(t, purge(s, 7, urls), 201, "")
}

func TestFaultAfterLetsRequestsThrough(t *testing.T) {
	s, _ := newSim(t, Config{Limits: gcoreapi.AccountLimits{PurgeByURLsRequestLimit: "100/s"}})
	urls := `{"urls": ["/a"]}`
	s.Fail(Fault{After: 2, Status: 400, Body: `{"errors":{"urls":{"0":["refused"]}}}`})
	expect(t, purge(s, 7, urls), 201, "")
	expect(t, purge(s, 7, urls), 201, "")
	expect(t, purge(s, 7, urls), 400, `{"errors":{"urls":{"0":["refused"]}}}`)
	expect(t, purge(s, 7, urls), 201, "")
}

func TestFaultDelay(t *testing.T) {
	s, _ := newSim(t, Config{})
	const delay = 30 * time.Millisecond
	s.Fail(Fault{Delay: delay})
	s.Fail(Fault{Delay: delay, Status: 503})
	for _, want := range []int{201, 503} {
		start := time.Now()
		w := purge(s, 7, `{"urls": ["/a"]}`)
		if elapsed := time.Since(start); w.Code != want || elapsed < delay {
			t.Errorf("got %d after %v, want %d after at least %v", w.Code, elapsed, want, delay)
		}
	}
}

func TestFaultDelayHonoursCancellation(t *testing.T) {
	s, _ := newSim(t, Config{})
	s.Fail(Fault{Delay: time.Minute})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, purgePath(7), strings.NewReader(`{"paths": []}`))
	r.Header.Set("Authorization", "APIKey "+key)
	start := time.Now()
	s.ServeHTTP(httptest.NewRecorder(), r)
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Fatalf("handler waited %v after its client gave up", elapsed)
	}
	if got := s.Requests(); len(got) != 1 || got[0].Status != 0 || got[0].Dropped {
		t.Errorf("Requests() = %+v, want one unanswered", got)
	}
	if got := s.Purges(); len(got) != 0 {
		t.Errorf("Purges() = %+v", got)
	}
}

func start(t *testing.T, cfg Config) (*Server, *gcoreapi.Client) {
	t.Helper()
	if cfg.APIKeys == nil {
		cfg.APIKeys = []string{key}
	}
	srv, err := Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return srv, client(t, srv, key)
}

func client(t *testing.T, srv *Server, apiKey string) *gcoreapi.Client {
	t.Helper()
	c, err := gcoreapi.New(gcoreapi.Config{BaseURL: srv.URL, APIKey: apiKey, HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestStartListensOnLoopback(t *testing.T) {
	srv, _ := start(t, Config{})
	u, err := url.Parse(srv.URL)
	if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Port() == "" {
		t.Fatalf("URL %q (%v), want http://127.0.0.1:PORT", srv.URL, err)
	}
}

func TestEndToEndWithClient(t *testing.T) {
	c := newClock()
	srv, api := start(t, Config{ForbiddenKeys: []string{"readonly"}, Now: c.Now,
		Resources: map[int64]Resource{7: {Cname: "static.example.org"}, 9: {NoPurgeByURLs: true}}})
	ctx := t.Context()

	if err := api.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeAll}); err != nil {
		t.Fatalf("purge all: %v", err)
	}
	if err := api.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeByURL, Items: []string{"/a", "/b?x=1"}}); err != nil {
		t.Fatalf("purge by URL: %v", err)
	}
	want := []Purge{
		{ID: 1, ResourceID: 7, CName: "static.example.org", Type: gcoreapi.PurgeAll, Items: []string{}, At: t0},
		{ID: 2, ResourceID: 7, CName: "static.example.org", Type: gcoreapi.PurgeByURL, Items: []string{"/a", "/b?x=1"}, At: t0},
	}
	if got := srv.Purges(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Purges() = %+v", got)
	}

	err := api.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeAll})
	if !errors.Is(err, gcoreapi.ErrRateLimited) {
		t.Errorf("second purge all: %v, want rate limited", err)
	}
	var apiErr *gcoreapi.Error
	err = api.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeByPattern, Items: []string{"img/*"}})
	if !errors.As(err, &apiErr) || !errors.Is(err, gcoreapi.ErrBadRequest) || apiErr.Message != "paths: A path should start with /." {
		t.Errorf("bad pattern: %v", err)
	}
	if err := api.Purge(ctx, 8, gcoreapi.Purge{Type: gcoreapi.PurgeAll}); !errors.Is(err, gcoreapi.ErrNotFound) {
		t.Errorf("unknown resource: %v", err)
	}
	if _, err := api.CDNResource(ctx, 8); !errors.Is(err, gcoreapi.ErrNotFound) {
		t.Errorf("reading an unknown resource: %v", err)
	}
	if res, err := api.CDNResource(ctx, 7); err != nil || res.ID != 7 || res.Cname != "static.example.org" || !res.Active ||
		res.CanPurgeByURLs == nil || !*res.CanPurgeByURLs {
		t.Errorf("CDNResource(7) = %+v, %v", res, err)
	}
	if res, err := api.CDNResource(ctx, 9); err != nil || res.CanPurgeByURLs == nil || *res.CanPurgeByURLs {
		t.Errorf("CDNResource(9) = %+v, %v, want can_purge_by_urls false", res, err)
	}
	err = api.Purge(ctx, 9, gcoreapi.Purge{Type: gcoreapi.PurgeByURL, Items: []string{"/a"}})
	if !errors.Is(err, gcoreapi.ErrBadRequest) || !strings.Contains(err.Error(), "Purge by URL is not available for this CDN resource.") {
		t.Errorf("purge by URL without the capability: %v", err)
	}
	if _, err := client(t, srv, "wrong").CDNResource(ctx, 7); !errors.Is(err, gcoreapi.ErrUnauthorized) {
		t.Errorf("reading a resource with a wrong key: %v", err)
	}
	if err := client(t, srv, "wrong").Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeAll}); !errors.Is(err, gcoreapi.ErrUnauthorized) {
		t.Errorf("wrong key: %v", err)
	}
	if err := client(t, srv, "readonly").Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeAll}); !errors.Is(err, gcoreapi.ErrForbidden) {
		t.Errorf("forbidden key: %v", err)
	}

	limits, err := api.AccountLimits(ctx)
	wantLimits := gcoreapi.AccountLimits{PurgeRequestLimit: "1/m", PurgeByURLsRequestLimit: "2/m", PurgeMaxURLsLimit: 100,
		PurgePatternLimit: 10, PrefetchRequestLimit: "1/m", PrefetchPatternLimit: 100}
	if err != nil || limits != wantLimits {
		t.Errorf("AccountLimits() = %+v, %v", limits, err)
	}
}

// TestEndToEndWaitHints: the client reads the wait of the simulator's 429 in
// every form it can give.
func TestEndToEndWaitHints(t *testing.T) {
	// A date has whole seconds: the first one at or after t0+1m.
	dateWait := t0.Add(time.Minute).Truncate(time.Second).Add(time.Second).Sub(t0)
	for hint, want := range map[WaitHint]time.Duration{
		NoWaitHint: 0, RetryAfterSeconds: time.Minute, RetryAfterMs: time.Minute, ThrottledBody: time.Minute, RetryAfterDate: dateWait,
	} {
		c := newClock()
		_, api := start(t, Config{WaitHint: hint, Now: c.Now})
		ctx := t.Context()
		if err := api.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeAll}); err != nil {
			t.Fatal(err)
		}
		var apiErr *gcoreapi.Error
		if err := api.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeAll}); !errors.As(err, &apiErr) {
			t.Fatalf("hint %d: %v, want a 429", hint, err)
		}
		if d, source, ok := apiErr.RetryAfter(t0); d != want || ok != (want > 0) {
			t.Errorf("hint %d: RetryAfter() = %v (%s), %v; want %v", hint, d, source, ok, want)
		}
	}
}

func TestEndToEndFaults(t *testing.T) {
	srv, api := start(t, Config{})
	ctx := t.Context()

	srv.Fail(Fault{Status: 429, Header: http.Header{"Retry-After": {"7"}}})
	err := api.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeAll})
	var apiErr *gcoreapi.Error
	if !errors.As(err, &apiErr) || !errors.Is(err, gcoreapi.ErrRateLimited) {
		t.Fatalf("faulted 429: %v", err)
	}
	if d, _, ok := apiErr.RetryAfter(time.Now()); !ok || d != 7*time.Second {
		t.Errorf("RetryAfter() = %v, %v", d, ok)
	}

	srv.Fail(Fault{Status: 502, Body: "<html>Bad gateway</html>"})
	err = api.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeAll})
	if !errors.As(err, &apiErr) || !errors.Is(err, gcoreapi.ErrServer) || !strings.Contains(apiErr.Message, "Bad gateway") {
		t.Errorf("faulted 502: %v", err)
	}

	srv.Fail(Fault{Drop: true})
	err = api.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeAll})
	if err == nil || errors.As(err, &apiErr) || !gcoreapi.IsTransient(err) {
		t.Errorf("dropped: %v, want a transport error", err)
	}
	reqs := srv.Requests()
	if last := reqs[len(reqs)-1]; !last.Dropped || last.Status != 0 {
		t.Errorf("dropped request recorded as %+v", last)
	}
	if got := srv.RateLimited(); got != 1 {
		t.Errorf("RateLimited() = %d, want 1 (the faulted 429)", got)
	}
	if err := api.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeAll}); err != nil {
		t.Errorf("after the faults: %v", err)
	}
}

func get(t *testing.T, method, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestControlEndpoints(t *testing.T) {
	c := newClock()
	srv, api := start(t, Config{Now: c.Now})
	ctx := t.Context()
	if err := api.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeByURL, Items: []string{"/a"}}); err != nil {
		t.Fatal(err)
	}
	if err := api.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeAll}); err != nil {
		t.Fatal(err)
	}
	if err := api.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeByPattern, Items: []string{"/img/*"}}); err != nil {
		t.Fatal(err)
	}
	at := `"at":"2026-01-02T03:04:05.000000006Z"`
	status, body := get(t, http.MethodGet, srv.URL+"/_simulator/purges")
	want := `[{"resource_id":7,"type":"urls","items":["/a"],` + at + `},` +
		`{"resource_id":7,"type":"all","items":[],` + at + `},` +
		`{"resource_id":7,"type":"paths","items":["/img/*"],` + at + `}]`
	if status != 200 || body != want {
		t.Errorf("purges: %d %s\nwant %s", status, body, want)
	}

	status, body = get(t, http.MethodGet, srv.URL+"/_simulator/requests")
	want = `[{"method":"POST","path":"/cdn/resources/7/purge","body":"{\"urls\":[\"/a\"]}","status":201,` + at + `,"dropped":false},` +
		`{"method":"POST","path":"/cdn/resources/7/purge","body":"{\"paths\":[]}","status":201,` + at + `,"dropped":false},` +
		`{"method":"POST","path":"/cdn/resources/7/purge","body":"{\"paths\":[\"/img/*\"]}","status":201,` + at + `,"dropped":false}]`
	if status != 200 || body != want {
		t.Errorf("requests: %d %s\nwant %s", status, body, want)
	}

	if status, _ := get(t, http.MethodGet, srv.URL+"/_simulator/reset"); status != 405 {
		t.Errorf("GET reset: %d", status)
	}
	if status, _ := get(t, http.MethodGet, srv.URL+"/_simulator/nothing"); status != 404 {
		t.Errorf("unknown control path: %d", status)
	}
	if status, body := get(t, http.MethodPost, srv.URL+"/_simulator/reset"); status != 204 || body != "" {
		t.Errorf("reset: %d %q", status, body)
	}
	if p, r := srv.Purges(), srv.Requests(); len(p) != 0 || len(r) != 0 {
		t.Errorf("after reset (control calls are not recorded): %d purges, %d requests", len(p), len(r))
	}
	if status, body := get(t, http.MethodGet, srv.URL+"/_simulator/purges"); status != 200 || body != "[]" {
		t.Errorf("purges after reset: %d %s", status, body)
	}
	// The windows went with the reset.
	if err := api.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeAll}); err != nil {
		t.Errorf("purge after reset: %v", err)
	}
}

func TestControlEndpointsRefuseRemoteClients(t *testing.T) {
	s, _ := newSim(t, Config{})
	w := call(s, http.MethodPost, "/_simulator/reset", "", "") // httptest's RemoteAddr is 192.0.2.1
	if w.Code != http.StatusForbidden {
		t.Errorf("remote reset: %d", w.Code)
	}
}

func TestConcurrentPurgesShareTheWindow(t *testing.T) {
	srv, api := start(t, Config{})
	const n = 20
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			errs <- api.Purge(t.Context(), 7, gcoreapi.Purge{Type: gcoreapi.PurgeByURL, Items: []string{"/a"}})
		})
	}
	wg.Wait()
	close(errs)
	accepted, limited := 0, 0
	for err := range errs {
		switch {
		case err == nil:
			accepted++
		case errors.Is(err, gcoreapi.ErrRateLimited):
			limited++
		default:
			t.Errorf("unexpected: %v", err)
		}
	}
	if accepted != 2 || limited != n-2 || srv.RateLimited() != n-2 || len(srv.Purges()) != 2 {
		t.Errorf("accepted %d, limited %d, RateLimited() %d, Purges() %d", accepted, limited, srv.RateLimited(), len(srv.Purges()))
	}
}

func TestCloseDoesNotWaitForDelayedAnswers(t *testing.T) {
	srv, err := Start(Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv.Fail(Fault{Delay: time.Hour})
	api := client(t, srv, key)
	done := make(chan error, 1)
	go func() { done <- api.Purge(context.Background(), 7, gcoreapi.Purge{Type: gcoreapi.PurgeAll}) }()
	for deadline := time.Now().Add(5 * time.Second); len(srv.Requests()) == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the request never arrived")
		}
	}
	start := time.Now()
	if err := srv.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("Close took %v", elapsed)
	}
	if err := <-done; err == nil {
		t.Error("the held request succeeded")
	}
}
