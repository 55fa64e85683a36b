package scheduler

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/memo"
	"github.com/gcore-purge/terraform-provider-gcore/internal/retry"
)

// API is the part of the Gcore client the scheduler uses.
type API interface {
	Purge(ctx context.Context, resourceID int64, p gcoreapi.Purge) (gcoreapi.AcceptedPurge, error)
	Prefetch(ctx context.Context, resourceID int64, paths []string) error
	AccountLimits(ctx context.Context) (gcoreapi.AccountLimits, error)
}

var _ API = (*gcoreapi.Client)(nil)

// Logger receives the scheduler's INFO-level messages; the provider passes
// them to tflog.Info.
type Logger func(ctx context.Context, msg string, fields map[string]any)

// Progress receives human-readable news about one job. It is called on the
// goroutine that called Send, never concurrently for one job.
type Progress func(msg string)

// Options tune a Scheduler. The zero value of each field means its default.
type Options struct {
	// Log defaults to discarding messages.
	Log Logger
	// GatherWindow is how long the first job of an idle queue waits for
	// others to share its request: default 200ms, at most 250ms, none when
	// negative.
	GatherWindow time.Duration
	// SkewMargin is added to every rate window: default 1% of the window,
	// at least 50ms and at most 2s; none when negative.
	SkewMargin time.Duration
	// AttemptTimeout bounds each API call: default 30s.
	AttemptTimeout time.Duration
	// CancelGrace bounds how long a job whose context was cancelled (not
	// past its deadline: a user's Ctrl-C) waits for the answer to an attempt
	// carrying its items: default 3s. An answer normally comes within a
	// second; a user who interrupts does not wait for a hanging one, whose
	// outcome is then unknown.
	CancelGrace time.Duration
	// Retry paces the retries after transient failures.
	Retry retry.Policy
	// FindLost, when set, looks up in the purge history a purge whose
	// attempt may have reached the API but got no answer (the connection was
	// lost, the attempt timed out), before it is sent again: found, it
	// returns the purge as the API accepted it, and the purge is not sent
	// twice. sent is the purge as sent, At the local time of sending.
	FindLost func(ctx context.Context, sent gcoreapi.AcceptedPurge) (gcoreapi.AcceptedPurge, bool)
}

const (
	defaultGatherWindow   = 200 * time.Millisecond
	maxGatherWindow       = 250 * time.Millisecond
	defaultAttemptTimeout = 30 * time.Second
	defaultCancelGrace    = 3 * time.Second
)

func (o Options) withDefaults() Options {
	if o.Log == nil {
		o.Log = func(context.Context, string, map[string]any) {}
	}
	switch {
	case o.GatherWindow == 0:
		o.GatherWindow = defaultGatherWindow
	case o.GatherWindow < 0:
		o.GatherWindow = 0
	}
	o.GatherWindow = min(o.GatherWindow, maxGatherWindow)
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = defaultAttemptTimeout
	}
	if o.CancelGrace <= 0 {
		o.CancelGrace = defaultCancelGrace
	}
	o.Retry = o.Retry.WithDefaults()
	return o
}

// Scheduler sends the purges and prefetches of one provider instance. It is
// safe for concurrent use; its goroutines end when it has nothing left to do.
type Scheduler struct {
	api  API
	opts Options
	// account holds the one read of the account limits.
	account *memo.Cache[struct{}, gcoreapi.AccountLimits]

	// mu guards the queues and their jobs; withLock holds it.
	mu         sync.Mutex
	queues     map[queueKey]*queue
	jobCount   uint64
	reqCount   int
	pendingLog []logEntry // logged under mu, emitted by withLock outside it
}

// New returns a Scheduler that sends requests through api.
func New(api API, opts Options) *Scheduler {
	s := &Scheduler{api: api, opts: opts.withDefaults(), queues: make(map[queueKey]*queue)}
	s.account = memo.New(s.readAccount, 0)
	return s
}

// withLock runs f holding s.mu, then emits the log lines f queued, outside
// the lock, so that the provider's logger never runs with it held.
func (s *Scheduler) withLock(f func()) {
	s.mu.Lock()
	f()
	entries := s.pendingLog
	s.pendingLog = nil
	s.mu.Unlock()
	for _, e := range entries {
		s.opts.Log(e.ctx, e.msg, e.fields)
	}
}

