package completion

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

var (
	byURL     = gcoreapi.PurgeByURL
	byPattern = gcoreapi.PurgeByPattern
	all       = gcoreapi.PurgeAll
)

func TestSuccessfulPurgeIsDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, purge(10, byURL, 400*time.Millisecond, gcoreapi.StatusSuccessful, 5*time.Second, "/a", "/b"))
		p := accepted(1, byURL, 0, "/b", "/a")
		r := h.wait(context.Background(), p)

		want := []Outcome{{Purge: p, State: Succeeded, PurgeID: 10}}
		if !reflect.DeepEqual(r.Outcomes, want) || r.Err() != nil || r.Warning() != "" {
			t.Fatalf("report = %+v (err %v, warning %q)", r.Outcomes, r.Err(), r.Warning())
		}
		// Backing off from 1 s: done at 5 s, seen at 7 s.
		assertReadingTimes(t, h, 0, time.Second, 3*time.Second, 7*time.Second)
		if got := elapsed(); got != 7*time.Second {
			t.Fatalf("Wait returned at %s, want 7s", got)
		}
		wantQuery := gcoreapi.PurgeStatusQuery{CName: cname, Type: byURL, From: t0.Add(-time.Minute)}
		if q := h.api.readings[0].q; q != wantQuery {
			t.Fatalf("query = %+v, want %+v", q, wantQuery)
		}
		if want := []string{"0 of 1 requests done", "1 of 1 requests done"}; !slices.Equal(h.progress, want) {
			t.Fatalf("progress = %q, want %q", h.progress, want)
		}
	})
}

func TestPollingBacksOffToFifteenSeconds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, purge(10, all, 0, gcoreapi.StatusSuccessful, time.Minute))
		r := h.wait(context.Background(), accepted(1, all, 0))

		if r.Outcomes[0].State != Succeeded {
			t.Fatalf("outcome = %+v", r.Outcomes[0])
		}
		assertReadingTimes(t, h, 0, time.Second, 3*time.Second, 7*time.Second, 15*time.Second,
			30*time.Second, 45*time.Second, 60*time.Second)
	})
}

// TestEachOutcome shows how a purge ends for each thing the history can
// say, or not say, and when.
func TestEachOutcome(t *testing.T) {
	for _, tc := range []struct {
		name     string
		entries  []entry
		deadline time.Duration // none when zero
		state    State
		reason   string
		endsAt   time.Duration
		err      string // in Err(), "" for none
		warning  string // in Warning(), "" for none
	}{
		{
			name:    "failed",
			entries: []entry{purge(7, byURL, time.Second, gcoreapi.StatusFailed, 2*time.Second, "/a")},
			state:   Failed, reason: "the API accepted it, but the purge history reports it failed", endsAt: 3 * time.Second,
			err: "the API accepted the purge, but it did not complete:\n" +
				"- purge by URL (/a): the API accepted it, but the purge history reports it failed",
		},
		{
			name:    "status report disabled",
			entries: []entry{purge(7, byURL, time.Second, gcoreapi.StatusReportDisabled, 0, "/a")},
			state:   Unconfirmed, reason: `status reports are disabled for this account (the purge history says "Status report disabled")`,
			warning: "the API accepted the purge, but its completion could not be confirmed:\n" +
				`- purge by URL (/a): status reports are disabled for this account`,
		},
		{
			name:    "unknown status",
			entries: []entry{purge(7, byURL, time.Second, "Queued", 0, "/a")},
			state:   Unconfirmed, reason: `the purge history reports a status this provider does not know: "Queued"`,
			warning: `- purge by URL (/a): the purge history reports a status this provider does not know: "Queued"`,
		},
		{
			name:  "not found within the grace period",
			state: Unconfirmed, reason: "not found in the purge history within 2m0s", endsAt: GracePeriod,
			warning: "- purge by URL (/a): not found in the purge history within 2m0s",
		},
		{
			name:     "not found before a nearer deadline",
			deadline: 30 * time.Second,
			state:    Unconfirmed, reason: "not found in the purge history within 30s", endsAt: 30 * time.Second,
			warning: "not found in the purge history within 30s",
		},
		{
			name:     "another payload is not this purge",
			entries:  []entry{purge(7, byURL, time.Second, gcoreapi.StatusSuccessful, 0, "/a", "/b")},
			deadline: 10 * time.Second,
			state:    Unconfirmed, reason: "not found in the purge history within 10s", endsAt: 10 * time.Second,
			warning: "not found",
		},
		{
			name:     "timeout while in progress",
			entries:  []entry{purge(7, byURL, time.Second, gcoreapi.StatusSuccessful, time.Hour, "/a")},
			deadline: time.Minute,
			state:    TimedOut, reason: "timed out while in progress, after waiting 1m0s", endsAt: time.Minute,
			err: "- purge by URL (/a): timed out while in progress, after waiting 1m0s",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, tc.entries...)
				ctx := context.Background()
				if tc.deadline > 0 {
					ctx = within(t, tc.deadline)
				}
				r := h.wait(ctx, accepted(1, byURL, 0, "/a"))

				o := r.Outcomes[0]
				if o.State != tc.state || o.Reason != tc.reason || elapsed() != tc.endsAt {
					t.Fatalf("outcome %s (%q) at %s, want %s (%q) at %s", o.State, o.Reason, elapsed(), tc.state, tc.reason, tc.endsAt)
				}
				assertMessage(t, "Err()", errText(r.Err()), tc.err)
				assertMessage(t, "Warning()", r.Warning(), tc.warning)
			})
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// assertMessage checks that got contains want, and is empty when want is.
func assertMessage(t *testing.T, what, got, want string) {
	t.Helper()
	if (want == "") != (got == "") || !strings.Contains(got, want) {
		t.Fatalf("%s = %q, want it to contain %q", what, got, want)
	}
}

