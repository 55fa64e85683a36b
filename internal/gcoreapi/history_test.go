package gcoreapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

func TestPurgeReadsTheAPIsDate(t *testing.T) {
	tests := []struct {
		date []string // nil: no Date header at all
		want time.Time
	}{
		{[]string{"Fri, 29 Oct 2021 13:21:01 GMT"}, time.Date(2021, 10, 29, 13, 21, 1, 0, time.UTC)},
		{[]string{"Friday, 29-Oct-21 13:21:01 GMT"}, time.Date(2021, 10, 29, 13, 21, 1, 0, time.UTC)},
	}
	for _, tt := range tests {
		client, _ := serve(t, http.StatusCreated, http.Header{"Date": tt.date}, "")
		accepted, err := client.Purge(context.Background(), 42, gcoreapi.Purge{Type: gcoreapi.PurgeAll})
		if err != nil || !accepted.At.Equal(tt.want) {
			t.Errorf("Date %q: got %v, %v; want %v", tt.date, accepted.At, err, tt.want)
		}
	}
	// Without a readable Date, the local clock says when.
	for _, date := range [][]string{nil, {"yesterday"}} {
		// A nil value stops Go's server from adding a Date of its own.
		client, _ := serve(t, http.StatusCreated, http.Header{"Date": date}, "")
		before := time.Now()
		accepted, err := client.Purge(context.Background(), 42, gcoreapi.Purge{Type: gcoreapi.PurgeAll})
		if err != nil || accepted.At.Before(before.UTC().Add(-time.Second)) || accepted.At.After(time.Now().Add(time.Second)) {
			t.Errorf("Date %q: got %v, %v; want about now", date, accepted.At, err)
		}
	}
	client, _ := serve(t, http.StatusTooManyRequests, http.Header{"Date": {"Fri, 29 Oct 2021 13:21:01 GMT"}}, "")
	if accepted, err := client.Purge(context.Background(), 42, gcoreapi.Purge{Type: gcoreapi.PurgeAll}); !errors.Is(err, gcoreapi.ErrRateLimited) || accepted.Key != 0 {
		t.Errorf("429: got %+v, %v; want no accepted purge and ErrRateLimited", accepted, err)
	}
}

// TestAcceptedPurgesHaveKeysOfTheirOwn: every purge a client had accepted,
// or found in the history, has a key no other has.
func TestAcceptedPurgesHaveKeysOfTheirOwn(t *testing.T) {
	client, _ := serve(t, http.StatusCreated, nil, "")
	seen := map[uint64]bool{}
	for range 3 {
		accepted, err := client.Purge(context.Background(), 42, gcoreapi.Purge{Type: gcoreapi.PurgeAll})
		if err != nil || accepted.Key == 0 || seen[accepted.Key] || accepted.ResourceID != 42 || accepted.Type != gcoreapi.PurgeAll {
			t.Fatalf("accepted %+v, %v", accepted, err)
		}
		seen[accepted.Key] = true
	}
	if found := client.Found(42, gcoreapi.Purge{Type: gcoreapi.PurgeAll}, time.Now()); found.Key == 0 || seen[found.Key] {
		t.Fatalf("found %+v shares a key", found)
	}
}

func TestParseTime(t *testing.T) {
	micro := time.Date(2021, 10, 29, 13, 21, 1, 550849000, time.UTC)
	whole := micro.Truncate(time.Second)
	good := map[string]time.Time{
		"2021-10-29T13:21:01.550849Z":      micro,
		"2021-10-29 13:21:01.550849+00:00": micro,
		"2021-10-29T13:21:01Z":             whole,
		"2021-10-29 13:21:01+00:00":        whole,
		"2021-10-29T15:21:01.550849+02:00": micro,
		"2021-10-29T13:21:01.550849":       micro, // no zone: UTC
	}
	for in, want := range good {
		got, err := gcoreapi.ParseTime(in)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "yesterday", "1635513661", "29/10/2021 13:21"} {
		if _, err := gcoreapi.ParseTime(in); err == nil {
			t.Errorf("ParseTime(%q) accepted", in)
		}
	}
}