// Job is one request's worth of work on one CDN resource: the items of one
// kind of purge to clear, or the files to prefetch.
type Job struct {
	ResourceID int64
	Kind       Kind
	// Items are the URLs or patterns to purge, or the files to prefetch;
	// none for a purge of everything.
	Items []string
	// Progress, if not nil, receives news of the job while Send runs.
	Progress Progress
}

// Result describes how a job was carried out.
type Result struct {
	// Accepted are the items that requests accepted by the API carried, in
	// the order they were sent: all of them when the job succeeded, those
	// accepted before it failed otherwise.
	Accepted []string
	// AcceptedRequests counts the requests accepted by the API that carried
	// the job's items; a purge of everything that settled the job is one.
	AcceptedRequests int
	// Purges are those requests, when they are purges, as the API accepted
	// them: what finding them in the purge history takes. Merged requests
	// carry other jobs' items too.
	Purges []gcoreapi.AcceptedPurge
	// Merged is how many other jobs shared at least one of those requests.
	Merged int
	// Elapsed is the time from the call of Send to the last acceptance.
	Elapsed time.Duration
	// AcceptedAt is when the API accepted the last request carrying the
	// job, by the local clock; zero when none was accepted.
	AcceptedAt time.Time
	// SettledByPurgeAll is true for a URL or pattern job whose items were
	// settled by a purge of everything of its CDN resource instead of being
	// sent.
	SettledByPurgeAll bool
}

// Send blocks until the API accepted requests carrying all of the job's
// items, or until the job fails: with the API's error (wrapped in a
// *RequestError, so that errors.Is(err, gcoreapi.ErrUnauthorized) works), or
// with a *TimeoutError when ctx ends first. A job that fails still returns in
// Result what was accepted before; and when ctx ends while an attempt
// carrying its items awaits its answer, Send waits for that answer (at most
// the attempt timeout), so that an accepted request is never reported as
// lost.
func (s *Scheduler) Send(ctx context.Context, job Job) (Result, error) {
	items, err := job.checkedItems()
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	key := queueKey{resourceID: job.ResourceID, kind: job.Kind}
	if _, err := s.Limits(ctx); err != nil {
		return Result{}, s.timeoutError(ctx, key, start, false)
	}
	j := s.enqueue(ctx, key, items, job.Progress, start)
	return s.await(ctx, j)
}

// checkedItems returns the job's items without duplicates, in first-seen
// order, or why the job cannot be sent.
func (job Job) checkedItems() ([]string, error) {
	switch job.Kind {
	case PurgeByURL, PurgeByPattern, Prefetch:
		if len(job.Items) == 0 {
			return nil, fmt.Errorf("%s of CDN resource %d: no items", job.Kind, job.ResourceID)
		}
		return appendNew(nil, make(map[string]bool, len(job.Items)), job.Items), nil
	case PurgeAll:
		if len(job.Items) > 0 {
			return nil, fmt.Errorf("purge all of CDN resource %d takes no items, got %d", job.ResourceID, len(job.Items))
		}
		return nil, nil
	default:
		return nil, fmt.Errorf("CDN resource %d: unknown kind of job %d", job.ResourceID, int(job.Kind))
	}
}

// appendNew appends to dst the items not yet in seen, marking them seen.
func appendNew(dst []string, seen map[string]bool, items []string) []string {
	for _, item := range items {
		if !seen[item] {
			seen[item] = true
			dst = append(dst, item)
		}
	}
	return dst
}

// await waits for j to finish or for ctx to end, passing on j's progress.
func (s *Scheduler) await(ctx context.Context, j *job) (Result, error) {
	for {
		select {
		case <-j.noted:
			s.passNotes(j)
		case <-j.done:
			s.passNotes(j)
			// A request still carrying j (one it gave up on) may settle it
			// later, under the lock: read the outcome under it too.
			var res Result
			var err error
			s.withLock(func() { res, err = j.outcome() })
			return res, err
		case <-ctx.Done():
			return s.leave(j)
		}
	}
}

