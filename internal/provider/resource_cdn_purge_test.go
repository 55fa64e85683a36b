package provider

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

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
				PreConfig: func() { os.Setenv("GCORE_API_KEY", key) },
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
