package scheduler

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// Every test runs in a synctest bubble (synctest.Test): time.Now, timers and
// contexts' deadlines follow the bubble's fake clock, which starts at t0 and
// moves only when every goroutine of the bubble is durably blocked. A test
// moves to an instant with sleepUntil, which returns once everything due by
// then has happened; what happens at an instant is seen after
// synctest.Wait.

// t0 is when every test starts: the start of a synctest bubble's clock.
var t0 = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// documentedAccount answers the limits call with the documented limits.
var documentedAccount = gcoreapi.AccountLimits{
	PurgeRequestLimit: "1/m", PurgeByURLsRequestLimit: "2/m", PurgeMaxURLsLimit: 100, PurgePatternLimit: 10,
}

// call is one Purge or Prefetch call seen by fakeAPI.
type call struct {
	at         time.Duration // since t0
	resourceID int64
	kind       Kind
	items      []string
	ctx        context.Context
}

// fakeAPI records calls and answers them from a script.
type fakeAPI struct {
	mu          sync.Mutex
	calls       []call
	answers     []error // the answers of the next calls, in order; then nil
	answer      func(ctx context.Context, c call) error
	limits      gcoreapi.AccountLimits
	limitsErr   error
	limitsCalls int
	limitsHook  func(ctx context.Context) error // runs before the limits call answers; its error, if any, is the answer's
	// date gives the API's time of an accepted purge, as the client reads it
	// from the Date of the answer; nil gives the local clock, as the client
	// does for an answer without a Date.
	date func(c call) time.Time
	keys uint64 // the keys given to accepted purges so far
}

func (f *fakeAPI) Purge(ctx context.Context, resourceID int64, p gcoreapi.Purge) (gcoreapi.AcceptedPurge, error) {
	c := call{at: time.Since(t0), resourceID: resourceID, kind: PurgeKind(p.Type), items: slices.Clone(p.Items), ctx: ctx}
	if err := f.answerCall(c); err != nil {
		return gcoreapi.AcceptedPurge{}, err
	}
	at := time.Now()
	if f.date != nil {
		at = f.date(c)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys++
	return gcoreapi.AcceptedPurge{
		Key: f.keys, ResourceID: resourceID, Purge: gcoreapi.Purge{Type: p.Type, Items: slices.Clone(p.Items)}, At: at.UTC(),
	}, nil
}

func (f *fakeAPI) Prefetch(ctx context.Context, resourceID int64, paths []string) error {
	return f.answerCall(call{at: time.Since(t0), resourceID: resourceID, kind: Prefetch, items: slices.Clone(paths), ctx: ctx})
}

// answerCall records c and answers it.
func (f *fakeAPI) answerCall(c call) error {
	f.mu.Lock()
	f.calls = append(f.calls, c)
	answer := f.answer
	var scripted error
	if len(f.answers) > 0 {
		scripted, f.answers = f.answers[0], f.answers[1:]
	}
	f.mu.Unlock()
	if answer != nil {
		return answer(c.ctx, c)
	}
	return scripted
}

func (f *fakeAPI) AccountLimits(ctx context.Context) (gcoreapi.AccountLimits, error) {
	f.mu.Lock()
	f.limitsCalls++
	hook := f.limitsHook
	f.mu.Unlock()
	if hook != nil {
		if err := hook(ctx); err != nil {
			return gcoreapi.AccountLimits{}, err
		}
	}
	return f.limits, f.limitsErr
}

func (f *fakeAPI) script(answers ...error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers = answers
}

func (f *fakeAPI) recorded() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeAPI) limitsCallCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.limitsCalls
}

// harness runs a Scheduler in a synctest bubble against a fakeAPI and
// records its log messages and the progress of its jobs as events.
type harness struct {
	t   *testing.T
	api *fakeAPI
	s   *Scheduler

	mu     sync.Mutex
	events []string
	jobs   []*running
}

