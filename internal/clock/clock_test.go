package clock_test

import (
	"testing"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/clock"
)

func TestRealTimerStops(t *testing.T) {
	c := clock.Real()
	if d := time.Since(c.Now()); d < 0 || d > time.Minute {
		t.Fatalf("Real().Now() is %s away from time.Now()", d)
	}
	timer := c.NewTimer(time.Hour)
	if !timer.Stop() {
		t.Fatal("Stop of a pending real timer reported false")
	}
	if timer.Stop() {
		t.Fatal("second Stop reported true")
	}
}

func TestRealTimerOfZeroFires(t *testing.T) {
	<-clock.Real().NewTimer(0).C() // fires without waiting
}

func TestRealTimerAtThePastFires(t *testing.T) {
	c := clock.Real()
	<-c.NewTimerAt(c.Now().Add(-time.Second)).C() // fires without waiting
	if !c.NewTimerAt(c.Now().Add(time.Hour)).Stop() {
		t.Fatal("Stop of a pending real timer reported false")
	}
}
