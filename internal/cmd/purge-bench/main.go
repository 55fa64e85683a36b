// Command purge-bench measures gcore_cdn_purge through the real Terraform CLI
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
//     resources: the ratio of wall times and the provider's peak memory.
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
	"path/filepath"
	"slices"
	"strings"
	"time"
)

func main() {
	if filepath.Base(os.Args[0]) == providerBinary {
		os.Exit(runProviderMeasured())
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
	flag.Parse()
	if *terraform == "" {
		return errors.New("set -terraform or TF_ACC_TERRAFORM_PATH to the Terraform CLI")
	}

	b, err := setUp(*terraform)
	if err != nil {
		return err
	}
	defer b.tearDown()
	if b.applyBenchmark(*runs) && b.concurrentBenchmark() && b.planBenchmark(*runs, *planSize) {
		return nil
	}
	return errBenchmarkFailed
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
