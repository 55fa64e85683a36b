package scheduler

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// These tests show prefetches going through the scheduler: in a queue and a
// rate window of their own per CDN resource, merged and split like purges.

var prefetch = gcoreapi.Prefetch

// prefetchAccount is the documented account, prefetch limits included.
var prefetchAccount = gcoreapi.AccountLimits{
	PurgeRequestLimit: "1/m", PurgeByURLsRequestLimit: "2/m", PurgeMaxURLsLimit: 100, PurgePatternLimit: 10,
	PrefetchRequestLimit: "1/m", PrefetchPatternLimit: 100,
}

// withoutNumbers returns sent with Number zeroed, for requests whose numbers
// depend on which queue's worker dispatched first.
func withoutNumbers(sent []SentRequest) []SentRequest {
	out := slices.Clone(sent)
	for i := range out {
		out[i].Number = 0
	}
	return out
}

func TestPrefetchHasAWindowOfItsOwn(t *testing.T) {
	h := newHarness(t, prefetchAccount, Options{})
	// Both URL requests of resource 1 and its first prefetch go at once.
	u := h.enqueue("u", Job{ResourceID: 1, Type: byURL, Items: urls("u", 200)})
	p1 := h.enqueue("p1", Job{ResourceID: 1, Type: prefetch, Items: []string{"/big.iso"}})
	h.advanceTo(gather, 2)
	u.succeed(t)
	res := p1.succeed(t)
	assertCallTimes(t, h, gather, gather, gather)
	want := []SentRequest{{ResourceID: 1, Type: prefetch, Items: []string{"/big.iso"}, AcceptedAt: t0.Add(gather)}}
	if got := withoutNumbers(res.Requests); !reflect.DeepEqual(got, want) {
		t.Fatalf("first prefetch's requests = %+v, want %+v", got, want)
	}

	// The second prefetch waits for its own window, 1/m, not the URL one.
	h.advanceTo(time.Second, 0)
	p2 := h.enqueue("p2", Job{ResourceID: 1, Type: prefetch, Items: []string{"/big2.iso"}})
	h.waitEvents("p2: waiting for rate-limit room", 1)
	h.advanceTo(gather+minuteSpan, 1)
	p2.succeed(t)

	calls := h.api.recorded()
	if got := calls[3]; got.at != gather+minuteSpan || got.purge.Type != prefetch || !slices.Equal(got.purge.Items, []string{"/big2.iso"}) {
		t.Fatalf("second prefetch = %+v", got)
	}
	assertProgress(t, h, "p2", "waiting for rate-limit room until 12:01:00 UTC (limit 1/m)", "sent request #4 (1 file)", "accepted")
}

func TestPrefetchesWaitingTogetherShareRequestsSplitAtTheAccountCap(t *testing.T) {
	account := prefetchAccount
	account.PrefetchRequestLimit, account.PrefetchPatternLimit = "2/m", 25
	h := newHarness(t, account, Options{})
	a := h.enqueue("a", Job{ResourceID: 1, Type: prefetch, Items: urls("a", 30)})
	b := h.enqueue("b", Job{ResourceID: 1, Type: prefetch, Items: append([]string{"/a/0"}, urls("b", 10)...)})
	h.advanceTo(gather, 1)
	ra, rb := a.succeed(t), b.succeed(t)

	assertCallTimes(t, h, gather, gather)
	calls := h.api.recorded()
	first, second := urls("a", 25), append(urls("a", 30)[25:], urls("b", 10)...)
	assertItems(t, calls[0], first)
	assertItems(t, calls[1], second)
	wantA := []SentRequest{
		{Number: 1, ResourceID: 1, Type: prefetch, Items: first, AcceptedAt: t0.Add(gather)},
		{Number: 2, ResourceID: 1, Type: prefetch, Items: second, AcceptedAt: t0.Add(gather)},
	}
	if !reflect.DeepEqual(ra.Requests, wantA) || !reflect.DeepEqual(rb.Requests, wantA) {
		t.Fatalf("requests:\n a %+v\n b %+v\nwant %+v", ra.Requests, rb.Requests, wantA)
	}
	if ra.Merged != 1 || rb.Merged != 1 {
		t.Fatalf("merged: a %d, b %d", ra.Merged, rb.Merged)
	}
	assertProgress(t, h, "b", "merged with 1 other prefetch into request #1", "sent request #1 (25 files)",
		"merged with 1 other prefetch into request #2", "sent request #2 (15 files)", "accepted")
	if logs := h.eventsWith("prefetch of CDN resource 1: request #1 carries 2 prefetches (25 files)"); len(logs) != 1 {
		t.Fatalf("merge logs = %q", h.eventsWith("log: "))
	}
}

