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

// The provider's peak memory is read from the kernel's accounting of its
// process. Terraform starts the provider itself, so the benchmark puts itself
// in the provider's place (dev_overrides points at a link to this binary
// named like the provider), starts the real provider as its child with the
// same arguments, standard streams and environment, and records the child's
// peak resident set size when it exits.
const (
	providerBinary = "terraform-provider-gcore"
	envRealBinary  = "PURGE_BENCH_PROVIDER"
	envRSSFile     = "PURGE_BENCH_RSS_FILE"
)

// runProviderMeasured runs the real provider and returns its exit code.
func runProviderMeasured() int {
	cmd := exec.Command(os.Getenv(envRealBinary), os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "purge-bench:", err)
		return 1
	}
	go func() {
		for s := range signals {
			_ = cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	if usage, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		appendLine(os.Getenv(envRSSFile), strconv.FormatInt(usage.Maxrss, 10)) // KiB on Linux
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

// peakRSS returns the largest peak, in MiB, of the provider processes
// recorded in path since it was last cleared, and clears it.
func peakRSS(path string) (float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("no provider process was measured: %w", err)
	}
	defer os.Remove(path)
	defer f.Close()
	var peak int64
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		kib, err := strconv.ParseInt(strings.TrimSpace(lines.Text()), 10, 64)
		if err == nil {
			peak = max(peak, kib)
		}
	}
	return float64(peak) / 1024, lines.Err()
}
