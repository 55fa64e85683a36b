package clocktest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/clock"
	"github.com/gcore-purge/terraform-provider-gcore/internal/clock/clocktest"
)

var start = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// TestFakeTimerAtIgnoresTimeThatPassedMeanwhile: code that read Now, then
// lost the race with Advance before arming its timer, still wakes at the
// instant it meant, where a duration would leave it a whole Advance late.
func TestFakeTimerAtIgnoresTimeThatPassedMeanwhile(t *testing.T) {
	f := clocktest.NewFake(start)
	wake := f.Now().Add(time.Second)
	f.Advance(500 * time.Millisecond) // between reading Now and arming
	timer := f.NewTimerAt(wake)
	f.Advance(500*time.Millisecond - time.Nanosecond)
	assertNotFired(t, timer)
	f.Advance(time.Nanosecond)
	if got := <-timer.C(); !got.Equal(wake) {
		t.Fatalf("timer sent %s, want %s", got, wake)
	}

	late := f.NewTimerAt(start) // already reached: fires at once
	if got := <-late.C(); !got.Equal(f.Now()) {
		t.Fatalf("a timer for the past sent %s, want now %s", got, f.Now())
	}
	if f.Waiters() != 0 {
		t.Fatalf("Waiters() = %d, want 0", f.Waiters())
	}
}

func TestFakeTimeMovesOnlyOnAdvance(t *testing.T) {
	f := clocktest.NewFake(start)
	if !f.Now().Equal(start) {
		t.Fatalf("Now() = %s, want %s", f.Now(), start)
	}
	f.Advance(90 * time.Second)
	if want := start.Add(90 * time.Second); !f.Now().Equal(want) {
		t.Fatalf("after Advance, Now() = %s, want %s", f.Now(), want)
	}
}

func TestFakeTimerFiresAtItsDeadlineAndNotBefore(t *testing.T) {
	f := clocktest.NewFake(start)
	timer := f.NewTimer(time.Second)
	f.Advance(time.Second - time.Nanosecond)
	assertNotFired(t, timer)
	if f.Waiters() != 1 {
		t.Fatalf("Waiters() = %d before the deadline, want 1", f.Waiters())
	}
	f.Advance(time.Nanosecond)
	if got := <-timer.C(); !got.Equal(start.Add(time.Second)) {
		t.Fatalf("timer sent %s, want its deadline %s", got, start.Add(time.Second))
	}
	if f.Waiters() != 0 {
		t.Fatalf("Waiters() = %d after firing, want 0", f.Waiters())
	}
}

func TestFakeAdvanceFiresDueTimersInDeadlineOrder(t *testing.T) {
	f := clocktest.NewFake(start)
	late, early, middle := f.NewTimer(3*time.Second), f.NewTimer(time.Second), f.NewTimer(2*time.Second)
	notDue := f.NewTimer(time.Minute)

	// One Advance fires all three, stepping the time through each deadline:
	// each timer sends its own deadline, not the final time.
	f.Advance(5 * time.Second)
	for name, tc := range map[string]struct {
		timer clock.Timer
		want  time.Duration
	}{"early": {early, time.Second}, "middle": {middle, 2 * time.Second}, "late": {late, 3 * time.Second}} {
		if got := <-tc.timer.C(); !got.Equal(start.Add(tc.want)) {
			t.Errorf("%s timer sent %s, want %s", name, got, start.Add(tc.want))
		}
	}
	assertNotFired(t, notDue)
	if f.Waiters() != 1 {
		t.Fatalf("Waiters() = %d, want 1 (the timer not yet due)", f.Waiters())
	}
}

func TestFakeStop(t *testing.T) {
	f := clocktest.NewFake(start)
	timer := f.NewTimer(time.Second)
	if !timer.Stop() {
		t.Fatal("Stop of a pending timer reported false")
	}
	if timer.Stop() {
		t.Fatal("second Stop reported true")
	}
	if f.Waiters() != 0 {
		t.Fatalf("Waiters() = %d after Stop, want 0", f.Waiters())
	}
	f.Advance(time.Hour)
	assertNotFired(t, timer)

	fired := f.NewTimer(time.Second)
	f.Advance(time.Second)
	if fired.Stop() {
		t.Fatal("Stop of a fired timer reported true")
	}
}

func TestFakeTimerOfZeroOrLessFiresAtOnceWithoutWaiting(t *testing.T) {
	f := clocktest.NewFake(start)
	for _, d := range []time.Duration{0, -time.Second} {
		timer := f.NewTimer(d)
		if got := <-timer.C(); !got.Equal(start) {
			t.Errorf("NewTimer(%s) sent %s, want %s", d, got, start)
		}
	}
	if f.Waiters() != 0 {
		t.Fatalf("Waiters() = %d, want 0", f.Waiters())
	}
}

func TestFakeAdvanceRejectsNegative(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Advance(-1) did not panic")
		}
	}()
	clocktest.NewFake(start).Advance(-1)
}

func TestBlockUntilWaiters(t *testing.T) {
	f := clocktest.NewFake(start)
	ctx := context.Background()
	if err := f.BlockUntilWaiters(ctx, 0); err != nil {
		t.Fatalf("BlockUntilWaiters(0) = %v", err)
	}

	started := make(chan struct{})
	fired := make(chan time.Time)
	for range 2 {
		go func() {
			started <- struct{}{}
			fired <- <-f.NewTimer(time.Minute).C()
		}()
	}
	<-started
	<-started
	if err := f.BlockUntilWaiters(ctx, 2); err != nil {
		t.Fatalf("BlockUntilWaiters(2) = %v", err)
	}
	f.Advance(time.Minute)
	for range 2 {
		if got := <-fired; !got.Equal(start.Add(time.Minute)) {
			t.Fatalf("goroutine woke with %s", got)
		}
	}
}

func TestBlockUntilWaitersEndsWithItsContext(t *testing.T) {
	f := clocktest.NewFake(start)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := f.BlockUntilWaiters(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("BlockUntilWaiters with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestFakeIsSafeForConcurrentUse(t *testing.T) {
	f := clocktest.NewFake(start)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			timer := f.NewTimer(time.Duration(i+1) * time.Millisecond)
			if i%2 == 0 {
				timer.Stop()
			}
			_ = f.Now()
			_ = f.Waiters()
		}()
	}
	for range 20 {
		f.Advance(time.Millisecond)
	}
	wg.Wait()
	f.Advance(time.Second)
	if f.Waiters() != 0 {
		t.Fatalf("Waiters() = %d after all deadlines passed, want 0", f.Waiters())
	}
}

func assertNotFired(t *testing.T, timer clock.Timer) {
	t.Helper()
	select {
	case got := <-timer.C():
		t.Fatalf("timer fired early, with %s", got)
	default:
	}
}
