package completion

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// Every test runs in a synctest bubble (synctest.Test): Wait sleeps on the
// bubble's fake clock, which starts at t0 and moves only when every
// goroutine of the bubble is blocked, so a test calls Wait directly and
// reads the time it returned at with time.Since(t0).

// t0 is when every test starts: the start of a synctest bubble's clock.
var t0 = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

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

// fakeHistory plays GET /cdn/purge_statuses with its filters, as the client
// reads it (paging and the reading of each entry are the client's, tested
// with it).
type fakeHistory struct {
	mu       sync.Mutex
	entries  []entry
	errs     []error // the answers of the next readings, in order; nil reads
	readings []reading
	// truncated makes every reading return what it found with
	// gcoreapi.ErrHistoryTruncated, as the client does for a history of
	// more than gcoreapi.MaxPurgeStatusPages pages.
	truncated bool
}

func (f *fakeHistory) PurgeStatuses(_ context.Context, q gcoreapi.PurgeStatusQuery) ([]gcoreapi.PurgeRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
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
	if f.truncated {
		return found, gcoreapi.ErrHistoryTruncated
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

// harness runs a Waiter against a fake history; make it inside the bubble.
type harness struct {
	t   *testing.T
	api *fakeHistory
	w   *Waiter

	mu       sync.Mutex
	progress []string
}

func newHarness(t *testing.T, entries ...entry) *harness {
	api := &fakeHistory{entries: entries}
	return &harness{t: t, api: api, w: New(api)}
}

// wait runs Wait on purges and returns its report; the progress it hears is
// recorded.
func (h *harness) wait(ctx context.Context, purges ...gcoreapi.AcceptedPurge) Report {
	h.t.Helper()
	return h.w.Wait(ctx, cname, purges, func(msg string) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.progress = append(h.progress, msg)
	})
}

// elapsed is the fake time since t0.
func elapsed() time.Duration { return time.Since(t0) }

// within returns a context whose deadline is t0+d, cancelled when the test
// ends.
func within(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithDeadline(context.Background(), t0.Add(d))
	t.Cleanup(cancel)
	return ctx
}

// accepted is a purge of resource 1 that the API accepted at t0+at, the
// key-th of its client.
func accepted(key uint64, typ gcoreapi.PurgeType, at time.Duration, items ...string) gcoreapi.AcceptedPurge {
	return gcoreapi.AcceptedPurge{Key: key, ResourceID: 1, Purge: gcoreapi.Purge{Type: typ, Items: items}, At: t0.Add(at)}
}

// purge is a history entry of resource 1 created at t0+created.
func purge(id int64, typ gcoreapi.PurgeType, created time.Duration, status gcoreapi.PurgeStatus, doneAt time.Duration, items ...string) entry {
	return entry{PurgeRecord: gcoreapi.PurgeRecord{
		ID: id, Status: status, ResourceID: 1, CName: cname, Type: typ, Items: items, Created: t0.Add(created),
	}, doneAt: doneAt}
}

// answer returns the error the real client returns when the history answers
// status with header. It makes no connection: it may run inside a bubble.
func answer(t *testing.T, status int, header http.Header) error {
	t.Helper()
	client := clientOf(t, func(*http.Request) (int, http.Header, string) { return status, header, "" })
	_, err := client.PurgeStatuses(context.Background(), gcoreapi.PurgeStatusQuery{})
	if err == nil {
		t.Fatalf("status %d gave no error", status)
	}
	return err
}

// clientOf returns a real client whose every request serve answers, in
// memory.
func clientOf(t *testing.T, serve func(*http.Request) (status int, header http.Header, body string)) *gcoreapi.Client {
	t.Helper()
	transport := roundTrip(func(r *http.Request) (*http.Response, error) {
		status, header, body := serve(r)
		if header == nil {
			header = http.Header{}
		}
		return &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	})
	client, err := gcoreapi.New(gcoreapi.Config{BaseURL: "https://api.test", APIKey: "key", HTTPClient: &http.Client{Transport: transport}})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func assertReadingTimes(t *testing.T, h *harness, want ...time.Duration) {
	t.Helper()
	if got := h.api.readingTimes(); !slices.Equal(got, want) {
		t.Fatalf("history read at %v, want %v", got, want)
	}
}
