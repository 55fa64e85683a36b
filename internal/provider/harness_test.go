package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/recorder"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/retry"
	"github.com/gcore-purge/terraform-provider-gcore/internal/scheduler"
	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

// The harness: each test of a resource starts with h := newHarness(t, ...)
// and runs its steps with h.test(resource.TestCase{...}), which drives the
// real Terraform CLI against this provider, served in-process, whose HTTP
// client goes through a go-vcr recorder:
//
//   - by default the recorder replays testdata/cassettes (offline, no waits);
//   - GCORE_RECORD=1 (make record) records them anew, against the real API
//     when GCORE_API_KEY is set and GCORE_BASE_URL is not (the CDN resource
//     to purge then comes from GCORE_TEST_RESOURCE_ID), otherwise against
//     the API simulator;
//   - liveSimulator(cfg) runs against the simulator with no cassette.
//
// Every cassette starts with a comment saying what it was recorded against.
// The Authorization header is removed before a cassette is saved, and a real
// CDN resource ID is replaced by testResourceID. Checks read what the
// provider sent (expectPurges, checkPurges) and what the simulator received
// (expectSimCalls, checkSimCalls); injectFault plays an API fault.

// testResourceID is the CDN resource the tests purge, as written in the
// cassettes.
const testResourceID = 100200

// simulatorKey is the key the simulator accepts while recording.
const simulatorKey = "sim-key$0123456789abcdef"

// recordMode says where requests go while recording.
type recordMode int

const (
	replaying recordMode = iota
	recordingSimulator
	recordingRealAPI
	// live runs against the simulator with no cassette, for the tests whose
	// subject is timing (rate-limit waits) that a replay would not reproduce.
	live
)

func currentRecordMode() recordMode {
	if os.Getenv("GCORE_RECORD") == "" {
		return replaying
	}
	if os.Getenv("GCORE_API_KEY") != "" && os.Getenv("GCORE_BASE_URL") == "" {
		return recordingRealAPI
	}
	return recordingSimulator
}

// sentRequest is one request as the provider sent it, before the recorder.
type sentRequest struct {
	Method, Path, Body string
	Header             http.Header
}

// harness is one acceptance test's world: the provider factories, the
// requests the provider sent, and the simulator when recording against it.
type harness struct {
	t          *testing.T
	mode       recordMode
	sim        *simulator.Server
	resourceID int64
	mu         sync.Mutex
	sent       []sentRequest
	env        map[string]string
	factories  map[string]func() (tfprotov6.ProviderServer, error)
	transport  *capturingTransport
	// provider returns a new instance of the provider under test, with the
	// harness's HTTP client and scheduler options.
	provider func() *gcoreProvider
}

type harnessOption func(*harnessConfig)

type harnessConfig struct {
	simulatorOnly bool
	live          *simulator.Config
	scheduler     scheduler.Options
}

// simulatorOnly marks a test that needs the simulator's fault controls: it is
// recorded against the simulator even when a real API key is at hand.
func simulatorOnly() harnessOption { return func(c *harnessConfig) { c.simulatorOnly = true } }

// liveSimulator runs the test against a simulator configured by cfg, with no
// recording: for tests of waiting and merging, which happen in real time.
func liveSimulator(cfg simulator.Config) harnessOption {
	return func(c *harnessConfig) { c.live = &cfg }
}

// schedulerOptions tunes the provider's purge scheduler, through the
// provider struct (never its schema): faults play out in seconds.
func schedulerOptions(opts scheduler.Options) harnessOption {
	return func(c *harnessConfig) { c.scheduler = opts }
}

// quickRetries keeps the scheduler's default of 5 attempts but backs off in
// tens of milliseconds instead of seconds.
var quickRetries = scheduler.Options{Retry: retry.Policy{Base: 20 * time.Millisecond, Cap: 200 * time.Millisecond}}

