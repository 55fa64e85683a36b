// Command scale-bench measures gcore_cdn_purge_changed_files at scale through
// the real Terraform CLI against the API simulator, side by side with a
// terraform_data holding the same map, in one run. `make bench` runs it.
//
// For each size (default 10,000, 30,000 and 100,000 files) and each
// configuration, in a fresh directory with the files in
// terraform.tfvars.json (paths in directories of 100, md5 versions, what
// filemd5 gives), it times: the create (plan -out, apply of the plan), an
// update changing 10% of the files (plan -out, show -json of that plan,
// apply of the plan), and a plan that must find nothing to change. For each
// command it records the wall time, the peak resident set of Terraform
// (VmHWM, sampled from /proc) and of the provider's processes (getrusage,
// recorded by this binary, which Terraform starts in the provider's place),
// their CPU time, and the lines of the human-readable output; and it checks
// what the simulator accepted: every URL of the create, exactly the changed
// ones of the update, 100 a request.
//
// It prints a table per size and configuration, then the summary: each
// update (plan + apply) against terraform_data's, the growth from one size
// to the next, the provider's peak memory, and the targets of issue 19: every
// update within 2× of terraform_data, growth from 10,000 to 30,000 files at
// most 3.5×, the provider's peak at 100,000 files under 600 MB. The machine
// may be shared: only ratios within one run mean much.
//
//	go run ./internal/cmd/scale-bench [-sizes 10000,30000,100000] [-sensitive]
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/cmd/internal/measured"
)

func main() {
	if measured.AsProvider() {
		os.Exit(measured.RunProvider())
	}
	log.SetFlags(0)
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

// errTargetMissed: a target was missed, or a configuration failed; the
// report says which.
var errTargetMissed = errors.New("scale-bench: a target was missed")

func run() error {
	terraform := flag.String("terraform", os.Getenv("TF_ACC_TERRAFORM_PATH"), "Terraform CLI to run")
	sizes := flag.String("sizes", "10000,30000,100000", "numbers of files, comma-separated, smallest first")
	share := flag.Float64("changed", 0.1, "share of the files the update changes")
	timeout := flag.Duration("timeout", 10*time.Minute, "limit of one Terraform command")
	sensitive := flag.Bool("sensitive", false, "also measure the resource with the files variable marked sensitive")
	keep := flag.Bool("keep", false, "keep the working directories")
	flag.Parse()
	if *terraform == "" {
		return errors.New("set -terraform or TF_ACC_TERRAFORM_PATH to the Terraform CLI")
	}
	var ns []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1000 {
			return fmt.Errorf("-sizes: %q is not a number of files of at least 1000", s)
		}
		ns = append(ns, n)
	}
	b, err := setUp(*terraform, *timeout, *keep)
	if err != nil {
		return err
	}
	defer b.tearDown()
	kinds := []configKind{dataKind, filesKind}
	if *sensitive {
		kinds = append(kinds, sensitiveKind)
	}
	var results []result
	for _, n := range ns {
		for _, k := range kinds {
			r := b.measure(k, n, *share)
			printResult(r)
			results = append(results, r)
		}
	}
	if !report(results, ns, kinds) {
		return errTargetMissed
	}
	return nil
}
