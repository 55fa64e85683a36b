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

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/recorder"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

// The acceptance tests run the real Terraform CLI against this provider,
// served in-process, whose HTTP client goes through a go-vcr recorder:
//
//   - by default the recorder replays testdata/cassettes (offline, no waits);
//   - GCORE_RECORD=1 (make record) records them anew, against the real API
//     when GCORE_API_KEY is set and GCORE_BASE_URL is not (the CDN resource
//     to purge then comes from GCORE_TEST_RESOURCE_ID), otherwise against
//     the API simulator.
//
// Every cassette starts with a comment saying what it was recorded against.
// The Authorization header is removed before a cassette is saved, and a real
// CDN resource ID is replaced by testResourceID.

// testResourceID is the CDN resource the tests purge, as written in the
// cassettes.
const testResourceID = 100200

// simulatorKey is the key the simulator accepts while recording.
const simulatorKey = "sim-key$0123456789abcdef"

func TestMain(m *testing.M) {
	// An empty CLI configuration: a user's own (plugin caches, dev_overrides,
	// credentials), or a TF_CLI_CONFIG_FILE naming a missing file, must not
	// change what the tests see.
	dir, err := os.MkdirTemp("", "gcore-tf-cli-config")
	if err != nil {
		panic(err)
	}
	empty := filepath.Join(dir, "empty.tfrc")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		panic(err)
	}
	os.Setenv("TF_CLI_CONFIG_FILE", empty)
	os.Setenv("CHECKPOINT_DISABLE", "1")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

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
	factories  map[string]func() (tfprotov6.ProviderServer, error)
}

type harnessOption func(*harnessConfig)

type harnessConfig struct {
	simulatorOnly bool
	live          *simulator.Config
}

// simulatorOnly marks a test that needs the simulator's fault controls: it is
// recorded against the simulator even when a real API key is at hand.
func simulatorOnly() harnessOption { return func(c *harnessConfig) { c.simulatorOnly = true } }

// liveSimulator runs the test against a simulator configured by cfg, with no
// recording: for tests of waiting and merging, which happen in real time.
func liveSimulator(cfg simulator.Config) harnessOption {
	return func(c *harnessConfig) { c.live = &cfg }
}

// newHarness sets up recording or replay for the calling test. The API key
// and base URL reach the provider through GCORE_API_KEY and GCORE_BASE_URL,
// as they would for a user, so no key is ever written into a configuration.
func newHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	var cfg harnessConfig
	for _, o := range opts {
		o(&cfg)
	}
	h := &harness{t: t, mode: currentRecordMode(), resourceID: testResourceID}
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
		t.Setenv("GCORE_BASE_URL", "http://gcore-api.invalid")
		t.Setenv("GCORE_API_KEY", simulatorKey)
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
	}

	var next http.RoundTripper = http.DefaultTransport
	if h.mode != live {
		next = h.newRecorder(realResourceID)
	}
	client := &http.Client{Transport: &capturingTransport{next: next, h: h}}
	h.factories = map[string]func() (tfprotov6.ProviderServer, error){
		"gcore": providerserver.NewProtocol6WithError(&gcoreProvider{version: "test", httpClient: client}),
	}
	return h
}

// roomyLimits are the account limits of the simulator that cassettes are
// recorded against: the cassettes replay them, so that a replay never waits
// for rate-limit room. Tests of waiting run live, with limits of their own.
var roomyLimits = gcoreapi.AccountLimits{PurgeByURLsRequestLimit: "100/s", PurgeRequestLimit: "100/s"}

func (h *harness) startSimulator(cfg simulator.Config) {
	cfg.APIKeys = []string{simulatorKey}
	sim, err := simulator.Start(cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { sim.Close() })
	h.sim = sim
	h.t.Setenv("GCORE_BASE_URL", sim.URL)
	h.t.Setenv("GCORE_API_KEY", simulatorKey)
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
	against := "the Gcore API simulator (internal/simulator)"
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
func (h *harness) purgesSent() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, r := range h.sent {
		if strings.HasSuffix(r.Path, "/purge") {
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

// expectPurges fails the test unless exactly these purges were sent, in order.
func (h *harness) expectPurges(want ...string) {
	h.t.Helper()
	got := h.purgesSent()
	if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
		h.t.Errorf("purge requests sent:\n  got  %q\n  want %q", got, want)
	}
}

// checkPurges is expectPurges as a step check.
func (h *harness) checkPurges(want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got := h.purgesSent()
		if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			return fmt.Errorf("purge requests sent:\n  got  %q\n  want %q", got, want)
		}
		return nil
	}
}

// TestAccProvider_attributesOverEnvironment: api_key and base_url in the
// provider block win over the environment; a trailing slash is fine.
func TestAccProvider_attributesOverEnvironment(t *testing.T) {
	h := newHarness(t, simulatorOnly())
	baseURL := os.Getenv("GCORE_BASE_URL")
	t.Setenv("GCORE_API_KEY", "environment-key")
	t.Setenv("GCORE_BASE_URL", "http://environment.invalid")
	config := fmt.Sprintf("provider \"gcore\" {\n  api_key  = %q\n  base_url = %q\n}\n", simulatorKey, baseURL+"/") +
		h.purgeConfig(`purge_all = true`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: h.factories,
		Steps:                    []resource.TestStep{{Config: config}},
	})
	h.expectPurges("POST " + h.purgePath() + ` {"paths":[]}`)
	for _, r := range h.sent {
		if got := r.Header.Get("Authorization"); got != "APIKey "+simulatorKey {
			h.t.Errorf("%s %s: Authorization is not the provider block's key", r.Method, r.Path)
		}
	}
}

func TestAccProvider_invalidBaseURL(t *testing.T) {
	h := newHarness(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: h.factories,
		Steps: []resource.TestStep{
			{
				Config:      "provider \"gcore\" {\n  base_url = \"api.gcore.com\"\n}\n" + h.purgeConfig(`purge_all = true`),
				ExpectError: regexp.MustCompile(`(?s)Invalid Gcore API base URL.*base_url.*not an absolute http\(s\) URL`),
			},
			{
				PreConfig:   func() { os.Setenv("GCORE_BASE_URL", "ftp://api.gcore.com") },
				Config:      h.purgeConfig(`purge_all = true`),
				ExpectError: regexp.MustCompile(`(?s)Invalid Gcore API base URL.*GCORE_BASE_URL`),
			},
		},
	})
	h.expectPurges()
}
