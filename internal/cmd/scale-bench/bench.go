package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/cmd/internal/measured"
	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
	"github.com/gcore-purge/terraform-provider-gcore/internal/tfrc"
)

const (
	apiKey = "bench-key-not-a-real-token"
	siteID = 100200
)

// roomyLimits keep the rate limits out of the way: 100,000 URLs are 1,000
// requests of 100 URLs, sent in about a second.
var roomyLimits = simulator.Limits{PurgeByURLsRequestLimit: "1000/s", PurgeRequestLimit: "1000/s", PrefetchRequestLimit: "1000/s"}

// bench holds what every measurement uses: the provider built from this
// checkout, a Terraform CLI configuration that points at it, a simulator.
type bench struct {
	terraform string
	timeout   time.Duration
	keep      bool
	dir       string
	sim       *simulator.Server
	env       []string
	usageFile string
	nextDir   int
}

func setUp(terraform string, timeout time.Duration, keep bool) (*bench, error) {
	dir, err := os.MkdirTemp("", "scale-bench-")
	if err != nil {
		return nil, err
	}
	b := &bench{terraform: terraform, timeout: timeout, keep: keep, dir: dir, usageFile: filepath.Join(dir, "provider-usage")}
	realBinary := filepath.Join(dir, "real", measured.ProviderBinary)
	build := exec.Command("go", "build", "-o", realBinary, "github.com/gcore-purge/terraform-provider-gcore")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	err = build.Run()
	self, selfErr := os.Executable()
	err = errors.Join(err, selfErr)
	if err == nil {
		err = os.MkdirAll(filepath.Join(dir, "bin"), 0o755)
	}
	if err == nil {
		err = os.Symlink(self, filepath.Join(dir, "bin", measured.ProviderBinary))
	}
	if err == nil {
		b.sim, err = simulator.Start(simulator.Config{APIKeys: []string{apiKey}, Limits: roomyLimits})
	}
	rc := filepath.Join(dir, "terraformrc")
	if err == nil {
		err = tfrc.WriteDevOverrides(rc, map[string]string{"gcore-purge/gcore": filepath.Join(dir, "bin")})
	}
	if err != nil {
		b.tearDown()
		return nil, err
	}
	// Later entries win over the inherited ones.
	b.env = append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_LOG=",
		"GCORE_API_KEY="+apiKey, "GCORE_BASE_URL="+b.sim.URL)
	b.env = append(b.env, measured.Env(realBinary, b.usageFile)...)
	version, _ := exec.Command(terraform, "version").Output()
	fmt.Printf("# gcore_cdn_purge_changed_files at scale\n\n%s; simulator limits: by URL %s, 100 URLs a request. "+
		"Seconds are wall time on this machine; compare within the run.\n",
		strings.SplitN(string(version), "\n", 2)[0], roomyLimits.PurgeByURLsRequestLimit)
	return b, nil
}

func (b *bench) tearDown() {
	if b.sim != nil {
		b.sim.Close()
	}
	if !b.keep {
		os.RemoveAll(b.dir)
	}
}

// configKind is a configuration holding the files of var.files.
type configKind struct {
	name, main string
	purges     bool // whether it is the provider's resource, which purges
}

const requiredProviders = "terraform {\n  required_providers {\n    gcore = {\n      source = \"gcore-purge/gcore\"\n    }\n  }\n}\n\n"

const filesVariable = "variable \"files\" {\n  type = map(string)\n}\n\n"

var siteResource = fmt.Sprintf("resource \"gcore_cdn_purge_changed_files\" \"site\" {\n  resource_id = %d\n  files       = var.files\n}\n", siteID)

var (
	dataKind = configKind{name: "terraform_data", main: filesVariable +
		"resource \"terraform_data\" \"site\" {\n  input = var.files\n}\n"}
	filesKind = configKind{name: "gcore_cdn_purge_changed_files", main: requiredProviders + filesVariable + siteResource, purges: true}
	// sensitiveKind: the variable marked sensitive, so that the
	// human-readable plan of a create shows no file either.
	sensitiveKind = configKind{name: "… with files sensitive", purges: true, main: requiredProviders +
		strings.Replace(filesVariable, "map(string)\n", "map(string)\n  sensitive = true\n", 1) + siteResource}
)

// site is the files of a deploy and their versions.
type site map[string]string

func path(i int) string { return fmt.Sprintf("/assets/d%d/file-%d.js", i/100, i) }

func version(i, v int) string {
	sum := md5.Sum([]byte(fmt.Sprintf("%d-%d", i, v)))
	return hex.EncodeToString(sum[:])
}

func newSite(n int) site {
	s := make(site, n)
	for i := range n {
		s[path(i)] = version(i, 1)
	}
	return s
}

// changed is s with its first share of files at a new version, and their
// paths.
func (s site) changed(share float64) (site, []string) {
	next := make(site, len(s))
	for k, v := range s {
		next[k] = v
	}
	var paths []string
	for i := range int(float64(len(s)) * share) {
		next[path(i)] = version(i, 2)
		paths = append(paths, path(i))
	}
	return next, paths
}

func writeVars(dir string, s site) error {
	body, err := json.Marshal(map[string]site{"files": s})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "terraform.tfvars.json"), body, 0o600)
}

