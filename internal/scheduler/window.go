package scheduler

import (
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// Bounds of the default skew margin, which is 1% of the window.
const (
	minSkewMargin = 50 * time.Millisecond
	maxSkewMargin = 2 * time.Second
)

// skewMargin is the margin added to a rate window: configured when positive,
// none when negative, else 1% of the window within [50ms, 2s].
func skewMargin(window, configured time.Duration) time.Duration {
	switch {
	case configured > 0:
		return configured
	case configured < 0:
		return 0
	}
	return min(max(window/100, minSkewMargin), maxSkewMargin)
}

// window is the sliding rate window of one queue. Only its worker sends, one
// request at a time, so a request in flight needs no entry: nothing of the
// queue is sent meanwhile. Once answered it is recorded at the answer time.
type window struct {
	rate   gcoreapi.Rate
	margin time.Duration
	span   time.Duration // rate.Window + margin
	// answers are the times at which counted requests were answered, oldest
	// first; entries older than span are dropped.
	answers []time.Time
	// blockedUntil is set by a 429: nothing is sent before it.
	blockedUntil time.Time
}

func newWindow(rate gcoreapi.Rate, configuredMargin time.Duration) window {
	margin := skewMargin(rate.Window, configuredMargin)
	return window{rate: rate, margin: margin, span: rate.Window + margin}
}

// record counts a request answered at t (accepted or failed other than 429).
func (w *window) record(t time.Time) {
	w.answers = append(w.answers, t)
}

// block keeps the window closed until t; a request answered 429 is not
// recorded: this replaces it.
func (w *window) block(t time.Time) {
	w.blockedUntil = later(w.blockedUntil, t)
}

// nextRoom returns the earliest time, not before now, at which one more
// request may be sent. A request answered at a stops counting at a+span
// exactly.
func (w *window) nextRoom(now time.Time) time.Time {
	w.forget(now)
	at := later(now, w.blockedUntil)
	if len(w.answers) < w.rate.Requests {
		return at
	}
	// Room comes back when all but Requests-1 of the entries have expired.
	return later(at, w.answers[len(w.answers)-w.rate.Requests].Add(w.span))
}

// forget drops the entries that no longer count at now.
func (w *window) forget(now time.Time) {
	expired := 0
	for expired < len(w.answers) && !now.Before(w.answers[expired].Add(w.span)) {
		expired++
	}
	w.answers = w.answers[expired:]
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
