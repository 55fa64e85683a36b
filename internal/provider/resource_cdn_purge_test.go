package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

const purgeAddress = "gcore_cdn_purge.test"

// purgeConfig is one gcore_cdn_purge on the test's CDN resource; args holds
// the purge mode and anything else.
func (h *harness) purgeConfig(args string) string {
	return fmt.Sprintf("resource \"gcore_cdn_purge\" \"test\" {\n  resource_id = %d\n  %s\n}\n", h.resourceID, args)
}

var (
	rfc3339UTC = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)
	userAgent  = regexp.MustCompile(`^terraform-provider-gcore/test terraform/\d+\.\d+\.\d+`)
)

// stateHoldsPurge checks what every successful purge leaves in state.
func stateHoldsPurge() []statecheck.StateCheck {
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue(purgeAddress, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^\S{16,}$`))),
		statecheck.ExpectKnownValue(purgeAddress, tfjsonpath.New("purged_at"), knownvalue.StringRegexp(rfc3339UTC)),
	}
}

func TestAccCDNPurge_byURL(t *testing.T) {
	h := newHarness(t)
	config := h.purgeConfig(`urls = ["/b.css?v=2", "/a.js"]`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: h.factories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(purgeAddress, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: stateHoldsPurge(),
				Check:             h.checkPurges("POST " + h.purgePath() + ` {"urls":["/a.js","/b.css?v=2"]}`),
			},
			{
				// Nothing changed: nothing to do, nothing sent.
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				// A set: another order is the same purge.
				Config: h.purgeConfig(`urls = ["/a.js", "/b.css?v=2"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
	// The destroy at the end of the test sent nothing either.
	h.expectPurges("POST " + h.purgePath() + ` {"urls":["/a.js","/b.css?v=2"]}`)
	h.expectHeaders()
}

// expectHeaders checks the headers of every request the provider sent.
func (h *harness) expectHeaders() {
	h.t.Helper()
	key := os.Getenv("GCORE_API_KEY")
	for _, r := range h.sent {
		if got := r.Header.Get("Authorization"); got != "APIKey "+key {
			h.t.Errorf("%s %s: Authorization header is not \"APIKey <GCORE_API_KEY>\"", r.Method, r.Path)
		}
		if got := r.Header.Get("User-Agent"); !userAgent.MatchString(got) {
			h.t.Errorf("%s %s: User-Agent %q does not match %s", r.Method, r.Path, got, userAgent)
		}
	}
}

func TestAccCDNPurge_byPattern(t *testing.T) {
	h := newHarness(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: h.factories,
		Steps: []resource.TestStep{{
			Config:            h.purgeConfig(`paths = ["/static", "/img/*"]`),
			ConfigStateChecks: stateHoldsPurge(),
		}},
	})
	h.expectPurges("POST " + h.purgePath() + ` {"paths":["/img/*","/static"]}`)
}

func TestAccCDNPurge_all(t *testing.T) {
	h := newHarness(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: h.factories,
		Steps: []resource.TestStep{{
			Config: h.purgeConfig(`purge_all = true`),
			ConfigStateChecks: append(stateHoldsPurge(),
				statecheck.ExpectKnownValue(purgeAddress, tfjsonpath.New("purge_all"), knownvalue.Bool(true))),
		}},
	})
	h.expectPurges("POST " + h.purgePath() + ` {"paths":[]}`)
}

func TestAccCDNPurge_triggersChangePurgesAgain(t *testing.T) {
	h := newHarness(t)
	ids := statecheck.CompareValue(compare.ValuesDiffer())
	body := "POST " + h.purgePath() + ` {"urls":["/app.js"]}`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: h.factories,
		Steps: []resource.TestStep{
			{
				Config: h.purgeConfig(`urls = ["/app.js"]
  triggers = { release = "1.0.0" }`),
				ConfigStateChecks: []statecheck.StateCheck{ids.AddStateValue(purgeAddress, tfjsonpath.New("id"))},
				Check:             h.checkPurges(body),
			},
			{
				Config: h.purgeConfig(`urls = ["/app.js"]
  triggers = { release = "1.0.1" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(purgeAddress, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					ids.AddStateValue(purgeAddress, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(purgeAddress, tfjsonpath.New("triggers").AtMapKey("release"), knownvalue.StringExact("1.0.1")),
				},
				Check: h.checkPurges(body, body),
			},
		},
	})
	h.expectPurges(body, body)
}

func TestAccCDNPurge_timeoutsChangeInPlace(t *testing.T) {
	h := newHarness(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: h.factories,
		Steps: []resource.TestStep{
			{Config: h.purgeConfig(`purge_all = true`)},
			{
				Config: h.purgeConfig(`purge_all = true
  timeouts { create = "45m" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(purgeAddress, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(purgeAddress, tfjsonpath.New("timeouts").AtMapKey("create"), knownvalue.StringExact("45m")),
				},
			},
		},
	})
	h.expectPurges("POST " + h.purgePath() + ` {"paths":[]}`)
}

// TestAccCDNPurge_validation runs every plan-time rejection. None of them may
// send a request.
func TestAccCDNPurge_validation(t *testing.T) {
	h := newHarness(t)
	manyURLs := make([]string, 101)
	for i := range manyURLs {
		manyURLs[i] = fmt.Sprintf("%q", fmt.Sprintf("/f%d.js", i))
	}
	manyPaths := make([]string, 11)
	for i := range manyPaths {
		manyPaths[i] = fmt.Sprintf("%q", fmt.Sprintf("/d%d/*", i))
	}
	cases := []struct{ args, want string }{
		{`urls = [` + strings.Join(manyURLs, ", ") + `]`, `urls has 101 URLs; one purge takes at most 100`},
		{`paths = [` + strings.Join(manyPaths, ", ") + `]`, `paths has 11 patterns; one purge takes at most 10`},
		{`urls = []`, `(?s)urls is empty.*set purge_all = true`},
		{`paths = []`, `(?s)paths is empty.*set purge_all = true`},
		{`urls = ["app.js"]`, `"app.js" does not start with "/"`},
		{`urls = ["https://cdn.example.com/js/app.js?v=1"]`, `(?s)includes a scheme or host.*"/js/app.js\?v=1"`},
		{`urls = ["//cdn.example.com/app.js"]`, `(?s)includes a scheme or host.*"/app.js"`},
		{`urls = ["/my file.js"]`, `contains whitespace`},
		{`paths = ["/img/*/large"]`, `(?s)has a "\*" before its end`},
		{`paths = ["img/*"]`, `does not start with "/"`},
		{`purge_all = false`, `(?s)purge_all.*must be "true"`},
		{`urls = ["/a.js"]
  paths = ["/img/*"]`, `(?s)Invalid Attribute Combination.*urls.*paths.*purge_all`},
		{``, `(?s)Missing Attribute Configuration.*Exactly one of these attributes must be configured: \[urls,paths,purge_all\]`},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		steps = append(steps, resource.TestStep{Config: h.purgeConfig(c.args), ExpectError: regexp.MustCompile(c.want)})
	}
	steps = append(steps, resource.TestStep{
		Config:      strings.Replace(h.purgeConfig(`purge_all = true`), fmt.Sprint(h.resourceID), "0", 1),
		ExpectError: regexp.MustCompile(`(?s)resource_id.*at least 1, got: 0`),
	})
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: h.factories, Steps: steps})
	h.expectPurges()
}

