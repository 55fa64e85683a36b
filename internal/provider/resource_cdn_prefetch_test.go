package provider

import (
	"fmt"
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

const prefetchAddress = "gcore_cdn_prefetch.test"

// prefetchConfig is one gcore_cdn_prefetch on the test's CDN resource; args
// holds urls and anything else.
func (h *harness) prefetchConfig(args string) string {
	return fmt.Sprintf("resource \"gcore_cdn_prefetch\" \"test\" {\n  resource_id = %d\n  %s\n}\n", h.resourceID, args)
}

// stateHoldsPrefetch checks what every successful prefetch leaves in state.
func stateHoldsPrefetch() []statecheck.StateCheck {
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue(prefetchAddress, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^\S{16,}$`))),
		statecheck.ExpectKnownValue(prefetchAddress, tfjsonpath.New("prefetched_at"), knownvalue.StringRegexp(rfc3339UTC)),
	}
}

// TestAccCDNPrefetch_create: creating the resource sends one prefetch, its
// files sorted under the API's "paths"; an unchanged configuration, in any
// order, plans nothing; destroying sends nothing. No purge is sent.
func TestAccCDNPrefetch_create(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	config := h.prefetchConfig(`urls = ["/video/b.mp4", "/video/a.mp4?v=2"]`)
	body := "POST " + h.prefetchPath() + ` {"paths":["/video/a.mp4?v=2","/video/b.mp4"]}`
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(prefetchAddress, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: append(stateHoldsPrefetch(), statecheck.ExpectKnownValue(prefetchAddress, tfjsonpath.New("urls"),
					knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("/video/b.mp4"), knownvalue.StringExact("/video/a.mp4?v=2")}))),
				Check: h.checkPrefetches(body),
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				// A set: another order is the same prefetch.
				Config: h.prefetchConfig(`urls = ["/video/a.mp4?v=2", "/video/b.mp4"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
	h.expectPrefetches(body)
	h.expectPurges()
	h.expectHeaders()
}

// TestAccCDNPrefetch_changesPrefetchAgain: a change of triggers or of urls
// replaces the resource, which prefetches again (every file of the new list).
func TestAccCDNPrefetch_changesPrefetchAgain(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ids := statecheck.CompareValue(compare.ValuesDiffer())
	first := "POST " + h.prefetchPath() + ` {"paths":["/big.iso"]}`
	second := "POST " + h.prefetchPath() + ` {"paths":["/big.iso","/big2.iso"]}`
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: h.prefetchConfig(`urls = ["/big.iso"]
  triggers = { release = "1.0.0" }`),
				ConfigStateChecks: []statecheck.StateCheck{ids.AddStateValue(prefetchAddress, tfjsonpath.New("id"))},
				Check:             h.checkPrefetches(first),
			},
			{
				Config: h.prefetchConfig(`urls = ["/big.iso"]
  triggers = { release = "1.0.1" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(prefetchAddress, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					ids.AddStateValue(prefetchAddress, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(prefetchAddress, tfjsonpath.New("triggers").AtMapKey("release"), knownvalue.StringExact("1.0.1")),
				},
				Check: h.checkPrefetches(first, first),
			},
			{
				Config: h.prefetchConfig(`urls = ["/big.iso", "/big2.iso"]
  triggers = { release = "1.0.1" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(prefetchAddress, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{ids.AddStateValue(prefetchAddress, tfjsonpath.New("id"))},
				Check:             h.checkPrefetches(first, first, second),
			},
		},
	})
	h.expectPrefetches(first, first, second)
}

func TestAccCDNPrefetch_timeoutsChangeInPlace(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{Config: h.prefetchConfig(`urls = ["/big.iso"]`)},
			{
				Config: h.prefetchConfig(`urls = ["/big.iso"]
  timeouts { create = "45m" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(prefetchAddress, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(prefetchAddress, tfjsonpath.New("timeouts").AtMapKey("create"), knownvalue.StringExact("45m")),
				},
			},
		},
	})
	h.expectPrefetches("POST " + h.prefetchPath() + ` {"paths":["/big.iso"]}`)
}

// TestAccCDNPrefetch_importSaysWhyNot: terraform import says why a prefetch
// cannot be imported and what to do instead. Nothing is sent.
func TestAccCDNPrefetch_importSaysWhyNot(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{
			Config:        h.prefetchConfig(`urls = ["/big.iso"]`),
			ResourceName:  prefetchAddress,
			ImportState:   true,
			ImportStateId: "any-id",
			ExpectError: diagnostic("Resource cannot be imported", "leaves nothing there to import",
				"Add the gcore_cdn_prefetch resource to the configuration instead: the next apply prefetches its files."),
		}},
	})
	h.expectPrefetches()
}

// TestAccCDNPrefetch_validation runs every plan-time rejection: the rules of
// a purge's urls, in a prefetch's words. None of them may send a request.
func TestAccCDNPrefetch_validation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("%q", fmt.Sprintf("/f%d.mp4", i))
	}
	cases := []struct {
		args string
		want []string
	}{
		{`urls = [` + strings.Join(many, ", ") + `]`, []string{"Too many items in one prefetch",
			"urls has 101 URLs; one prefetch takes at most 100. Split them across several gcore_cdn_prefetch resources"}},
		{`urls = []`, []string{"Empty prefetch list", "urls is empty, so this prefetch would load nothing"}},
		{`urls = ["big.iso"]`, []string{"Invalid prefetch path", `"big.iso" does not start with "/"`}},
		{`urls = ["https://cdn.example.com/v/big.iso?x=1"]`, []string{`includes a scheme or host: write only the path, "/v/big.iso?x=1"`}},
		{`urls = ["/my file.iso"]`, []string{"contains whitespace"}},
		{``, []string{"Missing required argument", `"urls" is required`}},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		steps = append(steps, resource.TestStep{Config: h.prefetchConfig(c.args), ExpectError: diagnostic(c.want...)})
	}
	steps = append(steps, resource.TestStep{
		Config:      strings.Replace(h.prefetchConfig(`urls = ["/big.iso"]`), fmt.Sprint(h.resourceID), "0", 1),
		ExpectError: diagnostic("Number out of range", "resource_id = 0 is not from 1 to 9223372036854775807"),
	})
	h.test(resource.TestCase{Steps: steps})
	h.expectPrefetches()
}

// TestAccCDNPrefetch_unknownAtPlanCheckedBeforeSending: a URL known only at
// apply time meets the same rules before anything is sent.
func TestAccCDNPrefetch_unknownAtPlanCheckedBeforeSending(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{
			Config: `resource "terraform_data" "upload" {
  input = "https://cdn.example.com/big.iso"
}
` + h.prefetchConfig(`urls = [terraform_data.upload.output]`),
			ExpectError: regexp.MustCompile(`(?s)Invalid prefetch path.*includes a scheme or host.*"/big.iso"`),
		}},
	})
	h.expectPrefetches()
}

// TestAccCDNPrefetch_apiRejection: the API's own message reaches the user,
// with the file it refused named (the API gives only its index), and a
// rejected prefetch leaves nothing in state, so the next apply prefetches.
func TestAccCDNPrefetch_apiRejection(t *testing.T) {
	t.Parallel()
	h := newHarness(t, simulatorOnly())
	config := h.prefetchConfig(`urls = ["/a.iso", "/b.iso"]`)
	body := "POST " + h.prefetchPath() + ` {"paths":["/a.iso","/b.iso"]}`
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					h.injectFault(simulator.Fault{Path: h.prefetchPath(), Status: 400,
						Body: `{"errors":{"paths":{"1":["This file cannot be prefetched."]}}}`})
				},
				Config: config,
				ExpectError: diagnostic("Gcore API rejected the prefetch",
					fmt.Sprintf("The prefetch of CDN resource %d, request #1: the Gcore API answered 400 Bad Request: paths[1]: This file cannot be prefetched.", h.resourceID),
					`The API refused "/b.iso".`,
					"Nothing was written to state: the next apply prefetches again."),
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(prefetchAddress, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: stateHoldsPrefetch(),
			},
		},
	})
	h.expectPrefetches(body, body)
}

// TestAccCDNPrefetch_unknownResource: the plan reads the CDN resource and
// says at once that it does not exist; nothing is sent.
func TestAccCDNPrefetch_unknownResource(t *testing.T) {
	t.Parallel()
	h := newHarness(t, simulatorOnly())
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{
			PreConfig: func() {
				h.injectFault(simulator.Fault{Path: fmt.Sprintf("/cdn/resources/%d", h.resourceID), Status: 404, Body: `{"message":"Not found."}`})
			},
			Config:      h.prefetchConfig(`urls = ["/big.iso"]`),
			ExpectError: diagnostic("CDN resource not found", fmt.Sprintf("CDN resource %d does not exist", h.resourceID)),
		}},
	})
	h.expectPrefetches()
}

// TestAccCDNPrefetch_missingKey: a plan that would prefetch says how to give
// the key; a plan that prefetches nothing needs none.
func TestAccCDNPrefetch_missingKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	config := h.prefetchConfig(`urls = ["/big.iso"]`)
	key := h.getenv(envAPIKey)
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig:   func() { h.setenv(envAPIKey, "") },
				Config:      config,
				ExpectError: regexp.MustCompile(`(?s)Missing Gcore API key.*api_key.*GCORE_API_KEY`),
			},
			{
				PreConfig: func() { h.setenv(envAPIKey, key) },
				Config:    config,
			},
			{
				PreConfig: func() { h.setenv(envAPIKey, "") },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
	h.expectPrefetches("POST " + h.prefetchPath() + ` {"paths":["/big.iso"]}`)
}