func TestEntryCreatedOverAMinuteBeforeTheAcceptanceIsAnotherPurge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t,
			purge(1, byURL, 500*time.Millisecond, gcoreapi.StatusSuccessful, 0, "/x"),
			// An earlier purge of /a, which the reading for /x lists too.
			purge(2, byURL, 500*time.Millisecond, gcoreapi.StatusSuccessful, 0, "/a"),
		)
		r := h.wait(within(t, 100*time.Second), accepted(1, byURL, 0, "/x"), accepted(2, byURL, 90*time.Second, "/a"))

		if o := r.Outcomes[0]; o.State != Succeeded || o.PurgeID != 1 {
			t.Fatalf("outcome of /x = %+v", o)
		}
		if o := r.Outcomes[1]; o.State != Unconfirmed || o.PurgeID != 0 || o.Reason != "not found in the purge history within 1m40s" {
			t.Fatalf("outcome of /a = %+v", o)
		}
	})
}

func TestCancelledWhileInProgressIsUnconfirmed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, purge(10, byURL, 0, gcoreapi.StatusSuccessful, time.Hour, "/a"))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r := h.w.Wait(ctx, cname, []gcoreapi.AcceptedPurge{accepted(1, byURL, 0, "/a")}, func(string) { cancel() })

		if o := r.Outcomes[0]; o.State != Unconfirmed || o.PurgeID != 10 || o.Reason != "still in progress when waiting was cancelled after 0s" {
			t.Fatalf("outcome = %+v", o)
		}
		if r.Err() != nil {
			t.Fatalf("Err() = %v, want none: the user stopped waiting", r.Err())
		}
		assertReadingTimes(t, h, 0)
	})
}

func TestCancelledWhileSleepingEndsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			time.Sleep(2 * time.Second)
			cancel()
		}()
		r := h.wait(ctx, accepted(1, byURL, 0, "/a"))

		if o := r.Outcomes[0]; o.State != Unconfirmed || o.Reason != "not found in the purge history within 2s" || elapsed() != 2*time.Second {
			t.Fatalf("outcome %+v at %s, want unconfirmed at 2s", o, elapsed())
		}
		assertReadingTimes(t, h, 0, time.Second)
	})
}

func TestPurgeThatRodeOnAMergedRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t,
			// Another client's purge of /b alone, created first.
			purge(5, byURL, 300*time.Millisecond, gcoreapi.StatusSuccessful, 0, "/b"),
			// The merged request: the job asked for /b, the request carried
			// another job's /a and /c too.
			purge(6, byURL, 400*time.Millisecond, gcoreapi.StatusSuccessful, 10*time.Second, "/c", "/a", "/b"),
		)
		r := h.wait(context.Background(), accepted(2, byURL, 0, "/a", "/b", "/c"))

		if o := r.Outcomes[0]; o.State != Succeeded || o.PurgeID != 6 || elapsed() != 15*time.Second {
			t.Fatalf("outcome %+v at %s, want purge 6 done at 15s", o, elapsed())
		}
	})
}

func TestIdenticalPayloadsAreClaimedInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t,
			purge(20, byURL, 200*time.Millisecond, gcoreapi.StatusFailed, 0, "/a"),
			purge(21, byURL, 1200*time.Millisecond, gcoreapi.StatusSuccessful, 0, "/a"),
		)
		first, second := accepted(1, byURL, 0, "/a"), accepted(2, byURL, time.Second, "/a")

		// Given in any order, the earlier purge takes the earlier entry.
		r := h.wait(context.Background(), second, first)
		want := []Outcome{
			{Purge: second, State: Succeeded, PurgeID: 21},
			{Purge: first, State: Failed, PurgeID: 20, Reason: "the API accepted it, but the purge history reports it failed"},
		}
		if !reflect.DeepEqual(r.Outcomes, want) {
			t.Fatalf("outcomes:\n got %+v\nwant %+v", r.Outcomes, want)
		}
	})
}

// TestAnEarlierRunsPurgeOfTheSameFilesIsNotTaken: the history searched
// reaches a minute back, where an earlier run may have purged the same
// files; the entry nearest the acceptance is this purge's.
func TestAnEarlierRunsPurgeOfTheSameFilesIsNotTaken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t,
			purge(20, byURL, -40*time.Second, gcoreapi.StatusFailed, 0, "/a"),
			purge(21, byURL, 200*time.Millisecond, gcoreapi.StatusSuccessful, 0, "/a"),
		)
		r := h.wait(context.Background(), accepted(1, byURL, 0, "/a"))
		if o := r.Outcomes[0]; o.PurgeID != 21 || o.State != Succeeded {
			t.Fatalf("outcome %+v, want purge 21, done: 20 is an earlier run's", o)
		}
	})
}

// TestAnEntryCreatedAfterTheAnswerIsTakenWhenNoneCameBefore: the history may
// list a purge with a creation time past the Date of its answer (the clocks
// of the API's servers differ); with none before, the earliest after is the
// purge's.
func TestAnEntryCreatedAfterTheAnswerIsTakenWhenNoneCameBefore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t,
			purge(31, byURL, 9*time.Second, gcoreapi.StatusFailed, 0, "/a"),
			purge(30, byURL, 3*time.Second, gcoreapi.StatusSuccessful, 0, "/a"),
		)
		r := h.wait(context.Background(), accepted(1, byURL, 0, "/a"))
		if o := r.Outcomes[0]; o.PurgeID != 30 || o.State != Succeeded {
			t.Fatalf("outcome %+v, want purge 30: the earliest created after the answer", o)
		}
	})
}

func TestClaimsAreSharedByTheWaiter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t,
			purge(20, byURL, 200*time.Millisecond, gcoreapi.StatusSuccessful, 0, "/a"),
			purge(21, byURL, 1200*time.Millisecond, gcoreapi.StatusSuccessful, 0, "/a"),
		)
		first, second := accepted(1, byURL, 0, "/a"), accepted(2, byURL, time.Second, "/a")
		ids := func(r Report) int64 { return r.Outcomes[0].PurgeID }

		if id := ids(h.wait(context.Background(), first)); id != 20 {
			t.Fatalf("first purge took entry %d, want 20", id)
		}
		if id := ids(h.wait(context.Background(), second)); id != 21 {
			t.Fatalf("second purge took entry %d, want 21: 20 is claimed", id)
		}
		// Another job that rode the first request finds the same entry.
		if id := ids(h.wait(context.Background(), first)); id != 20 {
			t.Fatalf("first purge, waited for again, took entry %d, want 20", id)
		}
	})
}

// TestClaimsAreKeyedByThePurge: two purges of one payload are told apart by
// their keys, not by their times: the same time does not make them one.
func TestClaimsAreKeyedByThePurge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t,
			purge(20, byURL, 200*time.Millisecond, gcoreapi.StatusSuccessful, 0, "/a"),
			purge(21, byURL, 300*time.Millisecond, gcoreapi.StatusSuccessful, 0, "/a"),
		)
		r := h.wait(context.Background(), accepted(1, byURL, 0, "/a"), accepted(2, byURL, 0, "/a"))
		if a, b := r.Outcomes[0], r.Outcomes[1]; a.PurgeID == b.PurgeID || a.State != Succeeded || b.State != Succeeded {
			t.Fatalf("outcomes %+v, %+v: want two entries for two purges", a, b)
		}
	})
}

