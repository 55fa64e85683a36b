package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/cmd/internal/measured"
	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
	"github.com/gcore-purge/terraform-provider-gcore/internal/tfrc"
)

const apiKey = "bench-key-not-a-real-token"

// The simulator runs with simulator.CompressedLimits: the documented limits
// count the same requests per minute.
var (
	urlRate     = mustParseRate(simulator.CompressedLimits.PurgeByURLsRequestLimit)
	patternRate = mustParseRate(simulator.CompressedLimits.PurgeRequestLimit)
	// window is the span of the compressed limits.
	window = urlRate.Window
)

func mustParseRate(s string) gcoreapi.Rate {
	r, err := gcoreapi.ParseRate(s)
	if err != nil {
		panic(err)
	}
	return r
}

// bench holds what every benchmark uses: the provider built from this
// checkout, a Terraform CLI configuration that points at it, and a simulator.
type bench struct {
	terraform string
	dir       string // everything the benchmark makes, removed at the end
	sim       *simulator.Server
	env       []string
	rssFile   string
	nextDir   int
}

func setUp(terraform string) (*bench, error) {
	dir, err := os.MkdirTemp("", "purge-bench-")
	if err != nil {
		return nil, err
	}
	b := &bench{terraform: terraform, dir: dir, rssFile: filepath.Join(dir, "provider-rss")}
	if err := b.installProvider(); err != nil {
		b.tearDown()
		return nil, err
	}
	b.sim, err = simulator.Start(simulator.Config{APIKeys: []string{apiKey}, Limits: simulator.CompressedLimits})
	if err != nil {
		b.tearDown()
		return nil, err
	}
	rc := filepath.Join(dir, "terraformrc")
	if err := tfrc.WriteDevOverrides(rc, map[string]string{"gcore-purge/gcore": filepath.Join(dir, "bin")}); err != nil {
		b.tearDown()
		return nil, err
	}
	// Later entries win over the inherited ones, such as a TF_CLI_CONFIG_FILE
	// of the machine's.
	b.env = append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_LOG=",
		"GCORE_API_KEY="+apiKey, "GCORE_BASE_URL="+b.sim.URL)
	b.env = append(b.env, measured.Env(filepath.Join(dir, "real", measured.ProviderBinary), b.rssFile)...)
	fmt.Printf("# gcore_cdn_purge benchmarks\n\nTerraform: %s; simulator limits: by URL %s, by pattern and purge all %s per CDN resource.\n",
		terraform, simulator.CompressedLimits.PurgeByURLsRequestLimit, simulator.CompressedLimits.PurgeRequestLimit)
	return b, nil
}

// installProvider builds the provider and puts this binary in its place, to
// measure it (package measured).
func (b *bench) installProvider() error {
	build := exec.Command("go", "build", "-o", filepath.Join(b.dir, "real", measured.ProviderBinary),
		"github.com/gcore-purge/terraform-provider-gcore")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building the provider: %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(b.dir, "bin"), 0o755); err != nil {
		return err
	}
	return os.Symlink(self, filepath.Join(b.dir, "bin", measured.ProviderBinary))
}

func (b *bench) tearDown() {
	if b.sim != nil {
		b.sim.Close()
	}
	os.RemoveAll(b.dir)
}

// workspace returns a new directory holding config as main.tf.
func (b *bench) workspace(config string) (string, error) {
	b.nextDir++
	dir := filepath.Join(b.dir, fmt.Sprintf("ws%d", b.nextDir))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600)
}

// terraformIn runs one Terraform command in dir and returns its wall time.
func (b *bench) terraformIn(dir string, args ...string) (time.Duration, error) {
	cmd := exec.Command(b.terraform, append([]string{"-chdir=" + dir}, args...)...)
	cmd.Env = b.env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	elapsed := time.Since(start)
	if err != nil {
		return elapsed, fmt.Errorf("terraform %s: %w\n%s", args[0], err, out)
	}
	return elapsed, nil
}

// applyFresh applies config in a new workspace, so that everything is created.
func (b *bench) applyFresh(config string, flags ...string) (time.Duration, error) {
	dir, err := b.workspace(config)
	if err != nil {
		return 0, err
	}
	return b.terraformIn(dir, append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, flags...)...)
}

// planFresh plans config in a new workspace.
func (b *bench) planFresh(config string) (time.Duration, error) {
	dir, err := b.workspace(config)
	if err != nil {
		return 0, err
	}
	return b.terraformIn(dir, "plan", "-input=false", "-no-color")
}

// traffic is what the simulator received since its last reset.
type traffic struct {
	purgeRequests, rateLimited, limitReads, resourceReads int
	// lookups are the list reads that resolve a cname.
	lookups int
	// purged holds every item accepted, per CDN resource and purge type.
	purged map[string]bool
}

func (b *bench) traffic() traffic {
	t := traffic{rateLimited: b.sim.RateLimited(), purged: map[string]bool{}}
	for _, r := range b.sim.Requests() {
		switch {
		case strings.HasSuffix(r.Path, "/purge"):
			t.purgeRequests++
		case r.Path == "/cdn/resources":
			t.lookups++
		case strings.HasPrefix(r.Path, "/cdn/resources/"):
			t.resourceReads++
		default:
			t.limitReads++
		}
	}
	for _, p := range b.sim.Purges() {
		typ := clientPurgeType[p.Type]
		if typ == gcoreapi.PurgeAll {
			t.purged[purgedItem(p.ResourceID, typ, "")] = true
		}
		for _, item := range p.Items {
			t.purged[purgedItem(p.ResourceID, typ, item)] = true
		}
	}
	return t
}

// clientPurgeType is the client's name of each purge type the simulator
// records.
var clientPurgeType = map[simulator.PurgeType]gcoreapi.PurgeType{
	simulator.PurgeByURL: gcoreapi.PurgeByURL, simulator.PurgeByPattern: gcoreapi.PurgeByPattern, simulator.PurgeAll: gcoreapi.PurgeAll,
}

func purgedItem(resourceID int64, t gcoreapi.PurgeType, item string) string {
	return fmt.Sprintf("%d %s %s", resourceID, t, item)
}

// missing returns how many of want the simulator did not accept.
func (t traffic) missing(want map[string]bool) int {
	n := 0
	for item := range want {
		if !t.purged[item] {
			n++
		}
	}
	return n
}
