package scheduler

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// BenchmarkCoalesce measures the scheduling overhead of many small jobs that
// arrive together and share requests, against an API that answers at once.
// It runs on the real clock (a benchmark cannot run in a synctest bubble),
// without a gather window: the first request of each round waits for its
// answer until the other jobs are queued, so that every round merges the
// same way.
func BenchmarkCoalesce(b *testing.B) {
	const jobs = 500
	api := &benchAPI{}
	s := New(api, Options{GatherWindow: -1})
	api.s = s
	api.limits = gcoreapi.AccountLimits{PurgeByURLsRequestLimit: "1000/s"}
	if _, err := s.Limits(context.Background()); err != nil {
		b.Fatal(err)
	}
	items := make([][]string, jobs)
	for i := range items {
		items[i] = []string{fmt.Sprintf("/asset/%d", i), "/shared"}
	}
	b.ResetTimer()
	for n := range b.N {
		api.hold(uint64((n + 1) * jobs))
		var wg sync.WaitGroup
		errs := make(chan error, jobs)
		for i := range jobs {
			wg.Go(func() {
				if _, err := s.Send(context.Background(), Job{ResourceID: int64(n), Kind: PurgeByURL, Items: items[i]}); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*jobs), "ns/job")
	b.ReportMetric(float64(api.requests)/float64(b.N), "requests/op")
}

// benchAPI accepts every purge at once, except the first of a round, which
// it answers once every job of the round is queued or carried.
type benchAPI struct {
	s        *Scheduler
	limits   gcoreapi.AccountLimits
	mu       sync.Mutex
	requests int
	waitFor  uint64 // jobs the scheduler must have seen before the first call of a round answers; 0 once it did
}

func (a *benchAPI) hold(jobs uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.waitFor = jobs
}

// jobsSeen counts the jobs the scheduler has enqueued.
func (a *benchAPI) jobsSeen() uint64 {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	return a.s.jobCount
}

func (a *benchAPI) Purge(_ context.Context, resourceID int64, p gcoreapi.Purge) (gcoreapi.AcceptedPurge, error) {
	a.mu.Lock()
	a.requests++
	waitFor := a.waitFor
	a.waitFor = 0
	a.mu.Unlock()
	for waitFor > 0 && a.jobsSeen() < waitFor {
		runtime.Gosched()
	}
	return gcoreapi.AcceptedPurge{ResourceID: resourceID, Purge: p}, nil
}

func (a *benchAPI) Prefetch(context.Context, int64, []string) error { return nil }

func (a *benchAPI) AccountLimits(context.Context) (gcoreapi.AccountLimits, error) {
	return a.limits, nil
}

// BenchmarkLargeJob measures the scheduling of one job of 100,000 URLs, the
// first purge of a 100,000-file site: 1,000 requests of 100 URLs, against an
// API that answers at once and limits out of the way. Its cost must grow
// linearly with the items: each request takes its items from the head of
// the job's list, without rescanning what is left.
func BenchmarkLargeJob(b *testing.B) {
	const n = 100000
	api := &benchAPI{limits: gcoreapi.AccountLimits{PurgeByURLsRequestLimit: "1000000/s"}}
	s := New(api, Options{GatherWindow: -1})
	api.s = s
	if _, err := s.Limits(context.Background()); err != nil {
		b.Fatal(err)
	}
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf("/assets/d%d/file-%d.js", i/100, i)
	}
	b.ResetTimer()
	for i := range b.N {
		res, err := s.Send(context.Background(), Job{ResourceID: int64(i), Kind: PurgeByURL, Items: items})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Accepted) != n || res.AcceptedRequests != n/100 {
			b.Fatalf("accepted %d items in %d requests, want %d in %d", len(res.Accepted), res.AcceptedRequests, n, n/100)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/item")
}
