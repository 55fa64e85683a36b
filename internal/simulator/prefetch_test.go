package simulator

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func prefetchPath(id int64) string {
	return "/cdn/resources/" + strconv.FormatInt(id, 10) + "/prefetch"
}

func prefetch(h http.Handler, id int64, body string) *httptest.ResponseRecorder {
	return call(h, http.MethodPost, prefetchPath(id), "APIKey "+key, body)
}

func TestPrefetchBadRequestBodies(t *testing.T) {
	tests := []struct {
		name, body, want string
		limits           Limits
	}{
		{name: "not JSON", body: `not json`, want: `{"message":"JSON parse error - Expecting value: line 1 column 1 (char 0)"}`},
		{name: "empty object", body: `{}`, want: pathsNotProvided},
		// A prefetch names files in "paths"; "urls" is not read.
		{name: "urls", body: `{"urls": ["/a"]}`, want: pathsNotProvided},
		{name: "paths str", body: `{"paths": "/a"}`, want: pathsTypeStr},
		{name: "empty paths", body: `{"paths": []}`, want: `{"errors":{"paths":["This list may not be empty."]}}`},
		{name: "bad items", body: `{"paths": ["/a", "", null, 5]}`,
			want: `{"errors":{"paths":{"1":["This field may not be blank."],"2":["This field may not be null."],"3":["Not a valid string."]}}}`},
		{name: "domain", body: `{"paths": ["/a", "https://cdn.example.com/a", "//cdn.example.com/b", "HTTP://c"]}`,
			want: `{"errors":{"paths":{"1":["A path should be specified without a domain name."],"2":["A path should be specified without a domain name."],"3":["A path should be specified without a domain name."]}}}`},
		{name: "101 paths", body: `{"paths": [` + quotedItems(101) + `]}`, want: `{"errors":{"paths":["Ensure this field has no more than 100 elements."]}}`},
		{name: "101 paths, the limits saying 1000", body: `{"paths": [` + quotedItems(101) + `]}`,
			want: `{"errors":{"paths":["Ensure this field has no more than 100 elements."]}}`, limits: Limits{PrefetchPatternLimit: 1000}},
		{name: "an account's lower cap", body: `{"paths": [` + quotedItems(6) + `]}`,
			want: `{"errors":{"paths":["Ensure this field has no more than 5 elements."]}}`, limits: Limits{PrefetchPatternLimit: 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, Config{Limits: tt.limits})
			expect(t, prefetch(s, 7, tt.body), http.StatusBadRequest, tt.want)
			if got := s.Prefetches(); len(got) != 0 {
				t.Errorf("a refused prefetch was recorded: %+v", got)
			}
		})
	}
}

func TestPrefetchesAreRecorded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		s := newSim(t, Config{})
		expect(t, prefetch(s, 7, `{"paths": [`+quotedItems(100)+`]}`), http.StatusCreated, "")
		time.Sleep(time.Second)
		// The reference's own example prefetches a path without a leading
		// slash.
		expect(t, prefetch(s, 8, `{"paths": ["/test.jpg", "test1.jpg", "/b.js?v=2", "///c", "/d?next=https://e"]}`), http.StatusCreated, "")
		hundred := strings.Split(strings.NewReplacer(`"`, "").Replace(quotedItems(100)), ",")
		want := []Prefetch{
			{ResourceID: 7, Paths: hundred, At: t0},
			{ResourceID: 8, Paths: []string{"/test.jpg", "test1.jpg", "/b.js?v=2", "///c", "/d?next=https://e"}, At: t0.Add(time.Second)},
		}
		got := s.Prefetches()
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Prefetches() = %+v\nwant %+v", got, want)
		}
		got[1].Paths[0] = "changed"
		if s.Prefetches()[1].Paths[0] != "/test.jpg" {
			t.Error("Prefetches() shares its paths with the simulator")
		}
		if len(s.Purges()) != 0 || get(s, purgeStatusesPath).Body.String() != "[]" {
			t.Error("a prefetch entered the purges or their history")
		}
		s.Reset()
		if got := s.Prefetches(); len(got) != 0 {
			t.Errorf("after Reset: %+v", got)
		}
	})
}

func TestPrefetchWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Config{WaitHint: RetryAfterSeconds})
		paths := `{"paths": ["/a"]}`
		// The example's 2/m, per resource, apart from the purges.
		expect(t, prefetch(s, 7, paths), http.StatusCreated, "")
		expect(t, prefetch(s, 7, paths), http.StatusCreated, "")
		time.Sleep(59 * time.Second)
		w := prefetch(s, 7, paths)
		expect(t, w, http.StatusTooManyRequests, "")
		if got := w.Header().Get("Retry-After"); got != "1" {
			t.Errorf("Retry-After %q, want 1", got)
		}
		expect(t, prefetch(s, 8, paths), http.StatusCreated, "")
		expect(t, purge(s, 7, `{"urls": ["/b"]}`), http.StatusCreated, "")
		time.Sleep(time.Second)
		expect(t, prefetch(s, 7, paths), http.StatusCreated, "")
		if got := len(s.Prefetches()); got != 4 {
			t.Errorf("%d prefetches recorded, want 4 (a 429 is not one)", got)
		}
	})
}

func TestPrefetchChecksBeforeTheBody(t *testing.T) {
	s := newSim(t, Config{Resources: map[int64]Resource{7: {}}, ForbiddenKeys: []string{"ro"}})
	expect(t, call(s, http.MethodPost, prefetchPath(7), "", `{}`), http.StatusUnauthorized, `{"message":"Authentication credentials were not provided."}`)
	expect(t, call(s, http.MethodPost, prefetchPath(7), "APIKey ro", `{}`), http.StatusForbidden, `{"message":"You do not have permission to perform this action."}`)
	expect(t, prefetch(s, 8, `{}`), http.StatusNotFound, `{"message":"Not found."}`)
	expect(t, call(s, http.MethodPost, "/cdn/resources/x/prefetch", "APIKey "+key, `{}`), http.StatusNotFound, `{"message":"Not found."}`)
}
