// Package clock lets code that waits be driven by tests. Production code uses
// Real; tests use clocktest.Fake, whose time moves only by hand.
package clock

import "time"

// Clock tells the time and makes timers.
type Clock interface {
	Now() time.Time
	// NewTimer returns a timer whose channel receives once, d from now; at
	// once when d <= 0. A clocktest.Fake counts the timer as a waiter until
	// it fires or is stopped, which is how tests know that a goroutine is
	// blocked.
	NewTimer(d time.Duration) Timer
	// NewTimerAt returns a timer whose channel receives once, when the
	// clock reads at; at once when it already does. Code that computed at
	// from an earlier Now should use it rather than NewTimer(at.Sub(now)):
	// the time may move between the two calls (a Fake's Advance, or a
	// goroutine descheduled for a while), and a duration would then be
	// counted from the wrong instant.
	NewTimerAt(at time.Time) Timer
}

// Timer is a one-shot timer, like *time.Timer.
type Timer interface {
	// C is the channel on which the timer sends its time when it fires.
	C() <-chan time.Time
	// Stop prevents the timer from firing. It reports whether it did so,
	// false when the timer had already fired or been stopped.
	Stop() bool
}

// Real returns the system clock.
func Real() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

func (c realClock) NewTimerAt(at time.Time) Timer { return c.NewTimer(time.Until(at)) }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.t.C }

func (r realTimer) Stop() bool { return r.t.Stop() }
