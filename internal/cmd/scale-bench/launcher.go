package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

// Terraform starts the provider itself, so the benchmark puts itself in the
// provider's place (dev_overrides points at a link to this binary named like
// the provider), starts the real provider as its child with the same
// arguments, standard streams and environment, and records the child's peak
// resident set size and CPU time (getrusage, exact) when it exits.
const (
	providerBinary = "terraform-provider-gcore"
	envRealBinary  = "SCALE_BENCH_PROVIDER"
	envUsageFile   = "SCALE_BENCH_USAGE_FILE"
)

// runProviderMeasured runs the real provider and returns its exit code.
func runProviderMeasured() int {
	cmd := exec.Command(os.Getenv(envRealBinary), os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "scale-bench:", err)
		return 1
	}
	go func() {
		for s := range signals {
			_ = cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	if usage, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		appendLine(os.Getenv(envUsageFile), fmt.Sprintf("%d %.3f", usage.Maxrss, // KiB on Linux
			float64(usage.Utime.Nano()+usage.Stime.Nano())/1e9))
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	return 0
}

func appendLine(path, line string) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintln(f, line)
}

// providerUsage returns the largest peak resident set (MiB) and the CPU
// seconds, summed, of the provider processes recorded in path since it was
// last cleared, and clears it.
func providerUsage(path string) (peakMiB, cpu float64) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0
	}
	defer os.Remove(path)
	defer f.Close()
	var peak int64
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		fields := strings.Fields(lines.Text())
		if len(fields) != 2 {
			continue
		}
		kib, _ := strconv.ParseInt(fields[0], 10, 64)
		seconds, _ := strconv.ParseFloat(fields[1], 64)
		peak = max(peak, kib)
		cpu += seconds
	}
	return float64(peak) / 1024, cpu
}
