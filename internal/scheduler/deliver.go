package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// deliver sends req until it is accepted, fails for good, or is abandoned by
// all its jobs, and settles its jobs accordingly.
func (s *Scheduler) deliver(q *queue, req *request) {
	for {
		accepted, err := s.send(req)
		retryAt, retry := s.recordAnswer(q, req, accepted, err)
		if !retry {
			return
		}
		if !s.awaitRoomForRetry(q, req, retryAt) {
			s.withLock(func() {
				s.log(req.members[0].ctx, fmt.Sprintf("request #%d is not retried: every %s it carried has given up",
					req.number, req.key.kind.Noun()), map[string]any{"request": req.number, "resource_id": req.key.resourceID})
			})
			return
		}
		if mayBeLost(err) && s.foundLost(req) {
			return
		}
	}
}

// mayBeLost reports whether an attempt that failed with err may have been
// carried out by the API all the same: it got no answer, yet may have
// reached the API (the connection was lost once the request was sent, or the
// attempt timed out).
func mayBeLost(err error) bool {
	var apiErr *gcoreapi.Error
	return err != nil && !errors.As(err, &apiErr) && !gcoreapi.NeverReachedAPI(err)
}

// foundLost looks req up in the purge history (Options.FindLost) before it
// is sent again, the attempt that looks it up being under way; found, req is
// settled as accepted. Prefetches have no history: they are sent again.
func (s *Scheduler) foundLost(req *request) bool {
	t, isPurge := req.key.kind.purgeType()
	if !isPurge || s.opts.FindLost == nil {
		return false
	}
	var ctx context.Context
	s.withLock(func() { ctx = context.WithoutCancel(req.members[0].ctx) })
	ctx, cancel := context.WithTimeout(ctx, s.opts.AttemptTimeout)
	defer cancel()
	sent := gcoreapi.AcceptedPurge{ResourceID: req.key.resourceID, Purge: gcoreapi.Purge{Type: t, Items: req.items}, At: req.sentAt}
	accepted, found := s.opts.FindLost(ctx, sent)
	s.withLock(func() {
		fields := map[string]any{"found": found}
		if !found {
			s.log(req.members[0].ctx, fmt.Sprintf("%s of CDN resource %d: request #%d, whose answer was lost, is not in the "+
				"purge history: sending it again", req.key.kind, req.key.resourceID, req.number), fields)
			return
		}
		s.attemptAnswered(req)
		req.accepted = accepted
		s.noteAndLog(req, fmt.Sprintf("request #%d, whose answer was lost, is in the purge history: accepted, not sent again",
			req.number), fields)
		s.settle(req, nil, time.Now())
	})
	return found
}

// send makes one attempt at req, with a context no job's end cancels.
func (s *Scheduler) send(req *request) (gcoreapi.AcceptedPurge, error) {
	var ctx context.Context
	s.withLock(func() {
		msg := fmt.Sprintf("sent request #%d (%s)", req.number, req.describe())
		for _, j := range req.members {
			j.note(msg)
		}
		ctx = context.WithoutCancel(req.members[0].ctx)
		req.sentAt = time.Now()
	})
	var accepted gcoreapi.AcceptedPurge
	err := s.withAttemptTimeout(ctx, func(ctx context.Context) (err error) {
		accepted, err = s.call(ctx, req)
		return err
	})
	return accepted, err
}

// call sends req by the endpoint of its kind.
func (s *Scheduler) call(ctx context.Context, req *request) (gcoreapi.AcceptedPurge, error) {
	t, isPurge := req.key.kind.purgeType()
	if !isPurge {
		return gcoreapi.AcceptedPurge{}, s.api.Prefetch(ctx, req.key.resourceID, req.items)
	}
	return s.api.Purge(ctx, req.key.resourceID, gcoreapi.Purge{Type: t, Items: req.items})
}

// recordAnswer records the answer to one attempt at req in q's window and
// decides what follows: retry (not before retryAt), or settle req's jobs.
// Only a request that reached the API counts in the window: one that never
// did (no connection, a failed TLS handshake) cannot have been counted.
func (s *Scheduler) recordAnswer(q *queue, req *request, accepted gcoreapi.AcceptedPurge, err error) (retryAt time.Time, retry bool) {
	s.withLock(func() {
		defer s.attemptAnswered(req)
		now := time.Now()
		rateLimited := errors.Is(err, gcoreapi.ErrRateLimited)
		if !rateLimited && gcoreapi.IsTransient(err) {
			req.failures++
		}
		s.setLastError(req, err)
		if !rateLimited && !gcoreapi.NeverReachedAPI(err) {
			q.window.record(now)
		}
		if err == nil {
			req.accepted = accepted
			s.settle(req, nil, now)
			return
		}
		decision := s.opts.Retry.Decide(err, req.failures, now)
		if !decision.Retry {
			s.settle(req, requestError(req, err), now)
			return
		}
		var plan retryPlan
		var msg string
		var fields map[string]any
		if decision.RateLimited {
			plan, msg, fields = s.rateLimited(q, req, decision.Wait, decision.Asked, now)
		} else {
			plan, msg, fields = s.backOff(q, req, err, decision.Wait, now)
		}
		s.retryLater(req, plan, msg, fields)
		retryAt, retry = plan.at, true
	})
	return retryAt, retry
}

// retryPlan is when a failed request goes out again, and what decided that
// time, in words that complete "retrying at 12:01:00 UTC, ...".
type retryPlan struct {
	at  time.Time
	why string
}

func (p retryPlan) String() string { return clockTime(p.at) + ", " + p.why }

