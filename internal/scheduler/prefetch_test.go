package scheduler

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// These tests show prefetches going through the scheduler: in a queue and a
// rate window of their own per CDN resource, merged and split like purges.

// prefetchAccount is the documented account, prefetch limits included.
var prefetchAccount = gcoreapi.AccountLimits{
	PurgeRequestLimit: "1/m", PurgeByURLsRequestLimit: "2/m", PurgeMaxURLsLimit: 100, PurgePatternLimit: 10,
	PrefetchRequestLimit: "1/m", PrefetchPatternLimit: 100,
}

func TestPrefetchHasAWindowOfItsOwn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, prefetchAccount, Options{})
		// Both URL requests of resource 1 and its first prefetch go at once.
		u := h.enqueue("u", Job{ResourceID: 1, Kind: byURL, Items: urls("u", 200)})
		p1 := h.enqueue("p1", Job{ResourceID: 1, Kind: Prefetch, Items: []string{"/big.iso"}})
		sleepUntil(t, gather)
		u.succeed(t)
		res := p1.succeed(t)
		assertCallTimes(t, h, gather, gather, gather)
		// A prefetch is no purge: nothing to find in the purge history.
		want := Result{Accepted: []string{"/big.iso"}, AcceptedRequests: 1, Elapsed: gather, AcceptedAt: t0.Add(gather)}
		if got := normalized(res); !reflect.DeepEqual(got, want) {
			t.Fatalf("first prefetch = %+v, want %+v", got, want)
		}

		// The second prefetch waits for its own window, 1/m, not the URL one.
		sleepUntil(t, time.Second)
		p2 := h.enqueue("p2", Job{ResourceID: 1, Kind: Prefetch, Items: []string{"/big2.iso"}})
		h.assertEvents("p2: waiting for rate-limit room", 1)
		sleepUntil(t, gather+minuteSpan)
		p2.succeed(t)

		calls := h.api.recorded()
		if got := calls[3]; got.at != gather+minuteSpan || got.kind != Prefetch || !slices.Equal(got.items, []string{"/big2.iso"}) {
			t.Fatalf("second prefetch = %+v", got)
		}
		assertProgress(t, h, "p2", "waiting for rate-limit room until 00:01:00 UTC (limit 1/m)", "sent request #4 (1 file)", "accepted")
	})
}

func TestPrefetchesWaitingTogetherShareRequestsSplitAtTheAccountCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		account := prefetchAccount
		account.PrefetchRequestLimit, account.PrefetchPatternLimit = "2/m", 25
		h := newHarness(t, account, Options{})
		a := h.enqueue("a", Job{ResourceID: 1, Kind: Prefetch, Items: urls("a", 30)})
		b := h.enqueue("b", Job{ResourceID: 1, Kind: Prefetch, Items: append([]string{"/a/0"}, urls("b", 10)...)})
		sleepUntil(t, gather)
		ra, rb := a.succeed(t), b.succeed(t)

		assertCallTimes(t, h, gather, gather)
		calls := h.api.recorded()
		first, second := urls("a", 25), append(urls("a", 30)[25:], urls("b", 10)...)
		assertItems(t, calls[0], first)
		assertItems(t, calls[1], second)
		if !slices.Equal(ra.Accepted, urls("a", 30)) || ra.AcceptedRequests != 2 || len(ra.Purges) != 0 {
			t.Fatalf("a = %+v", ra)
		}
		if !slices.Equal(rb.Accepted, append([]string{"/a/0"}, urls("b", 10)...)) || rb.AcceptedRequests != 2 || len(rb.Purges) != 0 {
			t.Fatalf("b = %+v", rb)
		}
		if ra.Merged != 1 || rb.Merged != 1 {
			t.Fatalf("merged: a %d, b %d", ra.Merged, rb.Merged)
		}
		assertProgress(t, h, "b", "merged with 1 other prefetch into request #1", "sent request #1 (25 files)",
			"merged with 1 other prefetch into request #2", "sent request #2 (15 files)", "accepted")
		if logs := h.eventsWith("prefetch of CDN resource 1: request #1 carries 2 prefetches (25 files)"); len(logs) != 1 {
			t.Fatalf("merge logs = %q", h.eventsWith("log: "))
		}
	})
}

