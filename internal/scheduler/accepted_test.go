package scheduler

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// These tests show what a caller that keeps partial progress relies on:
// Result.Accepted holds exactly the items of the requests the API accepted,
// and Result.Purges those requests, whether the job succeeds, fails
// part-way or ends part-way.

func TestLargeJobReportsEveryItemAccepted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, fastAccount, Options{})
		items := urls("f", 250)
		a := h.enqueue("a", Job{ResourceID: 1, Kind: byURL, Items: items})
		sleepUntil(t, gather)
		res := a.succeed(t)

		calls := h.api.recorded()
		if len(calls) != 3 || res.AcceptedRequests != 3 || len(res.Purges) != 3 {
			t.Fatalf("%d calls, result %+v; want 3 requests of at most 100 URLs", len(calls), res)
		}
		if !slices.Equal(res.Accepted, items) {
			t.Fatalf("accepted %d items, want all 250 in order", len(res.Accepted))
		}
		for i, p := range res.Purges {
			if !slices.Equal(p.Items, calls[i].items) {
				t.Fatalf("purge %d carries %d items, want those of call %d", i+1, len(p.Items), i+1)
			}
		}
	})
}

func TestJobFailingPartWayKeepsWhatWasAccepted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, fastAccount, Options{})
		h.api.script(nil, apiError(t, 400, ""))
		items := urls("f", 250)
		a := h.enqueue("a", Job{ResourceID: 1, Kind: byURL, Items: items})
		sleepUntil(t, gather)
		res, err := a.wait(t)

		if !errors.Is(err, gcoreapi.ErrBadRequest) {
			t.Fatalf("err = %v, want the 400", err)
		}
		if !slices.Equal(res.Accepted, items[:100]) || !res.AcceptedAt.Equal(t0.Add(gather)) || res.AcceptedRequests != 1 {
			t.Fatalf("accepted %d items at %s, want the first request's 100 at %s", len(res.Accepted), res.AcceptedAt, t0.Add(gather))
		}
		if len(res.Purges) != 1 || !slices.Equal(res.Purges[0].Items, items[:100]) {
			t.Fatalf("purges %+v, want the first request only", res.Purges)
		}
		if got := len(h.api.recorded()); got != 2 {
			t.Fatalf("%d calls, want 2: the third request must not be sent after a failure", got)
		}
	})
}

func TestJobEndingPartWayKeepsWhatWasAccepted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{})
		items := urls("f", 300)
		ctx, cancel := context.WithDeadline(context.Background(), t0.Add(time.Minute))
		defer cancel()
		a := h.enqueueCtx(ctx, "a", Job{ResourceID: 1, Kind: byURL, Items: items})
		sleepUntil(t, gather)
		h.assertEvents("a: waiting for rate-limit room", 1)
		sleepUntil(t, time.Minute)
		res, err := a.wait(t)

		var timeout *TimeoutError
		if !errors.As(err, &timeout) || timeout.Sent {
			t.Fatalf("err = %#v, want a timeout with items never sent", err)
		}
		if !slices.Equal(res.Accepted, items[:200]) || res.AcceptedRequests != 2 || len(res.Purges) != 2 {
			t.Fatalf("accepted %d items in %d requests, want the 200 of the two requests the 2/m window let through",
				len(res.Accepted), res.AcceptedRequests)
		}
		sleepUntil(t, time.Hour)
		if got := len(h.api.recorded()); got != 2 {
			t.Fatalf("%d calls, want 2: the job's remaining items left with it", got)
		}
	})
}

func TestPurgeAllAcceptsTheItemsItSettles(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{})
		items := urls("p", 15)
		p := h.enqueue("p", Job{ResourceID: 1, Kind: byPattern, Items: items})
		sleepUntil(t, gather)
		h.assertEvents("p: waiting for rate-limit room", 1) // 10 patterns sent, 5 wait
		a := h.enqueue("all", Job{ResourceID: 1, Kind: all})
		sleepUntil(t, 2*gather)
		a.succeed(t)
		res := p.succeed(t)

		if !res.SettledByPurgeAll || !slices.Equal(res.Accepted, items) || res.AcceptedRequests != 2 {
			t.Fatalf("result = %+v, want all 15 patterns accepted, the last 5 by the purge-all", res)
		}
		if len(res.Purges) != 2 || res.Purges[0].Type != gcoreapi.PurgeByPattern || res.Purges[1].Type != gcoreapi.PurgeAll {
			t.Fatalf("purges = %+v, want the pattern purge, then the purge-all", res.Purges)
		}
		if got := len(h.api.recorded()); got != 2 {
			t.Fatalf("%d calls, want 2: 10 patterns, then the purge-all", got)
		}
	})
}

