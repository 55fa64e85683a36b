package scheduler

import (
	"context"
	"time"
)

// job is the scheduler's record of one call of Purge. Its fields are guarded
// by Scheduler.mu, except those set before it is shared.
type job struct {
	seq      uint64
	ctx      context.Context // for logging: it carries the provider's logger
	key      queueKey
	start    time.Time
	progress Progress
	items    []string // every item of the job, without duplicates

	pending    []string        // items not yet carried by any request
	queued     bool            // waiting in its queue for a request
	withdrawn  bool            // it left with items never sent
	inFlight   int             // requests carrying its items, not yet settled
	attempting int             // attempts at those requests awaiting their answer
	partners   map[uint64]bool // other jobs that shared a request with it
	byAll      bool            // a purge-all settled its items

	accepted     []string      // items carried by accepted requests, in order
	sent         []SentRequest // those requests, in order
	lastAccepted time.Time     // when the latest of them was accepted

	// lastErr is why the latest attempt at a request carrying its items
	// failed, while that request waits to be retried; failures counts that
	// request's failed attempts other than 429s.
	lastErr  error
	failures int
	// retry is when that request goes out again and why; zero while no
	// retry waits.
	retry retryPlan

	left     bool // its context ended; nobody waits for its progress
	finished bool
	err      error
	done     chan struct{} // closed when finished
	answered chan struct{} // signals the answer to an attempt carrying it

	notes []string
	noted chan struct{} // signals new notes to await
}

// note queues a progress message for j's caller.
func (j *job) note(msg string) {
	if j.progress == nil || j.left || j.finished {
		return
	}
	j.notes = append(j.notes, msg)
	signal(j.noted)
}

// signal wakes whoever waits on c, without blocking: c has room for one.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// settle records that request sent, carrying items of j, was answered, with
// err nil when it was accepted, and finishes j when that decides it: on the
// first failure, or on the acceptance of its last outstanding request.
func (j *job) settle(items []string, sent SentRequest, err error, now time.Time) {
	j.inFlight--
	if err == nil {
		j.accepted = append(j.accepted, items...)
		j.sent = append(j.sent, sent)
		j.lastAccepted = now
	}
	switch {
	case j.finished:
	case err != nil:
		j.finish(err)
	case !j.queued && !j.withdrawn && j.inFlight == 0:
		j.note("accepted")
		j.finish(nil)
	}
}

func (j *job) finish(err error) {
	j.finished = true
	j.err = err
	close(j.done)
}

// outcome reads the result of j: complete once j finished without error,
// partial otherwise.
func (j *job) outcome() (Result, error) {
	res := Result{
		Requests:          j.sent,
		Merged:            len(j.partners),
		Accepted:          j.accepted,
		AcceptedAt:        j.lastAccepted,
		SettledByPurgeAll: j.byAll,
	}
	if !j.lastAccepted.IsZero() {
		res.Waited = j.lastAccepted.Sub(j.start)
	}
	return res, j.err
}

// live reports whether someone still waits for j.
func (j *job) live() bool { return !j.left && !j.finished }