// historyServer answers GET /cdn/purge_statuses with pages[offset], and
// records the queries it was sent.
func historyServer(t *testing.T, pages map[string]string) (*gcoreapi.Client, func() []url.Values) {
	t.Helper()
	var mu sync.Mutex
	var queries []url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.Query())
		mu.Unlock()
		body, ok := pages[r.URL.Query().Get("offset")]
		if r.URL.Path != "/cdn/purge_statuses" || !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	client, err := gcoreapi.New(gcoreapi.Config{BaseURL: srv.URL, APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	return client, func() []url.Values {
		mu.Lock()
		defer mu.Unlock()
		return queries
	}
}

const (
	byURLEntry = `{"purge_id": 12, "status": "Successful", "resource": {"id": 7, "cname": "cdn.example.com"},
		"payload": {"urls": ["/a.js", "/b?v=1"]}, "created": "2021-10-29T13:21:01.550849Z", "purge_type": "purge_by_url"}`
	byPatternEntry = `{"purge_id": 11, "status": "In progress", "resource": {"id": 7, "cname": "cdn.example.com"},
		"payload": {"paths": ["/img/*"]}, "created": "2021-10-29 13:21:00+00:00", "purge_type": "purge_by_pattern"}`
	allEntry = `{"purge_id": 10, "status": "Status report disabled", "resource": {"id": 7, "cname": "cdn.example.com"},
		"payload": {"paths": []}, "created": "2021-10-29 13:20:59.5+00:00", "purge_type": "purge_all"}`
)

var (
	byURLRecord = gcoreapi.PurgeRecord{ID: 12, Status: gcoreapi.StatusSuccessful, ResourceID: 7, CName: "cdn.example.com",
		Type: gcoreapi.PurgeByURL, Items: []string{"/a.js", "/b?v=1"}, Created: time.Date(2021, 10, 29, 13, 21, 1, 550849000, time.UTC)}
	byPatternRecord = gcoreapi.PurgeRecord{ID: 11, Status: gcoreapi.StatusInProgress, ResourceID: 7, CName: "cdn.example.com",
		Type: gcoreapi.PurgeByPattern, Items: []string{"/img/*"}, Created: time.Date(2021, 10, 29, 13, 21, 0, 0, time.UTC)}
	allRecord = gcoreapi.PurgeRecord{ID: 10, Status: gcoreapi.StatusReportDisabled, ResourceID: 7, CName: "cdn.example.com",
		Type: gcoreapi.PurgeAll, Items: []string{}, Created: time.Date(2021, 10, 29, 13, 20, 59, 500000000, time.UTC)}
)

func TestPurgeStatusesReadsBothAnswerForms(t *testing.T) {
	want := []gcoreapi.PurgeRecord{byURLRecord, byPatternRecord, allRecord}
	forms := map[string]string{
		"plain list": `[` + byURLEntry + `,` + byPatternEntry + `,` + allEntry + `]`,
		"page":       `{"count": 3, "next": null, "previous": null, "results": [` + byURLEntry + `,` + byPatternEntry + `,` + allEntry + `]}`,
	}
	for name, body := range forms {
		client, queries := historyServer(t, map[string]string{"0": body})
		got, err := client.PurgeStatuses(context.Background(), gcoreapi.PurgeStatusQuery{})
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v, %v\nwant %+v", name, got, err, want)
		}
		if n := len(queries()); n != 1 {
			t.Errorf("%s: %d requests, want 1", name, n)
		}
	}
}

