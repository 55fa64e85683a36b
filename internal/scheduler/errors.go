package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// TimeoutError is returned by Purge when the job's context ended before the
// API accepted all its items, or when the retry of a request carrying them
// would go out after the context's deadline: then the job fails at once
// rather than wait for nothing. errors.Is matches context.DeadlineExceeded or
// context.Canceled.
type TimeoutError struct {
	ResourceID int64
	Type       gcoreapi.PurgeType
	// Limit is the rate limit in force; zero if the account limits were
	// still being read.
	Limit            gcoreapi.Rate
	LimitFromAccount bool
	// Waited is the time from the call of Purge to the end of its context.
	Waited time.Duration
	// Timeout is the time the context's deadline allowed, when it had one.
	Timeout time.Duration
	// Cancelled is true when the context was cancelled rather than past its
	// deadline.
	Cancelled bool
	// Sent is true when all the job's items had been sent and the API did
	// not refuse them: the purge may have happened, unconfirmed.
	Sent bool
	// LastErr is why the latest attempt at a request carrying the job's
	// items failed, when that request was waiting to be retried: a 429, a
	// 5xx, a transport error or an attempt timeout. Nil otherwise.
	LastErr error
	// Failures is how many attempts at that request had failed, 429s aside.
	Failures int
	// Err is the context's error, or context.DeadlineExceeded for a job that
	// gave up before its deadline.
	Err error
	// retry is when the request waiting to be retried would go out, and why
	// then; zero when none waits.
	retry retryPlan
}

func (e *TimeoutError) Error() string {
	subject := fmt.Sprintf("%s of CDN resource %d", e.Type, e.ResourceID)
	rateLimited := errors.Is(e.LastErr, gcoreapi.ErrRateLimited)
	if e.Cancelled {
		waitedFor := "a slot"
		switch {
		case rateLimited:
			waitedFor = "rate-limit room after a 429 answer" + e.retryDue(" until ")
		case e.LastErr != nil:
			waitedFor = fmt.Sprintf("a retry after %s failed (%s)%s", plural(e.Failures, "attempt"), e.lastFailure(), e.retryDue(", due at "))
		case e.Sent:
			waitedFor = "the API's answer"
		}
		return fmt.Sprintf("%s was cancelled after waiting %s for %s: %s",
			subject, roundDuration(e.Waited), waitedFor, e.limitInForce())
	}
	switch {
	case rateLimited:
		return fmt.Sprintf("%s did not get a slot within %s: the API answered 429 Too Many Requests (another client may be purging "+
			"this CDN resource)%s; %s, and the request waited %s; raise timeouts.create or purge fewer times",
			subject, roundDuration(e.Timeout), e.retryPastDeadline("; ", ""), e.limitInForce(), roundDuration(e.Waited))
	case e.LastErr != nil:
		return fmt.Sprintf("%s was not confirmed within %s: %s%s failed, the last with: %s; apply again once the API recovers, "+
			"or raise timeouts.create", subject, roundDuration(e.Timeout), e.retryPastDeadline("", "; "),
			plural(e.Failures, "attempt"), e.lastFailure())
	}
	outcome := "did not get a slot"
	if e.Sent {
		outcome = "was sent but not confirmed"
	}
	return fmt.Sprintf("%s %s within %s: %s, and the request waited %s; raise timeouts.create or purge fewer times",
		subject, outcome, roundDuration(e.Timeout), e.limitInForce(), roundDuration(e.Waited))
}

// retryDue says, after lead, when the retry that was cancelled was due, and
// why then.
func (e *TimeoutError) retryDue(lead string) string {
	if e.retry.at.IsZero() {
		return ""
	}
	return lead + e.retry.String()
}

// retryPastDeadline says, between before and after, when the retry the job
// gave up on would have gone out, and why then: past the deadline.
func (e *TimeoutError) retryPastDeadline(before, after string) string {
	if e.retry.at.IsZero() {
		return ""
	}
	return before + "its retry would go out at " + e.retry.String() + ", past the deadline" + after
}

func (e *TimeoutError) Unwrap() error { return e.Err }

// lastFailure is LastErr's message, without a final period to clash with
// the sentence around it.
func (e *TimeoutError) lastFailure() string {
	return strings.TrimSuffix(e.LastErr.Error(), ".")
}

func (e *TimeoutError) limitInForce() string {
	if e.Limit == (gcoreapi.Rate{}) {
		return "the account limits were still being read"
	}
	source := "the documented default"
	if e.LimitFromAccount {
		source = "from the account"
	}
	return fmt.Sprintf("the limit in force is %s (%s)", e.Limit, source)
}

// roundDuration drops the noise of a measured duration.
func roundDuration(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(time.Second)
	}
	return d.Round(time.Millisecond)
}

// timeoutError describes a job of queue key, started at start, whose ctx
// ended; sent tells whether all its items had been sent.
func (s *Scheduler) timeoutError(ctx context.Context, key queueKey, start time.Time, sent bool) *TimeoutError {
	e := &TimeoutError{
		ResourceID: key.resourceID,
		Type:       key.typ,
		Waited:     s.clock.Now().Sub(start),
		Cancelled:  ctx.Err() == context.Canceled,
		Sent:       sent,
		Err:        ctx.Err(),
	}
	if e.Err == nil { // the job gives up before its deadline, which is sure to pass
		e.Err = context.DeadlineExceeded
	}
	e.Timeout = e.Waited
	if deadline, ok := ctx.Deadline(); ok {
		e.Timeout = deadline.Sub(start)
	}
	if s.limitsKnown() {
		rate := s.limits.rate(key.typ)
		e.Limit, e.LimitFromAccount = rate.value, rate.fromAccount
	}
	return e
}