// passNotes hands j's pending progress messages to its callback, outside the
// lock so that a slow callback holds up nothing else.
func (s *Scheduler) passNotes(j *job) {
	var notes []string
	s.withLock(func() { notes, j.notes = j.notes, nil })
	for _, msg := range notes {
		j.progress(msg)
	}
}

// leave withdraws j, whose context ended, from its queue: the items only it
// asked for will not be sent. Requests already carrying its items go on for
// the other jobs they carry, unless none is left to wait for a retry. An
// attempt carrying its items that awaits its answer is waited for, so that
// its acceptance counts: up to the attempt timeout past a deadline, up to
// CancelGrace after a cancellation, then its outcome is unknown and its
// items count as not accepted. A job that finished meanwhile keeps its
// outcome.
func (s *Scheduler) leave(j *job) (Result, error) {
	attempting := false
	s.withLock(func() {
		if j.state == queued {
			s.dequeue(j)
		}
		j.leave()
		s.queues[j.key].poke() // a retry it alone waited for is dropped at once
		attempting = j.attempting > 0
	})
	var graceOver <-chan time.Time
	if errors.Is(j.ctx.Err(), context.Canceled) {
		grace := time.NewTimer(s.opts.CancelGrace)
		defer grace.Stop()
		graceOver = grace.C
	}
	unanswered := false
	for attempting && !unanswered {
		select {
		case <-j.answered:
			s.withLock(func() { attempting = j.attempting > 0 && j.state != finished })
		case <-graceOver:
			unanswered = true
		}
	}
	var res Result
	var err error
	s.withLock(func() {
		res, err = j.outcome()
		if j.state != finished {
			e := s.jobTimeout(j)
			e.Unanswered = unanswered
			err = e
		}
	})
	s.passNotes(j)
	return res, err
}

// giveUp ends j, still waiting, with its *TimeoutError before its deadline,
// which will pass before the retry it waits for goes out. Call under s.mu.
func (s *Scheduler) giveUp(j *job) {
	if j.state == queued {
		s.dequeue(j)
	}
	e := s.jobTimeout(j)
	s.log(j.ctx, fmt.Sprintf("%s of CDN resource %d gives up now: %v", j.key.kind, j.key.resourceID, e),
		map[string]any{"resource_id": j.key.resourceID, "kind": j.key.kind.String(), "until": j.retry.at})
	j.finish(e)
}

// jobTimeout describes how j ended before its items were all accepted.
// Call under s.mu.
func (s *Scheduler) jobTimeout(j *job) *TimeoutError {
	// After a 429 the API refused the request: nothing was done.
	sent := j.state != withdrawn && !errors.Is(j.lastErr, gcoreapi.ErrRateLimited)
	e := s.timeoutError(j.ctx, j.key, j.start, sent)
	e.LastErr, e.Failures, e.retry = j.lastErr, j.failures, j.retry
	return e
}

// withAttemptTimeout runs call with a context that ends after the attempt
// timeout. A call cut short that way returns errAttemptTimedOut.
func (s *Scheduler) withAttemptTimeout(ctx context.Context, call func(context.Context) error) error {
	ctx, cancel := context.WithTimeoutCause(ctx, s.opts.AttemptTimeout, errAttemptTimedOut)
	defer cancel()
	err := call(ctx)
	if err != nil && errors.Is(context.Cause(ctx), errAttemptTimedOut) {
		return fmt.Errorf("%w after %s", errAttemptTimedOut, s.opts.AttemptTimeout)
	}
	return err
}

// errAttemptTimedOut is transient for gcoreapi.IsTransient: it is neither an
// API answer nor context.Canceled.
var errAttemptTimedOut = errors.New("no answer: the attempt timed out")

type logEntry struct {
	ctx    context.Context
	msg    string
	fields map[string]any
}

// log queues an INFO message; call it under s.mu (in withLock), which emits
// it.
func (s *Scheduler) log(ctx context.Context, msg string, fields map[string]any) {
	s.pendingLog = append(s.pendingLog, logEntry{ctx, msg, fields})
}
