package simulator

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// statuses sends GET /cdn/purge_statuses with query and returns the answer.
func statuses(h http.Handler, query string) *httptest.ResponseRecorder {
	return call(h, http.MethodGet, "/cdn/purge_statuses?"+query, "APIKey "+key, "")
}

// historyIDs reads the purge_id of each entry of a plain-list answer.
func historyIDs(t *testing.T, h http.Handler, query string) []int64 {
	t.Helper()
	w := statuses(h, query)
	var entries []historyEntry
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &entries) != nil {
		t.Fatalf("?%s: %d %s", query, w.Code, w.Body)
	}
	ids := []int64{}
	for _, e := range entries {
		ids = append(ids, e.PurgeID)
	}
	return ids
}

// statusOf returns the status the history shows for purge id.
func statusOf(t *testing.T, h http.Handler, id int64) gcoreapi.PurgeStatus {
	t.Helper()
	w := statuses(h, "")
	var entries []historyEntry
	if err := json.Unmarshal(w.Body.Bytes(), &entries); err != nil {
		t.Fatalf("%d %s: %v", w.Code, w.Body, err)
	}
	for _, e := range entries {
		if e.PurgeID == id {
			return e.Status
		}
	}
	t.Fatalf("purge %d is not in the history %s", id, w.Body)
	return ""
}

func TestHistoryStatusMovesToTheOutcome(t *testing.T) {
	const completion = 10 * time.Second
	tests := []struct {
		outcome       gcoreapi.PurgeStatus
		before, after gcoreapi.PurgeStatus
	}{
		{"", gcoreapi.StatusInProgress, gcoreapi.StatusSuccessful},
		{gcoreapi.StatusSuccessful, gcoreapi.StatusInProgress, gcoreapi.StatusSuccessful},
		{gcoreapi.StatusFailed, gcoreapi.StatusInProgress, gcoreapi.StatusFailed},
		{gcoreapi.StatusInProgress, gcoreapi.StatusInProgress, gcoreapi.StatusInProgress},
		// Without status reports there is no progress to show either.
		{gcoreapi.StatusReportDisabled, gcoreapi.StatusReportDisabled, gcoreapi.StatusReportDisabled},
	}
	for _, tt := range tests {
		s, c := newSim(t, Config{PurgeCompletion: completion, PurgeOutcome: tt.outcome})
		expect(t, purge(s, 7, `{"urls": ["/a"]}`), http.StatusCreated, "")
		if got := statusOf(t, s, 1); got != tt.before {
			t.Errorf("outcome %q, at once: %q, want %q", tt.outcome, got, tt.before)
		}
		c.Set(t0.Add(completion - time.Nanosecond))
		if got := statusOf(t, s, 1); got != tt.before {
			t.Errorf("outcome %q, just before completion: %q, want %q", tt.outcome, got, tt.before)
		}
		c.Set(t0.Add(completion))
		if got := statusOf(t, s, 1); got != tt.after {
			t.Errorf("outcome %q, at completion: %q, want %q", tt.outcome, got, tt.after)
		}
	}
}

func TestSetPurgeOutcomeAppliesToLaterPurges(t *testing.T) {
	s, c := newSim(t, Config{})
	expect(t, purge(s, 7, `{"urls": ["/a"]}`), http.StatusCreated, "")
	if err := s.SetPurgeOutcome(gcoreapi.StatusFailed, time.Minute); err != nil {
		t.Fatal(err)
	}
	expect(t, purge(s, 7, `{"urls": ["/b"]}`), http.StatusCreated, "")
	if got := statusOf(t, s, 1); got != gcoreapi.StatusSuccessful {
		t.Errorf("purge before the change: %q, want Successful", got)
	}
	if got := statusOf(t, s, 2); got != gcoreapi.StatusInProgress {
		t.Errorf("purge after the change, at once: %q, want In progress", got)
	}
	c.Set(t0.Add(time.Minute))
	if got := statusOf(t, s, 2); got != gcoreapi.StatusFailed {
		t.Errorf("purge after the change, a minute later: %q, want Failed", got)
	}

	if err := s.SetPurgeOutcome("Done", 0); err == nil {
		t.Error(`SetPurgeOutcome("Done") accepted`)
	}
	if err := s.SetPurgeOutcome(gcoreapi.StatusFailed, -time.Second); err == nil {
		t.Error("a negative completion was accepted")
	}
	if _, err := New(Config{PurgeOutcome: "Done"}); err == nil {
		t.Error(`New with PurgeOutcome "Done" accepted`)
	}
}

