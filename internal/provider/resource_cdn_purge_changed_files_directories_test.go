package provider

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

// The tests of purge_directories (issue 20), live against the simulator:
// whether a pattern saves time depends on the limits, which a replay would
// not reproduce. Each runs at limits that make the URL queue the slow one.

// purgeRequests returns the purge requests sent so far from the fromth on:
// the URLs of each purge by URL, and the patterns of each purge by pattern.
func (h *harness) purgeRequests(from int) (byURL, byPattern [][]string) {
	h.t.Helper()
	for _, sent := range h.purgesSent()[from:] {
		body := sent[strings.Index(sent, "{"):]
		var p struct {
			URLs  []string `json:"urls"`
			Paths []string `json:"paths"`
		}
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			h.t.Fatalf("purge body %s: %v", body, err)
		}
		if len(p.URLs) > 0 {
			byURL = append(byURL, p.URLs)
		} else {
			byPattern = append(byPattern, p.Paths)
		}
	}
	return byURL, byPattern
}

// covered is the set of urls that the URL requests carried or the patterns
// cover.
func covered(urls []string, byURL, byPattern [][]string) map[string]bool {
	done := map[string]bool{}
	for _, req := range byURL {
		for _, u := range req {
			done[u] = true
		}
	}
	for _, req := range byPattern {
		for _, p := range req {
			for _, u := range urls {
				if strings.HasPrefix(u, strings.TrimSuffix(p, "*")) {
					done[u] = true
				}
			}
		}
	}
	return done
}

// docsSite is the site of the tests of issue 20: 40 directories of 100
// pages under /docs/, every page at version v, and 1,000 images under
// /img/ that never change, as HCL.
func docsSite(v string) string {
	return fmt.Sprintf(`merge({ for p in setproduct(range(40), range(100)) : "/docs/guide-${p[0]}/page-${p[1]}.html" => %q },`+
		` { for i in range(1000) : "/img/${i}.png" => "1" })`, v)
}

func docsPages() []string {
	var pages []string
	for d := range 40 {
		for p := range 100 {
			pages = append(pages, fmt.Sprintf("/docs/guide-%d/page-%d.html", d, p))
		}
	}
	slices.Sort(pages)
	return pages
}

func images() []string {
	var urls []string
	for i := range 1000 {
		urls = append(urls, fmt.Sprintf("/img/%d.png", i))
	}
	return urls
}

// TestAccCDNPurgeChangedFiles_purgeDirectories: a deploy that changes every
// page of 40 directories of 100 pages, beside 1,000 unchanged images. With
// purge_directories, every changed URL is covered by an accepted URL or
// pattern, no pattern covers an image, the apply sends at most 8 requests,
// and the plan's purged_patterns is what is sent. Unset, the apply is
// exactly as before: 40 requests of 100 URLs, no pattern.
func TestAccCDNPurgeChangedFiles_purgeDirectories(t *testing.T) {
	t.Parallel()
	limits := simulator.Limits{PurgeByURLsRequestLimit: "20/s", PurgeRequestLimit: "1/s", PrefetchRequestLimit: "1/s"}
	pages := docsPages()
	for _, tc := range []struct {
		name, args       string
		patterns         []string
		byURL, requests  int
		plannedURLs      reasons
		plannedPatterns  knownvalue.Check
		purgeDirectories knownvalue.Check
	}{
		{
			name: "purge_directories = true", args: "purge_directories = true", patterns: []string{"/docs/*"}, requests: 1,
			plannedURLs: reasons{}, plannedPatterns: knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("/docs/*")}),
		},
		{
			name: "unset", byURL: 40, requests: 40,
			plannedURLs: because("changed", pages...), plannedPatterns: knownvalue.ListSizeExact(0),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, liveSimulator(simulator.Config{Limits: limits}))
			config := func(v string) string { return h.siteConfig(docsSite(v), "purge_on_create = false\n  "+tc.args) }
			h.test(resource.TestCase{
				Steps: []resource.TestStep{
					{Config: config("v1")},
					{
						Config: config("v2"),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(siteAddress, plancheck.ResourceActionUpdate),
							plancheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_patterns"), tc.plannedPatterns),
							plancheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_urls"), tc.plannedURLs.check()),
							plancheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_url_count"), knownvalue.Int64Exact(int64(len(tc.plannedURLs)))),
						}},
						Check: func(*terraform.State) error {
							byURL, byPattern := h.purgeRequests(0)
							if len(byURL)+len(byPattern) != tc.requests || len(byURL) != tc.byURL {
								return fmt.Errorf("%d requests by URL and %d by pattern, want %d in all, %d by URL",
									len(byURL), len(byPattern), tc.requests, tc.byURL)
							}
							if sent := slices.Concat(byPattern...); !slices.Equal(sent, tc.patterns) {
								return fmt.Errorf("patterns sent %q, want %q (the plan's)", sent, tc.patterns)
							}
							done := covered(pages, byURL, byPattern)
							for _, u := range pages {
								if !done[u] {
									return fmt.Errorf("%s changed and was not purged", u)
								}
							}
							if hit := covered(images(), nil, byPattern); len(hit) > 0 {
								return fmt.Errorf("a pattern covers %d unchanged images", len(hit))
							}
							return nil
						},
					},
					{Config: config("v2"), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
				},
			})
		})
	}
}

