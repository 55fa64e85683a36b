package scheduler

import (
	"context"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// Estimate is the least time a purge of some items can take at the limits in
// force: a lower bound, since other purges, other clients and retries share
// the same window.
type Estimate struct {
	// Requests is how many requests carry the items.
	Requests int
	// PerRequest is how many items one request may carry.
	PerRequest int
	// Limit is the rate limit of the purge type, and LimitSource where it
	// comes from: "account", or "documented default: <why>".
	Limit       gcoreapi.Rate
	LimitSource string
	// Minimum is the time the rate window forces between the first request
	// and the last: the first Limit.Requests go at once, then each further
	// batch waits a window.
	Minimum time.Duration
}

// Estimate returns the least time a purge of n items of type t takes. It
// reads the account limits as Purge does, once per Scheduler; when they are
// not known before ctx ends, it estimates at the documented limits and says
// why, so that a caller with a short deadline never hangs.
func (s *Scheduler) Estimate(ctx context.Context, t gcoreapi.PurgeType, n int) Estimate {
	l := documentedLimits("the account limits were not read in time")
	if s.awaitLimits(ctx) == nil {
		l = s.limits
	}
	rate := l.rate(t)
	e := Estimate{PerRequest: 1, Limit: rate.value, LimitSource: rate.source()}
	if t != gcoreapi.PurgeAll {
		e.PerRequest = l.maxItems(t)
	}
	if n > 0 {
		e.Requests = (n + e.PerRequest - 1) / e.PerRequest
	}
	if batches := (e.Requests + rate.value.Requests - 1) / rate.value.Requests; batches > 1 {
		span := newWindow(rate.value, s.opts.SkewMargin).span
		e.Minimum = time.Duration(batches-1) * span
	}
	return e
}
