package scheduler

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/clock"
	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// API is the part of the Gcore client the scheduler uses. PurgeAt returns
// the API's own time of acceptance (zero when its answer had none).
type API interface {
	PurgeAt(ctx context.Context, resourceID int64, p gcoreapi.Purge) (time.Time, error)
	Prefetch(ctx context.Context, resourceID int64, paths []string) error
	AccountLimits(ctx context.Context) (gcoreapi.AccountLimits, error)
}

var _ API = (*gcoreapi.Client)(nil)

// Logger receives the scheduler's INFO-level messages; the provider passes
// them to tflog.Info.
type Logger func(ctx context.Context, msg string, fields map[string]any)

// Progress receives human-readable news about one job. It is called on the
// goroutine that called Purge, never concurrently for one job.
type Progress func(msg string)

// Options tune a Scheduler. The zero value of each field means its default.
type Options struct {
	// Clock defaults to clock.Real().
	Clock clock.Clock
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
	// Backoff paces the retries after transient failures.
	Backoff Backoff
}

// Backoff is a capped exponential backoff with equal jitter: the delay after
// the n-th failure is d/2 + Rand()*d/2, where d = min(Base*2^(n-1), Cap).
type Backoff struct {
	Base time.Duration // default 500ms
	Cap  time.Duration // default 30s
	// MaxAttempts is how many times a request is tried when it keeps failing
	// transiently: default 5. 429 answers do not count.
	MaxAttempts int
	// Rand returns a number in [0, 1); default math/rand/v2.Float64.
	Rand func() float64
}

const (
	defaultGatherWindow   = 200 * time.Millisecond
	maxGatherWindow       = 250 * time.Millisecond
	defaultAttemptTimeout = 30 * time.Second
	defaultBackoffBase    = 500 * time.Millisecond
	defaultBackoffCap     = 30 * time.Second
	defaultMaxAttempts    = 5
)

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = clock.Real()
	}
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
	o.Backoff = o.Backoff.withDefaults()
	return o
}

func (b Backoff) withDefaults() Backoff {
	if b.Base <= 0 {
		b.Base = defaultBackoffBase
	}
	if b.Cap <= 0 {
		b.Cap = defaultBackoffCap
	}
	if b.MaxAttempts <= 0 {
		b.MaxAttempts = defaultMaxAttempts
	}
	if b.Rand == nil {
		b.Rand = rand.Float64
	}
	return b
}

// delay returns how long to wait after the n-th consecutive failure (n >= 1).
func (b Backoff) delay(n int) time.Duration {
	d := b.Base
	for i := 1; i < n && d < b.Cap; i++ {
		d *= 2
	}
	d = min(d, b.Cap)
	return d/2 + time.Duration(b.Rand()*float64(d/2))
}

// Scheduler sends the purges of one provider instance. It is safe for
// concurrent use; its goroutines end when it has nothing left to do.
type Scheduler struct {
	api   API
	opts  Options
	clock clock.Clock

	limitsOnce  sync.Once
	limitsReady chan struct{}
	limits      limits // written once, before limitsReady is closed

	// mu guards the queues and jobs. Release it with unlock, never with
	// mu.Unlock: unlock also emits the log lines queued under it, so that the
	// provider's logger never runs with the lock held.
	mu         sync.Mutex
	queues     map[queueKey]*queue
	jobCount   uint64
	reqCount   int
	pendingLog []logEntry // written under mu, emitted by unlock outside it
}

// New returns a Scheduler that sends purges through api.
func New(api API, opts Options) *Scheduler {
	opts = opts.withDefaults()
	return &Scheduler{
		api:         api,
		opts:        opts,
		clock:       opts.Clock,
		limitsReady: make(chan struct{}),
		queues:      make(map[queueKey]*queue),
	}
}

// Job is one purge, the items of one type to clear on one CDN resource, or
// one prefetch (Type gcoreapi.Prefetch), the files to load into its cache.
type Job struct {
	ResourceID int64
	Type       gcoreapi.PurgeType
	// Items are the URLs or patterns to purge, or the files to prefetch;
	// none for a purge-all.
	Items []string
	// Progress, if not nil, receives news of the job while Purge runs.
	Progress Progress
}

// Result describes how a job was carried out.
type Result struct {
	// Requests are the requests the API accepted that carried the job's
	// items, in the order they were accepted: also when the job failed
	// part-way, and a purge-all that settled the job is one of them.
	Requests []SentRequest
	// Merged is how many other jobs shared at least one of those requests.
	Merged int
	// Accepted are the items that requests accepted by the API carried, in
	// the order they were sent: all of them when the job succeeded, those
	// purged before it failed otherwise.
	Accepted []string
	// Waited is the time from the call of Purge to the last acceptance.
	Waited time.Duration
	// AcceptedAt is when the API accepted the last request carrying the job,
	// by the scheduler's clock (each of Requests has the API's); zero when
	// none was accepted.
	AcceptedAt time.Time
	// SettledByPurgeAll is true for a URL or pattern job whose items were
	// settled by a purge-all of its CDN resource instead of being sent.
	SettledByPurgeAll bool
}

// SentRequest is one request the API accepted, with what it takes to find it
// in the purge history later: the purge's answer has no ID, so the history
// knows it only by CDN resource, type, payload and creation time.
type SentRequest struct {
	// Number is the scheduler's number of the request, as its progress and
	// log write it ("request #3"); the jobs that rode one request hold the
	// same number.
	Number     int
	ResourceID int64
	Type       gcoreapi.PurgeType
	// Items are all the items the request carried, as sent: those of the
	// jobs merged into it too, since the history lists the whole payload;
	// none for a purge-all.
	Items []string
	// AcceptedAt is when the API accepted the request by its own clock (the
	// Date of its 201), so that the local clock's skew does not matter; by
	// the scheduler's clock when the answer had no Date, and for a prefetch,
	// whose answer the client does not read for one.
	AcceptedAt time.Time
}

