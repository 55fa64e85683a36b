package scheduler

import (
	"testing"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/retry"
)

func TestSkewMargin(t *testing.T) {
	for _, tc := range []struct {
		window, configured, want time.Duration
	}{
		{time.Second, 0, 50 * time.Millisecond}, // 10ms raised to the minimum
		{10 * time.Second, 0, 100 * time.Millisecond},
		{time.Minute, 0, 600 * time.Millisecond},
		{time.Hour, 0, 2 * time.Second}, // 36s capped
		{time.Minute, 5 * time.Second, 5 * time.Second},
		{time.Minute, -1, 0},
	} {
		if got := skewMargin(tc.window, tc.configured); got != tc.want {
			t.Errorf("skewMargin(%s, %s) = %s, want %s", tc.window, tc.configured, got, tc.want)
		}
	}
}

func TestWindowRoomAtTheExactBoundary(t *testing.T) {
	w := newWindow(gcoreapi.Rate{Requests: 2, Window: time.Minute}, 0)
	if w.span != time.Minute+600*time.Millisecond {
		t.Fatalf("span = %s, want 1m0.6s", w.span)
	}
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	assertRoom := func(now, want time.Duration) {
		t.Helper()
		if got := w.nextRoom(at(now)).Sub(t0); got != want {
			t.Fatalf("at %s: next room at %s, want %s", now, got, want)
		}
	}

	assertRoom(0, 0)
	w.record(at(0))
	assertRoom(0, 0) // one of two used
	w.record(at(time.Second))
	assertRoom(time.Second, w.span)            // full until the first entry leaves
	assertRoom(w.span-time.Nanosecond, w.span) // not a nanosecond early
	assertRoom(w.span, w.span)                 // room exactly at the boundary
	assertRoom(w.span+time.Nanosecond, w.span+time.Nanosecond)
	w.record(at(w.span))
	assertRoom(w.span, time.Second+w.span) // now the second entry must leave
}

func TestWindowWithoutMargin(t *testing.T) {
	w := newWindow(gcoreapi.Rate{Requests: 1, Window: time.Minute}, -1)
	w.record(t0)
	if got := w.nextRoom(t0).Sub(t0); got != time.Minute {
		t.Fatalf("next room at %s, want exactly 1m0s", got)
	}
}

func TestWindowBlock(t *testing.T) {
	w := newWindow(gcoreapi.Rate{Requests: 1, Window: time.Minute}, 0)
	w.block(t0.Add(7 * time.Second))
	if got := w.nextRoom(t0).Sub(t0); got != 7*time.Second {
		t.Fatalf("blocked window: next room at %s, want 7s", got)
	}
	w.block(t0.Add(time.Second)) // an earlier block does not shorten it
	if got := w.nextRoom(t0).Sub(t0); got != 7*time.Second {
		t.Fatalf("after an earlier block: next room at %s, want 7s", got)
	}
	w.record(t0.Add(2 * time.Second)) // the later of block and window wins
	if got, want := w.nextRoom(t0.Add(7*time.Second)).Sub(t0), 2*time.Second+w.span; got != want {
		t.Fatalf("blocked and full: next room at %s, want %s", got, want)
	}
}

// TestRetryDelaysOfTheOptions: the scheduler's retry policy keeps what the
// options set and fills in the rest: a capped exponential backoff with
// equal jitter.
func TestRetryDelaysOfTheOptions(t *testing.T) {
	p := Options{Retry: retry.Policy{Cap: 4 * time.Second, Rand: func() float64 { return 0.5 }}}.withDefaults().Retry
	want := []time.Duration{375 * time.Millisecond, 750 * time.Millisecond, 1500 * time.Millisecond, 3 * time.Second, 3 * time.Second}
	for n, w := range want {
		if got := p.Delay(n + 1); got != w {
			t.Errorf("Delay(%d) = %s, want %s", n+1, got, w)
		}
	}
	for _, r := range []float64{0, 0.999999} {
		p.Rand = func() float64 { return r }
		if got := p.Delay(1); got < 250*time.Millisecond || got >= 500*time.Millisecond {
			t.Errorf("Delay(1) with Rand %v = %s, want within [250ms, 500ms)", r, got)
		}
	}
	if got := p.Delay(1000); got > p.Cap {
		t.Errorf("Delay(1000) = %s, above the cap", got)
	}
}

func TestOptionDefaults(t *testing.T) {
	o := Options{}.withDefaults()
	if o.GatherWindow != 200*time.Millisecond || o.AttemptTimeout != 30*time.Second || o.Log == nil ||
		o.Retry.Base != 500*time.Millisecond || o.Retry.Cap != 30*time.Second || o.Retry.MaxAttempts != 5 || o.Retry.Rand == nil {
		t.Fatalf("defaults = %+v", o)
	}
	if got := (Options{GatherWindow: time.Second}).withDefaults().GatherWindow; got != 250*time.Millisecond {
		t.Errorf("gather window of 1s became %s, want the 250ms maximum", got)
	}
	if got := (Options{GatherWindow: -1}).withDefaults().GatherWindow; got != 0 {
		t.Errorf("negative gather window became %s, want none", got)
	}
}

func TestKinds(t *testing.T) {
	for _, tc := range []struct {
		kind Kind
		name string
		typ  gcoreapi.PurgeType
	}{
		{PurgeByURL, "purge by URL", gcoreapi.PurgeByURL},
		{PurgeByPattern, "purge by pattern", gcoreapi.PurgeByPattern},
		{PurgeAll, "purge all", gcoreapi.PurgeAll},
		{Prefetch, "prefetch", 0},
		{9, "Kind(9)", 0},
	} {
		if got := tc.kind.String(); got != tc.name {
			t.Errorf("Kind(%d).String() = %q, want %q", int(tc.kind), got, tc.name)
		}
		if tc.typ != 0 && PurgeKind(tc.typ) != tc.kind {
			t.Errorf("PurgeKind(%s) = %s, want %s", tc.typ, PurgeKind(tc.typ), tc.kind)
		}
	}
	if k := PurgeKind(0); k != 0 {
		t.Errorf("PurgeKind(0) = %s, want no kind", k)
	}
}