// newHarness sets up recording or replay for the calling test. The API key
// and base URL reach the provider through GCORE_API_KEY and GCORE_BASE_URL,
// as they would for a user, so no key is ever written into a configuration;
// the test's own environment holds them (setenv).
func newHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	var cfg harnessConfig
	for _, o := range opts {
		o(&cfg)
	}
	h := &harness{t: t, mode: currentRecordMode(), resourceID: testResourceID, env: map[string]string{}}
	if h.mode == recordingRealAPI && cfg.simulatorOnly {
		h.mode = recordingSimulator
	}
	if cfg.live != nil {
		h.mode = live
	}
	realResourceID := ""
	switch h.mode {
	case replaying:
		// The recorder answers; this address is never dialled.
		h.setenv(envBaseURL, "https://gcore-api.invalid")
		h.setenv(envAPIKey, simulatorKey)
	case recordingSimulator:
		h.startSimulator(simulator.Config{Limits: roomyLimits})
	case live:
		h.startSimulator(*cfg.live)
	case recordingRealAPI:
		realResourceID = os.Getenv("GCORE_TEST_RESOURCE_ID")
		id, err := strconv.ParseInt(realResourceID, 10, 64)
		if err != nil {
			t.Fatalf("recording against the real API needs GCORE_TEST_RESOURCE_ID, a CDN resource of yours to purge: %v", err)
		}
		h.resourceID = id
		h.setenv(envAPIKey, os.Getenv(envAPIKey))
	}

	next := http.DefaultTransport
	if h.mode != live {
		next = h.newRecorder(realResourceID)
	}
	h.transport = &capturingTransport{next: next, h: h}
	client := &http.Client{Transport: h.transport}
	h.provider = func() *gcoreProvider {
		return &gcoreProvider{version: "test", httpClient: client, schedulerOptions: cfg.scheduler, getenv: h.getenv}
	}
	h.factories = providerFactories(h.provider)
	return h
}

// test runs tc through the Terraform CLI against the harness's provider, as
// an acceptance test: only with TF_ACC set. Replayed cassettes and the
// simulator reach no real API; recording against the real API (make record
// with a key) sends real purges.
func (h *harness) test(tc resource.TestCase) {
	h.t.Helper()
	terraformPreCheck(h.t)
	tc.ProtoV6ProviderFactories = h.factories
	resource.Test(h.t, tc)
}

// roomyLimits are the account limits of the simulator that cassettes are
// recorded against: the cassettes replay them, so that a replay never waits
// for rate-limit room. Tests of waiting run live, with limits of their own.
var roomyLimits = simulator.Limits{PurgeByURLsRequestLimit: "100/s", PurgeRequestLimit: "100/s", PrefetchRequestLimit: "100/s"}

func (h *harness) startSimulator(cfg simulator.Config) {
	cfg.APIKeys = append(cfg.APIKeys, simulatorKey)
	sim, err := simulator.Start(cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { sim.Close() })
	h.sim = sim
	h.setenv(envBaseURL, sim.URL)
	h.setenv(envAPIKey, simulatorKey)
}

// setenv sets an environment variable for this test's provider alone, which
// reads no other (gcoreProvider.getenv): unlike t.Setenv, it lets the tests
// run in parallel, and no GCORE_* setting of the shell reaches a test. An
// empty value unsets it, as the provider reads it.
func (h *harness) setenv(name, value string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.env[name] = value
}

func (h *harness) getenv(name string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.env[name]
}

// environ is the test's environment as KEY=value settings, for a provider
// that Terraform runs as a process of its own.
func (h *harness) environ() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var env []string
	for k, v := range h.env {
		env = append(env, k+"="+v)
	}
	return env
}

func (h *harness) cassettePath() string {
	return filepath.Join("testdata", "cassettes", h.t.Name())
}

func (h *harness) newRecorder(realResourceID string) *recorder.Recorder {
	t := h.t
	mode := recorder.ModeReplayOnly
	if h.mode != replaying {
		mode = recorder.ModeRecordOnly
	}
	rec, err := recorder.New(h.cassettePath(),
		recorder.WithMode(mode),
		recorder.WithSkipRequestLatency(true),
		recorder.WithMatcher(matchMethodPathAndJSONBody),
		recorder.WithHook(func(i *cassette.Interaction) error {
			scrubInteraction(i, realResourceID)
			return nil
		}, recorder.BeforeSaveHook),
	)
	if err != nil {
		t.Fatalf("opening cassette %s (run `make record` to create it): %v", h.cassettePath(), err)
	}
	t.Cleanup(func() {
		if err := rec.Stop(); err != nil {
			t.Errorf("saving cassette: %v", err)
		}
		if h.mode != replaying {
			h.labelCassette()
		}
	})
	return rec
}

