// Command purge-bench measures the provider's purges through the real Terraform CLI
// against the API simulator, with the rate limits compressed from minutes to
// seconds (simulator.CompressedLimits), so that what takes minutes against
// Gcore takes seconds here.
// `make bench` runs it. It reports:
//
//  1. one apply of 20 URL purges (5 URLs each), 4 pattern purges and a
//     purge-all of another CDN resource: requests, 429s, wall time against
//     the same apply of terraform_data resources, and the fewest requests
//     the limits allow;
//  2. two Terraform processes purging one CDN resource at the same time;
//  3. terraform plan of 1,000 purges against 1,000 terraform_data
//     resources: the ratio of wall times and the provider's peak memory;
//  4. a deploy of 1,000 files, then 250 changed, 10 removed and 5 added,
//     with gcore_cdn_purge_changed_files and with one gcore_cdn_purge per
//     file: requests, 429s and wall time in rate windows;
//  5. terraform plan of a 10,000-entry files map against terraform_data
//     holding the same map;
//  6. a deploy changing 1,000 files with wait_for_completion and prefetch;
//  7. a deploy changing every page of 40 directories of 100 pages, beside
//     1,000 unchanged images, by URL and with purge_directories, projected
//     to the documented limits;
//  8. terraform plan of 1,000 purges naming their CDN resource by cname
//     against the same plan by resource_id.
//
// Wall times are compared within one run, as ratios or differences: the
// machine is shared and its absolute speed means little.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/cmd/internal/measured"
)

func main() {
	if measured.AsProvider() {
		os.Exit(measured.RunProvider())
	}
	log.SetFlags(0)
	// run returns before main exits, so that its deferred clean-up (the
	// simulator, the temporary directory) runs on failure too.
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

// errBenchmarkFailed: a benchmark did not run through; it logged why.
var errBenchmarkFailed = errors.New("purge-bench: a benchmark failed")

func run() error {
	terraform := flag.String("terraform", os.Getenv("TF_ACC_TERRAFORM_PATH"), "Terraform CLI to run")
	runs := flag.Int("runs", 3, "runs of each timed command; the median is reported")
	planSize := flag.Int("plan-resources", 1000, "resources in the plan benchmark")
	only := flag.String("only", "1,2,3,4,5,6,7,8", "the benchmarks to run, by number")
	flag.Parse()
	if *terraform == "" {
		return errors.New("set -terraform or TF_ACC_TERRAFORM_PATH to the Terraform CLI")
	}

	b, err := setUp(*terraform)
	if err != nil {
		return err
	}
	defer b.tearDown()
	benchmarks := map[string]func() bool{
		"1": func() bool { return b.applyBenchmark(*runs) },
		"2": b.concurrentBenchmark,
		"3": func() bool { return b.planBenchmark(*runs, *planSize) },
		"4": b.changedFilesBenchmark,
		"5": func() bool { return b.bigPlanBenchmark(*runs) },
		"6": b.completionBenchmark,
		"7": b.directoriesBenchmark,
		"8": func() bool { return b.cnameBenchmark(*runs, *planSize) },
	}
	// Every benchmark runs, so that one missed target hides no other figure.
	var failed []string
	for _, n := range strings.Split(*only, ",") {
		n = strings.TrimSpace(n)
		benchmark, ok := benchmarks[n]
		if !ok {
			return fmt.Errorf("no benchmark %q: -only takes numbers from 1 to %d", n, len(benchmarks))
		}
		if !benchmark() {
			failed = append(failed, n)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%w: %s", errBenchmarkFailed, strings.Join(failed, ", "))
	}
	return nil
}

// median of the durations d, which it sorts.
func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

// verdict marks a target as met or missed.
func verdict(met bool) string {
	if met {
		return "target met"
	}
	return "TARGET MISSED"
}

func heading(s string) { fmt.Printf("\n## %s\n\n", s) }

func row(cells ...string) { fmt.Println("| " + strings.Join(cells, " | ") + " |") }
