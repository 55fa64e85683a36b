package scheduler

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/clock/clocktest"
	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// t0 is when every test starts, on its fake clock.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// guard bounds, in real time, how long a test waits for something that
// should happen at once; it only fires when the test is broken.
const guard = 10 * time.Second

// documentedAccount answers the limits call with the documented limits.
var documentedAccount = gcoreapi.AccountLimits{
	PurgeRequestLimit: "1/m", PurgeByURLsRequestLimit: "2/m", PurgeMaxURLsLimit: 100, PurgePatternLimit: 10,
}

// call is one PurgeAt or Prefetch call seen by fakeAPI; a prefetch is
// recorded as a purge of type gcoreapi.Prefetch.
type call struct {
	at         time.Duration // since t0
	resourceID int64
	purge      gcoreapi.Purge
	ctx        context.Context
}

// fakeAPI records calls and answers them from a script.
type fakeAPI struct {
	clk *clocktest.Fake

	mu          sync.Mutex
	calls       []call
	answers     []error // the answers of the next calls, in order; then nil
	answer      func(ctx context.Context, c call) error
	limits      gcoreapi.AccountLimits
	limitsErr   error
	limitsCalls int
	limitsHook  func(ctx context.Context) // runs before the limits call answers
	// date gives the API's time of an accepted purge, as its Date header;
	// nil answers without one.
	date func(c call) time.Time
}

func (f *fakeAPI) PurgeAt(ctx context.Context, resourceID int64, p gcoreapi.Purge) (time.Time, error) {
	c := call{at: f.clk.Now().Sub(t0), resourceID: resourceID, purge: p, ctx: ctx}
	c.purge.Items = append([]string(nil), p.Items...)
	if err := f.answerCall(c); err != nil || f.date == nil {
		return time.Time{}, err
	}
	return f.date(c), nil
}

func (f *fakeAPI) Prefetch(ctx context.Context, resourceID int64, paths []string) error {
	p := gcoreapi.Purge{Type: gcoreapi.Prefetch, Items: append([]string(nil), paths...)}
	return f.answerCall(call{at: f.clk.Now().Sub(t0), resourceID: resourceID, purge: p, ctx: ctx})
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
		hook(ctx)
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
	return append([]call(nil), f.calls...)
}

// harness runs a Scheduler on a fake clock against a fakeAPI and records its
// log messages and the progress of its jobs as events.
type harness struct {
	t   testing.TB
	clk *clocktest.Fake
	api *fakeAPI
	s   *Scheduler

	mu     sync.Mutex
	events []string
}

// newHarness returns a harness whose scheduler already read account.
func newHarness(t testing.TB, account gcoreapi.AccountLimits, opts Options) *harness {
	h := newColdHarness(t, account, opts)
	if err := h.s.awaitLimits(context.Background()); err != nil {
		t.Fatal(err)
	}
	return h
}

// newColdHarness returns a harness whose scheduler has not read the limits.
func newColdHarness(t testing.TB, account gcoreapi.AccountLimits, opts Options) *harness {
	clk := clocktest.NewFake(t0)
	h := &harness{t: t, clk: clk, api: &fakeAPI{clk: clk, limits: account}}
	opts.Clock = clk
	opts.Log = func(_ context.Context, msg string, _ map[string]any) { h.record("log: " + msg) }
	h.s = New(h.api, opts)
	t.Cleanup(func() {
		if t.Failed() {
			h.drain()
		}
		assertNoSchedulerGoroutines(t)
	})
	return h
}

