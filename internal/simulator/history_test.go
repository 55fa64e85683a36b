package simulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// historyIDs reads the purge_id of each entry of a plain-list answer.
func historyIDs(t *testing.T, h http.Handler, query string) []int64 {
	t.Helper()
	w := get(h, purgeStatusesPath+"?"+query)
	var entries []purgeStatusResponse
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
func statusOf(t *testing.T, h http.Handler, id int64) PurgeStatus {
	t.Helper()
	w := get(h, purgeStatusesPath)
	var entries []purgeStatusResponse
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
		outcome       PurgeStatus
		before, after PurgeStatus
	}{
		{"", StatusInProgress, StatusSuccessful},
		{StatusSuccessful, StatusInProgress, StatusSuccessful},
		{StatusFailed, StatusInProgress, StatusFailed},
		{StatusInProgress, StatusInProgress, StatusInProgress},
		// Without status reports there is no progress to show either.
		{StatusReportDisabled, StatusReportDisabled, StatusReportDisabled},
	}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			s := newSim(t, Config{PurgeCompletion: completion, PurgeOutcome: tt.outcome})
			expect(t, purge(s, 7, `{"urls": ["/a"]}`), http.StatusCreated, "")
			if got := statusOf(t, s, 1); got != tt.before {
				t.Errorf("outcome %q, at once: %q, want %q", tt.outcome, got, tt.before)
			}
			time.Sleep(completion - time.Nanosecond)
			if got := statusOf(t, s, 1); got != tt.before {
				t.Errorf("outcome %q, just before completion: %q, want %q", tt.outcome, got, tt.before)
			}
			time.Sleep(time.Nanosecond)
			if got := statusOf(t, s, 1); got != tt.after {
				t.Errorf("outcome %q, at completion: %q, want %q", tt.outcome, got, tt.after)
			}
		})
	}
}

func TestSetPurgeOutcomeAppliesToLaterPurges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Config{})
		expect(t, purge(s, 7, `{"urls": ["/a"]}`), http.StatusCreated, "")
		if err := s.SetPurgeOutcome(StatusFailed, time.Minute); err != nil {
			t.Fatal(err)
		}
		expect(t, purge(s, 7, `{"urls": ["/b"]}`), http.StatusCreated, "")
		if got := statusOf(t, s, 1); got != StatusSuccessful {
			t.Errorf("purge before the change: %q, want Successful", got)
		}
		if got := statusOf(t, s, 2); got != StatusInProgress {
			t.Errorf("purge after the change, at once: %q, want In progress", got)
		}
		time.Sleep(time.Minute)
		if got := statusOf(t, s, 2); got != StatusFailed {
			t.Errorf("purge after the change, a minute later: %q, want Failed", got)
		}
		if err := s.SetPurgeOutcome("Done", 0); err == nil {
			t.Error(`SetPurgeOutcome("Done") accepted`)
		}
	})
}

// TestHistoryEntries: the entries as the reference's example writes them,
// latest first: full URLs by default, the host and the form configurable,
// "created" in either form (the fraction only when there is one).
func TestHistoryEntries(t *testing.T) {
	tests := []struct {
		name       string
		cfg        Config
		urls       string
		whole, fra string
	}{
		{"the reference's form", Config{},
			`["http://cdn7.example.com/a.jpg","http://cdn7.example.com/b?v=1&w=2"]`, `2000-01-01T00:00:00Z`, `2000-01-01T00:00:00.550849Z`},
		{"another host", Config{PayloadHost: "example.com"},
			`["http://example.com/a.jpg","http://example.com/b?v=1&w=2"]`, `2000-01-01T00:00:00Z`, `2000-01-01T00:00:00.550849Z`},
		{"paths as sent", Config{PayloadURLs: PathsAsSent},
			`["/a.jpg","/b?v=1&w=2"]`, `2000-01-01T00:00:00Z`, `2000-01-01T00:00:00.550849Z`},
		{"spaced", Config{SpacedCreated: true},
			`["http://cdn7.example.com/a.jpg","http://cdn7.example.com/b?v=1&w=2"]`, `2000-01-01 00:00:00+00:00`, `2000-01-01 00:00:00.550849+00:00`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSim(t, tt.cfg)
				expect(t, purge(s, 7, `{"urls": ["/a.jpg", "/b?v=1&w=2"]}`), http.StatusCreated, "")
				time.Sleep(550849*time.Microsecond + 999) // below a microsecond is dropped
				expect(t, purge(s, 8, `{"paths": ["/img/*"]}`), http.StatusCreated, "")
				expect(t, purge(s, 9, `{"paths": []}`), http.StatusCreated, "")
				want := `[` +
					`{"purge_id":3,"status":"Successful","resource":{"id":9,"cname":"cdn9.example.com"},"payload":{"paths":[]},"created":"` + tt.fra + `","purge_type":"purge_all"},` +
					`{"purge_id":2,"status":"Successful","resource":{"id":8,"cname":"cdn8.example.com"},"payload":{"paths":["/img/*"]},"created":"` + tt.fra + `","purge_type":"purge_by_pattern"},` +
					`{"purge_id":1,"status":"Successful","resource":{"id":7,"cname":"cdn7.example.com"},"payload":{"urls":` + tt.urls + `},"created":"` + tt.whole + `","purge_type":"purge_by_url"}` +
					`]`
				w := get(s, purgeStatusesPath)
				expect(t, w, http.StatusOK, want)
				if ct := w.Header().Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type %q", ct)
				}
			})
		})
	}
}

