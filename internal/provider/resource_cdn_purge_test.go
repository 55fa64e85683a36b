package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
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

var rfc3339UTC = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)

// stateHoldsPurge checks what every successful purge leaves in state.
func stateHoldsPurge() []statecheck.StateCheck {
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue(purgeAddress, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^\S{16,}$`))),
		statecheck.ExpectKnownValue(purgeAddress, tfjsonpath.New("purged_at"), knownvalue.StringRegexp(rfc3339UTC)),
	}
}

func TestAccCDNPurge_byURL(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	config := h.purgeConfig(`urls = ["/b.css?v=2", "/a.js"]`)
	h.test(resource.TestCase{
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

func TestAccCDNPurge_byPattern(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{
			Config:            h.purgeConfig(`paths = ["/static", "/img/*"]`),
			ConfigStateChecks: stateHoldsPurge(),
		}},
	})
	h.expectPurges("POST " + h.purgePath() + ` {"paths":["/img/*","/static"]}`)
}

func TestAccCDNPurge_all(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{
			Config: h.purgeConfig(`purge_all = true`),
			ConfigStateChecks: append(stateHoldsPurge(),
				statecheck.ExpectKnownValue(purgeAddress, tfjsonpath.New("purge_all"), knownvalue.Bool(true))),
		}},
	})
	h.expectPurges("POST " + h.purgePath() + ` {"paths":[]}`)
}

func TestAccCDNPurge_triggersChangePurgesAgain(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ids := statecheck.CompareValue(compare.ValuesDiffer())
	body := "POST " + h.purgePath() + ` {"urls":["/app.js"]}`
	h.test(resource.TestCase{
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
	t.Parallel()
	h := newHarness(t)
	h.test(resource.TestCase{
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

// TestAccCDNPurge_importSaysWhyNot: terraform import says why a purge cannot
// be imported and what to do instead, not the framework's "not implemented".
// Nothing is sent.
func TestAccCDNPurge_importSaysWhyNot(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{
			Config:        h.purgeConfig(`purge_all = true`),
			ResourceName:  purgeAddress,
			ImportState:   true,
			ImportStateId: "any-id",
			ExpectError: diagnostic("Resource cannot be imported", "leaves nothing there to import",
				"Add the gcore_cdn_purge resource to the configuration instead: the next apply purges."),
		}},
	})
	h.expectPurges()
}

// TestAccCDNPurge_validation runs every plan-time rejection. None of them may
// send a request.
func TestAccCDNPurge_validation(t *testing.T) {
	t.Parallel()
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
		{`urls = ["/a.js#top"]`, `(?s)"/a.js#top" has a fragment \("#top"\), which a browser never sends.*"/a.js"`},
		{`urls = ["/a/../b.js"]`, `(?s)has a "." or ".." segment.*"/b.js"`},
		{`urls = ["/a%zz.js"]`, `has a %-sign that starts no escape`},
		{`urls = ["/x\u202e.js"]`, `invisible format character U\+202E`},
		{`paths = ["/docs/../img/*"]`, `(?s)has a "." or ".." segment.*"/img/\*"`},
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
		steps = append(steps, resource.TestStep{Config: h.purgeConfig(c.args), ExpectError: regexp.MustCompile(strings.ReplaceAll(c.want, " ", `\s+`))})
	}
	steps = append(steps, resource.TestStep{
		Config:      strings.Replace(h.purgeConfig(`purge_all = true`), fmt.Sprint(h.resourceID), "0", 1),
		ExpectError: regexp.MustCompile(`(?s)Number out of range.*resource_id = 0 is not from 1 to 9223372036854775807`),
	})
	h.test(resource.TestCase{Steps: steps})
	h.expectPurges()
}

// TestAccCDNPurge_unknownAtPlanCheckedBeforeSending: a URL known only at
// apply time meets the same rules before anything is sent.
func TestAccCDNPurge_unknownAtPlanCheckedBeforeSending(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.test(resource.TestCase{
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
	t.Parallel()
	h := newHarness(t, simulatorOnly())
	config := h.purgeConfig(`paths = ["/img/*"]`)
	body := "POST " + h.purgePath() + ` {"paths":["/img/*"]}`
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					h.injectFault(simulator.Fault{Status: 400, Body: `{"errors":{"paths":{"0":["This field may not be blank."]}}}`})
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
	t.Parallel()
	h := newHarness(t, simulatorOnly())
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{
			PreConfig:   func() { h.injectFault(simulator.Fault{Status: 404, Body: `{"message":"Not found."}`}) },
			Config:      h.purgeConfig(`purge_all = true`),
			ExpectError: regexp.MustCompile(`(?s)CDN resource not found.*CDN resource \d+ does not exist`),
		}},
	})
}

func TestAccCDNPurge_unauthorized(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.setenv(envAPIKey, "not-a-valid-key")
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{
			Config:      h.purgeConfig(`purge_all = true`),
			ExpectError: regexp.MustCompile(`(?s)Gcore API key rejected.*401\s+Unauthorized.*GCORE_API_KEY`),
		}},
	})
}

// TestAccCDNPurge_missingKey: a plan that would purge says how to give the
// key; a plan that purges nothing needs none.
func TestAccCDNPurge_missingKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	config := h.purgeConfig(`urls = ["/index.html"]`)
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
	h.expectPurges("POST " + h.purgePath() + ` {"urls":["/index.html"]}`)
}

// Odd but valid input. These replay cassettes recorded against the simulator
// (make record), which checks every URL with the rules the validators use.

// TestAccCDNPurge_oddPaths: Unicode, percent-encoding, characters JSON
// escapes and a 16 KB URL reach the API exactly as written, and state keeps
// them as written.
func TestAccCDNPurge_oddPaths(t *testing.T) {
	t.Parallel()
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
	h.test(resource.TestCase{
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
	t.Parallel()
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
	h.test(resource.TestCase{
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
	t.Parallel()
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
	h.test(resource.TestCase{
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
	t.Parallel()
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
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{Config: config.String(), ConfigStateChecks: checks}},
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

// BenchmarkPlanPurge measures the provider's share of planning one new
// gcore_cdn_purge: ValidateResourceConfig and PlanResourceChange, served in
// process. `make bench` times whole plans through the CLI; this tells how much
// of that is the provider's own work rather than Terraform's and its RPCs.
func BenchmarkPlanPurge(b *testing.B) {
	// The plan reads the CDN resource once per provider instance, from the
	// simulator; every later plan finds it read.
	sim, err := simulator.Start(simulator.Config{APIKeys: []string{simulatorKey}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sim.Close() })
	b.Setenv("GCORE_API_KEY", simulatorKey)
	b.Setenv("GCORE_BASE_URL", sim.URL)
	c := newProtocolClient(b, providerserver.NewProtocol6WithError(&gcoreProvider{version: "bench"}), purgeTypeName)
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
		validated, err := c.server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: purgeTypeName, Config: config})
		if err != nil || len(validated.Diagnostics) > 0 {
			b.Fatalf("ValidateResourceConfig: %v %s", err, render(validated.Diagnostics))
		}
		planned, err := c.server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
			TypeName: purgeTypeName, Config: config, PriorState: prior, ProposedNewState: proposed,
		})
		if err != nil || len(planned.Diagnostics) > 0 {
			b.Fatalf("PlanResourceChange: %v %s", err, render(planned.Diagnostics))
		}
	}
}