// TestAccCDNPurge_unknownAtPlanCheckedBeforeSending: a URL known only at
// apply time meets the same rules before anything is sent.
func TestAccCDNPurge_unknownAtPlanCheckedBeforeSending(t *testing.T) {
	h := newHarness(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: h.factories,
		Steps: []resource.TestStep{{
			Config: `resource "terraform_data" "upload" {
  input = "https://cdn.example.com/app.js"
}
` + h.purgeConfig(`urls = [terraform_data.upload.output]`),
			ExpectError: regexp.MustCompile(`(?s)includes a scheme or host.*"/app.js"`),
		}},
	})
	h.expectPurges()
}

// TestAccCDNPurge_apiRejection: the API's own message reaches the user, and a
// rejected purge leaves nothing in state, so the next apply purges.
func TestAccCDNPurge_apiRejection(t *testing.T) {
	h := newHarness(t, simulatorOnly())
	config := h.purgeConfig(`paths = ["/img/*"]`)
	body := "POST " + h.purgePath() + ` {"paths":["/img/*"]}`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: h.factories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					h.fail(simulator.Fault{Status: 400, Body: `{"errors":{"paths":{"0":["This field may not be blank."]}}}`})
				},
				Config:      config,
				ExpectError: regexp.MustCompile(`(?s)Gcore API rejected the purge.*400 Bad Request: paths\[0\]: This field may not\s+be blank`),
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(purgeAddress, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: stateHoldsPurge(),
			},
		},
	})
	h.expectPurges(body, body)
}

func TestAccCDNPurge_notFound(t *testing.T) {
	h := newHarness(t, simulatorOnly())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: h.factories,
		Steps: []resource.TestStep{{
			PreConfig:   func() { h.fail(simulator.Fault{Status: 404, Body: `{"message":"Not found."}`}) },
			Config:      h.purgeConfig(`purge_all = true`),
			ExpectError: regexp.MustCompile(`(?s)CDN resource not found.*CDN resource \d+ does not exist`),
		}},
	})
}

func TestAccCDNPurge_unauthorized(t *testing.T) {
	h := newHarness(t)
	t.Setenv("GCORE_API_KEY", "not-a-valid-key")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: h.factories,
		Steps: []resource.TestStep{{
			Config:      h.purgeConfig(`purge_all = true`),
			ExpectError: regexp.MustCompile(`(?s)Gcore API key rejected.*401\s+Unauthorized.*GCORE_API_KEY`),
		}},
	})
}

// TestAccCDNPurge_missingKey: a plan that would purge says how to give the
// key; a plan that purges nothing needs none.
func TestAccCDNPurge_missingKey(t *testing.T) {
	h := newHarness(t)
	config := h.purgeConfig(`urls = ["/index.html"]`)
	key := os.Getenv("GCORE_API_KEY")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: h.factories,
		Steps: []resource.TestStep{
			{
				PreConfig:   func() { os.Unsetenv("GCORE_API_KEY") },
				Config:      config,
				ExpectError: regexp.MustCompile(`(?s)Missing Gcore API key.*api_key.*GCORE_API_KEY`),
			},
			{
				PreConfig: func() { t.Setenv("GCORE_API_KEY", key) },
				Config:    config,
			},
			{
				PreConfig: func() { os.Unsetenv("GCORE_API_KEY") },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
	h.expectPurges("POST " + h.purgePath() + ` {"urls":["/index.html"]}`)
}

// fail queues a fault in the simulator while recording; on replay the
// cassette holds the faulty answer.
func (h *harness) fail(f simulator.Fault) {
	if h.sim != nil {
		h.sim.Fail(f)
	}
}

// Rate limits, through Terraform, against the simulator in real time with
// limits compressed from minutes to seconds.

// compressedLimits: 2 URL purges and 1 pattern or purge-all per second.
var compressedLimits = gcoreapi.AccountLimits{PurgeByURLsRequestLimit: "2/s", PurgeRequestLimit: "1/s"}

// TestAccCDNPurge_manyPurgesShareTheLimits: more purges of one CDN resource
// than its limits allow at once all succeed, merged, without a single 429.
func TestAccCDNPurge_manyPurgesShareTheLimits(t *testing.T) {
	h := newHarness(t, liveSimulator(simulator.Config{Limits: compressedLimits}))
	config := fmt.Sprintf(`
resource "gcore_cdn_purge" "files" {
  count       = 12
  resource_id = %[1]d
  urls        = ["/f${count.index}/a.js", "/f${count.index}/b.js", "/shared.js"]
}

resource "gcore_cdn_purge" "sections" {
  count       = 3
  resource_id = %[1]d
  paths       = ["/section${count.index}/*"]
}

resource "gcore_cdn_purge" "other_site" {
  resource_id = %[1]d1
  purge_all   = true
}
`, h.resourceID)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: h.factories,
		Steps:                    []resource.TestStep{{Config: config}},
	})

	if n := h.sim.RateLimited(); n != 0 {
		t.Errorf("the API answered 429 %d times; want none", n)
	}
	urls, patterns := map[string]bool{}, map[string]bool{}
	var urlRequests, patternRequests int
	for _, p := range h.sim.Purges() {
		switch {
		case p.ResourceID == h.resourceID && p.Type == gcoreapi.PurgeByURL:
			urlRequests++
			for _, u := range p.Items {
				urls[u] = true
			}
		case p.ResourceID == h.resourceID && p.Type == gcoreapi.PurgeByPattern:
			patternRequests++
			for _, u := range p.Items {
				patterns[u] = true
			}
		}
	}
	if len(urls) != 25 || len(patterns) != 3 {
		t.Errorf("purged %d distinct URLs and %d patterns; want 25 and 3", len(urls), len(patterns))
	}
	// 12 URL purges at 2 a second: without merging they would need 6 windows.
	if urlRequests > 4 {
		t.Errorf("%d URL purge requests for 12 resources; want them merged into at most 4", urlRequests)
	}
	if patternRequests > 3 {
		t.Errorf("%d pattern purge requests for 3 resources", patternRequests)
	}
}

