package scheduler

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// These tests show what a caller that keeps partial progress relies on:
// Result.Accepted holds exactly the items of the requests the API accepted,
// whether the job succeeds, fails part-way or ends part-way.

func TestLargeJobReportsEveryItemAccepted(t *testing.T) {
	h := newHarness(t, fastAccount, Options{})
	items := urls("f", 250)
	a := h.enqueue("a", Job{ResourceID: 1, Type: byURL, Items: items})
	h.advanceTo(gather, 1)
	res := a.succeed(t)

	calls := h.api.recorded()
	if len(calls) != 3 || len(res.Requests) != 3 {
		t.Fatalf("%d calls, result %+v; want 3 requests of at most 100 URLs", len(calls), res)
	}
	if !slices.Equal(res.Accepted, items) {
		t.Fatalf("accepted %d items, want all 250 in order", len(res.Accepted))
	}
}

func TestJobFailingPartWayKeepsWhatWasAccepted(t *testing.T) {
	h := newHarness(t, fastAccount, Options{})
	h.api.script(nil, apiError(t, 400, ""))
	items := urls("f", 250)
	a := h.enqueue("a", Job{ResourceID: 1, Type: byURL, Items: items})
	h.advanceTo(gather, 1)
	res, err := a.wait(t)

	if !errors.Is(err, gcoreapi.ErrBadRequest) {
		t.Fatalf("err = %v, want the 400", err)
	}
	if !slices.Equal(res.Accepted, items[:100]) || res.AcceptedAt != t0.Add(gather) {
		t.Fatalf("accepted %d items at %s, want the first request's 100 at %s", len(res.Accepted), res.AcceptedAt, t0.Add(gather))
	}
	if got := len(h.api.recorded()); got != 2 {
		t.Fatalf("%d calls, want 2: the third request must not be sent after a failure", got)
	}
}

func TestJobEndingPartWayKeepsWhatWasAccepted(t *testing.T) {
	h := newHarness(t, documentedAccount, Options{})
	items := urls("f", 300)
	ctx := newDeadlineCtx(t0.Add(time.Minute))
	a := h.enqueueCtx(ctx, "a", Job{ResourceID: 1, Type: byURL, Items: items})
	h.advanceTo(gather, 1)
	h.waitEvents("a: waiting for rate-limit room", 1)
	h.advanceTo(time.Minute, 1)
	ctx.expire()
	res, err := a.wait(t)

	var timeout *TimeoutError
	if !errors.As(err, &timeout) || timeout.Sent {
		t.Fatalf("err = %#v, want a timeout with items never sent", err)
	}
	if !slices.Equal(res.Accepted, items[:200]) {
		t.Fatalf("accepted %d items, want the 200 of the two requests the 2/m window let through", len(res.Accepted))
	}
	h.advanceTo(time.Hour, 0)
	if got := len(h.api.recorded()); got != 2 {
		t.Fatalf("%d calls, want 2: the job's remaining items left with it", got)
	}
}

func TestPurgeAllAcceptsTheItemsItSettles(t *testing.T) {
	h := newHarness(t, documentedAccount, Options{})
	items := urls("p", 15)
	p := h.enqueue("p", Job{ResourceID: 1, Type: byPattern, Items: items})
	h.advanceTo(gather, 1)
	h.waitEvents("p: waiting for rate-limit room", 1) // 10 patterns sent, 5 wait
	a := h.enqueue("all", Job{ResourceID: 1, Type: all})
	h.advanceTo(2*gather, 2)
	a.succeed(t)
	res := p.succeed(t)

	if !res.SettledByPurgeAll || !slices.Equal(res.Accepted, items) {
		t.Fatalf("result = %+v, want all 15 patterns accepted, the last 5 by the purge-all", res)
	}
	if got := len(h.api.recorded()); got != 2 {
		t.Fatalf("%d calls, want 2: 10 patterns, then the purge-all", got)
	}
}

func TestEstimateAtTheLimitsInForce(t *testing.T) {
	for _, tc := range []struct {
		name    string
		account gcoreapi.AccountLimits
		typ     gcoreapi.PurgeType
		n       int
		want    Estimate
	}{
		{"1,000 URLs at 2/m", documentedAccount, byURL, 1000, Estimate{
			Requests: 10, PerRequest: 100, Limit: gcoreapi.Rate{Requests: 2, Window: time.Minute},
			LimitSource: "account", Minimum: 4 * minuteSpan}},
		{"one request", documentedAccount, byURL, 100, Estimate{
			Requests: 1, PerRequest: 100, Limit: gcoreapi.Rate{Requests: 2, Window: time.Minute}, LimitSource: "account"}},
		{"account cap of 50 URLs", gcoreapi.AccountLimits{PurgeByURLsRequestLimit: "1/s", PurgeMaxURLsLimit: 50},
			byURL, 120, Estimate{Requests: 3, PerRequest: 50, Limit: gcoreapi.Rate{Requests: 1, Window: time.Second},
				LimitSource: "account", Minimum: 2 * (time.Second + 50*time.Millisecond)}},
		{"nothing", documentedAccount, byURL, 0, Estimate{
			PerRequest: 100, Limit: gcoreapi.Rate{Requests: 2, Window: time.Minute}, LimitSource: "account"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.account, Options{})
			if got := h.s.Estimate(context.Background(), tc.typ, tc.n); got != tc.want {
				t.Fatalf("estimate = %+v\nwant       %+v", got, tc.want)
			}
		})
	}
}

func TestEstimateNeverWaitsLongerThanItsContext(t *testing.T) {
	h := newColdHarness(t, documentedAccount, Options{})
	release := make(chan struct{})
	h.api.limitsHook = func(context.Context) { <-release }
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got := h.s.Estimate(ctx, byURL, 500)
	if got.Requests != 5 || got.Limit != gcoreapi.DocumentedRate(byURL) ||
		got.LimitSource != "documented default: the account limits were not read in time" {
		t.Fatalf("estimate = %+v", got)
	}
}