func TestPurgeStatusesSendsTheFilters(t *testing.T) {
	client, queries := historyServer(t, map[string]string{"0": `[]`})
	q := gcoreapi.PurgeStatusQuery{
		CName:  "cdn.example.com",
		Status: gcoreapi.StatusInProgress,
		Type:   gcoreapi.PurgeByURL,
		From:   time.Date(2021, 10, 29, 15, 20, 1, 550849999, time.FixedZone("CEST", 2*3600)),
		To:     time.Date(2021, 10, 29, 13, 30, 0, 0, time.UTC),
	}
	if _, err := client.PurgeStatuses(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	want := url.Values{
		"cname": {"cdn.example.com"}, "status": {"In progress"}, "purge_type": {"purge_by_url"},
		"from_created": {"2021-10-29T13:20:01.550849Z"}, "to_created": {"2021-10-29T13:30:00.000000Z"},
		"limit": {"100"}, "offset": {"0"},
	}
	if got := queries(); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("sent %v\nwant %v", got, want)
	}

	client, queries = historyServer(t, map[string]string{"0": `[]`})
	if _, err := client.PurgeStatuses(context.Background(), gcoreapi.PurgeStatusQuery{}); err != nil {
		t.Fatal(err)
	}
	if got, want := queries(), (url.Values{"limit": {"100"}, "offset": {"0"}}); !reflect.DeepEqual(got[0], want) {
		t.Errorf("no filter: sent %v, want %v", got[0], want)
	}
}

// A purge accepted while the pages are read pushes the history down: the
// next page starts with the last of the one before. It is listed once. The
// next offset counts what the page held, whatever its size.
func TestPurgeStatusesFollowsShiftingPages(t *testing.T) {
	client, queries := historyServer(t, map[string]string{
		"0": `{"count": 3, "next": "https://api.gcore.com/cdn/purge_statuses?limit=100&offset=2", "previous": null,
			"results": [` + byURLEntry + `,` + byPatternEntry + `]}`,
		"2": `{"count": 4, "next": null, "previous": "https://api.gcore.com/cdn/purge_statuses?limit=100",
			"results": [` + byPatternEntry + `,` + allEntry + `]}`,
	})
	got, err := client.PurgeStatuses(context.Background(), gcoreapi.PurgeStatusQuery{})
	if want := []gcoreapi.PurgeRecord{byURLRecord, byPatternRecord, allRecord}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, %v\nwant %+v", got, err, want)
	}
	var offsets []string
	for _, q := range queries() {
		offsets = append(offsets, q.Get("offset"))
	}
	if want := []string{"0", "2"}; !reflect.DeepEqual(offsets, want) {
		t.Errorf("offsets %v, want %v", offsets, want)
	}
}

func TestPurgeStatusesRefusesWhatItCannotRead(t *testing.T) {
	// An entry that cannot be read is left out, never taken for a purge;
	// the others are read.
	client, _ := historyServer(t, map[string]string{"0": `[{"purge_id": 1, "created": "29/10/2021 13:21"}, ` +
		`{"purge_id": "two"}, {"created": "2021-10-29T13:21:01Z"}, 7, ` +
		`{"purge_id": 4, "status": "Successful", "created": "2021-10-29T13:21:01Z", "purge_type": "purge_all", "payload": {"paths": []}}]`})
	got, err := client.PurgeStatuses(context.Background(), gcoreapi.PurgeStatusQuery{})
	if err != nil || len(got) != 1 || got[0].ID != 4 {
		t.Errorf("entries that cannot be read: got %+v, %v; want purge 4 alone", got, err)
	}
	bodies := map[string]string{
		"not JSON":           `<html>`,
		"results not a list": `{"count": 1, "results": {}}`,
	}
	for name, body := range bodies {
		client, _ := historyServer(t, map[string]string{"0": body})
		if got, err := client.PurgeStatuses(context.Background(), gcoreapi.PurgeStatusQuery{}); err == nil {
			t.Errorf("%s: got %+v, want an error", name, got)
		}
	}
	client, _ = serve(t, http.StatusUnauthorized, nil, `{"message": "Invalid authentication credentials."}`)
	if _, err := client.PurgeStatuses(context.Background(), gcoreapi.PurgeStatusQuery{}); !errors.Is(err, gcoreapi.ErrUnauthorized) {
		t.Errorf("401: got %v, want ErrUnauthorized", err)
	}
}

