package completion

import (
	"context"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// These tests show Waiter.Find, which looks up once a purge whose answer was
// lost, by the rules of Wait.

func TestFindClaimsTheEntryForALaterWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t,
			purge(20, byURL, 200*time.Millisecond, gcoreapi.StatusInProgress, time.Hour, "/a"),
			purge(21, byURL, 1200*time.Millisecond, gcoreapi.StatusSuccessful, 0, "/a"),
		)
		lost := accepted(1, byURL, 0, "/a")
		if !h.w.Find(context.Background(), cname, lost) {
			t.Fatal("Find did not find a purge in progress: the API took it in")
		}
		wantQuery := gcoreapi.PurgeStatusQuery{CName: cname, Type: byURL, From: t0.Add(-findSlack)}
		if len(h.api.readings) != 1 || h.api.readings[0].q != wantQuery {
			t.Fatalf("readings = %+v, want one of %+v", h.api.readings, wantQuery)
		}
		// Another purge of /a cannot take the entry Find claimed.
		if r := h.wait(within(t, 5*time.Second), accepted(2, byURL, 0, "/a")); r.Outcomes[0].PurgeID != 21 {
			t.Fatalf("another purge of /a took entry %d, want 21: 20 is claimed", r.Outcomes[0].PurgeID)
		}
		// The purge found is waited for on the entry it claimed.
		if r := h.wait(within(t, 10*time.Second), lost); r.Outcomes[0].PurgeID != 20 || r.Outcomes[0].State != TimedOut {
			t.Fatalf("outcome of the purge found = %+v, want entry 20, still in progress", r.Outcomes[0])
		}
	})
}

func TestFindReportsWhatTheHistoryLacks(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entries []entry
		err     func(t *testing.T) error
	}{
		{"another payload", []entry{purge(20, byURL, 200*time.Millisecond, gcoreapi.StatusSuccessful, 0, "/a", "/b")}, nil},
		{"over a minute before", []entry{purge(20, byURL, -61*time.Second, gcoreapi.StatusSuccessful, 0, "/a")}, nil},
		// An earlier run's purge of the same files, seconds before this one
		// was sent: taking it would leave the files unpurged.
		{"an earlier purge of the same payload", []entry{purge(20, byURL, -3*time.Second, gcoreapi.StatusSuccessful, 0, "/a")}, nil},
		{"unreadable history", []entry{purge(20, byURL, 200*time.Millisecond, gcoreapi.StatusSuccessful, 0, "/a")},
			func(t *testing.T) error { return answer(t, http.StatusBadGateway, nil) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, tc.entries...)
				if tc.err != nil {
					h.api.errs = []error{tc.err(t)}
				}
				if h.w.Find(context.Background(), cname, accepted(1, byURL, 0, "/a")) {
					t.Fatal("Find found the purge")
				}
				if len(h.api.readings) != 1 {
					t.Fatalf("%d readings, want one", len(h.api.readings))
				}
			})
		})
	}
	// A history too long to read whole still says what it holds.
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, purge(20, byURL, 200*time.Millisecond, gcoreapi.StatusSuccessful, 0, "/a"))
		h.api.truncated = true
		if !h.w.Find(context.Background(), cname, accepted(1, byURL, 0, "/a")) {
			t.Fatal("Find did not find the purge in a truncated history")
		}
	})
}