// Purge blocks until the API accepted requests carrying all of the job's
// items, or until the job fails: with the API's error (wrapped, so that
// errors.Is(err, gcoreapi.ErrUnauthorized) works), or with a *TimeoutError
// when ctx ends first. A job that fails still returns in Result what was
// accepted before; and when ctx ends while an attempt carrying its items
// awaits its answer, Purge waits for that answer (at most the attempt
// timeout), so that an accepted request is never reported as lost. A
// prefetch (Job.Type gcoreapi.Prefetch) goes the same way, in a queue and
// rate window of its own.
func (s *Scheduler) Purge(ctx context.Context, job Job) (Result, error) {
	items, err := job.checkedItems()
	if err != nil {
		return Result{}, err
	}
	start := s.clock.Now()
	key := queueKey{resourceID: job.ResourceID, typ: job.Type}
	if err := s.awaitLimits(ctx); err != nil {
		return Result{}, s.timeoutError(ctx, key, start, false)
	}
	j := s.enqueue(ctx, key, items, job.Progress, start)
	return s.await(ctx, j)
}

// checkedItems returns the job's items without duplicates, in first-seen
// order, or why the job cannot be sent.
func (job Job) checkedItems() ([]string, error) {
	switch job.Type {
	case gcoreapi.PurgeByURL, gcoreapi.PurgeByPattern, gcoreapi.Prefetch:
		if len(job.Items) == 0 {
			return nil, fmt.Errorf("%s of CDN resource %d: no items", job.Type, job.ResourceID)
		}
		return appendNew(nil, make(map[string]bool, len(job.Items)), job.Items), nil
	case gcoreapi.PurgeAll:
		if len(job.Items) > 0 {
			return nil, fmt.Errorf("purge all of CDN resource %d takes no items, got %d", job.ResourceID, len(job.Items))
		}
		return nil, nil
	default:
		return nil, fmt.Errorf("CDN resource %d: unknown purge type %d", job.ResourceID, int(job.Type))
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
			return j.outcome()
		case <-ctx.Done():
			return s.leave(j)
		}
	}
}

// passNotes hands j's pending progress messages to its callback, outside the
// lock so that a slow callback holds up nothing else.
func (s *Scheduler) passNotes(j *job) {
	s.mu.Lock()
	notes := j.notes
	j.notes = nil
	s.unlock()
	for _, msg := range notes {
		j.progress(msg)
	}
}

// leave withdraws j, whose context ended, from its queue: the items only it
// asked for will not be sent. Requests already carrying its items go on for
// the other jobs they carry, unless none is left to wait for a retry. An
// attempt carrying its items that awaits its answer is waited for, so that
// its acceptance counts. A job that finished meanwhile keeps its outcome.
func (s *Scheduler) leave(j *job) (Result, error) {
	s.mu.Lock()
	j.left = true
	if j.queued {
		j.withdrawn = true
		s.dequeue(j)
	}
	s.queues[j.key].poke() // a retry it alone waited for is dropped at once
	for j.attempting > 0 && !j.finished {
		s.unlock()
		<-j.answered
		s.mu.Lock()
	}
	if j.finished {
		s.unlock()
		s.passNotes(j)
		return j.outcome()
	}
	res, _ := j.outcome()
	e := s.jobTimeout(j)
	s.unlock()
	return res, e
}

// giveUp ends j, still waiting, with its *TimeoutError before its deadline,
// which will pass before the retry it waits for goes out. Call under s.mu.
func (s *Scheduler) giveUp(j *job) {
	if j.queued {
		j.withdrawn = true
		s.dequeue(j)
	}
	e := s.jobTimeout(j)
	s.log(j.ctx, fmt.Sprintf("%s of CDN resource %d gives up now: %v", j.key.typ, j.key.resourceID, e),
		map[string]any{"resource_id": j.key.resourceID, "purge_type": j.key.typ.String(), "until": j.retry.at})
	j.finish(e)
}

// jobTimeout describes how j ended before its items were all accepted.
// Call under s.mu.
func (s *Scheduler) jobTimeout(j *job) *TimeoutError {
	// After a 429 the API refused the request: nothing was purged.
	sent := !j.withdrawn && !errors.Is(j.lastErr, gcoreapi.ErrRateLimited)
	e := s.timeoutError(j.ctx, j.key, j.start, sent)
	e.LastErr, e.Failures, e.retry = j.lastErr, j.failures, j.retry
	return e
}

// withAttemptTimeout runs call with a context that the clock cancels after
// the attempt timeout. A call cut short that way returns errAttemptTimedOut.
func (s *Scheduler) withAttemptTimeout(ctx context.Context, call func(context.Context) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	timer := s.clock.NewTimer(s.opts.AttemptTimeout)
	answered, watcherDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watcherDone)
		select {
		case <-timer.C():
			cancel(errAttemptTimedOut)
		case <-answered:
		}
	}()
	err := call(ctx)
	timer.Stop()
	close(answered)
	<-watcherDone
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

// log queues an INFO message; call it under s.mu, unlock emits it.
func (s *Scheduler) log(ctx context.Context, msg string, fields map[string]any) {
	s.pendingLog = append(s.pendingLog, logEntry{ctx, msg, fields})
}

// unlock releases s.mu, then emits the messages logged under it, so that the
// provider's logger never runs with the lock held.
func (s *Scheduler) unlock() {
	entries := s.pendingLog
	s.pendingLog = nil
	s.mu.Unlock()
	for _, e := range entries {
		s.opts.Log(e.ctx, e.msg, e.fields)
	}
}