// labelCassette writes, as the cassette's first line, what it was recorded
// against. YAML ignores the comment on replay.
func (h *harness) labelCassette() {
	file := h.cassettePath() + ".yaml"
	body, err := os.ReadFile(file)
	if err != nil {
		h.t.Errorf("labelling cassette: %v", err)
		return
	}
	against := "the Gcore API simulator (internal/simulator, which answers as Gcore's API reference documents the CDN API)"
	if h.mode == recordingRealAPI {
		against = "the real Gcore API (" + gcoreapi.DefaultBaseURL + ")"
	}
	label := fmt.Sprintf("# Recorded by `make record` against %s. Replayed by `make test`.\n", against)
	if err := os.WriteFile(file, append([]byte(label), body...), 0o644); err != nil {
		h.t.Errorf("labelling cassette: %v", err)
	}
}

var resourcePathID = regexp.MustCompile(`/cdn/resources/\d+/`)

// scrubInteraction removes what must never be saved: the API key, cookies,
// and a real CDN resource ID.
func scrubInteraction(i *cassette.Interaction, realResourceID string) {
	i.Request.Headers.Del("Authorization")
	i.Response.Headers.Del("Set-Cookie")
	if realResourceID != "" {
		i.Request.URL = resourcePathID.ReplaceAllString(i.Request.URL, fmt.Sprintf("/cdn/resources/%d/", testResourceID))
	}
}

// matchMethodPathAndJSONBody matches a request to a recorded one by method,
// path and JSON body (compared as values, so key order and spacing do not
// matter). The host differs between recording and replay.
func matchMethodPathAndJSONBody(r *http.Request, i cassette.Request) bool {
	recorded, err := url.Parse(i.URL)
	if err != nil || r.Method != i.Method || r.URL.Path != recorded.Path {
		return false
	}
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return jsonEqual(body, []byte(i.Body))
}

func jsonEqual(a, b []byte) bool {
	if len(bytes.TrimSpace(a)) == 0 || len(bytes.TrimSpace(b)) == 0 {
		return len(bytes.TrimSpace(a)) == len(bytes.TrimSpace(b))
	}
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(va, vb)
}

// useTransport sends the provider's requests, still captured, through rt
// instead: for failures of the transport itself. Call it before the test's
// first command.
func (h *harness) useTransport(rt http.RoundTripper) {
	h.transport.next = rt
}

// capturingTransport notes every request the provider sends, as sent (with
// its headers), then passes it on to the recorder.
type capturingTransport struct {
	next http.RoundTripper
	h    *harness
}

func (c *capturingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	c.h.mu.Lock()
	c.h.sent = append(c.h.sent, sentRequest{Method: r.Method, Path: r.URL.Path, Body: string(body), Header: r.Header.Clone()})
	c.h.mu.Unlock()
	return c.next.RoundTrip(r)
}

// purgesSent returns the purge requests sent so far, as "POST path body".
func (h *harness) purgesSent() []string { return h.postsSent("/purge") }

// prefetchesSent returns the prefetch requests sent so far, as "POST path
// body".
func (h *harness) prefetchesSent() []string { return h.postsSent("/prefetch") }

// postsSent returns the requests sent so far to a path ending in endpoint, as
// "POST path body".
func (h *harness) postsSent(endpoint string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, r := range h.sent {
		if strings.HasSuffix(r.Path, endpoint) {
			out = append(out, r.Method+" "+r.Path+" "+compactJSON(r.Body))
		}
	}
	return out
}

func compactJSON(s string) string {
	var buf bytes.Buffer
	if json.Compact(&buf, []byte(s)) != nil {
		return s
	}
	return buf.String()
}

// purgePath is the purge endpoint of the test's CDN resource.
func (h *harness) purgePath() string {
	return fmt.Sprintf("/cdn/resources/%d/purge", h.resourceID)
}

// prefetchPath is the prefetch endpoint of the test's CDN resource.
func (h *harness) prefetchPath() string {
	return fmt.Sprintf("/cdn/resources/%d/prefetch", h.resourceID)
}

// expectPurges fails the test unless exactly these purges were sent, in order.
func (h *harness) expectPurges(want ...string) {
	h.t.Helper()
	if err := h.checkPurges(want...)(nil); err != nil {
		h.t.Error(err)
	}
}