func TestPurgeAllSettlesNoPrefetch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, prefetchAccount, Options{})
		// The URL purge and the prefetch wait in their queues when the
		// purge-all is built.
		u, p := h.enqueueBehindFullWindows(
			Job{ResourceID: 1, Kind: byURL, Items: []string{"/a"}}, Job{ResourceID: 1, Kind: Prefetch, Items: []string{"/a"}})
		a := h.enqueue("all", Job{ResourceID: 1, Kind: all})
		sleepUntil(t, time.Second+gather)
		ra, ru := a.succeed(t), u.succeed(t)

		// The URL fill took keys 1 and 2; a prefetch takes none.
		wantAll := []gcoreapi.AcceptedPurge{accepted(3, 1, gcoreapi.PurgeAll, time.Second+gather)}
		if got := normalized(ru); !got.SettledByPurgeAll || !reflect.DeepEqual(got.Purges, wantAll) || !reflect.DeepEqual(normalized(ra).Purges, wantAll) {
			t.Fatalf("URL purge rode on %+v (settled by purge-all: %v), want %+v", got.Purges, got.SettledByPurgeAll, wantAll)
		}
		if p.finished() {
			t.Fatal("the purge-all settled the prefetch")
		}
		sleepUntil(t, gather+minuteSpan)
		rp := p.succeed(t)
		calls := h.api.recorded()
		if last := calls[len(calls)-1]; last.at != gather+minuteSpan || last.kind != Prefetch || rp.SettledByPurgeAll {
			t.Fatalf("prefetch call %+v, result %+v", last, rp)
		}
	})
}

func TestEstimateOfPrefetches(t *testing.T) {
	for _, tc := range []struct {
		name    string
		account gcoreapi.AccountLimits
		want    Estimate
	}{
		{"account limits", prefetchAccount, Estimate{Requests: 10, PerRequest: 100,
			Limit: rate(1, time.Minute), LimitSource: "account's prefetch_request_limit", Minimum: 9 * minuteSpan}},
		{"account cap of 50 files at 2/m", gcoreapi.AccountLimits{PrefetchRequestLimit: "2/m", PrefetchPatternLimit: 50},
			Estimate{Requests: 20, PerRequest: 50, Limit: rate(2, time.Minute),
				LimitSource: "account's prefetch_request_limit", Minimum: 9 * minuteSpan}},
		{"documented limits", documentedAccount, Estimate{Requests: 10, PerRequest: 100,
			Limit: gcoreapi.DocumentedPrefetchRate(), LimitSource: "documented: prefetch_request_limit is missing",
			Minimum: 9 * minuteSpan}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, tc.account, Options{})
				l, _ := h.s.Limits(context.Background())
				if got := l.Estimate(Prefetch, 1000); got != tc.want {
					t.Fatalf("estimate = %+v\nwant       %+v", got, tc.want)
				}
			})
		})
	}
}

func TestPrefetchLimitsAreLogged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, gcoreapi.AccountLimits{PrefetchRequestLimit: "3/m"}, Options{})
		logs := h.eventsWith("log: Gcore limits in force")
		if len(logs) != 1 {
			t.Fatalf("limit logs = %q, want one", logs)
		}
		for _, want := range []string{
			"prefetch 3/m (account's prefetch_request_limit)",
			"100 files a request (documented: prefetch_pattern_limit is missing or not positive)",
		} {
			if !strings.Contains(logs[0], want) {
				t.Errorf("limit log %q lacks %q", logs[0], want)
			}
		}
	})
}
