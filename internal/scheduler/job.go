package scheduler

import (
	"context"
	"slices"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// jobState is where a job stands. Its transitions are the methods below.
type jobState int

const (
	// queued: items of the job wait in its queue for a request.
	queued jobState = iota
	// sent: requests carry every item of the job; it waits for their
	// answers.
	sent
	// left: its context ended once every item was sent; nobody waits for
	// its progress, but the requests carrying it go on.
	left
	// withdrawn: it left its queue with items never sent, because its
	// context ended or a request carrying its other items failed.
	withdrawn
	// finished: its outcome is decided.
	finished
)

// job is the scheduler's record of one call of Send. Its fields are guarded
// by Scheduler.mu, except those set before it is shared.
type job struct {
	seq      uint64
	ctx      context.Context // for logging: it carries the provider's logger
	key      queueKey
	start    time.Time
	progress Progress
	items    []string // every item of the job, without duplicates

	state jobState
	// pending is the tail of items no request has taken from the head yet,
	// in order; ahead holds those of them a request already carries because
	// an earlier job asked for them too (they are skipped when reached);
	// untaken counts the items of pending not in ahead.
	pending    []string
	ahead      map[string]bool
	untaken    int
	inFlight   int             // requests carrying its items, not yet settled
	attempting int             // attempts at those requests awaiting their answer
	partners   map[uint64]bool // other jobs that shared a request with it
	byAll      bool            // a purge of everything settled its items

	accepted     []string                 // items carried by accepted requests, in order
	acceptedReqs int                      // how many such requests
	purges       []gcoreapi.AcceptedPurge // those requests, when they are purges
	lastAccepted time.Time                // when the latest of them was accepted

	// lastErr is why the latest attempt at a request carrying its items
	// failed, while that request waits to be retried; failures counts that
	// request's failed attempts other than 429s.
	lastErr  error
	failures int
	// retry is when that request goes out again and why; zero while no
	// retry waits.
	retry retryPlan

	err      error
	done     chan struct{} // closed when finished
	answered chan struct{} // signals the answer to an attempt carrying it

	notes []string
	noted chan struct{} // signals new notes to await
}

// taken records that requests now carry every item of the queued job j.
func (j *job) taken() {
	if j.state == queued {
		j.state = sent
	}
}

// untakenItems are the items of j that no request carries yet, in order.
func (j *job) untakenItems() []string {
	items := make([]string, 0, j.untaken)
	for _, item := range j.pending {
		if !j.ahead[item] {
			items = append(items, item)
		}
	}
	return items
}

// withdraw records that j left its queue with items never sent.
func (j *job) withdraw() {
	j.pending, j.ahead, j.untaken = nil, nil, 0
	if j.state == queued {
		j.state = withdrawn
	}
}

// leave records that j's caller is gone: nobody waits for its progress.
func (j *job) leave() {
	switch j.state {
	case queued:
		j.withdraw()
	case sent:
		j.state = left
	}
}

// finish decides j's outcome.
func (j *job) finish(err error) {
	if j.state == finished {
		return
	}
	j.state = finished
	j.err = err
	close(j.done)
}

// live reports whether someone still waits for j's requests.
func (j *job) live() bool { return j.state == queued || j.state == sent }

// note queues a progress message for j's caller.
func (j *job) note(msg string) {
	if j.progress == nil || !j.live() {
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

// settle records that req, carrying items of j, was answered, with err nil
// when it was accepted, and finishes j when that decides it: on the first
// failure, or on the acceptance of its last outstanding request.
func (j *job) settle(items []string, req *request, err error, now time.Time) {
	j.inFlight--
	if err == nil {
		j.accepted = append(j.accepted, items...)
		j.acceptedReqs++
		if req.accepted.Key != 0 {
			j.purges = append(j.purges, req.accepted)
		}
		j.lastAccepted = now
	}
	switch {
	case j.state == finished:
	case err != nil:
		j.finish(err)
	case (j.state == sent || j.state == left) && j.inFlight == 0:
		j.note("accepted")
		j.finish(nil)
	}
}

// outcome reads the result of j: complete once j finished without error,
// partial otherwise.
func (j *job) outcome() (Result, error) {
	res := Result{
		Accepted:          slices.Clone(j.accepted),
		AcceptedRequests:  j.acceptedReqs,
		Purges:            slices.Clone(j.purges),
		Merged:            len(j.partners),
		AcceptedAt:        j.lastAccepted,
		SettledByPurgeAll: j.byAll,
	}
	if !j.lastAccepted.IsZero() {
		res.Elapsed = j.lastAccepted.Sub(j.start)
	}
	return res, j.err
}
