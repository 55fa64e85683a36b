package provider

import (
	"fmt"
	"math/big"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

// CDN resources named by their delivery domain (cname), live against a
// simulator with two CDN resources and a deleted third one sharing a domain.

const (
	siteDomain  = "site.example.com"
	otherDomain = "other.example.com"
)

func cnameSimulator() simulator.Config {
	return simulator.Config{Limits: roomyLimits, Resources: map[int64]simulator.Resource{
		testResourceID:     {CName: siteDomain, SecondaryHostnames: []string{"www.example.com"}},
		testResourceID + 1: {CName: otherDomain, NoPurgeByURLs: true, Status: "suspended"},
		testResourceID + 2: {CName: otherDomain, Deleted: true},
		testResourceID + 3: {CName: "alias.example.com"},
	}}
}

// lookups counts the list reads that resolve a domain.
func (h *harness) lookups() []string {
	var found []string
	for _, r := range h.sim.Requests() {
		if r.Method == http.MethodGet && r.Path == "/cdn/resources" {
			found = append(found, r.Query)
		}
	}
	return found
}

func purgeByCName(name, cname, args string) string {
	return fmt.Sprintf("resource \"gcore_cdn_purge\" %q {\n  cname = %q\n  %s\n}\n", name, cname, args)
}

func TestAccCName_purgeReachesTheNamedResource(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(cnameSimulator()))
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: purgeByCName("test", siteDomain, `urls = ["/app.js"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(purgeAddress, tfjsonpath.New("resource_id"), knownvalue.Int64Exact(testResourceID)),
				}},
				ConfigStateChecks: append(stateHoldsPurge(),
					statecheck.ExpectKnownValue(purgeAddress, tfjsonpath.New("resource_id"), knownvalue.Int64Exact(testResourceID)),
					statecheck.ExpectKnownValue(purgeAddress, tfjsonpath.New("cname"), knownvalue.StringExact(siteDomain))),
			},
			{
				// Another name of the same CDN resource: nothing to send.
				Config: fmt.Sprintf("resource \"gcore_cdn_purge\" \"test\" {\n  resource_id = %d\n  urls = [\"/app.js\"]\n}\n", testResourceID),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(purgeAddress, plancheck.ResourceActionUpdate),
				}},
			},
			{
				// A domain of another CDN resource: purged there, as a change of
				// resource_id would.
				Config: purgeByCName("test", "alias.example.com", `urls = ["/app.js"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(purgeAddress, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(purgeAddress, tfjsonpath.New("resource_id"), knownvalue.Int64Exact(testResourceID+3)),
				},
			},
		},
	})
	h.expectPurges(
		fmt.Sprintf(`POST /cdn/resources/%d/purge {"urls":["/app.js"]}`, testResourceID),
		fmt.Sprintf(`POST /cdn/resources/%d/purge {"urls":["/app.js"]}`, testResourceID+3),
	)
}