// purgeAsAnotherClient fills the CDN resource's window, as a CI job next door
// or the control panel would.
func (h *harness) purgeAsAnotherClient(p gcoreapi.Purge) {
	h.t.Helper()
	client, err := gcoreapi.New(gcoreapi.Config{BaseURL: h.sim.URL, APIKey: simulatorKey})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := client.Purge(context.Background(), h.resourceID, p); err != nil {
		h.t.Fatalf("the other client's purge: %v", err)
	}
}

// TestAccCDNPurge_waitsOutAnotherClientsPurge: the window was filled by
// someone else; the purge waits for room (here by the API's Retry-After)
// instead of failing.
func TestAccCDNPurge_waitsOutAnotherClientsPurge(t *testing.T) {
	h := newHarness(t, liveSimulator(simulator.Config{Limits: compressedLimits, RetryAfter: true}))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: h.factories,
		Steps: []resource.TestStep{{
			PreConfig:         func() { h.purgeAsAnotherClient(gcoreapi.Purge{Type: gcoreapi.PurgeAll}) },
			Config:            h.purgeConfig(`purge_all = true`),
			ConfigStateChecks: stateHoldsPurge(),
		}},
	})
	purges := h.sim.Purges()
	if len(purges) != 2 {
		t.Fatalf("the simulator accepted %d purges; want the other client's and ours", len(purges))
	}
	if gap := purges[1].At.Sub(purges[0].At); gap < time.Second {
		t.Errorf("our purge-all came %v after the other client's; the limit is 1/s", gap)
	}
}

// TestAccCDNPurge_noRoomWithinTimeout: a purge that cannot get a slot before
// timeouts.create fails with what to do about it, and leaves no state.
func TestAccCDNPurge_noRoomWithinTimeout(t *testing.T) {
	h := newHarness(t, liveSimulator(simulator.Config{Limits: gcoreapi.AccountLimits{PurgeRequestLimit: "1/h"}}))
	config := h.purgeConfig(`paths = ["/img/*"]
  timeouts { create = "2s" }`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: h.factories,
		Steps: []resource.TestStep{
			{
				PreConfig:   func() { h.purgeAsAnotherClient(gcoreapi.Purge{Type: gcoreapi.PurgeByPattern, Items: []string{"/x"}}) },
				Config:      config,
				ExpectError: regexp.MustCompile(fmt.Sprintf(`(?s)purge by pattern of CDN resource %d.*1/h.*timeouts.create`, h.resourceID)),
			},
			{
				// Nothing landed in state: with room again, the next apply purges.
				PreConfig: func() {
					if err := h.sim.SetLimits(gcoreapi.AccountLimits{PurgeRequestLimit: "5/s"}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(purgeAddress, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: stateHoldsPurge(),
			},
		},
	})
	// Accepted: the other client's purge, then ours on the second apply only.
	purges := h.sim.Purges()
	if len(purges) != 2 || purges[0].Items[0] != "/x" || purges[1].Items[0] != "/img/*" {
		t.Errorf("accepted purges: %+v", purges)
	}
}

// Faults, played by the simulator's failure controls, through the real
// Terraform CLI. These tests run live against the simulator, without a
// cassette: a recording can replay an error answer but not a dropped
// connection or an attempt cut short by its timeout, and what they check is
// how retries play out in time. The scheduler's backoff (and, where needed,
// its attempt timeout) is shortened through the provider struct, never
// through the schema; its attempt count stays the default of 5.

// TestAccCDNPurge_serverErrorBurstsAreRetried: a burst of 500, 502 and 503
// is retried until the purge is accepted; five failures in a row end the
// purge after exactly five attempts, and leave nothing in state, so that the
// next apply purges.
func TestAccCDNPurge_serverErrorBurstsAreRetried(t *testing.T) {
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}), schedulerOptions(quickRetries))
	purge := "POST " + h.purgePath()
	config := h.purgeConfig(`purge_all = true`)
	var mark int
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: h.factories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					h.fail(simulator.Fault{Status: 500, Body: `{"message":"Internal server error."}`})
					h.fail(simulator.Fault{Status: 502, Body: `<html><body><h1>502 Bad Gateway</h1></body></html>`})
					h.fail(simulator.Fault{Status: 503})
				},
				Config:            config,
				ConfigStateChecks: stateHoldsPurge(),
				Check:             h.checkSimCalls(&mark, limitsCall, purge+" -> 500", purge+" -> 502", purge+" -> 503", purge+" -> 201"),
			},
			{
				PreConfig: func() { h.fail(simulator.Fault{Status: 503, Times: 6}) },
				Config: h.purgeConfig(`purge_all = true
  triggers = { release = "2" }`),
				ExpectError: diagnostic("Purge failed", fmt.Sprintf("purge all of CDN resource %d, request #1 failed 5 times, giving up: "+
					"the Gcore API answered 503 Service Unavailable.", h.resourceID)),
			},
			{
				PreConfig: func() {
					h.expectSimCalls(&mark, limitsCall, purge+" -> 503", purge+" -> 503", purge+" -> 503", purge+" -> 503", purge+" -> 503")
					h.sim.Reset() // the sixth 503 was never asked for
					mark = 0
				},
				Config: h.purgeConfig(`purge_all = true
  triggers = { release = "2" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(purgeAddress, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: stateHoldsPurge(),
				Check:             h.checkSimCalls(&mark, limitsCall, purge+" -> 201"),
			},
		},
	})
}

// TestAccCDNPurge_droppedAndSlowAnswersAreRetried: a connection closed
// before the answer, and an answer slower than the attempt timeout (2s
// here, 30s by default), are both retried and the purge succeeds.
func TestAccCDNPurge_droppedAndSlowAnswersAreRetried(t *testing.T) {
	opts := quickRetries
	opts.AttemptTimeout = 2 * time.Second
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}), schedulerOptions(opts))
	purge := "POST " + h.purgePath()
	var mark int
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: h.factories,
		Steps: []resource.TestStep{
			{
				PreConfig:         func() { h.fail(simulator.Fault{Drop: true}) },
				Config:            h.purgeConfig(`urls = ["/app.js"]`),
				ConfigStateChecks: stateHoldsPurge(),
				Check:             h.checkSimCalls(&mark, limitsCall, purge+" -> dropped", purge+" -> 201"),
			},
			{
				// The simulator would answer after a minute; the attempt gives
				// up after 2s and the retry is answered at once.
				PreConfig: func() { h.fail(simulator.Fault{Delay: time.Minute}) },
				Config: h.purgeConfig(`urls = ["/app.js"]
  triggers = { release = "2" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(purgeAddress, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: stateHoldsPurge(),
				Check:             h.checkSimCalls(&mark, limitsCall, purge+" -> no answer", purge+" -> 201"),
			},
		},
	})
	if got := len(h.sim.Purges()); got != 2 {
		t.Errorf("the simulator accepted %d purges, want 2", got)
	}
}

