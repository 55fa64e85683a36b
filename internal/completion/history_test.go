package completion

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// These tests wait through the real client, against a history served in
// memory as Gcore's API reference shows it: a page of entries whose payload
// lists full URLs (http://example.com/path1/file1.jpg).

// historyEntry is an entry of the served history: "In progress" until
// doneAt (since t0), then status.
type historyEntry struct {
	id      int64
	urls    []string
	created time.Duration // since t0
	status  gcoreapi.PurgeStatus
	doneAt  time.Duration
}

// servedHistory serves GET /cdn/purge_statuses from entries, and counts the
// readings.
type servedHistory struct {
	entries []historyEntry
	mu      sync.Mutex
	reads   []time.Duration
}

func (s *servedHistory) serve(r *http.Request) (int, http.Header, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	s.reads = append(s.reads, now.Sub(t0))
	if r.URL.Path != "/cdn/purge_statuses" {
		return http.StatusNotFound, nil, ""
	}
	type result struct {
		PurgeID  int64  `json:"purge_id"`
		Status   string `json:"status"`
		Resource struct {
			ID    int64  `json:"id"`
			CName string `json:"cname"`
		} `json:"resource"`
		Payload struct {
			URLs []string `json:"urls"`
		} `json:"payload"`
		Created   string `json:"created"`
		PurgeType string `json:"purge_type"`
	}
	page := struct {
		Count   int      `json:"count"`
		Next    *string  `json:"next"`
		Results []result `json:"results"`
	}{Results: []result{}}
	for _, e := range s.entries {
		var res result
		res.PurgeID, res.Status, res.PurgeType = e.id, string(e.status), "purge_by_url"
		if now.Before(t0.Add(e.doneAt)) {
			res.Status = string(gcoreapi.StatusInProgress)
		}
		res.Resource.ID, res.Resource.CName = 1, cname
		res.Payload.URLs = e.urls
		res.Created = t0.Add(e.created).Format("2006-01-02T15:04:05.000000Z")
		page.Results = append(page.Results, res)
	}
	page.Count = len(page.Results)
	body, err := json.Marshal(page)
	if err != nil {
		return http.StatusInternalServerError, nil, err.Error()
	}
	return http.StatusOK, http.Header{"Content-Type": {"application/json"}}, string(body)
}

// TestPurgeListedByFullURL: the history lists a purge's URLs with a scheme
// and a host, the CDN resource's or another; a purge of /a.js is found in
// either form and settled within one reading of its entry's end.
func TestPurgeListedByFullURL(t *testing.T) {
	for _, tc := range []struct {
		name   string
		listed string
		status gcoreapi.PurgeStatus
		state  State
	}{
		{"its delivery domain, successful", "http://" + cname + "/a.js", gcoreapi.StatusSuccessful, Succeeded},
		{"another host, successful", "https://other.example.com/a.js", gcoreapi.StatusSuccessful, Succeeded},
		{"its delivery domain, failed", "http://" + cname + "/a.js", gcoreapi.StatusFailed, Failed},
		{"another host, failed", "https://other.example.com/a.js", gcoreapi.StatusFailed, Failed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				history := &servedHistory{entries: []historyEntry{
					{id: 70, urls: []string{"http://" + cname + "/b.js", tc.listed}, created: 400 * time.Millisecond, status: tc.status, doneAt: 5 * time.Second},
				}}
				w := New(clientOf(t, history.serve))
				r := w.Wait(context.Background(), cname, []gcoreapi.AcceptedPurge{accepted(1, byURL, 0, "/a.js", "/b.js")}, nil)

				// Read at 0, 1 s, 3 s, then 7 s: the first reading after the
				// entry ended at 5 s.
				if o := r.Outcomes[0]; o.State != tc.state || o.PurgeID != 70 || elapsed() != 7*time.Second || len(history.reads) != 4 {
					t.Fatalf("outcome %+v at %s after %d readings, want %s, purge 70, at 7s after 4", o, elapsed(), len(history.reads), tc.state)
				}
				if tc.state == Failed && r.Err() == nil {
					t.Fatal("Err() = nil for a failed purge")
				}
			})
		})
	}
}
