package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// TimeoutError is returned by Send when the job's context ended before the
// API accepted all its items, or when the retry of a request carrying them
// would go out after the context's deadline: then the job fails at once
// rather than wait for nothing. errors.Is matches context.DeadlineExceeded or
// context.Canceled. Its message states what happened; what to do about it is
// the caller's to say.
type TimeoutError struct {
	ResourceID int64
	Kind       Kind
	// Limit is the rate limit in force, and LimitSource where it comes from
	// (Limits.Rate); zero if the account limits were still being read.
	Limit       gcoreapi.Rate
	LimitSource string
	// Waited is the time from the call of Send to the end of its context.
	Waited time.Duration
	// Timeout is the time the context's deadline allowed, when it had one.
	Timeout time.Duration
	// Cancelled is true when the context was cancelled rather than past its
	// deadline.
	Cancelled bool
	// Sent is true when all the job's items had been sent and the API did
	// not refuse them: the work may have been done, unconfirmed.
	Sent bool
	// Unanswered is true when the job was cancelled while an attempt
	// carrying its items awaited its answer, and stopped waiting for it: the
	// API may or may not have carried it out.
	Unanswered bool
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
	subject := fmt.Sprintf("%s of CDN resource %d", e.Kind, e.ResourceID)
	rateLimited := errors.Is(e.LastErr, gcoreapi.ErrRateLimited)
	if e.Cancelled {
		waitedFor := "rate-limit room"
		switch {
		case rateLimited:
			waitedFor = "rate-limit room after a 429 answer" + e.retryDue(" until ")
		case e.LastErr != nil:
			waitedFor = fmt.Sprintf("a retry after %s failed (%s)%s", plural(e.Failures, "attempt"), e.lastFailure(), e.retryDue(", due at "))
		case e.Unanswered:
			waitedFor = "the API's answer to a request that had none yet (its outcome is unknown)"
		case e.Sent:
			waitedFor = "the API's answer"
		}
		return fmt.Sprintf("%s was cancelled after waiting %s for %s: %s",
			subject, roundDuration(e.Waited), waitedFor, e.limitInForce())
	}
	switch {
	case rateLimited:
		return fmt.Sprintf("%s did not get rate-limit room within %s: the API answered 429 Too Many Requests (another client "+
			"may be using this CDN resource)%s; %s, and the request waited %s",
			subject, roundDuration(e.Timeout), e.retryPastDeadline("; ", ""), e.limitInForce(), roundDuration(e.Waited))
	case e.LastErr != nil:
		return fmt.Sprintf("%s was not confirmed within %s: %s%s failed, the last with: %s",
			subject, roundDuration(e.Timeout), e.retryPastDeadline("", "; "), plural(e.Failures, "attempt"), e.lastFailure())
	}
	outcome := "did not get rate-limit room"
	if e.Sent {
		outcome = "was sent but not confirmed"
	}
	return fmt.Sprintf("%s %s within %s: %s, and the request waited %s",
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
	return fmt.Sprintf("the limit in force is %s (%s)", e.Limit, e.LimitSource)
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
		Kind:       key.kind,
		Waited:     time.Since(start),
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
	if l, ok := s.knownLimits(); ok {
		e.Limit, e.LimitSource = l.Rate(key.kind)
	}
	return e
}