func TestEncodedAndDecodedPathsMatch(t *testing.T) {
	for _, tc := range []struct {
		name            string
		purged, inEntry string
	}{
		{"purged encoded, listed decoded", "/my%20file.js", "/my file.js"},
		{"purged decoded, listed encoded", "/my file.js", "/my%20file.js"},
		{"non-ASCII", "/caf%C3%A9.css", "/café.css"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, purge(40, byURL, 200*time.Millisecond, gcoreapi.StatusSuccessful, 0, tc.inEntry, "/b"))
				r := h.wait(within(t, 10*time.Second), accepted(1, byURL, 0, "/b", tc.purged))
				if o := r.Outcomes[0]; o.State != Succeeded || o.PurgeID != 40 {
					t.Fatalf("outcome %+v: %q and %q are one path", o, tc.purged, tc.inEntry)
				}
			})
		})
	}
	// Decoding does not make different paths one.
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, purge(40, byURL, 200*time.Millisecond, gcoreapi.StatusSuccessful, 0, "/my%2520file.js"))
		r := h.wait(within(t, 10*time.Second), accepted(1, byURL, 0, "/my file.js"))
		if o := r.Outcomes[0]; o.State != Unconfirmed || o.PurgeID != 0 {
			t.Fatalf("outcome %+v: /my%%2520file.js is not /my file.js", o)
		}
	})
}

// TestTruncatedHistoryStillCounts: a history too long to read whole
// (gcoreapi.ErrHistoryTruncated) still says what it holds: a purge found in
// what was read is settled by it, one not found is polled for until the
// grace period ends, and then said why.
func TestTruncatedHistoryStillCounts(t *testing.T) {
	t.Run("found", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, purge(10, byURL, 400*time.Millisecond, gcoreapi.StatusSuccessful, 5*time.Second, "/a"))
			h.api.truncated = true
			r := h.wait(context.Background(), accepted(1, byURL, 0, "/a"))
			if o := r.Outcomes[0]; o.State != Succeeded || o.PurgeID != 10 || elapsed() != 7*time.Second {
				t.Fatalf("outcome %+v at %s, want done at 7s", o, elapsed())
			}
		})
	})
	t.Run("missing", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, purge(10, byURL, 400*time.Millisecond, gcoreapi.StatusSuccessful, 0, "/other"))
			h.api.truncated = true
			r := h.wait(context.Background(), accepted(1, byURL, 0, "/a"))
			o := r.Outcomes[0]
			if want := "not found in the purge history within 2m0s; its latest reading failed: " + gcoreapi.ErrHistoryTruncated.Error(); o.State != Unconfirmed || o.Reason != want {
				t.Fatalf("outcome %+v, want unconfirmed: %s", o, want)
			}
			assertReadingTimes(t, h, 0, time.Second, 3*time.Second, 7*time.Second, 15*time.Second, 30*time.Second,
				45*time.Second, 60*time.Second, 75*time.Second, 90*time.Second, 105*time.Second, 120*time.Second)
		})
	})
}

func TestReadingsThatFailAreRetried(t *testing.T) {
	for _, tc := range []struct {
		name     string
		err      func(t *testing.T) error
		readings []time.Duration
	}{
		{"429 asking for 10 s", func(t *testing.T) error {
			return answer(t, http.StatusTooManyRequests, http.Header{"Retry-After": {"10"}})
		}, []time.Duration{0, time.Second, 11 * time.Second}},
		{"429 asking nothing: one more step", func(t *testing.T) error {
			return answer(t, http.StatusTooManyRequests, nil)
		}, []time.Duration{0, time.Second, 3 * time.Second, 7 * time.Second}},
		{"server error: one more step", func(t *testing.T) error {
			return answer(t, http.StatusBadGateway, nil)
		}, []time.Duration{0, time.Second, 3 * time.Second, 7 * time.Second}},
		{"lost connection: one more step", func(*testing.T) error {
			return &url.Error{Op: "Get", URL: "https://api.test/cdn/purge_statuses", Err: errors.New("connection reset by peer")}
		}, []time.Duration{0, time.Second, 3 * time.Second, 7 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, purge(10, byURL, 0, gcoreapi.StatusSuccessful, 5*time.Second, "/a"))
				h.api.errs = []error{nil, tc.err(t)}
				r := h.wait(context.Background(), accepted(1, byURL, 0, "/a"))

				if r.Outcomes[0].State != Succeeded {
					t.Fatalf("outcome = %+v", r.Outcomes[0])
				}
				assertReadingTimes(t, h, tc.readings...)
			})
		})
	}
}

