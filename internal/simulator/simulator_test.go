package simulator

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

const key = "k3y$abc"

// newSim returns a simulator accepting key, unless cfg names its keys.
func newSim(t *testing.T, cfg Config) *Simulator {
	t.Helper()
	if cfg.APIKeys == nil {
		cfg.APIKeys = []string{key}
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// call sends one request straight to the handler.
func call(h http.Handler, method, target, auth, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// get sends an authenticated GET of target.
func get(h http.Handler, target string) *httptest.ResponseRecorder {
	return call(h, http.MethodGet, target, "APIKey "+key, "")
}

func purge(h http.Handler, id int64, body string) *httptest.ResponseRecorder {
	return call(h, http.MethodPost, purgePath(id), "APIKey "+key, body)
}

func purgePath(id int64) string { return "/cdn/resources/" + strconv.FormatInt(id, 10) + "/purge" }

func expect(t *testing.T, w *httptest.ResponseRecorder, status int, body string) {
	t.Helper()
	if w.Code != status || w.Body.String() != body {
		t.Fatalf("got %d %s, want %d %s", w.Code, w.Body, status, body)
	}
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
		{name: "forbidden", auth: "APIKey readonly", status: 403, body: forbidden},
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
			s := newSim(t, cfg)
			expect(t, call(s, http.MethodPost, purgePath(7), tt.auth, `{"paths": []}`), tt.status, tt.body)
			// Every route checks the key the same way.
			want := tt.status
			if want == http.StatusCreated {
				want = http.StatusOK
			}
			for _, target := range []string{limitsPath, purgeStatusesPath, resourcesPath, "/cdn/resources/7"} {
				if w := call(s, http.MethodGet, target, tt.auth, ""); w.Code != want {
					t.Errorf("GET %s: got %d, want %d", target, w.Code, want)
				}
			}
		})
	}
}

func TestChecksInTheAPIsOrder(t *testing.T) {
	s := newSim(t, Config{ForbiddenKeys: []string{"readonly"}, Resources: map[int64]Resource{7: {}}})
	// Authentication before the resource and the body.
	expect(t, call(s, http.MethodPost, purgePath(8), "", `nonsense`), 401,
		`{"message":"Authentication credentials were not provided."}`)
	// Permission before the resource and the body.
	expect(t, call(s, http.MethodPost, purgePath(8), "APIKey readonly", `nonsense`), 403,
		`{"message":"You do not have permission to perform this action."}`)
	// The method before the resource.
	expect(t, get(s, purgePath(8)), 405, `{"message":"Method \"GET\" not allowed."}`)
	// The resource before the body.
	expect(t, purge(s, 8, `nonsense`), 404, `{"message":"Not found."}`)
	// The body before the rate limit.
	expect(t, purge(s, 7, `{"paths": []}`), 201, "")
	expect(t, purge(s, 7, `{}`), 400, `{"errors":{"paths":["This field is required."]}}`)
	expect(t, purge(s, 7, `{"paths": []}`), 429, "")
}

func TestUnknownRoutes(t *testing.T) {
	s := newSim(t, Config{Resources: map[int64]Resource{7: {}}})
	// An ID that is not a positive integer matches no route: 404 even
	// without a key.
	for _, path := range []string{
		"/cdn/resources/0/purge", "/cdn/resources/-1/purge", "/cdn/resources/abc/purge",
		"/cdn/resources//purge", "/cdn/resources/99999999999999999999/purge", "/cdn/resources/7/purge/",
		"/cdn/resources/", "/", "/cdn/clients/me/limits/", "/cdn/resources/7/rules",
	} {
		expect(t, call(s, http.MethodPost, path, "", `{"paths": []}`), 404, `{"message":"Not found."}`)
	}
	for path, allow := range map[string]string{
		purgePath(7): "POST", "/cdn/resources/7/prefetch": "POST", "/cdn/resources/7": "GET",
		// The simulator lists CDN resources but does not create them.
		resourcesPath: "GET", limitsPath: "GET", purgeStatusesPath: "GET",
	} {
		method := http.MethodDelete
		w := call(s, method, path, "APIKey "+key, "")
		expect(t, w, 405, `{"message":"Method \"DELETE\" not allowed."}`)
		if got := w.Header().Get("Allow"); got != allow {
			t.Errorf("%s: Allow = %q, want %q", path, got, allow)
		}
	}
}

// TestRequestsAreRecorded: every request to the API's paths is listed with
// its query, body, answer and time, never with its key.
func TestRequestsAreRecorded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		s := newSim(t, Config{Resources: map[int64]Resource{7: {}}})
		purge(s, 7, `{"urls": ["/a.jpg", "/b?v=1&w=2"]}`)
		time.Sleep(time.Second)
		get(s, "/cdn/purge_statuses?cname=cdn7.example.com&limit=100")
		get(s, "/cdn/resources/8")
		call(s, http.MethodGet, "/_simulator/requests", "", "") // not an API path: not listed
		want := []Request{
			{Method: "POST", Path: purgePath(7), Body: `{"urls": ["/a.jpg", "/b?v=1&w=2"]}`, Status: 201, At: t0},
			{Method: "GET", Path: purgeStatusesPath, Query: "cname=cdn7.example.com&limit=100", Status: 200, At: t0.Add(time.Second)},
			{Method: "GET", Path: "/cdn/resources/8", Status: 404, At: t0.Add(time.Second)},
		}
		got := s.Requests()
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Requests() = %+v\nwant %+v", got, want)
		}
		if strings.Contains(fmt.Sprintf("%+v", got), key) {
			t.Error("a request stores the API key")
		}
		s.Reset()
		if got := s.Requests(); len(got) != 0 {
			t.Errorf("after Reset: %+v", got)
		}
	})
}

func TestAnswersCarryTheSimulatorsDate(t *testing.T) {
	at := time.Date(2021, 10, 29, 13, 21, 1, 550849000, time.UTC)
	s := newSim(t, Config{Now: func() time.Time { return at }})
	for _, w := range []*httptest.ResponseRecorder{
		purge(s, 7, `{"urls": ["/a"]}`),
		purge(s, 7, `{}`),
		get(s, purgeStatusesPath),
		get(s, "/cdn/resources/7"),
	} {
		if got := w.Header().Get("Date"); got != "Fri, 29 Oct 2021 13:21:01 GMT" {
			t.Errorf("%d answer: Date %q", w.Code, got)
		}
	}
}

func TestNewRefusesWhatItCannotPlay(t *testing.T) {
	for name, cfg := range map[string]Config{
		"unreadable rate":      {Limits: Limits{PurgeByURLsRequestLimit: "two/m"}},
		"unknown period":       {Limits: Limits{PurgeRequestLimit: "1/w"}},
		"negative cap":         {Limits: Limits{PurgeMaxURLsLimit: -1}},
		"negative ID":          {Limits: Limits{ID: -1}},
		"omitting a non-field": {Limits: Limits{Omit: []string{"purge_limit"}}},
		"unknown status":       {Resources: map[int64]Resource{7: {Status: "paused"}}},
		"non-positive ID":      {Resources: map[int64]Resource{0: {}}},
		"unknown outcome":      {PurgeOutcome: "Done"},
		"negative completion":  {PurgeCompletion: -time.Second},
		"unknown payload form": {PayloadURLs: 7},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
}
