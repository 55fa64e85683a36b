package scheduler

import (
	"fmt"
	"testing"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// BenchmarkCoalesce measures the scheduling overhead of many small jobs that
// arrive together and share requests, against an API that answers at once.
func BenchmarkCoalesce(b *testing.B) {
	const jobs = 500
	h := newHarness(b, gcoreapi.AccountLimits{PurgeByURLsRequestLimit: "1000/s"}, Options{})
	items := make([][]string, jobs)
	for i := range items {
		items[i] = []string{fmt.Sprintf("/asset/%d", i), "/shared"}
	}
	b.ResetTimer()
	for n := range b.N {
		running := make([]*running, jobs)
		for i := range running {
			running[i] = h.start("job", Job{ResourceID: int64(n), Type: gcoreapi.PurgeByURL, Items: items[i]})
		}
		h.waitQueued(jobs)
		h.clk.Advance(gather)
		for _, r := range running {
			r.succeed(b)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*jobs), "ns/job")
	b.ReportMetric(float64(len(h.api.recorded()))/float64(b.N), "requests/op")
}