func TestEstimateAtTheLimitsInForce(t *testing.T) {
	for _, tc := range []struct {
		name    string
		account gcoreapi.AccountLimits
		kind    Kind
		n       int
		want    Estimate
	}{
		{"1,000 URLs at 2/m", documentedAccount, byURL, 1000, Estimate{
			Requests: 10, PerRequest: 100, Limit: rate(2, time.Minute),
			LimitSource: "account's purge_by_urls_request_limit", Minimum: 4 * minuteSpan}},
		{"one request", documentedAccount, byURL, 100, Estimate{
			Requests: 1, PerRequest: 100, Limit: rate(2, time.Minute), LimitSource: "account's purge_by_urls_request_limit"}},
		{"account cap of 50 URLs", gcoreapi.AccountLimits{PurgeByURLsRequestLimit: "1/s", PurgeMaxURLsLimit: 50},
			byURL, 120, Estimate{Requests: 3, PerRequest: 50, Limit: rate(1, time.Second),
				LimitSource: "account's purge_by_urls_request_limit", Minimum: 2 * (time.Second + 50*time.Millisecond)}},
		{"account cap above the documented one", gcoreapi.AccountLimits{PurgeRequestLimit: "1/m", PurgePatternLimit: 50},
			byPattern, 30, Estimate{Requests: 3, PerRequest: 10, Limit: rate(1, time.Minute),
				LimitSource: "account's purge_request_limit", Minimum: 2 * minuteSpan}},
		{"nothing", documentedAccount, byURL, 0, Estimate{
			PerRequest: 100, Limit: rate(2, time.Minute), LimitSource: "account's purge_by_urls_request_limit"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, tc.account, Options{})
				l, err := h.s.Limits(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if got := l.Estimate(tc.kind, tc.n); got != tc.want {
					t.Fatalf("estimate = %+v\nwant       %+v", got, tc.want)
				}
			})
		})
	}
}

func TestEstimateCountsTheConfiguredMargin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{SkewMargin: 5 * time.Second})
		l, _ := h.s.Limits(context.Background())
		if got := l.Estimate(byPattern, 30).Minimum; got != 2*(time.Minute+5*time.Second) {
			t.Fatalf("minimum = %s, want two windows of 1m5s", got)
		}
	})
}

// TestAnItemSharedWithAnEarlierJobIsCarriedOnce: a request full of an
// earlier job's items also settles the items a later job shares with them,
// wherever they stand in its list; its next request carries only the rest,
// in order, and nothing goes twice.
func TestAnItemSharedWithAnEarlierJobIsCarriedOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, fastAccount, Options{})
		big := urls("x", 150)
		small := []string{"/y/0", "/x/140", "/x/5", "/y/1"}
		a := h.enqueue("a", Job{ResourceID: 1, Kind: byURL, Items: big})
		b := h.enqueue("b", Job{ResourceID: 1, Kind: byURL, Items: small})
		sleepUntil(t, gather)
		ra, rb := a.succeed(t), b.succeed(t)

		calls := h.api.recorded()
		if len(calls) != 2 {
			t.Fatalf("%d calls, want 2", len(calls))
		}
		assertItems(t, calls[0], big[:100])
		assertItems(t, calls[1], append(slices.Clone(big[100:]), "/y/0", "/y/1"))
		if !slices.Equal(ra.Accepted, big) || ra.AcceptedRequests != 2 {
			t.Fatalf("a accepted %d items in %d requests, want its 150 in order, in 2", len(ra.Accepted), ra.AcceptedRequests)
		}
		if want := []string{"/x/5", "/y/0", "/x/140", "/y/1"}; !slices.Equal(rb.Accepted, want) || rb.AcceptedRequests != 2 {
			t.Fatalf("b accepted %q in %d requests, want %q in 2: /x/5 rode on a's first request", rb.Accepted, rb.AcceptedRequests, want)
		}
	})
}

// TestAWithdrawnJobLeavesNoItemBehind: a job that leaves its queue with
// items never sent, one of them shared with a job still waiting, takes only
// its own items out: the other job's request still carries the shared one,
// for it alone.
func TestAWithdrawnJobLeavesNoItemBehind(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{})
		ctx, cancel := context.WithCancel(context.Background())
		first := h.enqueue("first", Job{ResourceID: 1, Kind: byURL, Items: urls("f", 200)})
		gone := h.enqueueCtx(ctx, "gone", Job{ResourceID: 1, Kind: byURL, Items: []string{"/g/0", "/shared"}})
		stays := h.enqueue("stays", Job{ResourceID: 1, Kind: byURL, Items: []string{"/shared", "/s/0"}})
		sleepUntil(t, gather)
		cancel()
		synctest.Wait()
		if _, err := gone.wait(t); err == nil {
			t.Fatal("the cancelled job succeeded")
		}
		first.succeed(t)
		sleepUntil(t, 2*time.Minute)
		rs := stays.succeed(t)

		calls := h.api.recorded()
		if len(calls) != 3 {
			t.Fatalf("%d calls, want 3", len(calls))
		}
		assertItems(t, calls[2], []string{"/shared", "/s/0"})
		if rs.Merged != 0 || !slices.Equal(rs.Accepted, []string{"/shared", "/s/0"}) {
			t.Fatalf("stays = %+v, want its two items in a request of its own", rs)
		}
	})
}