// newHarness returns a harness whose scheduler already read account. Call
// it inside the bubble.
func newHarness(t *testing.T, account gcoreapi.AccountLimits, opts Options) *harness {
	h := newColdHarness(t, account, opts)
	if _, err := h.s.Limits(context.Background()); err != nil {
		t.Fatal(err)
	}
	return h
}

// newColdHarness returns a harness whose scheduler has not read the limits.
// When the test ends, every job it started must have returned and every
// worker must have retired.
func newColdHarness(t *testing.T, account gcoreapi.AccountLimits, opts Options) *harness {
	h := &harness{t: t, api: &fakeAPI{limits: account}}
	opts.Log = func(_ context.Context, msg string, _ map[string]any) { h.record("log: " + msg) }
	h.s = New(h.api, opts)
	t.Cleanup(func() {
		if !t.Failed() {
			h.assertIdle()
		}
		if t.Failed() {
			h.drain()
		}
	})
	return h
}

// assertIdle fails unless every job started returned and the scheduler has
// nothing left to do: no job queued, no worker running.
func (h *harness) assertIdle() {
	h.t.Helper()
	synctest.Wait()
	for i, r := range h.started() {
		if !r.finished() {
			h.t.Errorf("job %d (%s) has not returned at %s", i+1, r.label, time.Since(t0))
		}
	}
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	for key, q := range h.s.queues {
		if q.running || len(q.jobs) > 0 {
			h.t.Errorf("queue of %s of CDN resource %d: worker running %v, %d jobs queued at %s",
				key.kind, key.resourceID, q.running, len(q.jobs), time.Since(t0))
		}
	}
}

// drain lets the goroutines of a failed test's scheduler finish, so that
// the bubble ends with its test's failure rather than a deadlock: it lets
// up to a day pass, an hour at a time, until the scheduler is idle.
func (h *harness) drain() {
	for range 25 {
		if h.idle() {
			return
		}
		time.Sleep(time.Hour)
	}
}

// idle reports whether every job started returned and no worker runs.
func (h *harness) idle() bool {
	synctest.Wait()
	for _, r := range h.started() {
		select {
		case <-r.done:
		default:
			return false
		}
	}
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	for _, q := range h.s.queues {
		if q.running {
			return false
		}
	}
	return true
}

// gate returns a channel that a fake API call may wait on until the test
// closes it; it is closed when the test ends if the test did not, so that a
// failed test does not leave the call blocked.
func (h *harness) gate() chan struct{} {
	c := make(chan struct{})
	h.t.Cleanup(func() {
		select {
		case <-c:
		default:
			close(c)
		}
	})
	return c
}

func (h *harness) record(event string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, event)
}

// eventsWith returns the events that contain text.
func (h *harness) eventsWith(text string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var found []string
	for _, e := range h.events {
		if strings.Contains(e, text) {
			found = append(found, e)
		}
	}
	return found
}

// assertEvents fails unless, once every goroutine of the bubble is blocked,
// exactly n events contain text.
func (h *harness) assertEvents(text string, n int) {
	h.t.Helper()
	synctest.Wait()
	if got := h.eventsWith(text); len(got) != n {
		h.t.Fatalf("at %s, %d events contain %q, want %d: %q", time.Since(t0), len(got), text, n, got)
	}
}

// assertCalls fails unless, once every goroutine of the bubble is blocked,
// the API has seen n calls.
func (h *harness) assertCalls(n int) {
	h.t.Helper()
	synctest.Wait()
	if got := h.api.recorded(); len(got) != n {
		h.t.Fatalf("at %s, %d calls, want %d: %+v", time.Since(t0), len(got), n, got)
	}
}

// running is a call of Send in progress.
type running struct {
	label string
	done  chan struct{}
	res   Result
	err   error
}

func (h *harness) started() []*running {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.jobs)
}

// start calls Send on a goroutine; the job's progress is recorded as events
// "label: message".
func (h *harness) start(label string, job Job) *running {
	return h.startCtx(context.Background(), label, job)
}

