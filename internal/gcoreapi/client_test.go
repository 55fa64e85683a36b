package gcoreapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

const testKey = "key$with-dollar"

// wire records what the client put on the wire.
type wire struct {
	method, path, query, body string
	header                    http.Header
}

func serve(t *testing.T, status int, header http.Header, body string) (*gcoreapi.Client, *wire) {
	t.Helper()
	var got wire
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = wire{r.Method, r.URL.Path, r.URL.RawQuery, string(b), r.Header.Clone()}
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body) // a short write shows as a failed call in the test
	}))
	t.Cleanup(srv.Close)
	c, err := gcoreapi.New(gcoreapi.Config{BaseURL: srv.URL + "/", APIKey: testKey, UserAgent: "terraform-provider-gcore/1.2.3 terraform/1.8.5"})
	if err != nil {
		t.Fatal(err)
	}
	return c, &got
}

func TestPurgeSendsTheDocumentedBodies(t *testing.T) {
	cases := []struct {
		purge gcoreapi.Purge
		body  string
	}{
		{gcoreapi.Purge{Type: gcoreapi.PurgeByURL, Items: []string{"/a.js", "/b.css?v=2"}}, `{"urls":["/a.js","/b.css?v=2"]}`},
		{gcoreapi.Purge{Type: gcoreapi.PurgeByPattern, Items: []string{"/img/*"}}, `{"paths":["/img/*"]}`},
		{gcoreapi.Purge{Type: gcoreapi.PurgeAll}, `{"paths":[]}`},
		{gcoreapi.Purge{Type: gcoreapi.PurgeAll, Items: []string{"/ignored"}}, `{"paths":[]}`},
	}
	for _, c := range cases {
		client, got := serve(t, http.StatusCreated, nil, "")
		if _, err := client.Purge(context.Background(), 42, c.purge); err != nil {
			t.Fatalf("%v: %v", c.purge, err)
		}
		if got.method != http.MethodPost || got.path != "/cdn/resources/42/purge" || got.body != c.body {
			t.Errorf("%v: sent %s %s %s, want POST /cdn/resources/42/purge %s", c.purge, got.method, got.path, got.body, c.body)
		}
		for name, want := range map[string]string{
			"Authorization": "APIKey " + testKey,
			"Content-Type":  "application/json",
			"User-Agent":    "terraform-provider-gcore/1.2.3 terraform/1.8.5",
		} {
			if g := got.header.Get(name); g != want {
				t.Errorf("header %s = %q, want %q", name, g, want)
			}
		}
	}
}

func TestErrorsAreTypedAndCarryTheAPIsMessage(t *testing.T) {
	cases := []struct {
		status  int
		body    string
		kind    error
		message string
	}{
		{400, `{"errors":{"paths":["This field is required."]}}`, gcoreapi.ErrBadRequest, "400 Bad Request: paths: This field is required."},
		{400, `{"errors":{"paths":["Expected a list of items but got type \"str\"."]}}`, gcoreapi.ErrBadRequest, `paths: Expected a list of items but got type "str".`},
		{400, `{"errors":{"paths":["A path should start with /."]}}`, gcoreapi.ErrBadRequest, "paths: A path should start with /."},
		{400, `{"errors":{"paths":{"10":["x"],"2":["This field may not be blank."]}}}`, gcoreapi.ErrBadRequest, "paths[2]: This field may not be blank.; paths[10]: x"},
		{400, `{"message":"JSON parse error - Expecting ',' delimiter: line 3 column 33 (char 77)"}`, gcoreapi.ErrBadRequest, "JSON parse error - Expecting ',' delimiter"},
		{401, `{"message":"Invalid authentication credentials."}`, gcoreapi.ErrUnauthorized, "401 Unauthorized: Invalid authentication credentials."},
		{403, `{"message":"Forbidden."}`, gcoreapi.ErrForbidden, "403 Forbidden: Forbidden."},
		{404, `{"message":"Not found."}`, gcoreapi.ErrNotFound, "404 Not Found: Not found."},
		{429, ``, gcoreapi.ErrRateLimited, "the Gcore API answered 429 Too Many Requests"},
		{502, `<html><body><h1>502 Bad Gateway</h1></body></html>`, gcoreapi.ErrServer, "502 Bad Gateway: (not JSON) <html><body><h1>502 Bad Gateway</h1></body></html>"},
		{503, `{"unexpected":{"shape":true}}`, gcoreapi.ErrServer, `503 Service Unavailable: {"unexpected":{"shape":true}}`},
		{500, `{"message":`, gcoreapi.ErrServer, `500 Internal Server Error: (not JSON) {"message":`},
		{418, `teapot`, gcoreapi.ErrUnexpected, "418 I'm a teapot: (not JSON) teapot"},
	}
	for _, c := range cases {
		client, _ := serve(t, c.status, nil, c.body)
		_, err := client.Purge(context.Background(), 1, gcoreapi.Purge{Type: gcoreapi.PurgeAll})
		var apiErr *gcoreapi.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != c.status {
			t.Fatalf("%d: got %v, want *gcoreapi.Error", c.status, err)
		}
		if !errors.Is(err, c.kind) {
			t.Errorf("%d: errors.Is(%v, %v) is false", c.status, err, c.kind)
		}
		if !strings.Contains(err.Error(), c.message) {
			t.Errorf("%d: message %q does not contain %q", c.status, err, c.message)
		}
		if gcoreapi.IsTransient(err) != (c.status >= 500) {
			t.Errorf("%d: IsTransient = %v", c.status, gcoreapi.IsTransient(err))
		}
	}
}