// TestAccCDNPurge_serverErrorsUntilTheTimeout: a server that keeps failing
// ends the purge at timeouts.create (before the scheduler's fifth attempt,
// with the default backoff), with a message that names the failure; nothing
// is written to state and the next apply purges.
func TestAccCDNPurge_serverErrorsUntilTheTimeout(t *testing.T) {
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}))
	purge := "POST " + h.purgePath()
	config := h.purgeConfig(`paths = ["/img/*"]
  timeouts { create = "3s" }`)
	var mark int
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: h.factories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					h.fail(simulator.Fault{Status: 503, Body: `{"message":"Service temporarily unavailable."}`, Times: 1000})
				},
				Config: config,
				ExpectError: diagnostic("Purge timed out", fmt.Sprintf("purge by pattern of CDN resource %d was not confirmed within 3s: ", h.resourceID),
					" attempts failed, the last with: the Gcore API answered 503 Service Unavailable: Service temporarily unavailable; "+
						"apply again once the API recovers, or raise timeouts.create.",
					"Nothing was written to state: the next apply purges again."),
			},
			{
				PreConfig: func() {
					calls := h.simCalls(0)
					// Default backoff: attempts at about 0.2s, 0.6s, 1.3s and
					// 2.8s; the fifth would come after 3.95s at the earliest.
					if len(calls) < 3 || len(calls) > 5 || calls[0] != limitsCall {
						t.Errorf("the simulator received %q; want the limits call and 2 to 4 attempts", calls)
					}
					for _, c := range calls[1:] {
						if c != purge+" -> 503" {
							t.Errorf("unexpected request %q", c)
						}
					}
					h.sim.Reset()
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(purgeAddress, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: stateHoldsPurge(),
				Check:             h.checkSimCalls(&mark, limitsCall, purge+" -> 201"),
			},
		},
	})
}

// TestAccCDNPurge_unreadableErrorBodies: whatever body comes with a 400 or
// a 5xx (broken JSON, a proxy's HTML page, nothing, JSON of an unknown shape,
// text that is not UTF-8, terminal escapes), the user reads a one-line
// diagnostic with the status and an excerpt; a 400 is tried once, a 5xx five
// times.
func TestAccCDNPurge_unreadableErrorBodies(t *testing.T) {
	// shows is what follows "the Gcore API answered <status>".
	bodies := []struct{ name, body, shows string }{
		{"malformed JSON", `{"message": "Internal`, `: (not JSON) {"message": "Internal.`},
		{"HTML page", "<!DOCTYPE html>\n<html>\n<head><title>Bad Gateway</title></head>\n<body><h1>Bad Gateway</h1></body>\n</html>\n",
			`: (not JSON) <!DOCTYPE html> <html> <head><title>Bad Gateway</title></head> <body><h1>Bad Gateway</h1></body> </html>.`},
		{"empty body", "", ".\n"},
		{"unknown JSON shape", `{"error":{"code":"E42","hint":["retry later"]}}`, `: {"error":{"code":"E42","hint":["retry later"]}}.`},
		// Neither invalid UTF-8 nor a terminal escape reaches the user's
		// terminal: each such byte shows as U+FFFD.
		{"not UTF-8", "<html>Erreur interne: caf\xe9 cr\xe8me</html>", ": (not JSON) <html>Erreur interne: caf\uFFFD cr\uFFFDme</html>."},
		{"terminal escapes", "\x1b[31mboom\x1b[0m\x07", ": (not JSON) \uFFFD[31mboom\uFFFD[0m\uFFFD."},
	}
	for _, status := range []struct {
		code     int
		summary  string
		attempts int
	}{
		{400, "Gcore API rejected the purge", 1},
		{503, "Purge failed", 5},
	} {
		for _, b := range bodies {
			t.Run(fmt.Sprintf("%d %s", status.code, b.name), func(t *testing.T) {
				h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}), schedulerOptions(quickRetries))
				resource.Test(t, resource.TestCase{
					ProtoV6ProviderFactories: h.factories,
					Steps: []resource.TestStep{{
						PreConfig:   func() { h.fail(simulator.Fault{Status: status.code, Body: b.body, Times: status.attempts}) },
						Config:      h.purgeConfig(`purge_all = true`),
						ExpectError: diagnostic(status.summary, fmt.Sprintf("the Gcore API answered %d %s%s", status.code, http.StatusText(status.code), b.shows)),
					}},
				})
				want := []string{limitsCall}
				for range status.attempts {
					want = append(want, fmt.Sprintf("POST %s -> %d", h.purgePath(), status.code))
				}
				var mark int
				h.expectSimCalls(&mark, want...)
			})
		}
	}
}