// retryLater tells req's jobs, and the log, msg about plan. A job whose
// deadline comes before the retry would go out fails now, with the message
// of its timeout: it could not see the retry, and sleeping until its deadline
// would only hide that.
func (s *Scheduler) retryLater(req *request, plan retryPlan, msg string, fields map[string]any) {
	for _, j := range req.members {
		j.retry = plan
		if deadline, ok := j.ctx.Deadline(); ok && j.live() && !plan.at.Before(deadline) {
			s.giveUp(j)
		}
	}
	s.noteAndLog(req, msg, fields)
}

// startAttempt records, under s.mu, that an attempt at req is about to be
// sent: from then on a job of req that leaves waits for its answer.
func (s *Scheduler) startAttempt(req *request) {
	for _, j := range req.members {
		j.attempting++
		j.retry = retryPlan{}
	}
}

// attemptAnswered tells req's jobs that the attempt carrying them was
// answered; a job that left waits for that before it returns.
func (s *Scheduler) attemptAnswered(req *request) {
	for _, j := range req.members {
		j.attempting--
		signal(j.answered)
	}
}

// setLastError records on req's jobs why its latest attempt failed (nil when
// it did not), for the message of a job that ends while the request waits
// for its retry.
func (s *Scheduler) setLastError(req *request, err error) {
	for _, j := range req.members {
		j.lastErr, j.failures = err, req.failures
	}
}

// rateLimited blocks q's window after a 429 and plans the retry: after the
// wait the answer asked for plus the margin, but never sooner than the
// spacing of the rate limit (a "Retry-After: 0" does not make requests
// faster than the limit); after a full window when it asked for none: another
// client is using the quota, and how much it used cannot be known.
func (s *Scheduler) rateLimited(q *queue, req *request, asked time.Duration, source string, now time.Time) (retryPlan, string, map[string]any) {
	wait := q.window.span
	why := fmt.Sprintf("one full window (%s plus a margin of %s) as the API gave no wait", q.window.rate, q.window.margin)
	if source != "" {
		spacing := q.window.rate.Window / time.Duration(q.window.rate.Requests)
		wait = max(asked, spacing) + q.window.margin
		why = fmt.Sprintf("as the API asked (%s) plus a margin of %s", source, q.window.margin)
		if asked < spacing {
			why = fmt.Sprintf("the spacing of the limit %s (%s), longer than the API asked (%s), plus a margin of %s",
				q.window.rate, spacing, source, q.window.margin)
		}
	} else {
		source = "none"
	}
	plan := retryPlan{at: now.Add(wait), why: why}
	q.window.block(plan.at)
	msg := fmt.Sprintf("rate limited by the API (another client may be using this CDN resource); waiting until %s to retry request #%d, %s",
		clockTime(plan.at), req.number, why)
	return plan, msg, map[string]any{"until": plan.at, "wait": wait.String(), "wait_source": source}
}

// backOff plans the retry of req after its latest transient failure: when
// the backoff ends, or later when the rate window has no room by then (the
// failed attempt counts in it when it reached the API), saying which decided.
func (s *Scheduler) backOff(q *queue, req *request, err error, delay time.Duration, now time.Time) (retryPlan, string, map[string]any) {
	n := req.failures
	backoffEnd := now.Add(delay)
	plan, decidedBy := retryPlan{at: backoffEnd, why: "when the backoff ends"}, "backoff"
	if room := q.window.nextRoom(now); room.After(backoffEnd) {
		plan = retryPlan{at: room, why: fmt.Sprintf("when the rate limit (%s, in which failed requests count) has room, "+
			"later than the end of the backoff at %s", q.window.rate, clockTime(backoffEnd))}
		decidedBy = "rate-limit room"
	}
	msg := fmt.Sprintf("request #%d failed (%v); retrying at %s (attempt %d of %d)",
		req.number, err, plan, n+1, s.opts.Retry.MaxAttempts)
	return plan, msg, map[string]any{"until": plan.at, "error": err.Error(), "attempt": n + 1,
		"retry_decided_by": decidedBy, "backoff_until": backoffEnd}
}

// noteAndLog tells req's jobs msg and logs it with fields.
func (s *Scheduler) noteAndLog(req *request, msg string, fields map[string]any) {
	for _, j := range req.members {
		j.note(msg)
	}
	fields["request"] = req.number
	fields["resource_id"] = req.key.resourceID
	fields["kind"] = req.key.kind.String()
	s.log(req.members[0].ctx, fmt.Sprintf("%s of CDN resource %d: %s", req.key.kind, req.key.resourceID, msg), fields)
}

// settle passes the outcome of req to its jobs; a failed job also leaves its
// queue, so that its remaining items are not sent.
func (s *Scheduler) settle(req *request, err error, now time.Time) {
	for _, j := range req.members {
		for _, other := range req.members {
			if other != j {
				j.partners[other.seq] = true
			}
		}
		if err != nil && j.state == queued {
			s.dequeue(j)
		}
		j.settle(req.carries[j], req, err, now)
	}
}

// RequestError is how a request failed for good: the API's answer (or the
// last transient failure) and the items the request carried, so that a caller
// can name the items a 400 refused by their index (gcoreapi.Error's
// RefusedItems).
type RequestError struct {
	Kind  Kind
	Items []string
	Err   error
	what  string
}

func (e *RequestError) Error() string { return e.what + e.Err.Error() }

func (e *RequestError) Unwrap() error { return e.Err }

func requestError(req *request, err error) error {
	what := fmt.Sprintf("%s of CDN resource %d, request #%d", req.key.kind, req.key.resourceID, req.number)
	if req.failures > 1 {
		what += fmt.Sprintf(" failed %d times, giving up", req.failures)
	}
	return &RequestError{Kind: req.key.kind, Items: req.items, Err: err, what: what + ": "}
}