func TestBadRequestNamesTheRefusedItems(t *testing.T) {
	for body, want := range map[string][]int{
		`{"errors":{"urls":{"10":["x"],"2":["This field may not be blank."]}}}`: {2, 10},
		`{"errors":{"paths":{"0":["This field may not be blank."]}}}`:           {0},
		`{"errors":{"paths":["A path should start with /."]}}`:                  nil,
		`{"message":"JSON parse error - Expecting value"}`:                      nil,
		`not json`: nil,
	} {
		client, _ := serve(t, 400, nil, body)
		_, err := client.Purge(context.Background(), 1, gcoreapi.Purge{Type: gcoreapi.PurgeByURL, Items: []string{"/a"}})
		var apiErr *gcoreapi.Error
		if !errors.As(err, &apiErr) || !slices.Equal(apiErr.RefusedItems, want) {
			t.Errorf("%s: refused items %v, want %v", body, apiErr.RefusedItems, want)
		}
	}
}

func TestLongNonJSONBodyIsCut(t *testing.T) {
	msg := gcoreapi.DecodeErrorBody([]byte("<html>" + strings.Repeat("é", 500) + "</html>"))
	if len(msg) > 260 || !strings.HasSuffix(msg, "…") || !strings.HasPrefix(msg, "(not JSON) <html>") {
		t.Errorf("excerpt = %q", msg)
	}
	if got := gcoreapi.DecodeErrorBody(nil); got != "" {
		t.Errorf("empty body decoded to %q", got)
	}
}

func TestClipCutsAtACharacterBoundary(t *testing.T) {
	for text, want := range map[string]string{
		"abc":   "abc", // within the limit: untouched
		"abé":   "ab…", // the cut would split é
		"ab cd": "ab…", // no space before the mark
		"日本語":   "日…",
	} {
		if got := gcoreapi.Clip(text, 3); got != want {
			t.Errorf("Clip(%q, 3) = %q, want %q", text, got, want)
		}
	}
}