// drain lets the goroutines of a failed test's scheduler finish, so that the
// failure is reported by its own test and not by every test after it: it
// moves the fake clock a day ahead, a hundred times, yielding in between.
func (h *harness) drain() {
	for range 100 {
		h.clk.Advance(24 * time.Hour)
		time.Sleep(time.Millisecond)
	}
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

// running is a call of Purge in progress.
type running struct {
	done chan struct{}
	res  Result
	err  error
}

// start calls Purge on a goroutine; the job's progress is recorded as
// events "label: message".
func (h *harness) start(label string, job Job) *running {
	return h.startCtx(context.Background(), label, job)
}

func (h *harness) startCtx(ctx context.Context, label string, job Job) *running {
	job.Progress = func(msg string) { h.record(label + ": " + msg) }
	r := &running{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.res, r.err = h.s.Purge(ctx, job)
	}()
	return r
}

// wait returns the outcome of r, which must come without any clock moving.
func (r *running) wait(t testing.TB) (Result, error) {
	t.Helper()
	select {
	case <-r.done:
		return r.res, r.err
	case <-time.After(guard):
		t.Fatal("Purge did not return")
		return Result{}, nil
	}
}

// succeed waits for r and fails the test if it failed.
func (r *running) succeed(t testing.TB) Result {
	t.Helper()
	res, err := r.wait(t)
	if err != nil {
		t.Fatalf("Purge failed: %v", err)
	}
	return res
}

func (r *running) finished() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// waitFor polls cond, yielding to other goroutines, until it holds.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(guard)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("still waiting for %s", what)
		}
		runtime.Gosched()
	}
}

// waitQueued waits until n jobs wait in queues.
func (h *harness) waitQueued(n int) {
	h.t.Helper()
	h.waitFor(fmt.Sprintf("%d queued jobs", n), func() bool { return h.s.queuedJobs() == n })
}

// waitCalls waits until the API has seen n purge calls.
func (h *harness) waitCalls(n int) {
	h.t.Helper()
	h.waitFor(fmt.Sprintf("%d calls", n), func() bool { return len(h.api.recorded()) >= n })
}

// waitEvents waits until n events contain text.
func (h *harness) waitEvents(text string, n int) {
	h.t.Helper()
	h.waitFor(fmt.Sprintf("%d events %q", n, text), func() bool { return len(h.eventsWith(text)) >= n })
}

// advanceTo moves the fake clock to t0+at once n timers are pending.
func (h *harness) advanceTo(at time.Duration, waiters int) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	if err := h.clk.BlockUntilWaiters(ctx, waiters); err != nil {
		h.t.Fatalf("waiting for %d timers: %v", waiters, err)
	}
	h.clk.Advance(at - h.clk.Now().Sub(t0))
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

// deadlineCtx is a context whose deadline is on the fake clock: the test
// expires it by hand once it advanced the clock there.
type deadlineCtx struct {
	context.Context
	deadline time.Time
	done     chan struct{}
	mu       sync.Mutex
	err      error
}

func newDeadlineCtx(deadline time.Time) *deadlineCtx {
	return &deadlineCtx{Context: context.Background(), deadline: deadline, done: make(chan struct{})}
}

func (c *deadlineCtx) Deadline() (time.Time, bool) { return c.deadline, true }
func (c *deadlineCtx) Done() <-chan struct{}       { return c.done }

func (c *deadlineCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *deadlineCtx) expire() {
	c.mu.Lock()
	c.err = context.DeadlineExceeded
	c.mu.Unlock()
	close(c.done)
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

// apiAnswer returns the error the real client returns for this answer.
func apiAnswer(t testing.TB, status int, header http.Header, body string) error {
	t.Helper()
	transport := roundTrip(func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(strings.NewReader(body))}, nil
	})
	client, err := gcoreapi.New(gcoreapi.Config{BaseURL: "https://api.test", HTTPClient: &http.Client{Transport: transport}})
	if err != nil {
		t.Fatal(err)
	}
	err = client.Purge(context.Background(), 1, gcoreapi.Purge{Type: gcoreapi.PurgeAll})
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

// assertNoSchedulerGoroutines fails unless every goroutine of the scheduler
// has ended.
func assertNoSchedulerGoroutines(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(guard)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, "internal/scheduler.(*Scheduler)") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("scheduler goroutines still running:\n%s", stacks)
		}
		runtime.Gosched()
	}
}