// halfChangedSite is /docs/a/ with 100 pages at version a, /docs/b/ with 100
// pages of which the first 50 are at version b, the others at "1".
func halfChangedSite(a, b string) string {
	return fmt.Sprintf(`merge({ for i in range(100) : "/docs/a/${i}.html" => %q },`+
		` { for i in range(100) : "/docs/b/${i}.html" => i < 50 ? %q : "1" })`, a, b)
}

// TestAccCDNPurgeChangedFiles_halfChangedDirectoryByURL: a directory half
// of whose pages changed is purged by URL, never by pattern, while the
// directory whose every page changed is purged by pattern where that is
// faster.
func TestAccCDNPurgeChangedFiles_halfChangedDirectoryByURL(t *testing.T) {
	t.Parallel()
	// By URL at 1/s: 150 URLs are 2 requests, a window; a pattern saves it.
	limits := simulator.Limits{PurgeByURLsRequestLimit: "1/s", PurgeRequestLimit: "1/s", PrefetchRequestLimit: "1/s"}
	h := newHarness(t, liveSimulator(simulator.Config{Limits: limits}))
	var half []string
	for i := range 50 {
		half = append(half, fmt.Sprintf("/docs/b/%d.html", i))
	}
	slices.Sort(half)
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{Config: h.siteConfig(halfChangedSite("1", "1"), "purge_on_create = false\n  purge_directories = true")},
			{
				Config: h.siteConfig(halfChangedSite("2", "2"), "purge_directories = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_patterns"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("/docs/a/*")})),
					plancheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_urls"), because("changed", half...).check()),
				}},
				Check: func(*terraform.State) error {
					byURL, byPattern := h.purgeRequests(0)
					if !slices.EqualFunc(byPattern, [][]string{{"/docs/a/*"}}, slices.Equal[[]string]) ||
						!slices.EqualFunc(byURL, [][]string{half}, slices.Equal[[]string]) {
						return fmt.Errorf("sent patterns %q and URLs %q; want /docs/a/* and the 50 changed pages of /docs/b/ by URL", byPattern, byURL)
					}
					return nil
				},
			},
		},
	})
}

// refusePatterns answers every purge by pattern with a 400 refusing its
// second pattern while on is set, and passes everything else on.
type refusePatterns struct {
	next http.RoundTripper
	on   *atomic.Bool
}

func (r refusePatterns) RoundTrip(req *http.Request) (*http.Response, error) {
	if r.on.Load() && strings.HasSuffix(req.URL.Path, "/purge") && req.Body != nil {
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(strings.NewReader(string(body)))
		if strings.Contains(string(body), `"paths":["`) {
			return &http.Response{
				StatusCode: http.StatusBadRequest, Status: "400 Bad Request", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
				Header:  http.Header{"Content-Type": {"application/json"}},
				Body:    io.NopCloser(strings.NewReader(`{"errors":{"paths":{"1":["This pattern cannot be purged."]}}}`)),
				Request: req,
			}, nil
		}
	}
	return r.next.RoundTrip(req)
}

// fourDirectories is /d0/ to /d3/ with 100 files each at version v, and
// /mixed/ with 200 files of which the first 100 are at version v.
func fourDirectories(v string) string {
	return fmt.Sprintf(`merge({ for p in setproduct(range(4), range(100)) : "/d${p[0]}/${p[1]}.js" => %q },`+
		` { for i in range(200) : "/mixed/${i}.js" => i < 100 ? %q : "1" })`, v, v)
}