// TestGracePeriodEndsOnTime: a purge still missing when the grace period
// ends is given up then, even when the next reading was due later (here a
// 429 asked for 100 s at 30 s).
func TestGracePeriodEndsOnTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.api.errs = []error{nil, nil, nil, nil, nil, answer(t, http.StatusTooManyRequests, http.Header{"Retry-After": {"100"}})}
		r := h.wait(context.Background(), accepted(1, byURL, 0, "/a"))

		o := r.Outcomes[0]
		if o.State != Unconfirmed || o.Reason != "not found in the purge history within 2m0s" || elapsed() != GracePeriod {
			t.Fatalf("outcome %+v at %s, want unconfirmed at the end of the grace period", o, elapsed())
		}
		assertReadingTimes(t, h, 0, time.Second, 3*time.Second, 7*time.Second, 15*time.Second, 30*time.Second, GracePeriod)
	})
}

func TestUnreadableHistoryIsUnconfirmed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.api.errs = []error{answer(t, http.StatusForbidden, nil)}
		r := h.wait(context.Background(), accepted(1, byURL, 0, "/a"))

		o := r.Outcomes[0]
		if o.State != Unconfirmed || !strings.HasPrefix(o.Reason, "the purge history could not be read: the Gcore API answered 403") {
			t.Fatalf("outcome = %+v", o)
		}
		assertReadingTimes(t, h, 0)
	})
}

func TestNotFoundAfterFailedReadingsSaysWhy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.api.errs = slices.Repeat([]error{answer(t, http.StatusBadGateway, nil)}, 100)
		r := h.wait(within(t, 20*time.Second), accepted(1, byURL, 0, "/a"))

		if o := r.Outcomes[0]; o.State != Unconfirmed || !strings.Contains(o.Reason,
			"not found in the purge history within 20s; its latest reading failed: the Gcore API answered 502") {
			t.Fatalf("outcome = %+v", o)
		}
	})
}

func TestProgressOfSeveralPurges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t,
			purge(1, byURL, 0, gcoreapi.StatusSuccessful, 2*time.Second, "/a"),
			purge(2, byPattern, 0, gcoreapi.StatusFailed, 5*time.Second, "/img/*"),
			purge(3, all, 0, gcoreapi.StatusReportDisabled, 0),
		)
		r := h.wait(context.Background(),
			accepted(1, byURL, 0, "/a"), accepted(2, byPattern, 0, "/img/*"), accepted(3, all, 0))

		want := []string{
			"0 of 3 requests done, 1 unconfirmed",
			"1 of 3 requests done, 1 unconfirmed",
			"1 of 3 requests done, 1 failed, 1 unconfirmed",
		}
		if !slices.Equal(h.progress, want) {
			t.Fatalf("progress:\n got %q\nwant %q", h.progress, want)
		}
		if got := r.Progress(); got != want[2] {
			t.Fatalf("Progress() = %q", got)
		}
		// One reading per purge type still waited for.
		var types []string
		for _, rd := range h.api.readings {
			types = append(types, rd.at.String()+" "+rd.q.Type.HistoryName())
		}
		wantTypes := []string{"0s purge_by_url", "0s purge_by_pattern", "0s purge_all",
			"1s purge_by_url", "1s purge_by_pattern", "3s purge_by_url", "3s purge_by_pattern", "7s purge_by_pattern"}
		if !slices.Equal(types, wantTypes) {
			t.Fatalf("readings:\n got %q\nwant %q", types, wantTypes)
		}
		assertMessage(t, "Err()", errText(r.Err()), "- purge by pattern (/img/*): the API accepted it, but the purge history reports it failed")
		assertMessage(t, "Warning()", r.Warning(), "- purge all: status reports are disabled")
	})
}

func TestPurgesAreNamedByTheirFirstItems(t *testing.T) {
	many := make([]string, 100)
	for i := range many {
		many[i] = "/" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
	}
	for _, tc := range []struct {
		purge gcoreapi.Purge
		want  string
	}{
		{gcoreapi.Purge{Type: all}, "purge all"},
		{gcoreapi.Purge{Type: byPattern, Items: []string{"/img/*"}}, "purge by pattern (/img/*)"},
		{gcoreapi.Purge{Type: byURL, Items: []string{"/a", "/b", "/c"}}, "purge by URL (/a, /b, /c)"},
		{gcoreapi.Purge{Type: byURL, Items: many}, "purge by URL (/a, /b, /c and 97 more)"},
	} {
		if got := name(tc.purge); got != tc.want {
			t.Errorf("name(%s of %d items) = %q, want %q", tc.purge.Type, len(tc.purge.Items), got, tc.want)
		}
	}
}
