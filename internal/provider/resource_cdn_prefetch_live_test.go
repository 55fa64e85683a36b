package provider

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

// TestAccCDNPrefetch_mergedAndSpacedByTheWindow runs live, at the documented
// limits compressed from minutes to seconds (1 prefetch a second): three
// prefetches of one CDN resource created together go out as one request;
// 150 files need two requests of up to 100, the second a window after the
// first, without a single 429.
func TestAccCDNPrefetch_mergedAndSpacedByTheWindow(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: simulator.CompressedLimits}))
	config := func(release string, filesEach int) string {
		return fmt.Sprintf(`
resource "gcore_cdn_prefetch" "videos" {
  count       = 3
  resource_id = %d
  urls        = [for i in range(%d) : "/videos/${count.index}/${i}.mp4"]
  triggers    = { release = %q }
}
`, h.resourceID, filesEach, release)
	}
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: config("1", 1),
				Check: func(_ *terraform.State) error {
					prefetches := h.sim.Prefetches()
					if len(prefetches) != 1 || len(prefetches[0].Paths) != 3 {
						return fmt.Errorf("accepted prefetches: %+v; want one request carrying the 3 files", prefetches)
					}
					return nil
				},
			},
			{
				// Each step runs a new provider process, which knows nothing
				// of the first step's request: let its window pass, as it
				// would between two applies, so that any 429 is this
				// apply's own.
				PreConfig: func() { time.Sleep(time.Second) },
				Config:    config("2", 50),
			},
		},
	})
	if n := h.sim.RateLimited(); n != 0 {
		t.Errorf("the API answered 429 %d times; want none", n)
	}
	prefetches := h.sim.Prefetches()[1:]
	var files []string
	for _, p := range prefetches {
		files = append(files, p.Paths...)
	}
	if len(prefetches) != 2 || len(prefetches[0].Paths) != 100 || len(slices.Compact(slices.Sorted(slices.Values(files)))) != 150 {
		t.Fatalf("the second apply's prefetches carried %d files in %d requests; want the 150 files in 2 requests of 100 and 50",
			len(files), len(prefetches))
	}
	if gap := prefetches[1].At.Sub(prefetches[0].At); gap < time.Second {
		t.Errorf("the second request came %v after the first; the limit is 1/s", gap)
	}
}