// TestAccCDNPurge_clientErrorsAreNotRetried: 401, 403 and 404 are each
// tried once, the diagnostic says what to fix, and nothing is left in state:
// each next apply plans the purge anew.
func TestAccCDNPurge_clientErrorsAreNotRetried(t *testing.T) {
	const forbiddenKey = "read-only-key"
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits, ForbiddenKeys: []string{forbiddenKey},
		Resources: []int64{testResourceID}}), schedulerOptions(quickRetries))
	key := os.Getenv("GCORE_API_KEY")
	var mark int
	createsAgain := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction(purgeAddress, plancheck.ResourceActionCreate),
	}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: h.factories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() { t.Setenv("GCORE_API_KEY", "revoked-key") },
				Config:    h.purgeConfig(`purge_all = true`),
				ExpectError: diagnostic("Gcore API key rejected", "401 Unauthorized: Invalid authentication credentials.",
					`The API key is wrong, expired or revoked. Set a valid permanent API token in api_key (provider "gcore") or in GCORE_API_KEY.`),
			},
			{
				PreConfig: func() {
					h.expectSimCalls(&mark, "GET /cdn/clients/me/limits -> 401", "POST "+h.purgePath()+" -> 401")
					t.Setenv("GCORE_API_KEY", forbiddenKey)
				},
				Config:           h.purgeConfig(`purge_all = true`),
				ConfigPlanChecks: createsAgain,
				ExpectError: diagnostic("Gcore API key lacks permission", "403 Forbidden: You do not have permission to perform this action.",
					"The API key is valid but may not purge this CDN resource. Use a token whose role can manage CDN resources of this account."),
			},
			{
				PreConfig: func() {
					h.expectSimCalls(&mark, "GET /cdn/clients/me/limits -> 403", "POST "+h.purgePath()+" -> 403")
					t.Setenv("GCORE_API_KEY", key)
				},
				Config:           "resource \"gcore_cdn_purge\" \"test\" {\n  resource_id = 999\n  purge_all   = true\n}\n",
				ConfigPlanChecks: createsAgain,
				ExpectError: diagnostic("CDN resource not found", "with gcore_cdn_purge.test,", "resource_id", "404 Not Found: Not found.",
					"CDN resource 999 does not exist in the account of this API key. Check resource_id."),
			},
			{
				PreConfig:         func() { h.expectSimCalls(&mark, limitsCall, "POST /cdn/resources/999/purge -> 404") },
				Config:            h.purgeConfig(`purge_all = true`),
				ConfigPlanChecks:  createsAgain,
				ConfigStateChecks: stateHoldsPurge(),
				Check:             h.checkSimCalls(&mark, limitsCall, "POST "+h.purgePath()+" -> 201"),
			},
		},
	})
}

// TestAccCDNPurge_accountLimitsUnreadable: when the account-limits call fails
// or answers something unreadable, the documented limits apply and the purge
// still goes through. The account here allows 100 pattern purges a second;
// a second pattern purge right after the first waits for room until its
// timeout, and the diagnostic names the documented 1/m in force.
func TestAccCDNPurge_accountLimitsUnreadable(t *testing.T) {
	limitsPath := "/cdn/clients/me/limits"
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}))
	purge := "POST " + h.purgePath()
	answers := []struct {
		name  string
		fault simulator.Fault
		call  string
	}{
		{"server error page", simulator.Fault{Status: 502, Body: "<html><h1>502 Bad Gateway</h1></html>"}, "502"},
		{"not JSON", simulator.Fault{Status: 200, Body: "<html>maintenance</html>"}, "200"},
		{"unexpected JSON types", simulator.Fault{Status: 200, Body: `{"purge_request_limit": 100, "purge_by_urls_request_limit": ["2/m"]}`}, "200"},
		{"unreadable rates", simulator.Fault{Status: 200, Body: `{"purge_request_limit": "lots/m", "purge_by_urls_request_limit": "100/s"}`}, "200"},
		// Go's client retries a GET once when a reused connection closes
		// under it: the second drop is for that retry.
		{"dropped connection", simulator.Fault{Drop: true, Times: 2}, "dropped"},
	}
	// expectCalls checks what the previous apply sent: the limits call as the
	// fault answered it, and the first purge only.
	var mark int
	expectCalls := func(i int) {
		a := answers[i]
		calls := h.simCalls(mark)
		mark += len(calls)
		if a.fault.Drop && len(calls) == 3 && calls[0] == calls[1] {
			calls = calls[1:] // Go's client retried the GET
		}
		if want := []string{"GET " + limitsPath + " -> " + a.call, purge + " -> 201"}; !reflect.DeepEqual(calls, want) {
			t.Errorf("%s: the simulator received %q, want %q", a.name, calls, want)
		}
		if p := h.sim.Purges(); len(p) != i+1 || p[i].Items[0] != "/first/*" {
			t.Errorf("%s: accepted purges %+v, want one more of /first/*", a.name, p)
		}
	}
	var steps []resource.TestStep
	for i, a := range answers {
		a.fault.Path = limitsPath
		// Each answer is a new apply: the first purge is replaced (its
		// triggers change), the second was never in state.
		firstAction := plancheck.ResourceActionReplace
		if i == 0 {
			firstAction = plancheck.ResourceActionCreate
		}
		steps = append(steps, resource.TestStep{
			PreConfig: func() {
				if i > 0 {
					expectCalls(i - 1)
				}
				h.fail(a.fault)
			},
			Config: fmt.Sprintf(`resource "gcore_cdn_purge" "first" {
  resource_id = %[1]d
  paths       = ["/first/*"]
  triggers    = { answer = %[2]q }
}

resource "gcore_cdn_purge" "test" {
  resource_id = %[1]d
  paths       = ["/second/*"]
  depends_on  = [gcore_cdn_purge.first]
  timeouts { create = "1s" }
}
`, h.resourceID, a.name),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction("gcore_cdn_purge.first", firstAction),
				plancheck.ExpectResourceAction(purgeAddress, plancheck.ResourceActionCreate),
			}},
			ExpectError: diagnostic("Purge timed out", fmt.Sprintf("purge by pattern of CDN resource %d did not get a slot within ", h.resourceID),
				"the limit in force is 1/m (the documented default)"),
		})
	}
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: h.factories, Steps: steps})
	expectCalls(len(answers) - 1)
}

// Odd but valid input. These replay cassettes recorded against the simulator
// (make record), which checks every URL with the rules the validators use.

// TestAccCDNPurge_oddPaths: Unicode, percent-encoding, characters JSON
// escapes and a 16 KB URL reach the API exactly as written, and state keeps
// them as written.
func TestAccCDNPurge_oddPaths(t *testing.T) {
	h := newHarness(t)
	urls := []string{
		"/ünïcödé/файл.html",
		"/%E2%9C%93/caf%C3%A9.txt", // percent-encoded: sent as it is, not decoded
		"/search?q=a&b=<c>\"d\"",
		"/assets/" + strings.Repeat("0123456789abcdef", 1024) + ".js",
	}
	var quoted []string
	var elements []knownvalue.Check
	for _, u := range urls {
		quoted = append(quoted, strconv.Quote(u))
		elements = append(elements, knownvalue.StringExact(u))
	}
	sorted := slices.Sorted(slices.Values(urls))
	body, err := json.Marshal(map[string][]string{"urls": sorted})
	if err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: h.factories,
		Steps: []resource.TestStep{{
			Config: h.purgeConfig(`urls = [` + strings.Join(quoted, ", ") + `]`),
			ConfigStateChecks: append(stateHoldsPurge(),
				statecheck.ExpectKnownValue(purgeAddress, tfjsonpath.New("urls"), knownvalue.SetExact(elements))),
			Check: h.checkPurges("POST " + h.purgePath() + " " + string(body)),
		}},
	})
	if h.sim != nil {
		if p := h.sim.Purges(); len(p) != 1 || !slices.Equal(p[0].Items, sorted) {
			t.Errorf("the simulator purged %+v, want %q", p, sorted)
		}
	}
}

