package gcoreapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/clock/clocktest"
	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

func TestPurgeAtReadsTheAPIsDate(t *testing.T) {
	tests := []struct {
		date []string // nil: no Date header at all
		want time.Time
	}{
		{[]string{"Fri, 29 Oct 2021 13:21:01 GMT"}, time.Date(2021, 10, 29, 13, 21, 1, 0, time.UTC)},
		{[]string{"Friday, 29-Oct-21 13:21:01 GMT"}, time.Date(2021, 10, 29, 13, 21, 1, 0, time.UTC)},
		// Without a readable Date, the caller falls back to its own clock.
		{nil, time.Time{}},
		{[]string{"yesterday"}, time.Time{}},
	}
	for _, tt := range tests {
		// A nil value stops Go's server from adding a Date of its own.
		client, _ := serve(t, http.StatusCreated, http.Header{"Date": tt.date}, "")
		at, err := client.PurgeAt(context.Background(), 42, gcoreapi.Purge{Type: gcoreapi.PurgeAll})
		if err != nil || !at.Equal(tt.want) {
			t.Errorf("Date %q: got %v, %v; want %v", tt.date, at, err, tt.want)
		}
	}
	client, _ := serve(t, http.StatusTooManyRequests, http.Header{"Date": {"Fri, 29 Oct 2021 13:21:01 GMT"}}, "")
	if at, err := client.PurgeAt(context.Background(), 42, gcoreapi.Purge{Type: gcoreapi.PurgeAll}); !errors.Is(err, gcoreapi.ErrRateLimited) || !at.IsZero() {
		t.Errorf("429: got %v, %v; want the zero time and ErrRateLimited", at, err)
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
	bodies := map[string]string{
		"unknown created form": `[{"purge_id": 1, "created": "29/10/2021 13:21"}]`,
		"not JSON":             `<html>`,
		"results not a list":   `{"count": 1, "results": {}}`,
	}
	for name, body := range bodies {
		client, _ := historyServer(t, map[string]string{"0": body})
		if got, err := client.PurgeStatuses(context.Background(), gcoreapi.PurgeStatusQuery{}); err == nil {
			t.Errorf("%s: got %+v, want an error", name, got)
		}
	}
	client, _ := serve(t, http.StatusUnauthorized, nil, `{"message": "Invalid authentication credentials."}`)
	if _, err := client.PurgeStatuses(context.Background(), gcoreapi.PurgeStatusQuery{}); !errors.Is(err, gcoreapi.ErrUnauthorized) {
		t.Errorf("401: got %v, want ErrUnauthorized", err)
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

// startSimulatorAt is startSimulator on a fake clock.
func startSimulatorAt(t *testing.T, cfg simulator.Config) (*simulator.Server, *gcoreapi.Client, *clocktest.Fake) {
	t.Helper()
	clock := clocktest.NewFake(time.Date(2021, 10, 29, 13, 21, 1, 550849000, time.UTC))
	cfg.Now = clock.Now
	sim, client := startSimulator(t, cfg)
	return sim, client, clock
}

// A purge is found in the history as the provider will look for it: by the
// resource's cname, its type and the API's time of the 201 less a minute;
// its status follows the simulator's outcome.
func TestPurgeFoundInTheSimulatorsHistory(t *testing.T) {
	for _, spaced := range []bool{false, true} {
		// PathsAsSent: the client does not yet read the full URLs of
		// Gcore's API reference in payload.urls.
		_, client, clock := startSimulatorAt(t, simulator.Config{PurgeCompletion: 5 * time.Second, PurgeOutcome: simulator.StatusFailed, SpacedCreated: spaced,
			PayloadURLs: simulator.PathsAsSent})
		ctx := context.Background()
		accepted, err := client.PurgeAt(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeByURL, Items: []string{"/a.js", "/b.css"}})
		if err != nil {
			t.Fatal(err)
		}
		if want := clock.Now().Truncate(time.Second); !accepted.Equal(want) {
			t.Errorf("accepted at %v, want the simulator's clock %v", accepted, want)
		}
		if err := client.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeAll}); err != nil {
			t.Fatal(err)
		}
		q := gcoreapi.PurgeStatusQuery{CName: "cdn7.example.com", Type: gcoreapi.PurgeByURL, From: accepted.Add(-time.Minute)}
		want := gcoreapi.PurgeRecord{ID: 1, Status: gcoreapi.StatusInProgress, ResourceID: 7, CName: "cdn7.example.com",
			Type: gcoreapi.PurgeByURL, Items: []string{"/a.js", "/b.css"}, Created: clock.Now()}
		got, err := client.PurgeStatuses(ctx, q)
		if err != nil || !reflect.DeepEqual(got, []gcoreapi.PurgeRecord{want}) {
			t.Fatalf("spaced %v: got %+v, %v\nwant %+v", spaced, got, err, want)
		}
		clock.Advance(5 * time.Second)
		got, err = client.PurgeStatuses(ctx, q)
		if err != nil || len(got) != 1 || got[0].Status != gcoreapi.StatusFailed {
			t.Errorf("after completion: got %+v, %v; want it Failed", got, err)
		}
		q.Status, q.Type = gcoreapi.StatusSuccessful, 0
		if got, err := client.PurgeStatuses(ctx, q); err != nil || len(got) != 0 {
			t.Errorf("Successful ones: got %+v, %v; want none", got, err)
		}
	}
}

