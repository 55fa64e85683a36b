package provider

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

const siteAddress = "gcore_cdn_purge_changed_files.site"

// siteConfig is one gcore_cdn_purge_changed_files on the test's CDN
// resource: files is an HCL expression, args anything else.
func (h *harness) siteConfig(files, args string) string {
	return fmt.Sprintf("resource \"gcore_cdn_purge_changed_files\" \"site\" {\n  resource_id = %d\n  files = %s\n  %s\n}\n",
		h.resourceID, files, args)
}

// numberedFiles is an HCL map of n files "/f/<i>.js", each at version v,
// written with range() so that a large map stays a short configuration
// (range() makes at most 1024 numbers, hence the two levels).
func numberedFiles(n int, version string) string {
	return fmt.Sprintf(`merge([for a in range(%d) : { for b in range(100) : "/f/${a * 100 + b}.js" => %q if a * 100 + b < %d }]...)`,
		(n+99)/100, version, n)
}

// numberedURLs are the URLs of numberedFiles(n), sorted as the provider sends
// them.
func numberedURLs(from, to int) []string {
	var urls []string
	for i := from; i < to; i++ {
		urls = append(urls, fmt.Sprintf("/f/%d.js", i))
	}
	slices.Sort(urls)
	return urls
}

// urlRequests returns the URL lists of the purge requests sent so far, and
// "ALL" for a purge of everything.
func (h *harness) urlRequests() [][]string {
	var out [][]string
	for _, sent := range h.purgesSent() {
		body := sent[strings.Index(sent, "{"):]
		var p struct {
			URLs  []string  `json:"urls"`
			Paths *[]string `json:"paths"`
		}
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			h.t.Fatalf("purge body %s: %v", body, err)
		}
		if p.Paths != nil && len(*p.Paths) == 0 {
			out = append(out, []string{"ALL"})
			continue
		}
		out = append(out, p.URLs)
	}
	return out
}

// checkURLRequests checks the URL lists of the purge requests sent so far.
func (h *harness) checkURLRequests(want ...[]string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got := h.urlRequests()
		if len(got) != len(want) {
			return fmt.Errorf("%d purge requests sent, want %d: %q", len(got), len(want), got)
		}
		for i := range want {
			if !slices.Equal(got[i], want[i]) {
				return fmt.Errorf("request %d carried %q\nwant %q", i+1, got[i], want[i])
			}
		}
		return nil
	}
}

// reasons is what purged_urls holds: each URL purged by URL, and why.
type reasons map[string]string

// because is urls, each purged for reason.
func because(reason string, urls ...string) reasons {
	r := reasons{}
	for _, u := range urls {
		r[u] = reason
	}
	return r
}

// and is r with the URLs of other too.
func (r reasons) and(other reasons) reasons {
	out := maps.Clone(r)
	maps.Copy(out, other)
	return out
}

// check is purged_urls holding exactly r.
func (r reasons) check() knownvalue.Check {
	checks := make(map[string]knownvalue.Check, len(r))
	for u, why := range r {
		checks[u] = knownvalue.StringExact(why)
	}
	return knownvalue.MapExact(checks)
}

// plannedPurge checks the plan of a purge by URL of exactly purged: its URLs
// and reasons, their count, no pattern.
func plannedPurge(action plancheck.ResourceActionType, purged reasons) []plancheck.PlanCheck {
	return []plancheck.PlanCheck{
		plancheck.ExpectResourceAction(siteAddress, action),
		plancheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_urls"), purged.check()),
		plancheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_url_count"), knownvalue.Int64Exact(int64(len(purged)))),
		plancheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_patterns"), knownvalue.ListSizeExact(0)),
	}
}

