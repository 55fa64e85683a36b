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

	pending  []string // items not yet carried by any request
	queued   bool     // waiting in its queue for a request
	inFlight int      // requests carrying its items, not yet settled
	requests int
	partners map[uint64]bool // other jobs that shared a request with it
	byAll    bool            // a purge-all settled its items

	// lastErr is why the latest attempt at a request carrying its items
	// failed, while that request waits to be retried; failures counts that
	// request's failed attempts other than 429s.
	lastErr  error
	failures int

	left       bool // its context ended; nobody waits for it
	finished   bool
	err        error
	acceptedAt time.Time
	done       chan struct{} // closed when finished

	notes []string
	noted chan struct{} // signals new notes to await
}

// note queues a progress message for j's caller.
func (j *job) note(msg string) {
	if j.progress == nil || j.left {
		return
	}
	j.notes = append(j.notes, msg)
	select {
	case j.noted <- struct{}{}:
	default:
	}
}

// settled records that a request carrying j's items was answered, with err
// nil when it was accepted, and finishes j when that decides it: on the first
// failure, or on the acceptance of its last outstanding request.
func (j *job) settled(err error, now time.Time) {
	j.inFlight--
	switch {
	case j.finished:
	case err != nil:
		j.finish(err)
	case !j.queued && j.inFlight == 0:
		j.acceptedAt = now
		j.note("accepted")
		j.finish(nil)
	}
}

func (j *job) finish(err error) {
	j.finished = true
	j.err = err
	close(j.done)
}

// outcome reads the result of a finished job.
func (j *job) outcome() (Result, error) {
	if j.err != nil {
		return Result{}, j.err
	}
	return Result{
		Requests:          j.requests,
		Merged:            len(j.partners),
		Waited:            j.acceptedAt.Sub(j.start),
		AcceptedAt:        j.acceptedAt,
		SettledByPurgeAll: j.byAll,
	}, nil
}

// live reports whether someone still waits for j.
func (j *job) live() bool { return !j.left && !j.finished }