// TestPurgeStatusesStopsAtTheLastPageItReads: a history that always says
// there is more is read for MaxPurgeStatusPages pages, then what was read is
// returned with ErrHistoryTruncated; the next page is asked by offset, never
// at the address the answer gives.
func TestPurgeStatusesStopsAtTheLastPageItReads(t *testing.T) {
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		fmt.Fprintf(w, `{"count": 1000000, "next": "https://elsewhere.test/steal", "previous": null, "results": [`+
			`{"purge_id": %d, "status": "Successful", "created": "2021-10-29T13:21:01Z", "purge_type": "purge_by_url", `+
			`"payload": {"urls": ["http://cdn.test/a.js"]}}]}`, offset+1)
	}))
	defer srv.Close()
	client, err := gcoreapi.New(gcoreapi.Config{BaseURL: srv.URL, APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	got, err := client.PurgeStatuses(context.Background(), gcoreapi.PurgeStatusQuery{})
	if !errors.Is(err, gcoreapi.ErrHistoryTruncated) || len(got) != gcoreapi.MaxPurgeStatusPages || requests != gcoreapi.MaxPurgeStatusPages {
		t.Fatalf("got %d entries in %d requests, %v; want %d of each and ErrHistoryTruncated", len(got), requests, err, gcoreapi.MaxPurgeStatusPages)
	}
}

func TestPrefetchSendsTheDocumentedBody(t *testing.T) {
	client, got := serve(t, http.StatusCreated, nil, "")
	if err := client.Prefetch(context.Background(), 42, []string{"/video.mp4", "/a.js?v=2"}); err != nil {
		t.Fatal(err)
	}
	if got.method != http.MethodPost || got.path != "/cdn/resources/42/prefetch" || got.body != `{"paths":["/video.mp4","/a.js?v=2"]}` {
		t.Errorf("sent %s %s %s", got.method, got.path, got.body)
	}
	if a := got.header.Get("Authorization"); a != "APIKey "+testKey {
		t.Errorf("Authorization %q", a)
	}
}

// simulated is a client of a simulator accepting testKey, through the
// simulator's in-memory transport, so that it runs in a synctest bubble.
func simulated(t *testing.T, cfg simulator.Config) (*simulator.Simulator, *gcoreapi.Client) {
	t.Helper()
	cfg.APIKeys = []string{testKey}
	sim, err := simulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	client, err := gcoreapi.New(gcoreapi.Config{BaseURL: "https://api.test", APIKey: testKey, HTTPClient: &http.Client{Transport: sim}})
	if err != nil {
		t.Fatal(err)
	}
	return sim, client
}

// A purge is found in the history as the provider will look for it: by the
// resource's cname, its type and the API's time of the 201 less a minute;
// the history lists it by its full URLs, read as paths; its status follows
// the simulator's outcome.
func TestPurgeFoundInTheSimulatorsHistory(t *testing.T) {
	for _, spaced := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			_, client := simulated(t, simulator.Config{PurgeCompletion: 5 * time.Second, PurgeOutcome: simulator.StatusFailed, SpacedCreated: spaced})
			ctx := context.Background()
			time.Sleep(550849 * time.Microsecond)
			accepted, err := client.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeByURL, Items: []string{"/a.js", "/b.css"}})
			if err != nil {
				t.Fatal(err)
			}
			if want := time.Now().Truncate(time.Second).UTC(); !accepted.At.Equal(want) {
				t.Errorf("accepted at %v, want the simulator's clock %v", accepted.At, want)
			}
			if _, err := client.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeAll}); err != nil {
				t.Fatal(err)
			}
			q := gcoreapi.PurgeStatusQuery{CName: "cdn7.example.com", Type: gcoreapi.PurgeByURL, From: accepted.At.Add(-time.Minute)}
			want := gcoreapi.PurgeRecord{ID: 1, Status: gcoreapi.StatusInProgress, ResourceID: 7, CName: "cdn7.example.com",
				Type: gcoreapi.PurgeByURL, Items: []string{"/a.js", "/b.css"}, Created: time.Now().UTC()}
			got, err := client.PurgeStatuses(ctx, q)
			if err != nil || !reflect.DeepEqual(got, []gcoreapi.PurgeRecord{want}) {
				t.Fatalf("spaced %v: got %+v, %v\nwant %+v", spaced, got, err, want)
			}
			time.Sleep(5 * time.Second)
			got, err = client.PurgeStatuses(ctx, q)
			if err != nil || len(got) != 1 || got[0].Status != gcoreapi.StatusFailed {
				t.Errorf("after completion: got %+v, %v; want it Failed", got, err)
			}
			q.Status, q.Type = gcoreapi.StatusSuccessful, 0
			if got, err := client.PurgeStatuses(ctx, q); err != nil || len(got) != 0 {
				t.Errorf("Successful ones: got %+v, %v; want none", got, err)
			}
		})
	}
}

