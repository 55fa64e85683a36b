package scheduler

import (
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// Estimate is the least time a job of some items can take at the limits in
// force: a lower bound, since other jobs, other clients and retries share
// the same window.
type Estimate struct {
	// Requests is how many requests carry the items.
	Requests int
	// PerRequest is how many items one request may carry.
	PerRequest int
	// Limit is the rate limit of the kind, and LimitSource where it comes
	// from (Limits.Rate).
	Limit       gcoreapi.Rate
	LimitSource string
	// Minimum is the time the rate window forces between the first request
	// and the last: the first Limit.Requests go at once, then each further
	// batch waits a window.
	Minimum time.Duration
}

// Estimate returns the least time a job of n items of kind k takes at l; a
// purge of everything is one request.
func (l Limits) Estimate(k Kind, n int) Estimate {
	rate, source := l.Rate(k)
	e := Estimate{PerRequest: 1, Limit: rate, LimitSource: source}
	if k != PurgeAll {
		e.PerRequest, _ = l.MaxItems(k)
	}
	switch {
	case k == PurgeAll:
		e.Requests = 1
	case n > 0:
		e.Requests = (n + e.PerRequest - 1) / e.PerRequest
	}
	if batches := (e.Requests + rate.Requests - 1) / rate.Requests; batches > 1 {
		e.Minimum = time.Duration(batches-1) * newWindow(rate, l.margin).span
	}
	return e
}