// TestAccCDNPurge_duplicateURLsCollapse: urls is a set, so 100 copies of one
// URL are one URL, sent once; and the 100-URL limit counts distinct URLs.
func TestAccCDNPurge_duplicateURLsCollapse(t *testing.T) {
	h := newHarness(t)
	hundred := make([]string, 0, 100)
	for i := range 99 {
		hundred = append(hundred, fmt.Sprintf("/f%02d.js", i))
	}
	hundred = append(hundred, "/same.js")
	body, err := json.Marshal(map[string][]string{"urls": hundred})
	if err != nil {
		t.Fatal(err)
	}
	first := "POST " + h.purgePath() + ` {"urls":["/same.js"]}`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: h.factories,
		Steps: []resource.TestStep{
			{
				Config: h.purgeConfig(`urls = [for i in range(100) : "/same.js"]`),
				ConfigStateChecks: append(stateHoldsPurge(), statecheck.ExpectKnownValue(purgeAddress, tfjsonpath.New("urls"),
					knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("/same.js")}))),
				Check: h.checkPurges(first),
			},
			{
				// 150 copies of one URL and 99 others: 100 distinct URLs, one purge.
				Config: h.purgeConfig(`urls = concat([for i in range(150) : "/same.js"], [for i in range(99) : format("/f%02d.js", i)])`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(purgeAddress, tfjsonpath.New("urls"), knownvalue.SetSizeExact(100)),
				},
				Check: h.checkPurges(first, "POST "+h.purgePath()+" "+string(body)),
			},
		},
	})
}

// TestAccCDNPurge_urlsKnownOnlyAtApply: URLs that come from another
// resource are unknown at plan time; at apply they are checked and sent,
// and two that turn out equal are one URL. A set of 100 known URLs and one
// unknown may be valid (the unknown one may repeat a known one): it is
// judged at apply, when it is known, and refused then if it is not, before
// anything is sent.
func TestAccCDNPurge_urlsKnownOnlyAtApply(t *testing.T) {
	h := newHarness(t)
	hundred := make([]string, 100)
	for i := range hundred {
		hundred[i] = fmt.Sprintf("/f%02d.js", i)
	}
	body, err := json.Marshal(map[string][]string{"urls": hundred})
	if err != nil {
		t.Fatal(err)
	}
	uploads := `resource "terraform_data" "upload" {
  input = "/build/app.js"
}

resource "terraform_data" "index" {
  input = "/index.html"
}

resource "terraform_data" "first" {
  input = "/f00.js"
}

resource "terraform_data" "extra" {
  input = "/extra.js"
}
`
	first := "POST " + h.purgePath() + ` {"urls":["/build/app.js","/index.html"]}`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: h.factories,
		Steps: []resource.TestStep{
			{
				Config: uploads + h.purgeConfig(`urls = [terraform_data.upload.output, terraform_data.index.output, "/index.html"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(purgeAddress, plancheck.ResourceActionCreate),
					expectUnknownElements(purgeAddress, "urls", 2),
				}},
				ConfigStateChecks: append(stateHoldsPurge(), statecheck.ExpectKnownValue(purgeAddress, tfjsonpath.New("urls"),
					knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("/build/app.js"), knownvalue.StringExact("/index.html")}))),
				Check: h.checkPurges(first),
			},
			{
				Config: uploads + h.purgeConfig(`urls = concat([for i in range(100) : format("/f%02d.js", i)], [terraform_data.first.output])`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(purgeAddress, tfjsonpath.New("urls"), knownvalue.SetSizeExact(100)),
				},
				Check: h.checkPurges(first, "POST "+h.purgePath()+" "+string(body)),
			},
			{
				Config: strings.Replace(uploads, `"extra"`, `"extra_renamed"`, 1) +
					h.purgeConfig(`urls = concat([for i in range(100) : format("/f%02d.js", i)], [terraform_data.extra_renamed.output])`),
				ExpectError: regexp.MustCompile(`urls has 101 URLs; one purge takes at most 100`),
			},
			{
				// Back to a valid configuration: the failed purge left
				// nothing in state, so this one is created.
				Config: uploads + h.purgeConfig(`urls = [terraform_data.upload.output, terraform_data.index.output, "/index.html"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(purgeAddress, plancheck.ResourceActionCreate),
				}},
				Check: h.checkPurges(first, "POST "+h.purgePath()+" "+string(body), first),
			},
		},
	})
}

// TestAccCDNPurge_resourceIDBeyond32Bits: CDN resource IDs past 2^31, 2^53
// (where a float64 loses digits) and up to the largest int64 reach the
// request path intact.
func TestAccCDNPurge_resourceIDBeyond32Bits(t *testing.T) {
	h := newHarness(t, simulatorOnly())
	ids := []int64{4294967297, 9007199254740993, 9223372036854775807}
	var config strings.Builder
	var checks []statecheck.StateCheck
	var want []string
	for i, id := range ids {
		fmt.Fprintf(&config, "resource \"gcore_cdn_purge\" \"r%d\" {\n  resource_id = %d\n  purge_all   = true\n}\n", i, id)
		checks = append(checks, statecheck.ExpectKnownValue(fmt.Sprintf("gcore_cdn_purge.r%d", i), tfjsonpath.New("resource_id"), knownvalue.Int64Exact(id)))
		want = append(want, fmt.Sprintf("POST /cdn/resources/%d/purge {\"paths\":[]}", id))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: h.factories,
		Steps:                    []resource.TestStep{{Config: config.String(), ConfigStateChecks: checks}},
	})
	got := h.purgesSent()
	slices.Sort(got) // the three purges go out in parallel
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("purge requests sent:\n  got  %q\n  want %q", got, want)
	}
}

// expectUnknownElements checks that the planned set attr of the resource at
// address holds n elements unknown until apply.
func expectUnknownElements(address, attr string, n int) plancheck.PlanCheck {
	return planCheckFunc(func(plan *tfjson.Plan) error {
		for _, rc := range plan.ResourceChanges {
			if rc.Address != address {
				continue
			}
			unknown, _ := rc.Change.AfterUnknown.(map[string]any)[attr].([]any)
			if got := slices.Index(unknown, any(true)); got < 0 || len(slices.DeleteFunc(slices.Clone(unknown), func(v any) bool { return v != true })) != n {
				return fmt.Errorf("%s.%s: after_unknown is %v, want %d unknown elements", address, attr, unknown, n)
			}
			return nil
		}
		return fmt.Errorf("%s is not in the plan", address)
	})
}

