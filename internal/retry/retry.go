// Package retry is the one policy by which the provider tries again a call
// to the Gcore API that failed: the scheduler for purges and prefetches, the
// completion wait for readings of the purge history. It knows nothing of
// Terraform.
package retry

import (
	"errors"
	"math/rand/v2"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// Policy is a capped exponential backoff with equal jitter: the wait after
// the n-th failure in a row is d/2 + Rand()*d/2, where d = min(Base*2^(n-1),
// Cap). The zero value of each field means its default.
type Policy struct {
	Base time.Duration // default 500ms
	Cap  time.Duration // default 30s
	// MaxAttempts is how many times a call is tried when it keeps failing
	// transiently: default 5. A 429 does not count.
	MaxAttempts int
	// Rand returns a number in [0, 1); default math/rand/v2.Float64.
	Rand func() float64
}

const (
	defaultBase        = 500 * time.Millisecond
	defaultCap         = 30 * time.Second
	defaultMaxAttempts = 5
)

// WithDefaults fills in the fields left zero.
func (p Policy) WithDefaults() Policy {
	if p.Base <= 0 {
		p.Base = defaultBase
	}
	if p.Cap <= 0 {
		p.Cap = defaultCap
	}
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = defaultMaxAttempts
	}
	if p.Rand == nil {
		p.Rand = rand.Float64
	}
	return p
}

// Delay is the wait after the n-th consecutive failure (n >= 1).
func (p Policy) Delay(n int) time.Duration {
	d := p.Base
	for i := 1; i < n && d < p.Cap; i++ {
		d *= 2
	}
	d = min(d, p.Cap)
	return d/2 + time.Duration(p.Rand()*float64(d/2))
}

// Failure is what the error of a failed call says about trying it again.
type Failure struct {
	// RateLimited is true for a 429: the API refused the call, and Wait is
	// what the answer asked for (Asked names the header or body that said
	// so), or zero when it asked nothing: the caller knows its rate limit.
	RateLimited bool
	Asked       string
	Wait        time.Duration
	// Transient is true for a failure worth retrying as it is: a 5xx, a
	// lost connection, a timed-out attempt (gcoreapi.IsTransient).
	Transient bool
}

// Classify reads err, the failure of a call at now.
func Classify(err error, now time.Time) Failure {
	var apiErr *gcoreapi.Error
	if errors.As(err, &apiErr) && errors.Is(err, gcoreapi.ErrRateLimited) {
		wait, asked, _ := apiErr.RetryAfter(now)
		return Failure{RateLimited: true, Asked: asked, Wait: wait}
	}
	return Failure{Transient: gcoreapi.IsTransient(err)}
}

// Decision is what follows a failed call.
type Decision struct {
	Failure
	// Retry is false when the call fails the same way however often it is
	// tried, or has failed MaxAttempts times.
	Retry bool
	// Wait, in Failure, is for a transient failure the backoff's delay.
}

// Decide says what follows err, the failure of a call that has now failed
// failures times in a row, 429s aside, at now: a 429 is always retried, a
// transient failure until MaxAttempts, anything else never.
func (p Policy) Decide(err error, failures int, now time.Time) Decision {
	f := Classify(err, now)
	switch {
	case f.RateLimited:
		return Decision{Failure: f, Retry: true}
	case !f.Transient || failures >= p.MaxAttempts:
		return Decision{Failure: f}
	}
	f.Wait = p.Delay(failures)
	return Decision{Failure: f, Retry: true}
}