// checkPurges is expectPurges as a step check.
func (h *harness) checkPurges(want ...string) resource.TestCheckFunc {
	return checkSent("purge", h.purgesSent, want)
}

// expectPrefetches fails the test unless exactly these prefetches were sent,
// in order.
func (h *harness) expectPrefetches(want ...string) {
	h.t.Helper()
	if err := h.checkPrefetches(want...)(nil); err != nil {
		h.t.Error(err)
	}
}

// checkPrefetches is expectPrefetches as a step check.
func (h *harness) checkPrefetches(want ...string) resource.TestCheckFunc {
	return checkSent("prefetch", h.prefetchesSent, want)
}

// checkSent checks that the requests of the kind noun names, as sent
// returns them, are exactly want, in order.
func checkSent(noun string, sent func() []string, want []string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got := sent()
		if !reflect.DeepEqual(got, want) && (len(got) != 0 || len(want) != 0) {
			return fmt.Errorf("%s requests sent:\n  got  %q\n  want %q", noun, got, want)
		}
		return nil
	}
}

// simCalls returns the requests the simulator received from the from-th on,
// each as "METHOD path -> status", "-> dropped" or "-> no answer". It leaves
// out the plans' reads of the CDN resource (plan_checks, tested on their own
// in plan_checks_test.go): the tests that read it are about what a purge
// sends. from counts every request.
func (h *harness) simCalls(from int) []string {
	var out []string
	for _, r := range h.sim.Requests()[from:] {
		if isResourceRead(r) {
			continue
		}
		outcome := strconv.Itoa(r.Status)
		switch {
		case r.Dropped:
			outcome = "dropped"
		case r.Status == 0:
			outcome = "no answer"
		}
		out = append(out, r.Method+" "+r.Path+" -> "+outcome)
	}
	return out
}

// isResourceRead reports whether r is a read of a CDN resource.
func isResourceRead(r simulator.Request) bool {
	return r.Method == http.MethodGet && cdnResourcePath.MatchString(r.Path)
}

var cdnResourcePath = regexp.MustCompile(`^/cdn/resources/\d+$`)

// expectSimCalls fails the test unless the simulator received exactly want
// since *mark, then moves *mark past them.
func (h *harness) expectSimCalls(mark *int, want ...string) {
	h.t.Helper()
	if err := h.checkSimCalls(mark, want...)(nil); err != nil {
		h.t.Error(err)
	}
}

// checkSimCalls is expectSimCalls as a step check.
func (h *harness) checkSimCalls(mark *int, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got := h.simCalls(*mark)
		*mark = len(h.sim.Requests())
		if !reflect.DeepEqual(got, want) {
			return fmt.Errorf("the simulator received:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
		return nil
	}
}

// limitsCall is the account-limits call as simCalls shows it answered.
const limitsCall = "GET /cdn/clients/me/limits -> 200"

// historyCall is a reading of the purge history as simCalls shows it.
const historyCall = "GET /cdn/purge_statuses -> 200"

// diagnostic matches Terraform's output when it holds each of parts, in
// order. Terraform wraps long lines at spaces, so a space in a part matches
// any run of white space; everything else is literal.
func diagnostic(parts ...string) *regexp.Regexp {
	quoted := make([]string, len(parts))
	for i, p := range parts {
		quoted[i] = strings.ReplaceAll(regexp.QuoteMeta(p), " ", `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(quoted, ".*"))
}

var userAgent = regexp.MustCompile(`^terraform-provider-gcore/test terraform/\d+\.\d+\.\d+`)

// expectHeaders checks the headers of every request the provider sent.
func (h *harness) expectHeaders() {
	h.t.Helper()
	key := h.getenv(envAPIKey)
	for _, r := range h.sent {
		if got := r.Header.Get("Authorization"); got != "APIKey "+key {
			h.t.Errorf("%s %s: Authorization header is not \"APIKey <GCORE_API_KEY>\"", r.Method, r.Path)
		}
		if got := r.Header.Get("User-Agent"); !userAgent.MatchString(got) {
			h.t.Errorf("%s %s: User-Agent %q does not match %s", r.Method, r.Path, got, userAgent)
		}
	}
}

// injectFault queues a fault in the simulator (while recording, or live); on
// replay the cassette holds the faulty answer.
func (h *harness) injectFault(f simulator.Fault) {
	if h.sim != nil {
		h.sim.Fail(f)
	}
}