// 250 purges are read in 3 pages of at most 100, each purge once.
func TestPurgeStatusesPagesThroughTheSimulator(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim, client := simulated(t, simulator.Config{Limits: simulator.Limits{PurgeByURLsRequestLimit: "1000/s"}})
		ctx := context.Background()
		for i := range 250 {
			if _, err := client.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeByURL, Items: []string{"/" + strconv.Itoa(i)}}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := client.PurgeStatuses(ctx, gcoreapi.PurgeStatusQuery{CName: "cdn7.example.com"})
		if err != nil || len(got) != 250 {
			t.Fatalf("got %d records, %v; want 250", len(got), err)
		}
		for i, r := range got {
			if want := int64(250 - i); r.ID != want || r.Items[0] != "/"+strconv.Itoa(int(want)-1) {
				t.Fatalf("record %d: %+v, want purge %d (latest first)", i, r, want)
			}
		}
		var pages []string
		for _, r := range sim.Requests() {
			if r.Path == "/cdn/purge_statuses" {
				pages = append(pages, strconv.Itoa(r.Status))
			}
		}
		if want := []string{"200", "200", "200"}; !reflect.DeepEqual(pages, want) {
			t.Errorf("history requests answered %v, want %v", pages, want)
		}
	})
}

func TestPrefetchAgainstTheSimulator(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The prefetch operation's one a minute; the simulator's default
		// limits answer, Gcore's example, says 2/m.
		sim, client := simulated(t, simulator.Config{WaitHint: simulator.RetryAfterSeconds, Limits: simulator.Limits{PrefetchRequestLimit: "1/m"}})
		ctx := context.Background()
		if err := client.Prefetch(ctx, 7, []string{"/video.mp4"}); err != nil {
			t.Fatal(err)
		}
		err := client.Prefetch(ctx, 7, []string{"/video2.mp4"})
		var apiErr *gcoreapi.Error
		if !errors.As(err, &apiErr) || !errors.Is(err, gcoreapi.ErrRateLimited) {
			t.Fatalf("second prefetch within a minute: got %v, want ErrRateLimited", err)
		}
		if delay, _, ok := apiErr.RetryAfter(time.Now()); !ok || delay != time.Minute {
			t.Errorf("Retry-After %v %v, want 1m", delay, ok)
		}
		err = client.Prefetch(ctx, 8, []string{"/a", "", "b"})
		if !errors.As(err, &apiErr) || !errors.Is(err, gcoreapi.ErrBadRequest) || !reflect.DeepEqual(apiErr.RefusedItems, []int{1}) {
			t.Errorf("a blank path: got %v, want ErrBadRequest naming item 1", err)
		}
		if got := sim.Prefetches(); len(got) != 1 || got[0].ResourceID != 7 || got[0].Paths[0] != "/video.mp4" {
			t.Errorf("simulator recorded %+v", got)
		}
	})
}
