package simulator

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestFaultStatusIsNotAPurge(t *testing.T) {
	s := newSim(t, Config{})
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
	s := newSim(t, Config{Limits: Limits{PurgeByURLsRequestLimit: "100/s"}})
	urls := `{"urls": ["/a"]}`
	s.Fail(Fault{Status: 500, Times: 2, Body: `{"message":"boom"}`})
	expect(t, purge(s, 7, urls), 500, `{"message":"boom"}`)
	expect(t, purge(s, 7, urls), 500, `{"message":"boom"}`)
	expect(t, purge(s, 7, urls), 201, "")

	// Matched first in, first out, among the faults that match the request;
	// "" matches purges only.
	s.Fail(Fault{Path: purgePath(8), Status: 503})
	s.Fail(Fault{Status: 500})
	s.Fail(Fault{Path: limitsPath, Status: 504})
	expect(t, prefetch(s, 9, `{"paths": ["/a"]}`), 201, "")
	expect(t, purge(s, 9, urls), 500, "")
	expect(t, purge(s, 9, urls), 201, "")
	expect(t, get(s, limitsPath), 504, "")
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
	s := newSim(t, Config{Limits: Limits{PurgeByURLsRequestLimit: "100/s"}})
	urls := `{"urls": ["/a"]}`
	s.Fail(Fault{After: 2, Status: 400, Body: `{"errors":{"urls":{"0":["refused"]}}}`})
	expect(t, purge(s, 7, urls), 201, "")
	expect(t, purge(s, 7, urls), 201, "")
	expect(t, purge(s, 7, urls), 400, `{"errors":{"urls":{"0":["refused"]}}}`)
	expect(t, purge(s, 7, urls), 201, "")
}

// TestFaultDelays: Delay waits before the API handles the request,
// DelayAnswer after; both in the time package's time, here a bubble's.
func TestFaultDelays(t *testing.T) {
	tests := []struct {
		name        string
		fault       Fault
		status      int
		acceptedLag time.Duration // when the purge was accepted, after the request
	}{
		{"before handling", Fault{Delay: 30 * time.Second}, 201, 30 * time.Second},
		{"before refusing", Fault{Delay: 30 * time.Second, Status: 503}, 503, -1},
		{"before answering", Fault{DelayAnswer: 30 * time.Second}, 201, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSim(t, Config{})
				s.Fail(tt.fault)
				start := time.Now()
				w := purge(s, 7, `{"urls": ["/a"]}`)
				if elapsed := time.Since(start); w.Code != tt.status || elapsed != 30*time.Second {
					t.Errorf("got %d after %v, want %d after 30s", w.Code, elapsed, tt.status)
				}
				purges := s.Purges()
				switch {
				case tt.acceptedLag < 0 && len(purges) != 0:
					t.Errorf("Purges() = %+v, want none", purges)
				case tt.acceptedLag >= 0 && (len(purges) != 1 || purges[0].At.Sub(start) != tt.acceptedLag):
					t.Errorf("Purges() = %+v, want one accepted %v after the request", purges, tt.acceptedLag)
				}
			})
		})
	}
}

// TestFaultDelaysHonourCancellation: a client that gives up during a delay
// gets no answer; its purge stands if the API had already accepted it.
func TestFaultDelaysHonourCancellation(t *testing.T) {
	for _, tt := range []struct {
		fault    Fault
		accepted bool
	}{
		{Fault{Delay: time.Hour}, false},
		{Fault{DelayAnswer: time.Hour}, true},
	} {
		synctest.Test(t, func(t *testing.T) {
			s := newSim(t, Config{})
			s.Fail(tt.fault)
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			r := httptest.NewRequestWithContext(ctx, http.MethodPost, purgePath(7), strings.NewReader(`{"paths": []}`))
			r.Header.Set("Authorization", "APIKey "+key)
			start := time.Now()
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if elapsed := time.Since(start); elapsed != 20*time.Second || w.Code != http.StatusOK || w.Body.Len() != 0 {
				t.Fatalf("%+v: the handler wrote %d %q after %v, want nothing after 20s", tt.fault, w.Code, w.Body, elapsed)
			}
			if got := s.Requests(); len(got) != 1 || got[0].Status != 0 || got[0].Dropped {
				t.Errorf("%+v: Requests() = %+v, want one unanswered", tt.fault, got)
			}
			if got := len(s.Purges()); got != 0 != tt.accepted {
				t.Errorf("%+v: %d purges accepted", tt.fault, got)
			}
		})
	}
}