func TestHistoryFilters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Config{PurgeCompletion: 30 * time.Second, Limits: Limits{PurgeByURLsRequestLimit: "10/s", PurgeRequestLimit: "10/s"}})
		expect(t, purge(s, 7, `{"urls": ["/a"]}`), http.StatusCreated, "")  // 1
		expect(t, purge(s, 8, `{"urls": ["/a"]}`), http.StatusCreated, "")  // 2
		expect(t, purge(s, 7, `{"paths": ["/i"]}`), http.StatusCreated, "") // 3
		if err := s.SetPurgeOutcome(StatusFailed, 30*time.Second); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Second)
		expect(t, purge(s, 7, `{"paths": []}`), http.StatusCreated, "")    // 4
		expect(t, purge(s, 7, `{"urls": ["/b"]}`), http.StatusCreated, "") // 5
		time.Sleep(20 * time.Second)                                       // 1-3 done (Successful), 4-5 still in progress

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
			{"status=Status+report+disabled", []int64{}},
			// from_created and to_created include their bounds, in any of
			// RFC 3339's forms.
			{"from_created=2000-01-01T00:00:20Z", []int64{5, 4}},
			{"from_created=2000-01-01T00:00:20.000001Z", []int64{}},
			{"to_created=2000-01-01T00:00:00.000Z", []int64{3, 2, 1}},
			{"to_created=" + url.QueryEscape("2000-01-01T01:59:59.999999+02:00"), []int64{}},
			{"from_created=" + url.QueryEscape("2000-01-01T02:00:00+02:00") + "&to_created=2000-01-01T00:00:30Z", []int64{5, 4, 3, 2, 1}},
			{"cname=cdn7.example.com&purge_type=purge_by_url&status=In+progress", []int64{5}},
		}
		for _, tt := range tests {
			if got := historyIDs(t, s, tt.query); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("?%s: %v, want %v", tt.query, got, tt.want)
			}
		}
	})
}

func TestHistoryFilterErrors(t *testing.T) {
	s := newSim(t, Config{})
	for query, want := range map[string]string{
		"status=Done":                   `{"errors":{"status":["Select a valid choice. Done is not one of the available choices."]}}`,
		"status=successful":             `{"errors":{"status":["Select a valid choice. successful is not one of the available choices."]}}`,
		"purge_type=purge_by_urls":      `{"errors":{"purge_type":["Select a valid choice. purge_by_urls is not one of the available choices."]}}`,
		"from_created=yesterday":        `{"errors":{"from_created":["Enter a valid date/time."]}}`,
		"to_created=1635513661":         `{"errors":{"to_created":["Enter a valid date/time."]}}`,
		"from_created=2021-06-14":       `{"errors":{"from_created":["Enter a valid date/time."]}}`,
		"from_created=2021-06-14T00:00": `{"errors":{"from_created":["Enter a valid date/time."]}}`,
		// Not RFC 3339: no zone, or a space for the T.
		"to_created=2021-06-14T00:00:00":         `{"errors":{"to_created":["Enter a valid date/time."]}}`,
		"to_created=2021-06-14+00:00:00%2B00:00": `{"errors":{"to_created":["Enter a valid date/time."]}}`,
	} {
		expect(t, get(s, purgeStatusesPath+"?"+query), http.StatusBadRequest, want)
	}
}

func TestHistoryKeepsAMonth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Config{})
		expect(t, purge(s, 7, `{"urls": ["/a"]}`), http.StatusCreated, "")
		time.Sleep(30 * 24 * time.Hour)
		if got := historyIDs(t, s, ""); len(got) != 1 {
			t.Errorf("a month later: %v, want the purge", got)
		}
		time.Sleep(time.Nanosecond)
		if got := historyIDs(t, s, ""); len(got) != 0 {
			t.Errorf("after a month: %v, want nothing", got)
		}
	})
}

// readPage decodes a page, checking it is in the reference's order: count,
// next, previous, results.
func readPage[T any](t *testing.T, body []byte) paginatedResponse[T] {
	t.Helper()
	var p paginatedResponse[T]
	if err := json.Unmarshal(body, &p); err != nil || !strings.HasPrefix(string(body), `{"count":`) {
		t.Fatalf("not a page: %.80s (%v)", body, err)
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
	s := newSim(t, Config{Limits: Limits{PurgeByURLsRequestLimit: "1000/s"}})
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
		// A limit above the reference's maximum, 100, is cut to it.
		{"cname=cdn7.example.com&limit=1000", 250, 100, base + "&offset=100", "null"},
		// An offset that cannot be read is 0.
		{"cname=cdn7.example.com&limit=100&offset=x", 250, 100, base + "&offset=100", "null"},
	}
	for _, tt := range tests {
		p := readPage[purgeStatusResponse](t, get(s, purgeStatusesPath+"?"+tt.query).Body.Bytes())
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
