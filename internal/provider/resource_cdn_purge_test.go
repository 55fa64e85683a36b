package provider

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

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
			ExpectError: regexp.MustCompile(`(?s)Gcore API key rejected.*401 Unauthorized.*GCORE_API_KEY`),
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
