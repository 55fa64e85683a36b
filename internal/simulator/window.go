package simulator

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// WaitHint is a way a 429 may say how long to wait: the forms of Gcore's
// guide and SDKs, and of Django REST Framework, which the API is built on.
// The wait given is the true one, rounded up to the unit of the form.
type WaitHint int

const (
	// NoWaitHint answers a bare 429, as Gcore's API reference documents it.
	NoWaitHint WaitHint = iota
	// RetryAfterSeconds sends "Retry-After: N", in whole seconds.
	RetryAfterSeconds
	// RetryAfterDate sends "Retry-After: <HTTP date>".
	RetryAfterDate
	// RetryAfterMs sends "Retry-After-Ms: N", in milliseconds.
	RetryAfterMs
	// ThrottledBody answers DRF's {"detail": "Request was throttled.
	// Expected available in N seconds."}, without a header.
	ThrottledBody
)

// windowKey names one sliding window: the API limits each purge type of each
// CDN resource separately, and its prefetches apart from its purges.
type windowKey struct {
	resourceID int64
	purgeType  PurgeType // "" for a prefetch
}

// take adds a request to the window of key at now if it fits, and reports
// whether it did and, when not, how long until it would. A request counts
// while At > now-window; only accepted requests are in a window. The caller
// holds s.mu.
func (s *Simulator) take(key windowKey, now time.Time) (time.Duration, bool) {
	rate := s.limits.rate(key.purgeType)
	start := now.Add(-rate.window)
	inWindow := slices.DeleteFunc(s.windows[key], func(at time.Time) bool { return !at.After(start) })
	s.windows[key] = inWindow
	if len(inWindow) < rate.requests {
		s.windows[key] = append(inWindow, now)
		return 0, true
	}
	sorted := slices.SortedFunc(slices.Values(inWindow), time.Time.Compare)
	// Room appears when enough of the oldest requests have left the window.
	return sorted[len(sorted)-rate.requests].Add(rate.window).Sub(now), false
}

// tooManyRequests is the API's 429, answered at now to a request that fits
// the window after wait: bare unless the configuration asks for a wait hint.
func (s *Simulator) tooManyRequests(now time.Time, wait time.Duration) answer {
	a := answer{status: http.StatusTooManyRequests}
	secs := max(roundUp(wait, time.Second), 1)
	switch s.waitHint {
	case RetryAfterSeconds:
		a.header = http.Header{"Retry-After": {strconv.FormatInt(secs, 10)}}
	case RetryAfterDate:
		// A date has whole seconds: the next one at or after the wait.
		at := now.Add(wait)
		if truncated := at.Truncate(time.Second); !truncated.Equal(at) {
			at = truncated.Add(time.Second)
		}
		a.header = http.Header{"Retry-After": {at.UTC().Format(http.TimeFormat)}}
	case RetryAfterMs:
		a.header = http.Header{"Retry-After-Ms": {strconv.FormatInt(max(roundUp(wait, time.Millisecond), 1), 10)}}
	case ThrottledBody:
		unit := "seconds"
		if secs == 1 {
			unit = "second"
		}
		a.body = fmt.Appendf(nil, `{"detail":"Request was throttled. Expected available in %d %s."}`, secs, unit)
	}
	return a
}

// roundUp is d in whole units, rounded up.
func roundUp(d, unit time.Duration) int64 {
	return int64((d + unit - 1) / unit)
}
