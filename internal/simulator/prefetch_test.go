package simulator

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/purgerules"
)

func prefetchPath(id int64) string {
	return "/cdn/resources/" + strconv.FormatInt(id, 10) + "/prefetch"
}

func prefetch(h http.Handler, id int64, body string) *httptest.ResponseRecorder {
	return call(h, http.MethodPost, prefetchPath(id), "APIKey "+key, body)
}

func TestPrefetchBadRequestBodies(t *testing.T) {
	hostErr := purgerules.CheckURL("//cdn.example.com/a").Error()
	tests := []struct {
		name, body, want string
		limits           gcoreapi.AccountLimits
	}{
		{name: "not JSON", body: `not json`, want: `{"message":"JSON parse error - Expecting value: line 1 column 1 (char 0)"}`},
		{name: "empty object", body: `{}`, want: `{"errors":{"paths":["This field is required."]}}`},
		// A prefetch names files in "paths"; "urls" is not read.
		{name: "urls", body: `{"urls": ["/a"]}`, want: `{"errors":{"paths":["This field is required."]}}`},
		{name: "paths str", body: `{"paths": "/a"}`, want: `{"errors":{"paths":["Expected a list of items but got type \"str\"."]}}`},
		{name: "empty paths", body: `{"paths": []}`, want: `{"errors":{"paths":["This list may not be empty."]}}`},
		{name: "bad items", body: `{"paths": ["/a", "", null, 5]}`,
			want: `{"errors":{"paths":{"1":["This field may not be blank."],"2":["This field may not be null."],"3":["Not a valid string."]}}}`},
		{name: "host", body: `{"paths": ["/a", "//cdn.example.com/a"]}`, want: `{"errors":{"paths":{"1":[` + strconv.Quote(hostErr) + `]}}}`},
		{name: "no slash", body: `{"paths": ["a.mp4"]}`, want: `{"errors":{"paths":["A path should start with /."]}}`},
		{name: "101 paths", body: `{"paths": [` + quotedItems(101) + `]}`, want: `{"errors":{"paths":["Ensure this field has no more than 100 elements."]}}`},
		{name: "account limit", body: `{"paths": [` + quotedItems(6) + `]}`, want: `{"errors":{"paths":["Ensure this field has no more than 5 elements."]}}`,
			limits: gcoreapi.AccountLimits{PrefetchPatternLimit: 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newSim(t, Config{Limits: tt.limits})
			expect(t, prefetch(s, 7, tt.body), http.StatusBadRequest, tt.want)
			if got := s.Prefetches(); len(got) != 0 {
				t.Errorf("a refused prefetch was recorded: %+v", got)
			}
		})
	}
}

func TestPrefetchesAreRecorded(t *testing.T) {
	s, c := newSim(t, Config{})
	expect(t, prefetch(s, 7, `{"paths": [`+quotedItems(100)+`]}`), http.StatusCreated, "")
	c.Set(t0.Add(time.Second))
	expect(t, prefetch(s, 8, `{"paths": ["/video.mp4", "/b.js?v=2"]}`), http.StatusCreated, "")
	got := s.Prefetches()
	want := []Prefetch{
		{ResourceID: 7, Paths: strings.Split(strings.Repeat("/a,", 100)[:299], ","), At: t0},
		{ResourceID: 8, Paths: []string{"/video.mp4", "/b.js?v=2"}, At: t0.Add(time.Second)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Prefetches() = %+v\nwant %+v", got, want)
	}
	got[1].Paths[0] = "changed"
	if s.Prefetches()[1].Paths[0] != "/video.mp4" {
		t.Error("Prefetches() shares its paths with the simulator")
	}
	if len(s.Purges()) != 0 || len(historyIDs(t, s, "")) != 0 {
		t.Error("a prefetch entered the purges or their history")
	}
	s.Reset()
	if got := s.Prefetches(); len(got) != 0 {
		t.Errorf("after Reset: %+v", got)
	}
}

func TestPrefetchWindow(t *testing.T) {
	s, c := newSim(t, Config{WaitHint: RetryAfterSeconds})
	expect(t, prefetch(s, 7, `{"paths": ["/a"]}`), http.StatusCreated, "")

	// The documented 1/m, per resource, apart from the purges.
	c.Set(t0.Add(59 * time.Second))
	w := prefetch(s, 7, `{"paths": ["/b"]}`)
	expect(t, w, http.StatusTooManyRequests, "")
	if got := w.Header().Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After %q, want 1", got)
	}
	expect(t, prefetch(s, 8, `{"paths": ["/b"]}`), http.StatusCreated, "")
	expect(t, purge(s, 7, `{"urls": ["/b"]}`), http.StatusCreated, "")
	expect(t, purge(s, 7, `{"paths": []}`), http.StatusCreated, "")

	c.Set(t0.Add(time.Minute))
	expect(t, prefetch(s, 7, `{"paths": ["/b"]}`), http.StatusCreated, "")
	if got := len(s.Prefetches()); got != 3 {
		t.Errorf("%d prefetches recorded, want 3 (a 429 is not one)", got)
	}

	// The account's prefetch_request_limit, set at run time.
	if err := s.SetLimits(gcoreapi.AccountLimits{PrefetchRequestLimit: "2/s"}); err != nil {
		t.Fatal(err)
	}
	c.Set(t0.Add(2 * time.Minute))
	expect(t, prefetch(s, 7, `{"paths": ["/c"]}`), http.StatusCreated, "")
	expect(t, prefetch(s, 7, `{"paths": ["/d"]}`), http.StatusCreated, "")
	expect(t, prefetch(s, 7, `{"paths": ["/e"]}`), http.StatusTooManyRequests, "")
	c.Set(t0.Add(2*time.Minute + time.Second))
	expect(t, prefetch(s, 7, `{"paths": ["/e"]}`), http.StatusCreated, "")
}

func TestPrefetchChecksBeforeTheBody(t *testing.T) {
	s, _ := newSim(t, Config{Resources: map[int64]Resource{7: {}}, ForbiddenKeys: []string{"ro"}})
	expect(t, call(s, http.MethodPost, prefetchPath(7), "", `{}`), http.StatusUnauthorized, `{"message":"Authentication credentials were not provided."}`)
	expect(t, call(s, http.MethodPost, prefetchPath(7), "APIKey ro", `{}`), http.StatusForbidden, `{"message":"You do not have permission to perform this action."}`)
	expect(t, prefetch(s, 8, `{}`), http.StatusNotFound, `{"message":"Not found."}`)
	w := call(s, http.MethodGet, prefetchPath(7), "APIKey "+key, "")
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != http.MethodPost {
		t.Errorf("GET: %d, Allow %q", w.Code, w.Header().Get("Allow"))
	}
	expect(t, call(s, http.MethodPost, "/cdn/resources/x/prefetch", "APIKey "+key, `{}`), http.StatusNotFound, `{"message":"Not found."}`)
}

func TestPrefetchesControlEndpoint(t *testing.T) {
	c := newClock()
	srv, api := start(t, Config{Now: c.Now})
	if err := api.Prefetch(t.Context(), 7, []string{"/a.mp4"}); err != nil {
		t.Fatal(err)
	}
	status, body := get(t, http.MethodGet, srv.URL+"/_simulator/prefetches")
	want := `[{"resource_id":7,"paths":["/a.mp4"],"at":"2026-01-02T03:04:05.000000006Z"}]`
	if status != http.StatusOK || body != want {
		t.Errorf("got %d %s, want %s", status, body, want)
	}
}