func TestAccCName_refusedAtPlan(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(cnameSimulator()))
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: purgeByCName("test", "nowhere.example.com", `purge_all = true`),
				ExpectError: diagnostic("CDN resource not found", `No CDN resource of the account of this API key has the delivery domain `+
					`"nowhere.example.com"`, "Check cname (a secondary hostname does not count)"),
			},
			{
				// A secondary hostname names nothing here.
				Config:      purgeByCName("test", "www.example.com", `purge_all = true`),
				ExpectError: diagnostic("CDN resource not found", `"www.example.com"`),
			},
			{
				Config: fmt.Sprintf("resource \"gcore_cdn_purge\" \"test\" {\n  resource_id = %d\n  cname = %q\n  purge_all = true\n}\n",
					testResourceID, siteDomain),
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Combination.*resource_id.*cname`),
			},
			{
				Config:      "resource \"gcore_cdn_purge\" \"test\" {\n  purge_all = true\n}\n",
				ExpectError: regexp.MustCompile(`(?s)Missing Attribute Configuration.*Exactly one of these attributes must be configured: \[resource_id,cname\]`),
			},
		},
	})
	if n := len(h.sim.Purges()); n != 0 {
		t.Errorf("%d purges sent by refused plans", n)
	}
	if got := h.lookups(); len(got) != 2 || got[0] != "cname=nowhere.example.com" || got[1] != "cname=www.example.com" {
		t.Errorf("lookups %q", got)
	}
}

// TestAccCName_aDeletedResourceIsNeverChosen: of two CDN resources with one
// domain, the deleted one does not count; the live one's state is warned of.
func TestAccCName_aDeletedResourceIsNeverChosen(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(cnameSimulator()))
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{
			Config: purgeByCName("test", otherDomain, `paths = ["/img/*"]`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(purgeAddress, tfjsonpath.New("resource_id"), knownvalue.Int64Exact(testResourceID+1)),
			},
		}},
	})
	h.expectPurges(fmt.Sprintf(`POST /cdn/resources/%d/purge {"paths":["/img/*"]}`, testResourceID+1))
}

// TestAccCName_oneLookupForFortyPurges: forty purges naming one domain look
// it up once per provider instance: once by the plan (Terraform configures
// the provider anew for the apply, which looks it up once more).
func TestAccCName_oneLookupForFortyPurges(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(cnameSimulator()))
	cli := newTerraformCLI(t, "", h.serveProvider())
	cli.writeConfig(requiredProviders + fmt.Sprintf("resource \"gcore_cdn_purge\" \"file\" {\n  count = 40\n  cname = %q\n  "+
		"urls = [\"/f/${count.index}.js\"]\n}\n", siteDomain))
	cli.mustRun("init")
	cli.mustRun("plan")
	if got := h.lookups(); len(got) != 1 {
		t.Errorf("the plan of 40 purges looked the domain up %d times (%q), want once", len(got), got)
	}
	cli.mustRun("apply", "-auto-approve")
	if got := h.lookups(); len(got) != 3 {
		t.Errorf("the apply of 40 purges looked the domain up %d times, want twice: once by its plan, once by its apply", len(got)-1)
	}
	var urls []string
	for _, p := range h.sim.Purges() {
		if p.ResourceID != testResourceID {
			t.Errorf("a purge of CDN resource %d", p.ResourceID)
		}
		urls = append(urls, p.Items...)
	}
	if len(urls) != 40 {
		t.Errorf("%d URLs purged, want 40", len(urls))
	}
}

// TestAccCName_offlinePlanResolvesAtApply: with plan_checks = false the plan
// reads nothing; the apply looks the domain up before anything is sent.
func TestAccCName_offlinePlanResolvesAtApply(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(cnameSimulator()))
	h.setenv(envPlanChecks, "false")
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: purgeByCName("test", siteDomain, `urls = ["/app.js"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(purgeAddress, tfjsonpath.New("resource_id")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(purgeAddress, tfjsonpath.New("resource_id"), knownvalue.Int64Exact(testResourceID)),
				},
			},
			{
				Config:      purgeByCName("test2", "nowhere.example.com", `urls = ["/app.js"]`),
				ExpectError: diagnostic("CDN resource not found", `"nowhere.example.com"`, "nothing was sent"),
			},
		},
	})
	h.expectPurges(fmt.Sprintf(`POST /cdn/resources/%d/purge {"urls":["/app.js"]}`, testResourceID))
}

func TestAccCName_prefetchByDomain(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(cnameSimulator()))
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf("resource \"gcore_cdn_prefetch\" \"test\" {\n  cname = %q\n  urls = [\"/big.iso\"]\n}\n", siteDomain),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(prefetchAddress, tfjsonpath.New("resource_id"), knownvalue.Int64Exact(testResourceID)),
			},
		}},
	})
	h.expectPrefetches(fmt.Sprintf(`POST /cdn/resources/%d/prefetch {"paths":["/big.iso"]}`, testResourceID))
}