func (h *harness) startCtx(ctx context.Context, label string, job Job) *running {
	job.Progress = func(msg string) { h.record(label + ": " + msg) }
	r := &running{label: label, done: make(chan struct{})}
	h.mu.Lock()
	h.jobs = append(h.jobs, r)
	h.mu.Unlock()
	go func() {
		defer close(r.done)
		r.res, r.err = h.s.Send(ctx, job)
	}()
	return r
}

// enqueue starts a job and returns once it waits in its queue (or further),
// so that jobs enqueued one after the other arrive in that order.
func (h *harness) enqueue(label string, job Job) *running {
	return h.enqueueCtx(context.Background(), label, job)
}

func (h *harness) enqueueCtx(ctx context.Context, label string, job Job) *running {
	r := h.startCtx(ctx, label, job)
	synctest.Wait()
	return r
}

// wait returns the outcome of r, which must have come by now: the clock
// does not move for it.
func (r *running) wait(t testing.TB) (Result, error) {
	t.Helper()
	synctest.Wait()
	select {
	case <-r.done:
		return r.res, r.err
	default:
		t.Fatalf("Send of %s has not returned at %s", r.label, time.Since(t0))
		return Result{}, nil
	}
}

// succeed is wait, failing the test if the job failed.
func (r *running) succeed(t testing.TB) Result {
	t.Helper()
	res, err := r.wait(t)
	if err != nil {
		t.Fatalf("Send of %s failed: %v", r.label, err)
	}
	return res
}

// finished reports whether Send returned, once every goroutine of the bubble
// is blocked.
func (r *running) finished() bool {
	synctest.Wait()
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// sleepUntil lets the fake clock run to t0+at and returns once everything
// due by then has happened.
func sleepUntil(t testing.TB, at time.Duration) {
	t.Helper()
	if now := time.Since(t0); at < now {
		t.Fatalf("sleepUntil(%s) at %s: that is past", at, now)
	}
	time.Sleep(time.Until(t0.Add(at)))
	synctest.Wait()
}

// callTimes returns when each call was made, since t0.
func (h *harness) callTimes() []time.Duration {
	var times []time.Duration
	for _, c := range h.api.recorded() {
		times = append(times, c.at)
	}
	return times
}

// queuedJobs counts the jobs waiting in queues.
func (s *Scheduler) queuedJobs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, q := range s.queues {
		n += len(q.jobs)
	}
	return n
}

// normalized is res with its times in UTC and without monotonic readings,
// for comparing it with a Result built from t0.
func normalized(res Result) Result {
	if !res.AcceptedAt.IsZero() {
		res.AcceptedAt = res.AcceptedAt.UTC()
	}
	res.Purges = slices.Clone(res.Purges)
	for i := range res.Purges {
		res.Purges[i].At = res.Purges[i].At.UTC()
	}
	return res
}

// apiError returns the error the real client returns for an answer with
// this status and Retry-After header (none when empty).
func apiError(t testing.TB, status int, retryAfter string) error {
	t.Helper()
	header := http.Header{}
	if retryAfter != "" {
		header.Set("Retry-After", retryAfter)
	}
	return apiAnswer(t, status, header, "")
}

// apiAnswer returns the error the real client returns for this answer. It
// makes no connection: it may run inside a bubble.
func apiAnswer(t testing.TB, status int, header http.Header, body string) error {
	t.Helper()
	transport := roundTrip(func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(strings.NewReader(body))}, nil
	})
	client, err := gcoreapi.New(gcoreapi.Config{BaseURL: "https://api.test", HTTPClient: &http.Client{Transport: transport}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.Purge(context.Background(), 1, gcoreapi.Purge{Type: gcoreapi.PurgeAll})
	if err == nil {
		t.Fatalf("status %d gave no error", status)
	}
	return err
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// urls returns n distinct URLs with the given prefix.
func urls(prefix string, n int) []string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf("/%s/%d", prefix, i)
	}
	return items
}
