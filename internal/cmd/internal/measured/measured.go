// Package measured measures the provider's processes during a benchmark
// (make bench). Terraform starts the provider itself, so a benchmark puts
// its own binary in the provider's place (dev_overrides points at a link to
// it named like the provider); started so, the binary runs the real
// provider as its child, with the same arguments, standard streams and
// environment, and records the child's peak resident set size and CPU time
// (getrusage, exact) when it exits.
package measured

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ProviderBinary is the name Terraform starts the provider by.
const ProviderBinary = "terraform-provider-gcore"

// The environment that tells the stand-in where the real provider is, and
// where to record what it used.
const (
	envRealBinary = "GCORE_BENCH_PROVIDER"
	envUsageFile  = "GCORE_BENCH_USAGE_FILE"
)

// AsProvider reports whether Terraform started this binary in the
// provider's place.
func AsProvider() bool { return filepath.Base(os.Args[0]) == ProviderBinary }

// Env is the environment of Terraform's processes that runs realBinary as
// the provider, recording into usageFile.
func Env(realBinary, usageFile string) []string {
	return []string{envRealBinary + "=" + realBinary, envUsageFile + "=" + usageFile}
}

// RunProvider runs the real provider and returns its exit code.
func RunProvider() int {
	cmd := exec.Command(os.Getenv(envRealBinary), os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "measured provider:", err)
		return 1
	}
	go func() {
		for s := range signals {
			_ = cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	if usage, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		record(os.Getenv(envUsageFile), fmt.Sprintf("%d %.3f", usage.Maxrss, // KiB on Linux
			float64(usage.Utime.Nano()+usage.Stime.Nano())/1e9))
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	return 0
}

func record(path, line string) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintln(f, line)
}

// Usage returns the largest peak resident set (MiB) and the CPU seconds,
// summed, of the provider processes recorded in usageFile since it was last
// read, and clears it. The error says no provider process was measured.
func Usage(usageFile string) (peakMiB, cpuSeconds float64, err error) {
	f, err := os.Open(usageFile)
	if err != nil {
		return 0, 0, fmt.Errorf("no provider process was measured: %w", err)
	}
	defer os.Remove(usageFile)
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
		cpuSeconds += seconds
	}
	return float64(peak) / 1024, cpuSeconds, lines.Err()
}