// TestAction_purgeByDomain: the action names its CDN resource by domain too;
// an unknown domain fails its plan.
func TestAction_purgeByDomain(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(cnameSimulator()))
	c := h.protocolClient()
	byDomain := func(domain string) map[string]tftypes.Value {
		return map[string]tftypes.Value{"cname": tftypes.NewValue(tftypes.String, domain), "urls": stringSet("/app.js")}
	}
	if got := render(c.plan(c.actionConfig(byDomain("nowhere.example.com")))); !strings.Contains(got, "CDN resource not found") {
		t.Errorf("PlanAction diagnostics:\n%s", got)
	}
	inv := c.invoke(c.actionConfig(byDomain(siteDomain)))
	expectNoDiagnostics(t, "InvokeAction", inv.diagnostics)
	expectProgress(t, inv.progress, "^CDN resource "+siteDomain+": ")
	h.expectPurges(fmt.Sprintf(`POST /cdn/resources/%d/purge {"urls":["/app.js"]}`, testResourceID))
	both := byDomain(siteDomain)
	both["resource_id"] = tftypes.NewValue(tftypes.Number, big.NewFloat(testResourceID))
	if got := render(c.validate(c.actionConfig(both))); !strings.Contains(got, "Invalid Attribute Combination") {
		t.Errorf("ValidateActionConfig diagnostics:\n%s", got)
	}
}

func TestAccCDNResourceDataSource_byDomainAndByID(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(cnameSimulator()))
	byDomain, byID := "data.gcore_cdn_resource.site", "data.gcore_cdn_resource.other"
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf("data \"gcore_cdn_resource\" \"site\" {\n  cname = %q\n}\n\ndata \"gcore_cdn_resource\" \"other\" {\n  id = %d\n}\n",
				siteDomain, testResourceID+1),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(byDomain, tfjsonpath.New("id"), knownvalue.Int64Exact(testResourceID)),
				statecheck.ExpectKnownValue(byDomain, tfjsonpath.New("secondary_hostnames"),
					knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("www.example.com")})),
				statecheck.ExpectKnownValue(byDomain, tfjsonpath.New("active"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(byDomain, tfjsonpath.New("status"), knownvalue.StringExact("active")),
				statecheck.ExpectKnownValue(byDomain, tfjsonpath.New("can_purge_by_urls"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(byID, tfjsonpath.New("cname"), knownvalue.StringExact(otherDomain)),
				statecheck.ExpectKnownValue(byID, tfjsonpath.New("status"), knownvalue.StringExact("suspended")),
				statecheck.ExpectKnownValue(byID, tfjsonpath.New("can_purge_by_urls"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(byID, tfjsonpath.New("deleted"), knownvalue.Bool(false)),
			},
		}},
	})
	// Each read of the plan and of the apply is one GET (the list by domain,
	// or the resource by ID) per provider instance.
	var gets []string
	for _, r := range h.sim.Requests() {
		gets = append(gets, r.Method+" "+r.Path+"?"+r.Query)
	}
	for _, want := range []string{"GET /cdn/resources?cname=" + siteDomain, fmt.Sprintf("GET /cdn/resources/%d?", testResourceID+1)} {
		n := 0
		for _, g := range gets {
			if g == want {
				n++
			}
		}
		if n == 0 || n > 3 {
			t.Errorf("%q sent %d times, want one a read: %q", want, n, gets)
		}
	}
}

func siteByCName(cname, files string) string {
	return fmt.Sprintf("resource \"gcore_cdn_purge_changed_files\" \"site\" {\n  cname = %q\n  files = %s\n}\n", cname, files)
}

