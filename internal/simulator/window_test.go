package simulator

import (
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestSlidingWindowEdges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Config{})
		t0 := time.Now()
		at := func(d time.Duration, status int) {
			t.Helper()
			time.Sleep(time.Until(t0.Add(d)))
			if w := purge(s, 7, `{"urls": ["/a"]}`); w.Code != status {
				t.Fatalf("at t0+%v: got %d, want %d", d, w.Code, status)
			}
		}
		// Purge by URL: two a minute.
		at(0, 201)
		at(10*time.Second, 201)
		at(20*time.Second, 429)
		at(time.Minute-time.Nanosecond, 429) // the purge at t0 is still in the window
		at(time.Minute, 201)                 // exactly one window later it has left it
		at(70*time.Second-time.Nanosecond, 429)
		at(70*time.Second, 201)
		if got := s.RateLimited(); got != 3 {
			t.Errorf("RateLimited() = %d, want 3", got)
		}
	})
}

func TestWindowsArePerResourceAndType(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Config{})
		pattern, all, urls, paths := `{"paths": ["/img/*"]}`, `{"paths": []}`, `{"urls": ["/a"]}`, `{"paths": ["/a"]}`
		// One of each type on resource 7, and a pattern purge on resource 8:
		// each has its own window, purge all apart from by pattern although
		// both follow purge_request_limit.
		expect(t, purge(s, 7, pattern), 201, "")
		expect(t, purge(s, 7, all), 201, "")
		expect(t, purge(s, 7, urls), 201, "")
		expect(t, prefetch(s, 7, paths), 201, "")
		expect(t, purge(s, 8, pattern), 201, "")
		time.Sleep(time.Minute - time.Nanosecond)
		expect(t, purge(s, 7, pattern), 429, "")
		expect(t, purge(s, 7, all), 429, "")
		expect(t, purge(s, 8, pattern), 429, "")
		expect(t, purge(s, 7, urls), 201, "")     // the second of two a minute
		expect(t, prefetch(s, 7, paths), 201, "") // the second of the example's two a minute
		expect(t, prefetch(s, 7, paths), 429, "")
		expect(t, purge(s, 9, pattern), 201, "")
		time.Sleep(time.Nanosecond)
		expect(t, purge(s, 7, pattern), 201, "")
		expect(t, purge(s, 7, all), 201, "")
	})
}

func TestOnlyAcceptedRequestsCount(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Config{})
		all := `{"paths": []}`
		expect(t, purge(s, 7, `{}`), 400, pathsNotProvided)
		expect(t, call(s, http.MethodPost, purgePath(7), "Bearer x", all), 401, `{"message":"Invalid authentication credentials."}`)
		s.Fail(Fault{Status: 503})
		expect(t, purge(s, 7, all), 503, "")
		expect(t, purge(s, 7, all), 201, "")
		time.Sleep(30 * time.Second)
		expect(t, purge(s, 7, all), 429, "") // does not extend the window
		time.Sleep(30 * time.Second)
		expect(t, purge(s, 7, all), 201, "")
	})
}

// TestWaitHints: a 429 can say how long to wait in every form the API may
// use, each giving the true wait rounded up to its unit; by default it says
// nothing, as Gcore's API reference documents it.
func TestWaitHints(t *testing.T) {
	// At t0+10.5s the window of 2/m frees at t0+60s: 49.5s to wait. A
	// synctest bubble starts at midnight, 1 January 2000, UTC.
	for _, tc := range []struct {
		hint         WaitHint
		header, body string
	}{
		{NoWaitHint, "", ""},
		{RetryAfterSeconds, "Retry-After: 50", ""},
		{RetryAfterDate, "Retry-After: Sat, 01 Jan 2000 00:01:00 GMT", ""},
		{RetryAfterMs, "Retry-After-Ms: 49500", ""},
		{ThrottledBody, "", `{"detail":"Request was throttled. Expected available in 50 seconds."}`},
	} {
		synctest.Test(t, func(t *testing.T) {
			s := newSim(t, Config{WaitHint: tc.hint})
			urls := `{"urls": ["/a"]}`
			purge(s, 7, urls)
			purge(s, 7, urls)
			time.Sleep(10*time.Second + 500*time.Millisecond)
			w := purge(s, 7, urls)
			expect(t, w, 429, tc.body)
			var header []string
			for _, name := range []string{"Retry-After", "Retry-After-Ms"} {
				if v := w.Header().Get(name); v != "" {
					header = append(header, name+": "+v)
				}
			}
			if got := strings.Join(header, ", "); got != tc.header {
				t.Errorf("hint %d: headers %q, want %q", tc.hint, got, tc.header)
			}
		})
	}
	synctest.Test(t, func(t *testing.T) {
		// DRF writes "second" for one; a date rounds up to a whole second.
		s := newSim(t, Config{WaitHint: ThrottledBody, Limits: Limits{PurgeRequestLimit: "1/s"}})
		purge(s, 7, `{"paths": []}`)
		time.Sleep(300 * time.Millisecond)
		expect(t, purge(s, 7, `{"paths": []}`), 429, `{"detail":"Request was throttled. Expected available in 1 second."}`)
		if got := s.RateLimited(); got != 1 {
			t.Errorf("RateLimited() = %d", got)
		}
		dated := newSim(t, Config{WaitHint: RetryAfterDate, Limits: Limits{PurgeRequestLimit: "1/s"}})
		purge(dated, 7, `{"paths": []}`)
		if got := purge(dated, 7, `{"paths": []}`).Header().Get("Retry-After"); got != "Sat, 01 Jan 2000 00:00:02 GMT" {
			t.Errorf("Retry-After %q, want the whole second after 00:00:01.3", got)
		}
	})
}