func filesOf(dirs []int, n int) []string {
	var urls []string
	for _, d := range dirs {
		for i := range n {
			urls = append(urls, fmt.Sprintf("/d%d/%d.js", d, i))
		}
	}
	slices.Sort(urls)
	return urls
}

// TestAccCDNPurgeChangedFiles_refusedPatternThenTheRemainder: the API
// refuses the request of the deploy's patterns and accepts its URLs. The
// state keeps the new version of exactly the files purged; the next apply
// purges exactly the remainder, the files of the refused patterns' three
// directories, and sends nothing twice.
func TestAccCDNPurgeChangedFiles_refusedPatternThenTheRemainder(t *testing.T) {
	t.Parallel()
	// At 2 requests by URL a second, 500 URLs take 2 windows; 3 patterns
	// and 200 URLs go at once.
	limits := simulator.Limits{PurgeByURLsRequestLimit: "2/s", PurgeRequestLimit: "1/s", PrefetchRequestLimit: "1/s"}
	h := newHarness(t, liveSimulator(simulator.Config{Limits: limits}))
	refusing := &atomic.Bool{}
	h.useTransport(refusePatterns{next: http.DefaultTransport, on: refusing})
	var mixed []string
	for i := range 100 {
		mixed = append(mixed, fmt.Sprintf("/mixed/%d.js", i))
	}
	firstURLs := append(filesOf([]int{3}, 100), mixed...)
	slices.Sort(firstURLs)
	patterns := func(ps ...string) knownvalue.Check {
		checks := make([]knownvalue.Check, len(ps))
		for i, p := range ps {
			checks[i] = knownvalue.StringExact(p)
		}
		return knownvalue.ListExact(checks)
	}
	var mark int
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{Config: h.siteConfig(fourDirectories("v1"), "purge_on_create = false\n  purge_directories = true")},
			{
				PreConfig: func() { refusing.Store(true) },
				Config:    h.siteConfig(fourDirectories("v2"), "purge_directories = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_patterns"), patterns("/d0/*", "/d1/*", "/d2/*")),
					plancheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_url_count"), knownvalue.Int64Exact(200)),
				}},
				ExpectError: regexp.MustCompile(`(?s)Gcore API rejected the purge.*paths\[1\]: This pattern cannot be purged.*` +
					`200 URLs of 500 were purged before the failure and 300 remain.*` +
					regexp.QuoteMeta(`The API refused these patterns: "/d1/*"`)),
			},
			{
				PreConfig: func() {
					refusing.Store(false)
					byURL, byPattern := h.purgeRequests(0)
					if got := slices.Sorted(slices.Values(slices.Concat(byURL...))); !slices.Equal(got, firstURLs) ||
						!slices.EqualFunc(byPattern, [][]string{{"/d0/*", "/d1/*", "/d2/*"}}, slices.Equal[[]string]) {
						t.Errorf("the failed deploy sent patterns %q and %d URLs; want the planned patterns and the 200 URLs", byPattern, len(got))
					}
					mark = len(h.purgesSent())
				},
				// The remainder: the 300 files of /d0/ to /d2/, of which one
				// directory now goes by pattern.
				Config: h.siteConfig(fourDirectories("v2"), "purge_directories = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_patterns"), patterns("/d0/*")),
					plancheck.ExpectKnownValue(siteAddress, tfjsonpath.New("purged_urls"), because("changed", filesOf([]int{1, 2}, 100)...).check()),
				}},
				Check: func(*terraform.State) error {
					byURL, byPattern := h.purgeRequests(mark)
					remainder := filesOf([]int{0, 1, 2}, 100)
					done := covered(slices.Concat(remainder, firstURLs), byURL, byPattern)
					for _, u := range remainder {
						if !done[u] {
							return fmt.Errorf("%s of the remainder was not purged", u)
						}
					}
					for _, u := range firstURLs {
						if done[u] {
							return fmt.Errorf("%s was purged again", u)
						}
					}
					if !slices.EqualFunc(byPattern, [][]string{{"/d0/*"}}, slices.Equal[[]string]) {
						return fmt.Errorf("patterns sent %q, want the plan's /d0/*", byPattern)
					}
					return nil
				},
			},
			{
				Config:           h.siteConfig(fourDirectories("v2"), "purge_directories = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}