// step is one Terraform command and what it cost.
type step struct {
	seconds     float64
	terraformMB float64 // VmHWM of terraform itself, sampled
	providerMB  float64 // the largest peak of the provider's processes
	providerCPU float64 // CPU seconds of the provider's processes
	lines       int     // lines of standard output
	bytes       int
}

// result is one configuration at one size.
type result struct {
	kind   configKind
	n      int
	steps  map[string]step
	failed string
}

var stepNames = []string{"create plan", "create apply", "update plan", "update show -json", "update apply", "no-op plan"}

// measure runs the create, the update and the no-op plan of kind with n
// files, and checks what the simulator accepted.
func (b *bench) measure(kind configKind, n int, share float64) result {
	r := result{kind: kind, n: n, steps: map[string]step{}}
	b.nextDir++
	dir := filepath.Join(b.dir, fmt.Sprintf("ws%d", b.nextDir))
	fail := func(err error) result {
		r.failed = err.Error()
		return r
	}
	first := newSite(n)
	err := os.MkdirAll(dir, 0o755)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "main.tf"), []byte(kind.main), 0o600)
	}
	if err == nil {
		err = writeVars(dir, first)
	}
	if err != nil {
		return fail(err)
	}
	run := func(name string, args ...string) error {
		s, out, err := b.terraformIn(dir, args...)
		r.steps[name] = s
		if err != nil {
			return fmt.Errorf("terraform %s (%s): %w\n%s", args[0], name, err, tail(out))
		}
		return nil
	}
	b.sim.Reset()
	if err := run("create plan", "plan", "-input=false", "-no-color", "-out=create.tfplan"); err != nil {
		return fail(err)
	}
	if err := run("create apply", "apply", "-input=false", "-no-color", "create.tfplan"); err != nil {
		return fail(err)
	}
	if err := b.checkPurged(kind, slices.Collect(maps.Keys(first))); err != nil {
		return fail(fmt.Errorf("create: %w", err))
	}
	second, changed := first.changed(share)
	if err := writeVars(dir, second); err != nil {
		return fail(err)
	}
	b.sim.Reset()
	for _, c := range []struct {
		name string
		args []string
	}{
		{"update plan", []string{"plan", "-input=false", "-no-color", "-out=update.tfplan"}},
		{"update show -json", []string{"show", "-json", "update.tfplan"}},
		{"update apply", []string{"apply", "-input=false", "-no-color", "update.tfplan"}},
		{"no-op plan", []string{"plan", "-input=false", "-no-color", "-detailed-exitcode"}},
	} {
		if err := run(c.name, c.args...); err != nil {
			return fail(err)
		}
	}
	if err := b.checkPurged(kind, changed); err != nil {
		return fail(fmt.Errorf("update: %w", err))
	}
	return r
}

// checkPurged checks that the simulator accepted exactly urls since its
// reset, each once, in requests of 100 (none for terraform_data).
func (b *bench) checkPurged(kind configKind, urls []string) error {
	purges := b.sim.Purges()
	if !kind.purges {
		urls = nil
	}
	var got []string
	for _, p := range purges {
		got = append(got, p.Items...)
	}
	slices.Sort(got)
	slices.Sort(urls)
	if want := (len(urls) + 99) / 100; len(purges) != want || !slices.Equal(got, urls) {
		return fmt.Errorf("the API accepted %d URLs in %d requests, want the %d URLs in %d", len(got), len(purges), len(urls), want)
	}
	return nil
}

func tail(out []byte) string {
	const keep = 3000
	if len(out) > keep {
		return "…" + string(out[len(out)-keep:])
	}
	return string(out)
}

// terraformIn runs one Terraform command in dir, within the time limit, and
// measures it. A command that exits non-zero fails, a plan with
// -detailed-exitcode that finds changes (2) included.
func (b *bench) terraformIn(dir string, args ...string) (step, []byte, error) {
	var s step
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.terraform, append([]string{"-chdir=" + dir}, args...)...)
	cmd.Env = b.env
	// Terraform and the provider it starts end together on the time limit.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	os.Remove(b.usageFile)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return s, nil, err
	}
	var hwm float64
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if kib := vmHWM(status); kib > 0 {
				hwm = max(hwm, float64(kib)/1024)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	err := cmd.Wait()
	s.seconds = time.Since(start).Seconds()
	close(done)
	wg.Wait()
	s.terraformMB = hwm
	s.providerMB, s.providerCPU, _ = measured.Usage(b.usageFile)
	s.bytes, s.lines = stdout.Len(), bytes.Count(stdout.Bytes(), []byte("\n"))
	out := append(stdout.Bytes(), stderr.Bytes()...)
	if ctx.Err() != nil {
		return s, out, fmt.Errorf("timed out after %s", b.timeout)
	}
	return s, out, err
}

// vmHWM reads the peak resident set (KiB) from a /proc/PID/status.
func vmHWM(status string) int64 {
	f, err := os.Open(status)
	if err != nil {
		return 0
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		if rest, ok := strings.CutPrefix(lines.Text(), "VmHWM:"); ok {
			kib, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kib
		}
	}
	return 0
}