// 250 purges are read in 3 pages of at most 100, each purge once.
func TestPurgeStatusesPagesThroughTheSimulator(t *testing.T) {
	// PathsAsSent: the client does not yet read the full URLs of Gcore's API
	// reference in payload.urls.
	sim, client, _ := startSimulatorAt(t, simulator.Config{Limits: simulator.Limits{PurgeByURLsRequestLimit: "1000/s"}, PayloadURLs: simulator.PathsAsSent})
	ctx := context.Background()
	for i := range 250 {
		if err := client.Purge(ctx, 7, gcoreapi.Purge{Type: gcoreapi.PurgeByURL, Items: []string{"/" + strconv.Itoa(i)}}); err != nil {
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
}

func TestPrefetchAgainstTheSimulator(t *testing.T) {
	// The prefetch operation's one a minute; the simulator's default limits
	// answer, Gcore's example, says 2/m.
	sim, client, clock := startSimulatorAt(t, simulator.Config{WaitHint: simulator.RetryAfterSeconds, Limits: simulator.Limits{PrefetchRequestLimit: "1/m"}})
	ctx := context.Background()
	if err := client.Prefetch(ctx, 7, []string{"/video.mp4"}); err != nil {
		t.Fatal(err)
	}
	err := client.Prefetch(ctx, 7, []string{"/video2.mp4"})
	var apiErr *gcoreapi.Error
	if !errors.As(err, &apiErr) || !errors.Is(err, gcoreapi.ErrRateLimited) {
		t.Fatalf("second prefetch within a minute: got %v, want ErrRateLimited", err)
	}
	if delay, _, ok := apiErr.RetryAfter(clock.Now()); !ok || delay != time.Minute {
		t.Errorf("Retry-After %v %v, want 1m", delay, ok)
	}
	err = client.Prefetch(ctx, 8, []string{"/a", "", "b"})
	if !errors.As(err, &apiErr) || !errors.Is(err, gcoreapi.ErrBadRequest) || !reflect.DeepEqual(apiErr.RefusedItems, []int{1}) {
		t.Errorf("a blank path: got %v, want ErrBadRequest naming item 1", err)
	}
	if got := sim.Prefetches(); len(got) != 1 || got[0].ResourceID != 7 || got[0].Paths[0] != "/video.mp4" {
		t.Errorf("simulator recorded %+v", got)
	}
}
