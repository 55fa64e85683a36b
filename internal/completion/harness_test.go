package completion

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/clock/clocktest"
	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/scheduler"
)

// t0 is when every test starts, on its fake clock.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// guard bounds, in real time, how long a test waits for Wait; it only fires
// when the test is broken.
const guard = 10 * time.Second

const cname = "cdn.site.test"

// entry is a purge in the fake history: "In progress" until doneAt (since
// t0), then Status.
type entry struct {
	gcoreapi.PurgeRecord
	doneAt time.Duration
}

// reading is one call of PurgeStatuses the fake history answered.
type reading struct {
	at time.Duration // since t0
	q  gcoreapi.PurgeStatusQuery
}

// fakeHistory plays GET /cdn/purge_statuses with its filters; paging is the
// client's job, tested with it.
type fakeHistory struct {
	clk *clocktest.Fake

	mu       sync.Mutex
	entries  []entry
	errs     []error // the answers of the next readings, in order; nil reads
	readings []reading
}

func (f *fakeHistory) PurgeStatuses(_ context.Context, q gcoreapi.PurgeStatusQuery) ([]gcoreapi.PurgeRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.clk.Now()
	f.readings = append(f.readings, reading{at: now.Sub(t0), q: q})
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		if err != nil {
			return nil, err
		}
	}
	var found []gcoreapi.PurgeRecord
	for _, e := range f.entries {
		r := e.PurgeRecord
		if (q.CName != "" && q.CName != r.CName) || (q.Type != 0 && q.Type != r.Type) || r.Created.Before(q.From) {
			continue
		}
		if now.Before(t0.Add(e.doneAt)) {
			r.Status = gcoreapi.StatusInProgress
		}
		found = append(found, r)
	}
	return found, nil
}

// readingTimes returns when the history was read, once per distinct time.
func (f *fakeHistory) readingTimes() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var times []time.Duration
	for _, r := range f.readings {
		if len(times) == 0 || times[len(times)-1] != r.at {
			times = append(times, r.at)
		}
	}
	return times
}

// harness runs a Waiter on a fake clock against a fake history.
type harness struct {
	t   *testing.T
	clk *clocktest.Fake
	api *fakeHistory
	w   *Waiter

	mu       sync.Mutex
	progress []string
}

func newHarness(t *testing.T, entries ...entry) *harness {
	clk := clocktest.NewFake(t0)
	api := &fakeHistory{clk: clk, entries: entries}
	return &harness{t: t, clk: clk, api: api, w: New(api, clk)}
}

// wait runs Wait on requests, moving the fake clock a second at a time
// whenever Wait sleeps, and returns its report.
func (h *harness) wait(ctx context.Context, requests ...scheduler.SentRequest) Report {
	h.t.Helper()
	return drive(h.t, h.clk, func() Report {
		return h.w.Wait(ctx, cname, requests, func(msg string) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.progress = append(h.progress, msg)
		})
	})
}

// drive runs wait on a goroutine and moves clk a second at a time whenever
// wait sleeps on it, until wait returns.
func drive(t *testing.T, clk *clocktest.Fake, wait func() Report) Report {
	t.Helper()
	done := make(chan Report, 1)
	go func() { done <- wait() }()
	stop := time.Now().Add(guard)
	for time.Now().Before(stop) {
		select {
		case r := <-done:
			return r
		default:
		}
		if clk.Waiters() > 0 {
			clk.Advance(time.Second)
		} else {
			runtime.Gosched()
		}
	}
	t.Fatal("Wait did not return")
	return Report{}
}

// elapsed is the fake time since t0.
func (h *harness) elapsed() time.Duration { return h.clk.Now().Sub(t0) }

// deadlineCtx has a deadline on the fake clock; the Waiter sees it come by
// its clock.
type deadlineCtx struct {
	context.Context
	at time.Time
}

func (c deadlineCtx) Deadline() (time.Time, bool) { return c.at, true }

func within(d time.Duration) context.Context { return deadlineCtx{context.Background(), t0.Add(d)} }

// request is a request of resource 1 that the API accepted at t0+at.
func request(number int, typ gcoreapi.PurgeType, at time.Duration, items ...string) scheduler.SentRequest {
	return scheduler.SentRequest{Number: number, ResourceID: 1, Type: typ, Items: items, AcceptedAt: t0.Add(at)}
}

// purge is a history entry of resource 1 created at t0+created.
func purge(id int64, typ gcoreapi.PurgeType, created time.Duration, status gcoreapi.PurgeStatus, doneAt time.Duration, items ...string) entry {
	return entry{PurgeRecord: gcoreapi.PurgeRecord{
		ID: id, Status: status, ResourceID: 1, CName: cname, Type: typ, Items: items, Created: t0.Add(created),
	}, doneAt: doneAt}
}

// answer returns the error the real client returns when the history answers
// status with header.
func answer(t *testing.T, status int, header http.Header) error {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	client, err := gcoreapi.New(gcoreapi.Config{BaseURL: srv.URL, APIKey: "key"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.PurgeStatuses(context.Background(), gcoreapi.PurgeStatusQuery{})
	if err == nil {
		t.Fatalf("status %d gave no error", status)
	}
	return err
}

func assertReadingTimes(t *testing.T, h *harness, want ...time.Duration) {
	t.Helper()
	if got := h.api.readingTimes(); !slices.Equal(got, want) {
		t.Fatalf("history read at %v, want %v", got, want)
	}
}