// TestAccCName_changedFilesByDomain: gcore_cdn_purge_changed_files names its
// CDN resource by domain too: the first purge goes there; naming the same
// CDN resource by resource_id purges nothing; a domain of another CDN
// resource replaces the resource, with a first purge there.
func TestAccCName_changedFilesByDomain(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(cnameSimulator()))
	files := `{ "/app.js" = "1", "/img/logo@2x.png" = "1" }`
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: siteByCName(siteDomain, files),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(siteAddress, tfjsonpath.New("resource_id"), knownvalue.Int64Exact(testResourceID)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(siteAddress, tfjsonpath.New("resource_id"), knownvalue.Int64Exact(testResourceID)),
					statecheck.ExpectKnownValue(siteAddress, tfjsonpath.New("cname"), knownvalue.StringExact(siteDomain)),
				},
			},
			{
				Config: fmt.Sprintf("resource \"gcore_cdn_purge_changed_files\" \"site\" {\n  resource_id = %d\n  files = %s\n}\n",
					testResourceID, files),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(siteAddress, plancheck.ResourceActionUpdate),
				}},
			},
			{
				Config: siteByCName("alias.example.com", files),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(siteAddress, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(siteAddress, tfjsonpath.New("resource_id"), knownvalue.Int64Exact(testResourceID+3)),
				},
			},
		},
	})
	h.expectPurges(
		fmt.Sprintf(`POST /cdn/resources/%d/purge {"urls":["/app.js","/img/logo@2x.png"]}`, testResourceID),
		fmt.Sprintf(`POST /cdn/resources/%d/purge {"urls":["/app.js","/img/logo@2x.png"]}`, testResourceID+3),
	)
}

// TestAccCName_changedFilesRefusedAtPlan: an unknown domain, both
// attributes and neither fail the plan of gcore_cdn_purge_changed_files, with
// nothing sent.
func TestAccCName_changedFilesRefusedAtPlan(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(cnameSimulator()))
	files := `{ "/app.js" = "1" }`
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: siteByCName("nowhere.example.com", files),
				ExpectError: diagnostic("CDN resource not found", `No CDN resource of the account of this API key has the delivery domain `+
					`"nowhere.example.com"`),
			},
			{
				Config: fmt.Sprintf("resource \"gcore_cdn_purge_changed_files\" \"site\" {\n  resource_id = %d\n  cname = %q\n  files = %s\n}\n",
					testResourceID, siteDomain, files),
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Combination.*\[resource_id,cname\]`),
			},
			{
				Config:      fmt.Sprintf("resource \"gcore_cdn_purge_changed_files\" \"site\" {\n  files = %s\n}\n", files),
				ExpectError: regexp.MustCompile(`(?s)Missing Attribute Configuration.*Exactly one of these attributes must be configured: \[resource_id,cname\]`),
			},
		},
	})
	if n := len(h.sim.Purges()); n != 0 {
		t.Errorf("%d purges sent by refused plans", n)
	}
	if got := h.lookups(); len(got) != 1 || got[0] != "cname=nowhere.example.com" {
		t.Errorf("lookups %q", got)
	}
}

// TestAccCName_changedFilesOfflinePlanResolvesAtApply: with plan_checks =
// false, the plan of gcore_cdn_purge_changed_files reads nothing and leaves
// resource_id unknown; the apply looks the domain up, then purges; an
// unchanged domain keeps its ID offline.
func TestAccCName_changedFilesOfflinePlanResolvesAtApply(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(cnameSimulator()))
	h.setenv(envPlanChecks, "false")
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: siteByCName(siteDomain, `{ "/app.js" = "1" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(siteAddress, tfjsonpath.New("resource_id")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(siteAddress, tfjsonpath.New("resource_id"), knownvalue.Int64Exact(testResourceID)),
				},
			},
			{
				Config: siteByCName(siteDomain, `{ "/app.js" = "2" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(siteAddress, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(siteAddress, tfjsonpath.New("resource_id"), knownvalue.Int64Exact(testResourceID)),
				}},
			},
		},
	})
	h.expectPurges(
		fmt.Sprintf(`POST /cdn/resources/%d/purge {"urls":["/app.js"]}`, testResourceID),
		fmt.Sprintf(`POST /cdn/resources/%d/purge {"urls":["/app.js"]}`, testResourceID),
	)
	if got := h.lookups(); len(got) != 1 {
		t.Errorf("lookups %q, want one: by the first apply", got)
	}
}