// TestRetryAfter: a 429's wait is read from the first usable of
// Retry-After-Ms, Retry-After (seconds or a date) and Django REST
// Framework's throttling message, in that order; negative or unreadable
// values count as absent.
func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	const drf = `{"detail": "Request was throttled. Expected available in 7 seconds."}`
	cases := []struct {
		name   string
		header http.Header
		body   string
		delay  time.Duration
		source string
		ok     bool
	}{
		{"none", nil, "", 0, "", false},
		{"seconds", http.Header{"Retry-After": {"7"}}, "", 7 * time.Second, "Retry-After: 7", true},
		{"decimal seconds", http.Header{"Retry-After": {"1.5"}}, "", 1500 * time.Millisecond, "Retry-After: 1.5", true},
		{"date", http.Header{"Retry-After": {"Wed, 25 Nov 2026 12:00:30 GMT"}}, "", 30 * time.Second, "Retry-After: Wed, 25 Nov 2026 12:00:30 GMT", true},
		{"date already past", http.Header{"Retry-After": {"Wed, 25 Nov 2026 11:59:00 GMT"}}, "", 0, "", false},
		{"unreadable", http.Header{"Retry-After": {"soon"}}, "", 0, "", false},
		{"negative", http.Header{"Retry-After": {"-5"}}, "", 0, "", false},
		{"milliseconds", http.Header{"Retry-After-Ms": {"1500"}}, "", 1500 * time.Millisecond, "Retry-After-Ms: 1500", true},
		{"milliseconds first", http.Header{"Retry-After-Ms": {"250"}, "Retry-After": {"7"}}, drf, 250 * time.Millisecond, "Retry-After-Ms: 250", true},
		{"negative milliseconds", http.Header{"Retry-After-Ms": {"-250"}, "Retry-After": {"7"}}, "", 7 * time.Second, "Retry-After: 7", true},
		{"header before body", http.Header{"Retry-After": {"3"}}, drf, 3 * time.Second, "Retry-After: 3", true},
		{"DRF body", nil, drf, 7 * time.Second, `"Expected available in 7 seconds"`, true},
		{"DRF body, decimal", nil, `{"detail": "Request was throttled. Expected available in 2.5 seconds."}`, 2500 * time.Millisecond, `"Expected available in 2.5 seconds"`, true},
		{"DRF body, one second", nil, `{"detail": "Request was throttled. Expected available in 1 second."}`, time.Second, `"Expected available in 1 second"`, true},
		{"DRF body without a wait", nil, `{"detail": "Request was throttled."}`, 0, "", false},
		{"absurd", http.Header{"Retry-After": {"1e300"}}, "", 100 * 365 * 24 * time.Hour, "Retry-After: 1e300", true},
	}
	for _, c := range cases {
		client, _ := serve(t, 429, c.header, c.body)
		_, err := client.Purge(context.Background(), 1, gcoreapi.Purge{Type: gcoreapi.PurgeAll})
		var apiErr *gcoreapi.Error
		if !errors.As(err, &apiErr) {
			t.Fatal(err)
		}
		delay, source, ok := apiErr.RetryAfter(now)
		if delay != c.delay || source != c.source || ok != c.ok {
			t.Errorf("%s: got %v %q %v, want %v %q %v", c.name, delay, source, ok, c.delay, c.source, c.ok)
		}
	}
}

// TestPurgeAcceptedWithOrWithoutBody: a 201 without a body, as Gcore's API
// reference documents it, and one listing the purged URLs, as a portal guide
// says, are both success.
func TestPurgeAcceptedWithOrWithoutBody(t *testing.T) {
	for _, list := range []bool{false, true} {
		sim, client := startSimulator(t, simulator.Config{ListPurgedItems: list})
		if _, err := client.Purge(context.Background(), 7, gcoreapi.Purge{Type: gcoreapi.PurgeByURL, Items: []string{"/a.js"}}); err != nil {
			t.Errorf("listing the purged URLs %v: %v", list, err)
		}
		if got := sim.Requests(); len(got) != 1 || got[0].Status != http.StatusCreated {
			t.Errorf("listing the purged URLs %v: requests %+v", list, got)
		}
	}
}

// TestCDNResource: the client reads a CDN resource, tells an answer without
// can_purge_by_urls or active from one where they are false, and types the
// errors as for purges.
func TestCDNResource(t *testing.T) {
	yes, no := true, false
	for body, want := range map[string]gcoreapi.CDNResource{
		`{"id": 42, "cname": "cdn.example.com", "active": true, "can_purge_by_urls": true, "originGroup": 9}`: {
			ID: 42, CName: "cdn.example.com", Active: &yes, CanPurgeByURLs: &yes},
		`{"id": 42, "cname": "cdn.example.com", "active": false, "can_purge_by_urls": false, "status": "suspended"}`: {
			ID: 42, CName: "cdn.example.com", Active: &no, CanPurgeByURLs: &no, Status: gcoreapi.ResourceSuspended},
		`{"id": 42, "cname": "cdn.example.com"}`:                                            {ID: 42, CName: "cdn.example.com"},
		`{"id": 42, "cname": "cdn.example.com", "active": null, "can_purge_by_urls": null}`: {ID: 42, CName: "cdn.example.com"},
	} {
		client, got := serve(t, http.StatusOK, nil, body)
		res, err := client.CDNResource(context.Background(), 42)
		if err != nil || !reflect.DeepEqual(res, want) {
			t.Errorf("%s: got %+v, %v; want %+v", body, res, err, want)
		}
		if got.method != http.MethodGet || got.path != "/cdn/resources/42" || got.header.Get("Authorization") != "APIKey "+testKey {
			t.Errorf("sent %s %s with Authorization %q", got.method, got.path, got.header.Get("Authorization"))
		}
	}
	for status, kind := range map[int]error{
		404: gcoreapi.ErrNotFound, 401: gcoreapi.ErrUnauthorized, 403: gcoreapi.ErrForbidden, 503: gcoreapi.ErrServer,
	} {
		client, _ := serve(t, status, nil, `{"message":"No."}`)
		if _, err := client.CDNResource(context.Background(), 42); !errors.Is(err, kind) || !strings.Contains(err.Error(), "No.") {
			t.Errorf("%d: got %v, want %v", status, err, kind)
		}
	}
	client, _ := serve(t, http.StatusOK, nil, `<html>maintenance</html>`)
	if _, err := client.CDNResource(context.Background(), 42); err == nil || !strings.Contains(err.Error(), "GET /cdn/resources/42") {
		t.Errorf("an answer that is not JSON: %v", err)
	}
}

