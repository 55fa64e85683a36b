// Package clocktest provides a fake clock.Clock for tests, kept apart from
// package clock so that production code carries no test machinery. A test
// moves a Fake's time by hand, after waiting until the code under test is
// blocked on a timer, so that nothing sleeps for real and every run takes the
// same path.
package clocktest

import (
	"context"
	"sync"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/clock"
)

// Fake is a clock whose time moves only when Advance is called. It is safe
// for concurrent use.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	pending []*fakeTimer
	created uint64
	// changed is closed, and replaced, whenever the set of pending timers
	// changes, waking BlockUntilWaiters.
	changed chan struct{}
}

var _ clock.Clock = (*Fake)(nil)

// NewFake returns a fake clock that reads start until it is advanced.
func NewFake(start time.Time) *Fake {
	return &Fake{now: start, changed: make(chan struct{})}
}

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// NewTimer returns a timer that fires when the fake time reaches now+d. A
// timer with d <= 0 fires at once and is never pending.
func (f *Fake) NewTimer(d time.Duration) clock.Timer {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.newTimer(f.now.Add(d))
}

// NewTimerAt returns a timer that fires when the fake time reaches at. A
// timer for a time already reached fires at once and is never pending.
func (f *Fake) NewTimerAt(at time.Time) clock.Timer {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.newTimer(at)
}

func (f *Fake) newTimer(deadline time.Time) clock.Timer {
	f.created++
	t := &fakeTimer{fake: f, deadline: deadline, order: f.created, c: make(chan time.Time, 1)}
	if !deadline.After(f.now) {
		t.c <- f.now
		return t
	}
	f.pending = append(f.pending, t)
	f.notify()
	return t
}

// Advance moves the time forward by d and fires, in deadline order (then in
// creation order), every timer that falls due. While a timer fires, Now
// reads its deadline. d must not be negative: time does not go back.
func (f *Fake) Advance(d time.Duration) {
	if d < 0 {
		panic("clocktest: Fake.Advance with a negative duration")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	target := f.now.Add(d)
	for t := f.nextDue(target); t != nil; t = f.nextDue(target) {
		f.remove(t)
		f.now = t.deadline
		t.c <- t.deadline // buffered and sent once: never blocks
	}
	f.now = target
	f.notify()
}

// BlockUntilWaiters returns once at least n timers are pending, or with the
// context's error when ctx ends first.
func (f *Fake) BlockUntilWaiters(ctx context.Context, n int) error {
	for {
		f.mu.Lock()
		count, changed := len(f.pending), f.changed
		f.mu.Unlock()
		if count >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Waiters returns the number of pending timers.
func (f *Fake) Waiters() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.pending)
}

// nextDue returns the pending timer with the earliest deadline not after
// target, the oldest first among equals; nil when none is due.
func (f *Fake) nextDue(target time.Time) *fakeTimer {
	var next *fakeTimer
	for _, t := range f.pending {
		if t.deadline.After(target) {
			continue
		}
		if next == nil || t.deadline.Before(next.deadline) ||
			(t.deadline.Equal(next.deadline) && t.order < next.order) {
			next = t
		}
	}
	return next
}

// remove drops t from the pending timers and reports whether it was there.
func (f *Fake) remove(t *fakeTimer) bool {
	for i, p := range f.pending {
		if p == t {
			f.pending = append(f.pending[:i], f.pending[i+1:]...)
			return true
		}
	}
	return false
}

func (f *Fake) notify() {
	close(f.changed)
	f.changed = make(chan struct{})
}

type fakeTimer struct {
	fake     *Fake
	deadline time.Time
	order    uint64
	c        chan time.Time
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	f := t.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.remove(t) {
		return false
	}
	f.notify()
	return true
}