// The entries as the API writes them, latest first, in both forms of
// "created" (the fraction only when there is one).
func TestHistoryEntriesAsTheAPIWritesThem(t *testing.T) {
	fraction := t0.Truncate(time.Second).Add(550849*time.Microsecond + 999) // below a microsecond is dropped
	for _, spaced := range []bool{false, true} {
		s, c := newSim(t, Config{SpacedCreated: spaced})
		c.Set(t0.Truncate(time.Second))
		expect(t, purge(s, 7, `{"urls": ["/a.jpg", "/b?v=1&w=2"]}`), http.StatusCreated, "")
		c.Set(fraction)
		expect(t, purge(s, 8, `{"paths": ["/img/*"]}`), http.StatusCreated, "")
		expect(t, purge(s, 9, `{"paths": []}`), http.StatusCreated, "")

		whole, micro := `2026-01-02T03:04:05Z`, `2026-01-02T03:04:05.550849Z`
		if spaced {
			whole, micro = `2026-01-02 03:04:05+00:00`, `2026-01-02 03:04:05.550849+00:00`
		}
		want := `[` +
			`{"purge_id":3,"status":"Successful","resource":{"id":9,"cname":"cdn9.example.com"},"payload":{"paths":[]},"created":"` + micro + `","purge_type":"purge_all"},` +
			`{"purge_id":2,"status":"Successful","resource":{"id":8,"cname":"cdn8.example.com"},"payload":{"paths":["/img/*"]},"created":"` + micro + `","purge_type":"purge_by_pattern"},` +
			`{"purge_id":1,"status":"Successful","resource":{"id":7,"cname":"cdn7.example.com"},"payload":{"urls":["/a.jpg","/b?v=1\u0026w=2"]},"created":"` + whole + `","purge_type":"purge_by_url"}` +
			`]`
		w := statuses(s, "")
		expect(t, w, http.StatusOK, want)
		if ct := w.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
	}
}

func TestHistoryFilters(t *testing.T) {
	s, c := newSim(t, Config{PurgeCompletion: 30 * time.Second})
	at := func(sec int) time.Time { return t0.Truncate(time.Second).Add(time.Duration(sec) * time.Second) }
	c.Set(at(0))
	expect(t, purge(s, 7, `{"urls": ["/a"]}`), http.StatusCreated, "")  // 1
	expect(t, purge(s, 8, `{"urls": ["/a"]}`), http.StatusCreated, "")  // 2
	expect(t, purge(s, 7, `{"paths": ["/i"]}`), http.StatusCreated, "") // 3
	if err := s.SetPurgeOutcome(gcoreapi.StatusFailed, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	c.Set(at(20))
	expect(t, purge(s, 7, `{"paths": []}`), http.StatusCreated, "")    // 4
	expect(t, purge(s, 7, `{"urls": ["/b"]}`), http.StatusCreated, "") // 5
	c.Set(at(40))                                                      // 1-3 done (Successful), 4-5 still in progress

	from := url.QueryEscape("2026-01-02T03:04:25Z")
	tests := []struct {
		query string
		want  []int64
	}{
		{"", []int64{5, 4, 3, 2, 1}},
		{"cname=cdn7.example.com", []int64{5, 4, 3, 1}},
		{"cname=cdn8.example.com", []int64{2}},
		{"cname=cdn9.example.com", []int64{}},
		{"purge_type=purge_by_url", []int64{5, 2, 1}},
		{"purge_type=purge_by_pattern", []int64{3}},
		{"purge_type=purge_all", []int64{4}},
		{"status=Successful", []int64{3, 2, 1}},
		{"status=In+progress", []int64{5, 4}},
		{"status=Failed", []int64{}},
		// from_created and to_created include their bounds.
		{"from_created=" + from, []int64{5, 4}},
		{"from_created=2026-01-02T03:04:25.000001Z", []int64{}},
		{"to_created=2026-01-02T03:04:05Z", []int64{3, 2, 1}},
		{"to_created=2026-01-02T03:04:04.999999Z", []int64{}},
		{"from_created=2026-01-02+03:04:00%2B00:00&to_created=2026-01-02T03:04:30", []int64{5, 4, 3, 2, 1}},
		{"cname=cdn7.example.com&purge_type=purge_by_url&status=In+progress", []int64{5}},
	}
	for _, tt := range tests {
		if got := historyIDs(t, s, tt.query); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("?%s: %v, want %v", tt.query, got, tt.want)
		}
	}
}

func TestHistoryFilterErrors(t *testing.T) {
	s, _ := newSim(t, Config{})
	tests := map[string]string{
		"status=Done":              `{"errors":{"status":["Select a valid choice. Done is not one of the available choices."]}}`,
		"purge_type=purge_by_urls": `{"errors":{"purge_type":["Select a valid choice. purge_by_urls is not one of the available choices."]}}`,
		"from_created=yesterday":   `{"errors":{"from_created":["Enter a valid date/time."]}}`,
		"to_created=1635513661":    `{"errors":{"to_created":["Enter a valid date/time."]}}`,
	}
	for query, want := range tests {
		expect(t, statuses(s, query), http.StatusBadRequest, want)
	}
}