func TestParseBaseURL(t *testing.T) {
	good := map[string]string{
		"https://api.gcore.com":       "https://api.gcore.com",
		"https://api.gcore.com/":      "https://api.gcore.com",
		"http://127.0.0.1:8080/base/": "http://127.0.0.1:8080/base",
		"http://127.9.9.9":            "http://127.9.9.9",
		"http://localhost:1234":       "http://localhost:1234",
		"http://[::1]:1234/":          "http://[::1]:1234",
	}
	for in, want := range good {
		u, err := gcoreapi.ParseBaseURL(in)
		if err != nil || u.String() != want {
			t.Errorf("ParseBaseURL(%q) = %v, %v; want %s", in, u, err, want)
		}
	}
	for _, in := range []string{"", "api.gcore.com", "ftp://api.gcore.com", "https://", "/relative", "https://api.gcore.com?x=1", "https://user:pw@api.gcore.com"} {
		if _, err := gcoreapi.ParseBaseURL(in); err == nil {
			t.Errorf("ParseBaseURL(%q) accepted", in)
		}
	}
	// The key never crosses a network in cleartext.
	for in, fix := range map[string]string{
		"http://api.gcore.com":    "https://api.gcore.com",
		"http://10.0.0.1:8080/x/": "https://10.0.0.1:8080/x",
		"http://localhost.evil":   "https://localhost.evil",
		"http://128.0.0.1":        "https://128.0.0.1",
	} {
		_, err := gcoreapi.ParseBaseURL(in)
		if err == nil || !strings.Contains(err.Error(), "cleartext: use https ("+fix+")") {
			t.Errorf("ParseBaseURL(%q) = %v, want it refused, suggesting %s", in, err, fix)
		}
	}
}

// TestNoRedirectIsFollowed: a 3xx is an error naming where it pointed, sent
// once, never retried and not taken for a problem of the key; the other
// host hears nothing.
func TestNoRedirectIsFollowed(t *testing.T) {
	other := 0
	elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { other++ }))
	defer elsewhere.Close()
	client, got := serve(t, http.StatusTemporaryRedirect, http.Header{"Location": {elsewhere.URL + "/purge"}}, "")
	_, err := client.Purge(context.Background(), 1, gcoreapi.Purge{Type: gcoreapi.PurgeAll})
	if !errors.Is(err, gcoreapi.ErrRedirected) || errors.Is(err, gcoreapi.ErrUnauthorized) || gcoreapi.IsTransient(err) ||
		!strings.Contains(err.Error(), "307 Temporary Redirect: a redirect to \""+elsewhere.URL+"/purge\", not followed") {
		t.Errorf("got %v", err)
	}
	if other != 0 || got.method != http.MethodPost {
		t.Errorf("the redirect's target heard %d requests", other)
	}
}

func TestAPIKeysThatCannotBeSentAreRefused(t *testing.T) {
	for _, key := range []string{"abc\n", " abc", "a b", "a\x00b", "a\u00a0b"} {
		_, err := gcoreapi.New(gcoreapi.Config{BaseURL: gcoreapi.DefaultBaseURL, APIKey: key})
		if err == nil || !strings.Contains(err.Error(), "trimspace(file(...))") || strings.Contains(err.Error(), key) {
			t.Errorf("key %q: got %v, want a refusal that does not quote it", key, err)
		}
	}
	if _, err := gcoreapi.New(gcoreapi.Config{BaseURL: gcoreapi.DefaultBaseURL, APIKey: "k3y$abc"}); err != nil {
		t.Errorf("a good key: %v", err)
	}
}