// TestAccCDNPurgeChangedFiles_lifecycle: a first apply purges every file in
// the fewest requests; an unchanged site plans nothing; a deploy purges
// exactly the changed and removed files, in place; purge_added,
// purge_removed and purge_all_above do what they say.
func TestAccCDNPurgeChangedFiles_lifecycle(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	all := numberedURLs(0, 250)
	v1 := numberedFiles(250, "v1")
	// A deploy: /f/0..9 change, /f/248 and /f/249 go, two files are new.
	deploy := `merge(` + numberedFiles(248, "v1") + `, { for i in range(10) : "/f/${i}.js" => "v2" }, { "/new/a.js" = "v1", "/new/b.js" = "v1" })`
	changed := append(numberedURLs(0, 10), "/f/248.js", "/f/249.js")
	slices.Sort(changed)
	deployed := because("changed", numberedURLs(0, 10)...).and(because("removed", "/f/248.js", "/f/249.js"))
	withC := `merge(` + deploy + `, { "/new/c.js" = "v1" })`
	withoutA := `{ for k, v in ` + withC + ` : k => v if k != "/new/a.js" }`
	sixChanged := `merge(` + withoutA + `, { for i in range(10, 16) : "/f/${i}.js" => "v2" })`
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: h.siteConfig(v1, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(siteAddress, plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_urls"), because("created", all...).check()),
					plancheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_url_count"), knownvalue.Int64Exact(250)),
					plancheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_all"), knownvalue.Bool(false)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_urls"), knownvalue.MapSizeExact(250)),
					statecheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_url_count"), knownvalue.Int64Exact(250)),
					statecheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_at"), knownvalue.StringRegexp(rfc3339UTC)),
					statecheck.ExpectKnownValue(siteAddress, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^\S{16,}$`))),
					statecheck.ExpectKnownValue(siteAddress, tfjsonpath.New("files").AtMapKey("/f/249.js"), knownvalue.StringExact("v1")),
				},
				Check: h.checkURLRequests(all[:100], all[100:200], all[200:]),
			},
			{
				Config:           h.siteConfig(v1, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config:           h.siteConfig(deploy, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: plannedPurge(plancheck.ResourceActionUpdate, deployed)},
				Check:            h.checkURLRequests(all[:100], all[100:200], all[200:], changed),
			},
			{
				Config:           h.siteConfig(withC, "purge_added = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: plannedPurge(plancheck.ResourceActionUpdate, because("added", "/new/c.js"))},
				Check:            h.checkURLRequests(all[:100], all[100:200], all[200:], changed, []string{"/new/c.js"}),
			},
			{
				// Nothing to purge: the record of the latest purge is kept.
				Config:           h.siteConfig(withoutA, "purge_removed = false"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: plannedPurge(plancheck.ResourceActionUpdate, because("added", "/new/c.js"))},
				Check:            h.checkURLRequests(all[:100], all[100:200], all[200:], changed, []string{"/new/c.js"}),
			},
			{
				Config: h.siteConfig(sixChanged, "purge_all_above = 5"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: append(
					plannedPurge(plancheck.ResourceActionUpdate, because("changed", numberedURLs(10, 16)...)),
					plancheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_all"), knownvalue.Bool(true)))},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_all"), knownvalue.Bool(true)),
				},
				Check: h.checkURLRequests(all[:100], all[100:200], all[200:], changed, []string{"/new/c.js"}, []string{"ALL"}),
			},
			{
				// Changing only the options purges nothing.
				Config: h.siteConfig(sixChanged, "purge_all_above = 50\n  purge_added = true\n  index_document = \"index.html\""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(siteAddress, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_all"), knownvalue.Bool(true)),
				}},
				Check: h.checkURLRequests(all[:100], all[100:200], all[200:], changed, []string{"/new/c.js"}, []string{"ALL"}),
			},
		},
	})
	if got := len(h.urlRequests()); got != 6 {
		t.Errorf("%d purge requests in all, want 6: the destroy sends nothing", got)
	}
}

// TestAccCDNPurgeChangedFiles_adoptWithoutPurge: purge_on_create = false
// records the files and sends nothing; the next deploy purges its changes.
func TestAccCDNPurgeChangedFiles_adoptWithoutPurge(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: h.siteConfig(`{ "/a.js" = "1", "/b.js" = "1" }`, "purge_on_create = false"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_urls"), knownvalue.MapSizeExact(0)),
					plancheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_url_count"), knownvalue.Int64Exact(0)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_at"), knownvalue.Null()),
					statecheck.ExpectKnownValue(siteAddress, tfjsonpath.New("files"), knownvalue.MapSizeExact(2)),
				},
				Check: h.checkURLRequests(),
			},
			{
				Config:           h.siteConfig(`{ "/a.js" = "2", "/b.js" = "1" }`, "purge_on_create = false"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: plannedPurge(plancheck.ResourceActionUpdate, because("changed", "/a.js"))},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_at"), knownvalue.StringRegexp(rfc3339UTC)),
				},
				Check: h.checkURLRequests([]string{"/a.js"}),
			},
		},
	})
}

// TestAccCDNPurgeChangedFiles_encodingAndIndexDocument: keys are sent as a
// browser requests them, and an index document also purges its directory.
func TestAccCDNPurgeChangedFiles_encodingAndIndexDocument(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	files := `{ "/index.html" = "1", "/docs/index.html" = "1", "/my file.js" = "1", "/ünï.css" = "1", "/a%20b.png" = "1" }`
	want := []string{"/", "/%C3%BCn%C3%AF.css", "/a%20b.png", "/docs/", "/docs/index.html", "/index.html", "/my%20file.js"}
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{
			Config: h.siteConfig(files, `index_document = "index.html"`),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: plannedPurge(plancheck.ResourceActionCreate,
				because("created", want...).and(because("index_document", "/", "/docs/")))},
			Check: h.checkURLRequests(want),
		}},
	})
}

// TestAccCDNPurgeChangedFiles_validation: every rule of a key, a version and
// index_document is enforced at plan time, naming the key; none sends a
// request.
func TestAccCDNPurgeChangedFiles_validation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	cases := []struct{ files, args, want string }{
		{`{ "app.js" = "1" }`, "", `(?s)Invalid purge path.*"app.js" does not start with "/"`},
		{`{ "https://cdn.example.com/a.js" = "1" }`, "", `(?s)includes a scheme or host.*"/a.js"`},
		{`{ "//cdn.example.com/a.js" = "1" }`, "", `includes a scheme or host`},
		{`{ "/a.js?v=2" = "1" }`, "", `(?s)contains "\?": name the file only`},
		{`{ "/a.html#top" = "1" }`, "", `contains "#"`},
		{`{ "/a\tb.js" = "1" }`, "", `control character \(U\+0009\)`},
		{`{ "" = "1" }`, "", `empty string is not a path`},
		{`{ "/a.js" = "" }`, "", `(?s)Invalid file version.*"/a.js" = "".*filemd5`},
		{`{ "/a.js" = "1" }`, `index_document = "docs/index.html"`, `(?s)Invalid index document.*without a path`},
		{`{ "/a.js" = "1" }`, `purge_all_above = 0`, `(?s)purge_all_above = 0 is not from 1 to 9223372036854775807: write a number of URLs`},
		{`{ "/a.js" = "1" }`, `purge_all_above = 1.5`, `(?s)Not a whole number.*purge_all_above = 1.5 is not a whole number`},
		{`{ "/a/../b.js" = "1" }`, "", `(?s)"/a/../b.js" has a "." or ".." segment.*write only the path, "/b.js"`},
		{`{ "/./a.js" = "1" }`, "", `write only the path, "/a.js"`},
		{`{ "/a%zz.js" = "1" }`, "", `(?s)"/a%zz.js" has a %-sign that starts no escape.*"/a%25zz.js"`},
		{`{ "/evil\u202egnp.js" = "1" }`, "", `invisible format character U\+202E`},
		{`{ "/a.js" = "1" }`, "timeouts {\n    create = \"0s\"\n  }", `(?s)Invalid timeout.*timeouts.create = "0s" leaves no time`},
		{`{ "/a.js" = "1" }`, "timeouts {\n    update = \"soon\"\n  }", `(?s)Invalid timeout.*timeouts.update = "soon" is not a duration`},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		steps = append(steps, resource.TestStep{Config: h.siteConfig(c.files, c.args), ExpectError: regexp.MustCompile(strings.ReplaceAll(c.want, " ", `\s+`))})
	}
	h.test(resource.TestCase{Steps: steps})
	h.expectPurges()
}

// TestAccCDNPurgeChangedFiles_emptyPurgesNothing: an empty map is allowed
// and never means "everything".
func TestAccCDNPurgeChangedFiles_emptyPurgesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{Config: h.siteConfig(`{}`, ""), Check: h.checkURLRequests()},
			{Config: h.siteConfig(`{ "/a.js" = "1" }`, ""), Check: h.checkURLRequests()}, // added: not purged by default
			{Config: h.siteConfig(`{}`, "purge_removed = false"), Check: h.checkURLRequests()},
		},
	})
	h.expectPurges()
}

// TestAccCDNPurgeChangedFiles_versionsKnownOnlyAtApply: when a version is
// known only at apply, the plan says purged_urls is unknown, and the apply
// purges what changed.
func TestAccCDNPurgeChangedFiles_versionsKnownOnlyAtApply(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	config := func(build string) string {
		return fmt.Sprintf("resource \"terraform_data\" \"build\" {\n  input = %q\n}\n", build) +
			h.siteConfig(`{ "/app.js" = terraform_data.build.output, "/logo.png" = "1" }`, "")
	}
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: config("b1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(siteAddress, tfjsonpath.New("purged_urls")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_urls"), because("created", "/app.js", "/logo.png").check()),
				},
				Check: h.checkURLRequests([]string{"/app.js", "/logo.png"}),
			},
			{
				Config: config("b2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(siteAddress, tfjsonpath.New("purged_urls")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_urls"), because("changed", "/app.js").check()),
				},
				Check: h.checkURLRequests([]string{"/app.js", "/logo.png"}, []string{"/app.js"}),
			},
		},
	})
}

// TestAccCDNPurgeChangedFiles_refusedPartWay: when the API refuses the second
// request of a deploy, the state keeps the new version of exactly the files
// of the first, the error names the refused file, and the next apply purges
// exactly the rest.
func TestAccCDNPurgeChangedFiles_refusedPartWay(t *testing.T) {
	t.Parallel()
	h := newHarness(t, simulatorOnly())
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: h.siteConfig(numberedFiles(150, "v1"), "purge_on_create = false"),
			},
			{
				PreConfig: func() {
					h.injectFault(simulator.Fault{After: 1, Status: 400,
						Body: `{"errors":{"urls":{"3":["This URL cannot be purged."]}}}`})
				},
				Config: h.siteConfig(numberedFiles(150, "v2"), ""),
				ExpectError: regexp.MustCompile(`(?s)Gcore API rejected the purge.*urls\[3\]: This URL cannot be purged.*` +
					`100 URLs of 150 were purged before the failure and 50 remain.*` +
					regexp.QuoteMeta(`refused the URLs of these files: "`+numberedURLs(0, 150)[103]+`"`)),
			},
			{
				// The plan shows, and the apply purges, only the remainder.
				Config:           h.siteConfig(numberedFiles(150, "v2"), ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: plannedPurge(plancheck.ResourceActionUpdate, because("changed", numberedURLs(0, 150)[100:]...))},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(siteAddress, tfjsonpath.New("files").AtMapKey("/f/149.js"), knownvalue.StringExact("v2")),
				},
			},
			{
				Config:           h.siteConfig(numberedFiles(150, "v2"), ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
	all := numberedURLs(0, 150)
	got := h.urlRequests()
	want := [][]string{all[:100], all[100:], all[100:]}
	if !slices.EqualFunc(got, want, slices.Equal[[]string]) {
		t.Errorf("purge requests %q\nwant %q: the accepted first 100 URLs must not be sent again", got, want)
	}
}

// TestAccCDNPurgeChangedFiles_tenThousandFiles: no upper bound on files,
// through the Terraform CLI: 10,000 files go as 100 requests of 100 URLs, and
// the same site then plans nothing. Skipped with -short, where the
// protocol-level test of TestCDNPurgeChangedFiles_hundredThousandFiles and
// make bench's scale benchmark cover the size.
func TestAccCDNPurgeChangedFiles_tenThousandFiles(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("10,000 files through the Terraform CLI: not with -short")
	}
	h := newHarness(t)
	config := h.siteConfig(numberedFiles(10000, "v1"), "")
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_urls"), knownvalue.MapSizeExact(10000)),
					statecheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_url_count"), knownvalue.Int64Exact(10000)),
				},
				Check: func(*terraform.State) error {
					if got := len(h.urlRequests()); got != 100 {
						return fmt.Errorf("%d requests, want 100 of 100 URLs", got)
					}
					return nil
				},
			},
			{
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// TestAccCDNPurgeChangedFiles_import: import says why not and what to do.
func TestAccCDNPurgeChangedFiles_import(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{
			Config:        h.siteConfig(`{ "/a.js" = "1" }`, ""),
			ResourceName:  siteAddress,
			ImportState:   true,
			ImportStateId: "anything",
			ExpectError:   diagnostic("Resource cannot be imported", "purge_on_create = false"),
		}},
	})
	h.expectPurges()
}