func TestPurgeAllSettlesNoPrefetch(t *testing.T) {
	h := newHarness(t, prefetchAccount, Options{})
	// The URL purge and the prefetch wait in their queues when the
	// purge-all is built.
	u, p := h.enqueueBehindFullWindows(
		Job{ResourceID: 1, Type: byURL, Items: []string{"/a"}}, Job{ResourceID: 1, Type: prefetch, Items: []string{"/a"}})
	a := h.enqueue("all", Job{ResourceID: 1, Type: all})
	h.advanceTo(time.Second+gather, 3)
	ra, ru := a.succeed(t), u.succeed(t)

	wantAll := []SentRequest{{Number: 4, ResourceID: 1, Type: all, AcceptedAt: t0.Add(time.Second + gather)}}
	if !ru.SettledByPurgeAll || !reflect.DeepEqual(ru.Requests, wantAll) || !reflect.DeepEqual(ra.Requests, wantAll) {
		t.Fatalf("URL purge rode on %+v (settled by purge-all: %v), want %+v", ru.Requests, ru.SettledByPurgeAll, wantAll)
	}
	if p.finished() {
		t.Fatal("the purge-all settled the prefetch")
	}
	h.advanceTo(gather+minuteSpan, 1)
	rp := p.succeed(t)
	calls := h.api.recorded()
	if last := calls[len(calls)-1]; last.at != gather+minuteSpan || last.purge.Type != prefetch || rp.SettledByPurgeAll {
		t.Fatalf("prefetch call %+v, result %+v", last, rp)
	}
}

func TestEstimateOfPrefetches(t *testing.T) {
	for _, tc := range []struct {
		name    string
		account gcoreapi.AccountLimits
		want    Estimate
	}{
		{"account limits", prefetchAccount, Estimate{Requests: 10, PerRequest: 100,
			Limit: gcoreapi.Rate{Requests: 1, Window: time.Minute}, LimitSource: "account", Minimum: 9 * minuteSpan}},
		{"account cap of 50 files at 2/m", gcoreapi.AccountLimits{PrefetchRequestLimit: "2/m", PrefetchPatternLimit: 50},
			Estimate{Requests: 20, PerRequest: 50, Limit: gcoreapi.Rate{Requests: 2, Window: time.Minute},
				LimitSource: "account", Minimum: 9 * minuteSpan}},
		{"documented defaults", documentedAccount, Estimate{Requests: 10, PerRequest: 100,
			Limit: gcoreapi.DocumentedPrefetchRate(), LimitSource: "documented default: prefetch_request_limit is missing",
			Minimum: 9 * minuteSpan}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.account, Options{})
			if got := h.s.Estimate(context.Background(), prefetch, 1000); got != tc.want {
				t.Fatalf("estimate = %+v\nwant       %+v", got, tc.want)
			}
		})
	}
}

func TestPrefetchLimitsAreLogged(t *testing.T) {
	h := newHarness(t, gcoreapi.AccountLimits{PrefetchRequestLimit: "3/m"}, Options{})
	logs := h.eventsWith("log: Gcore purge limits in force")
	if len(logs) != 1 {
		t.Fatalf("limit logs = %q, want one", logs)
	}
	for _, want := range []string{
		"prefetch 3/m (account)",
		"100 files a prefetch (documented default: prefetch_pattern_limit is missing or not positive)",
	} {
		if !strings.Contains(logs[0], want) {
			t.Errorf("limit log %q lacks %q", logs[0], want)
		}
	}
}