type planCheckFunc func(*tfjson.Plan) error

func (f planCheckFunc) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = f(req.Plan)
}

// The validators and the simulator must agree: the simulator plays the API in
// every recording, so a string the validators pass but the simulator refuses
// (or the reverse) would make the tests lie about what the API accepts.

// validateItems runs the schema's validators of urls or paths on items, as
// Terraform would at plan time.
func validateItems(t *testing.T, attr string, validators []validator.Set, items []string) diag.Diagnostics {
	t.Helper()
	ctx := context.Background()
	set, diags := types.SetValueFrom(ctx, types.StringType, items)
	if diags.HasError() {
		t.Fatalf("building the set: %v", diags)
	}
	for _, v := range validators {
		resp := &validator.SetResponse{}
		v.ValidateSet(ctx, validator.SetRequest{Path: path.Root(attr), PathExpression: path.MatchRoot(attr), ConfigValue: set}, resp)
		diags.Append(resp.Diagnostics...)
	}
	return diags
}

// simulatorStatus is the simulator's answer to p, sent as the provider's
// client encodes it, to a fresh simulator (so no rate limit interferes).
func simulatorStatus(t *testing.T, p gcoreapi.Purge) int {
	t.Helper()
	sim, err := simulator.New(simulator.Config{APIKeys: []string{simulatorKey}})
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/cdn/resources/1/purge", bytes.NewReader(body))
	r.Header.Set("Authorization", "APIKey "+simulatorKey)
	w := httptest.NewRecorder()
	sim.ServeHTTP(w, r)
	return w.Code
}

// purgeModes are the two purges that carry items, with their validators.
var purgeModes = []struct {
	attr       string
	typ        gcoreapi.PurgeType
	validators func() []validator.Set
}{
	{"urls", gcoreapi.PurgeByURL, urlsValidators},
	{"paths", gcoreapi.PurgeByPattern, pathsValidators},
}

// FuzzValidatorsAgreeWithSimulator: a string is accepted by the plan-time
// validators of urls (of paths) exactly when the simulator answers 201 to a
// purge by URL (by pattern) carrying it.
func FuzzValidatorsAgreeWithSimulator(f *testing.F) {
	for _, s := range []string{
		"", " ", "/", "/a.js", "a.js", "/img/*", "/img/*/x", "*", "/a b", "/a\tb", "/\u00a0", "/\u2028", "/\x00", "/\x7f",
		"//cdn.example.com/a", "https://cdn.example.com/a?b", "///a", "/ünïcödé", "/%E2%9C%93", "/a?q=<&>\"",
		"/\xff", "\xff", "null", `"/a"`, "/" + strings.Repeat("é", 3000),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, item string) {
		for _, m := range purgeModes {
			diags := validateItems(t, m.attr, m.validators(), []string{item})
			status := simulatorStatus(t, gcoreapi.Purge{Type: m.typ, Items: []string{item}})
			if !diags.HasError() != (status == http.StatusCreated) {
				t.Fatalf("%s = [%q]: the validators say %v, the simulator answers %d", m.attr, item, diags, status)
			}
		}
	})
}

// TestValidatorsAgreeWithSimulatorOnCounts: the same at the limits of the
// number of items. One disagreement is by design: the validators refuse an
// empty paths (purging everything must be written purge_all = true), while
// {"paths": []} is how the API is asked to purge everything, so the
// provider sends it only for purge_all.
func TestValidatorsAgreeWithSimulatorOnCounts(t *testing.T) {
	items := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("/f%d", i)
		}
		return out
	}
	for _, m := range purgeModes {
		limit := gcoreapi.MaxURLsPerRequest
		if m.typ == gcoreapi.PurgeByPattern {
			limit = gcoreapi.MaxPatternsPerRequest
		}
		for _, n := range []int{0, 1, limit, limit + 1} {
			diags := validateItems(t, m.attr, m.validators(), items(n))
			status := simulatorStatus(t, gcoreapi.Purge{Type: m.typ, Items: items(n)})
			if m.attr == "paths" && n == 0 {
				if !diags.HasError() || status != http.StatusCreated {
					t.Errorf("empty paths: the validators say %v, the simulator answers %d; want a refusal and the purge-all", diags, status)
				}
				continue
			}
			if !diags.HasError() != (status == http.StatusCreated) {
				t.Errorf("%d %s: the validators say %v, the simulator answers %d", n, m.attr, diags, status)
			}
		}
	}
}

// TestAccCDNPurge_apiKeyNeverLeaks: an apply with TF_LOG=TRACE and
// TF_LOG_PROVIDER=TRACE, the provider built and run by Terraform as a user's
// would be, leaves the API key nowhere: not in the logs, the CLI's output,
// the plan JSON or the state, not even when the API quotes the key back in
// an error. No cassette holds the key the cassettes were recorded with.
func TestAccCDNPurge_apiKeyNeverLeaks(t *testing.T) {
	const key = "gcore-secret-7Qz$c0ffee-do-not-leak"
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits, APIKeys: []string{key}}))
	t.Setenv("GCORE_API_KEY", key)
	// TF_LOG_PATH is relative to the working directory.
	cli := newTerraformCLI(t, devOverrides(buildProvider(t)), "TF_LOG=TRACE", "TF_LOG_PROVIDER=TRACE", "TF_LOG_PATH=terraform.log")
	cli.writeConfig(requiredProviders + h.purgeConfig(`urls = ["/app.js"]`))

	output := cli.mustRun("plan", "-out=tfplan")
	planJSON := cli.mustRun("show", "-json", "tfplan")
	output += cli.mustRun("apply", "tfplan")
	stateJSON := cli.mustRun("show", "-json")
	state := cli.file("terraform.tfstate")
	if p := h.sim.Purges(); len(p) != 1 || !strings.Contains(state, `"purged_at"`) || !strings.Contains(planJSON, `"/app.js"`) {
		t.Fatalf("the apply did not purge as expected: purges %+v\n%s", p, output)
	}

	// An API that quotes the key back in a refusal.
	h.fail(simulator.Fault{Status: 401, Body: `{"message":"Invalid credentials: Authorization: APIKey ` + key + `"}`})
	cli.writeConfig(requiredProviders + h.purgeConfig(`urls = ["/app.js"]
  triggers = { release = "2" }`))
	failed, err := cli.run("apply", "-auto-approve")
	if err == nil || !diagnostic("Gcore API key rejected", "Invalid credentials: Authorization: APIKey [API key redacted]").MatchString(failed) {
		t.Fatalf("the second apply should fail with the key redacted: %v\n%s", err, failed)
	}
	output += failed

	logs := cli.file("terraform.log")
	// The check below can only fail if the logs are there to be read: they
	// hold the provider's own lines, at every level down to TRACE.
	for _, line := range []string{
		"provider.terraform-provider-gcore", "configured the Gcore API client", "api_key_set=true",
		"Gcore purge limits in force", "purge accepted", "[TRACE] provider.terraform-provider-gcore",
	} {
		if !strings.Contains(logs, line) {
			t.Errorf("the TRACE logs (%d bytes) hold no %q", len(logs), line)
		}
	}
	for name, text := range map[string]string{
		"logs": logs, "CLI output": output, "plan JSON": planJSON, "state JSON": stateJSON, "state file": state,
	} {
		if strings.Contains(text, key) {
			t.Errorf("the API key appears in the %s", name)
		}
	}

	// The cassettes were recorded with simulatorKey (or a real key, which
	// make record takes from GCORE_API_KEY): neither, nor any Authorization
	// header, may be in them.
	cassettes, err := filepath.Glob(filepath.Join("testdata", "cassettes", "*.yaml"))
	if err != nil || len(cassettes) == 0 {
		t.Fatalf("no cassettes found: %v", err)
	}
	for _, file := range cassettes {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{simulatorKey, key, "APIKey ", "Authorization:"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("%s holds %q", file, secret)
			}
		}
	}
}