func TestHistoryAuthAndMethod(t *testing.T) {
	s, _ := newSim(t, Config{ForbiddenKeys: []string{"ro"}})
	expect(t, call(s, http.MethodGet, "/cdn/purge_statuses", "", ""), http.StatusUnauthorized, `{"message":"Authentication credentials were not provided."}`)
	expect(t, call(s, http.MethodGet, "/cdn/purge_statuses", "Bearer "+key, ""), http.StatusUnauthorized, `{"message":"Invalid authentication credentials."}`)
	expect(t, call(s, http.MethodGet, "/cdn/purge_statuses", "APIKey ro", ""), http.StatusForbidden, `{"message":"You do not have permission to perform this action."}`)
	w := call(s, http.MethodPost, "/cdn/purge_statuses", "APIKey "+key, "")
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != http.MethodGet {
		t.Errorf("POST: %d, Allow %q", w.Code, w.Header().Get("Allow"))
	}
}

func TestHistoryKeepsAMonth(t *testing.T) {
	s, c := newSim(t, Config{})
	expect(t, purge(s, 7, `{"urls": ["/a"]}`), http.StatusCreated, "")
	c.Set(t0.Add(30 * 24 * time.Hour))
	if got := historyIDs(t, s, ""); len(got) != 1 {
		t.Errorf("a month later: %v, want the purge", got)
	}
	c.Set(t0.Add(30*24*time.Hour + time.Second))
	if got := historyIDs(t, s, ""); len(got) != 0 {
		t.Errorf("after a month: %v, want nothing", got)
	}
}

type page struct {
	Count    int            `json:"count"`
	Next     *string        `json:"next"`
	Previous *string        `json:"previous"`
	Results  []historyEntry `json:"results"`
}

func readPage(t *testing.T, h http.Handler, query string) page {
	t.Helper()
	w := statuses(h, query)
	var p page
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &p) != nil {
		t.Fatalf("?%s: %d %s", query, w.Code, w.Body)
	}
	if !strings.HasPrefix(w.Body.String(), `{"count":`) {
		t.Errorf("?%s: not in the documented order count, next, previous, results: %.60s", query, w.Body)
	}
	return p
}

func str(p *string) string {
	if p == nil {
		return "null"
	}
	return *p
}

func TestHistoryPages(t *testing.T) {
	s, _ := newSim(t, Config{Limits: gcoreapi.AccountLimits{PurgeByURLsRequestLimit: "1000/s"}})
	for i := range 250 {
		expect(t, purge(s, 7, `{"urls": ["/`+strconv.Itoa(i)+`"]}`), http.StatusCreated, "")
	}
	const base = "http://example.com/cdn/purge_statuses?cname=cdn7.example.com&limit=100"
	tests := []struct {
		query          string
		first, n       int64 // purge_id of the first result, and how many
		next, previous string
	}{
		{"cname=cdn7.example.com&limit=100", 250, 100, base + "&offset=100", "null"},
		{"cname=cdn7.example.com&limit=100&offset=100", 150, 100, base + "&offset=200", base},
		{"cname=cdn7.example.com&limit=100&offset=200", 50, 50, "null", base + "&offset=100"},
		{"cname=cdn7.example.com&limit=100&offset=250", 0, 0, "null", base + "&offset=150"},
		{"cname=cdn7.example.com&limit=100&offset=1000", 0, 0, "null", base + "&offset=900"},
		{"cname=cdn7.example.com&limit=100&offset=9223372036854775807", 0, 0, "null", base + "&offset=9223372036854775707"},
		// A limit above the most a page holds is cut to it.
		{"cname=cdn7.example.com&limit=1000", 250, 100, base + "&offset=100", "null"},
		// An offset that cannot be read is 0.
		{"cname=cdn7.example.com&limit=100&offset=x", 250, 100, base + "&offset=100", "null"},
	}
	for _, tt := range tests {
		p := readPage(t, s, tt.query)
		if p.Count != 250 || int64(len(p.Results)) != tt.n || str(p.Next) != tt.next || str(p.Previous) != tt.previous {
			t.Errorf("?%s: count %d, %d results, next %s, previous %s; want 250, %d, %s, %s",
				tt.query, p.Count, len(p.Results), str(p.Next), str(p.Previous), tt.n, tt.next, tt.previous)
		}
		if tt.n > 0 && p.Results[0].PurgeID != tt.first {
			t.Errorf("?%s: first purge %d, want %d", tt.query, p.Results[0].PurgeID, tt.first)
		}
	}
	// Without a usable limit, the whole history comes as a plain list.
	for _, query := range []string{"", "limit=0", "limit=-5", "limit=ten", "offset=100"} {
		if got := historyIDs(t, s, query); len(got) != 250 {
			t.Errorf("?%s: %d entries, want all 250", query, len(got))
		}
	}
}

func TestAnswersCarryTheSimulatorsDate(t *testing.T) {
	s, c := newSim(t, Config{})
	c.Set(time.Date(2021, 10, 29, 13, 21, 1, 550849000, time.UTC))
	for _, w := range []*httptest.ResponseRecorder{
		purge(s, 7, `{"urls": ["/a"]}`),
		purge(s, 7, `{}`),
		statuses(s, ""),
	} {
		if got := w.Header().Get("Date"); got != "Fri, 29 Oct 2021 13:21:01 GMT" {
			t.Errorf("%d answer: Date %q", w.Code, got)
		}
	}
}