// TestParseRate: rates are read in Django REST Framework's "num/period"
// form, where only the period's first letter counts.
func TestParseRate(t *testing.T) {
	good := map[string]gcoreapi.Rate{
		"1/m":      {Requests: 1, Window: time.Minute},
		"2/s":      {Requests: 2, Window: time.Second},
		"30/h":     {Requests: 30, Window: time.Hour},
		" 2/m":     {Requests: 2, Window: time.Minute},
		"2/min":    {Requests: 2, Window: time.Minute},
		"2/minute": {Requests: 2, Window: time.Minute},
		"1/hour":   {Requests: 1, Window: time.Hour},
		"5/sec":    {Requests: 5, Window: time.Second},
		"100/d":    {Requests: 100, Window: 24 * time.Hour},
		"100/day":  {Requests: 100, Window: 24 * time.Hour},
	}
	for in, want := range good {
		got, err := gcoreapi.ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
		short := strings.TrimSpace(in)
		short = short[:strings.Index(short, "/")+2]
		if got.String() != short {
			t.Errorf("Rate.String() = %q, want %q", got.String(), short)
		}
	}
	for in, why := range map[string]string{
		"":      "want num/period",
		"2":     "want num/period",
		"0/m":   "the count must be a positive integer",
		"-1/m":  "the count must be a positive integer",
		"two/m": "the count must be a positive integer",
		"1.5/m": "the count must be a positive integer",
		"/m":    "the count must be a positive integer",
		"2/":    "the period must start with s, m, h or d",
		"2/w":   "the period must start with s, m, h or d",
		"2/Min": "the period must start with s, m, h or d", // DRF's letters are lower case
		"2/ m":  "the period must start with s, m, h or d",
	} {
		if _, err := gcoreapi.ParseRate(in); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("ParseRate(%q) = %v, want an error saying %q", in, err, why)
		}
	}
}

// The documented rates are pinned here, written out, so that a change to
// DocumentedRate is a deliberate one.
func TestDocumentedLimits(t *testing.T) {
	for typ, want := range map[gcoreapi.PurgeType]string{
		gcoreapi.PurgeByURL: "2/m 100", gcoreapi.PurgeByPattern: "1/m 10", gcoreapi.PurgeAll: "1/m 0",
	} {
		if got := fmt.Sprint(typ.DocumentedRate(), " ", typ.MaxItems()); got != want {
			t.Errorf("%s: %s, want %s", typ, got, want)
		}
	}
	if got := fmt.Sprint(gcoreapi.DocumentedPrefetchRate(), " ", gcoreapi.MaxPrefetchPathsPerRequest); got != "1/m 100" {
		t.Errorf("prefetch: %s, want 1/m 100", got)
	}
}

// The simulator is the fake the provider's tests run against; the client
// must work with it as with the real API.
func TestClientAgainstSimulator(t *testing.T) {
	sim, client := startSimulator(t, simulator.Config{Limits: simulator.Limits{PurgeByURLsRequestLimit: "5/m"}})
	ctx := context.Background()

	limits, err := client.AccountLimits(ctx)
	if err != nil || limits.PurgeByURLsRequestLimit != "5/m" || limits.PurgeRequestLimit != "1/m" {
		t.Errorf("AccountLimits = %+v, %v", limits, err)
	}
	if _, err := client.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeByURL, Items: []string{"/a.js"}}); err != nil {
		t.Fatal(err)
	}
	if got := sim.Purges(); len(got) != 1 || got[0].ResourceID != 7 || got[0].Type != simulator.PurgeByURL || got[0].Items[0] != "/a.js" {
		t.Errorf("simulator recorded %+v", got)
	}
	if _, err := client.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeAll}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeAll}); !errors.Is(err, gcoreapi.ErrRateLimited) {
		t.Errorf("second purge-all within a minute: got %v, want ErrRateLimited", err)
	}
	if _, err := client.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeByPattern, Items: []string{"img/*"}}); !errors.Is(err, gcoreapi.ErrBadRequest) ||
		!strings.Contains(err.Error(), "A path should start with /.") {
		t.Errorf("bad pattern: got %v", err)
	}
	wrong, _ := gcoreapi.New(gcoreapi.Config{BaseURL: sim.URL, APIKey: "wrong"})
	if _, err := wrong.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeAll}); !errors.Is(err, gcoreapi.ErrUnauthorized) {
		t.Errorf("wrong key: got %v, want ErrUnauthorized", err)
	}
}

// startSimulator serves a simulator accepting testKey, and a client of it.
func startSimulator(t *testing.T, cfg simulator.Config) (*simulator.Server, *gcoreapi.Client) {
	t.Helper()
	cfg.APIKeys = []string{testKey}
	sim, err := simulator.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	client, err := gcoreapi.New(gcoreapi.Config{BaseURL: sim.URL, APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	return sim, client
}