// TestAccCDNPurge_interruptWhileWaiting: Ctrl-C (SIGINT) while a purge waits
// for rate-limit room ends the apply within seconds; the purge is never sent
// again, even when its retry falls due, and is not in state. The purge next
// to it, already accepted, stays in state.
func TestAccCDNPurge_interruptWhileWaiting(t *testing.T) {
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}))
	// The API asks for 5s; Terraform ends within milliseconds of the
	// interrupt, so half of that is a generous bound.
	const retryAfter = 5 * time.Second
	waitingPath := fmt.Sprintf("/cdn/resources/%d/purge", testResourceID+1)
	h.fail(simulator.Fault{Path: waitingPath, Status: http.StatusTooManyRequests,
		Header: http.Header{"Retry-After": {strconv.Itoa(int(retryAfter.Seconds()))}}})
	cli := newTerraformCLI(t, "", h.serveProvider())
	cli.writeConfig(requiredProviders + fmt.Sprintf(`
resource "gcore_cdn_purge" "accepted" {
  resource_id = %d
  urls        = ["/app.js"]
}

resource "gcore_cdn_purge" "waiting" {
  resource_id = %d
  paths       = ["/img/*"]
}
`, testResourceID, testResourceID+1))
	cli.mustRun("init")

	var out bytes.Buffer
	apply := cli.command(&out, "apply", "-auto-approve")
	if err := apply.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- apply.Wait() }()
	defer func() {
		if apply.ProcessState == nil {
			_ = apply.Process.Kill()
		}
	}()

	// Interrupt once the waiting purge was refused with a 429 and the
	// other one was accepted.
	deadline := time.Now().Add(time.Minute)
	for h.sim.RateLimited() == 0 || len(h.sim.Purges()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the purges did not reach the simulator:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	refusedAt := h.sim.Requests()[len(h.sim.Requests())-1].At
	sent := len(h.sim.Requests())
	if err := apply.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	interruptedAt := time.Now()
	var err error
	select {
	case err = <-exited:
	case <-time.After(time.Minute):
		t.Fatalf("terraform apply did not end after the interrupt:\n%s", out.String())
	}
	took := time.Since(interruptedAt)
	t.Logf("terraform apply ended %v after the interrupt", took)
	if took > retryAfter/2 {
		t.Errorf("terraform apply ended %v after the interrupt; the retry was due %v after the 429", took, retryAfter)
	}
	if err == nil || !diagnostic("Interrupt received", "Purge cancelled", fmt.Sprintf("purge by pattern of CDN resource %d was cancelled after waiting", testResourceID+1),
		"for rate-limit room after a 429 answer", "Nothing was written to state: the next apply purges again.").MatchString(out.String()) {
		t.Errorf("terraform apply: %v\n%s", err, out.String())
	}

	// Past the moment the retry was due, still nothing was sent.
	time.Sleep(time.Until(refusedAt.Add(retryAfter + time.Second)))
	if got := h.simCalls(sent - 1); len(got) != 1 {
		t.Errorf("after the interrupt the simulator received %q", got[1:])
	}

	var tfstate struct {
		Resources []struct{ Type, Name string }
	}
	if err := json.Unmarshal([]byte(cli.file("terraform.tfstate")), &tfstate); err != nil {
		t.Fatal(err)
	}
	if len(tfstate.Resources) != 1 || tfstate.Resources[0].Name != "accepted" {
		t.Errorf("state holds %+v, want only gcore_cdn_purge.accepted", tfstate.Resources)
	}
}

// BenchmarkPlanPurge measures the provider's share of planning one new
// gcore_cdn_purge: ValidateResourceConfig and PlanResourceChange, served in
// process. `make bench` times whole plans through the CLI; this tells how much
// of that is the provider's own work rather than Terraform's and its RPCs.
func BenchmarkPlanPurge(b *testing.B) {
	b.Setenv("GCORE_API_KEY", simulatorKey)
	b.Setenv("GCORE_BASE_URL", "http://gcore-api.invalid") // planning sends nothing
	c := newProtocolClient(b, providerserver.NewProtocol6WithError(&gcoreProvider{version: "bench"}))
	args := map[string]tftypes.Value{
		"resource_id": number(testResourceID),
		"urls":        stringSet("/files/1.js"),
		"triggers": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String},
			map[string]tftypes.Value{"release": tftypes.NewValue(tftypes.String, "1")}),
	}
	config := c.dynamicValue(c.resourceType, args)
	proposed := c.dynamicValue(c.resourceType, newPurgePlan(args))
	prior := c.nullValue(c.resourceType)
	ctx := context.Background()
	for b.Loop() {
		validated, err := c.server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: actionType, Config: config})
		if err != nil || len(validated.Diagnostics) > 0 {
			b.Fatalf("ValidateResourceConfig: %v %s", err, render(validated.Diagnostics))
		}
		planned, err := c.server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
			TypeName: actionType, Config: config, PriorState: prior, ProposedNewState: proposed,
		})
		if err != nil || len(planned.Diagnostics) > 0 {
			b.Fatalf("PlanResourceChange: %v %s", err, render(planned.Diagnostics))
		}
	}
}
