package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

// The live tests of gcore_cdn_purge: they run against the simulator in real
// time, without a cassette, because their subject is timing, which a replay
// would not reproduce.

// Rate limits, through Terraform, with the limits compressed from minutes to
// seconds (simulator.CompressedLimits).

// TestAccCDNPurge_manyPurgesShareTheLimits: more purges of one CDN resource
// than its limits allow at once all succeed, merged, without a single 429.
func TestAccCDNPurge_manyPurgesShareTheLimits(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: simulator.CompressedLimits}))
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
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{Config: config}},
	})

	if n := h.sim.RateLimited(); n != 0 {
		t.Errorf("the API answered 429 %d times; want none", n)
	}
	urls, patterns := map[string]bool{}, map[string]bool{}
	var urlRequests, patternRequests int
	for _, p := range h.sim.Purges() {
		switch {
		case p.ResourceID == h.resourceID && p.Type == simulator.PurgeByURL:
			urlRequests++
			for _, u := range p.Items {
				urls[u] = true
			}
		case p.ResourceID == h.resourceID && p.Type == simulator.PurgeByPattern:
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
	if _, err := client.Purge(context.Background(), h.resourceID, p); err != nil {
		h.t.Fatalf("the other client's purge: %v", err)
	}
}

// TestAccCDNPurge_waitsOutAnotherClientsPurge: the window was filled by
// someone else; the purge waits for room (here by the API's Retry-After)
// instead of failing.
func TestAccCDNPurge_waitsOutAnotherClientsPurge(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: simulator.CompressedLimits, WaitHint: simulator.RetryAfterSeconds}))
	h.test(resource.TestCase{
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

// TestAccCDNPurge_noRoomWithinTimeout: a purge that cannot get rate-limit
// room before timeouts.create fails with the limit, the setting to raise and
// what the state keeps.
func TestAccCDNPurge_noRoomWithinTimeout(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: simulator.Limits{PurgeRequestLimit: "1/h"}}))
	config := h.purgeConfig(`paths = ["/img/*"]
  timeouts { create = "2s" }`)
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig: func() { h.purgeAsAnotherClient(gcoreapi.Purge{Type: gcoreapi.PurgeByPattern, Items: []string{"/x"}}) },
				Config:    config,
				ExpectError: diagnostic("Purge timed out", fmt.Sprintf("The purge by pattern of CDN resource %d did not get rate-limit room "+
					"within 2s: the API answered 429 Too Many Requests (another client may be using this CDN resource)", h.resourceID),
					"the limit in force is 1/h (account's purge_request_limit)",
					"Raise timeouts.create, or send fewer requests to this CDN resource at once.",
					"Nothing was written to state: the next apply purges again."),
			},
			{
				// Nothing landed in state: with room again, the next apply purges.
				PreConfig: func() {
					if err := h.sim.SetLimits(simulator.Limits{PurgeRequestLimit: "5/s"}); err != nil {
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
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}), schedulerOptions(quickRetries))
	purge := "POST " + h.purgePath()
	config := h.purgeConfig(`purge_all = true`)
	var mark int
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					h.injectFault(simulator.Fault{Status: 500, Body: `{"message":"Internal server error."}`})
					h.injectFault(simulator.Fault{Status: 502, Body: `<html><body><h1>502 Bad Gateway</h1></body></html>`})
					h.injectFault(simulator.Fault{Status: 503})
				},
				Config:            config,
				ConfigStateChecks: stateHoldsPurge(),
				Check:             h.checkSimCalls(&mark, limitsCall, purge+" -> 500", purge+" -> 502", purge+" -> 503", purge+" -> 201"),
			},
			{
				PreConfig: func() { h.injectFault(simulator.Fault{Status: 503, Times: 6}) },
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
	t.Parallel()
	opts := quickRetries
	opts.AttemptTimeout = 2 * time.Second
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}), schedulerOptions(opts))
	purge := "POST " + h.purgePath()
	var mark int
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig:         func() { h.injectFault(simulator.Fault{Drop: true}) },
				Config:            h.purgeConfig(`urls = ["/app.js"]`),
				ConfigStateChecks: stateHoldsPurge(),
				// Before the retry, the purge history says the purge was not
				// taken in: it is sent again.
				Check: h.checkSimCalls(&mark, limitsCall, limitsCall, purge+" -> dropped", historyCall, purge+" -> 201"),
			},
			{
				// The simulator would answer after a minute; the attempt gives
				// up after 2s, the history has no such purge, and the retry is
				// answered at once. (Another file than step 1's: the lookup
				// takes an identical purge made within 2 seconds before for
				// the lost one.)
				PreConfig: func() { h.injectFault(simulator.Fault{Delay: time.Minute}) },
				Config: h.purgeConfig(`urls = ["/app2.js"]
  triggers = { release = "2" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(purgeAddress, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: stateHoldsPurge(),
				Check:             h.checkSimCalls(&mark, limitsCall, limitsCall, purge+" -> no answer", historyCall, purge+" -> 201"),
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
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}))
	// The subject is the apply: the plan reads nothing.
	h.setenv(envPlanChecks, "false")
	purge := "POST " + h.purgePath()
	config := h.purgeConfig(`paths = ["/img/*"]
  timeouts { create = "3s" }`)
	var mark int
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					h.injectFault(simulator.Fault{Status: 503, Body: `{"message":"Service temporarily unavailable."}`, Times: 1000})
				},
				Config: config,
				ExpectError: diagnostic("Purge timed out", fmt.Sprintf("purge by pattern of CDN resource %d was not confirmed within 3s: ", h.resourceID),
					" attempts failed, the last with: the Gcore API answered 503 Service Unavailable: Service temporarily unavailable.",
					"Try again once the API recovers, or raise timeouts.create.",
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
	t.Parallel()
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
				t.Parallel()
				h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}), schedulerOptions(quickRetries))
				h.test(resource.TestCase{
					Steps: []resource.TestStep{{
						PreConfig:   func() { h.injectFault(simulator.Fault{Status: status.code, Body: b.body, Times: status.attempts}) },
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
	t.Parallel()
	const forbiddenKey = "read-only-key"
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits, ForbiddenKeys: []string{forbiddenKey},
		Resources: map[int64]simulator.Resource{testResourceID: {}}}), schedulerOptions(quickRetries))
	key := h.getenv(envAPIKey)
	// The subject is how the apply takes the API's refusals: the plan must
	// not read the API first (plan_checks_test.go shows the same errors at
	// plan).
	h.setenv(envPlanChecks, "false")
	var mark int
	createsAgain := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction(purgeAddress, plancheck.ResourceActionCreate),
	}}
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig: func() { h.setenv(envAPIKey, "revoked-key") },
				Config:    h.purgeConfig(`purge_all = true`),
				ExpectError: diagnostic("Gcore API key rejected", "401 Unauthorized: Invalid authentication credentials.",
					`The API key is wrong, expired or revoked. Set a valid permanent API token in api_key (provider "gcore") or in GCORE_API_KEY.`),
			},
			{
				PreConfig: func() {
					h.expectSimCalls(&mark, "GET /cdn/clients/me/limits -> 401", "POST "+h.purgePath()+" -> 401")
					h.setenv(envAPIKey, forbiddenKey)
				},
				Config:           h.purgeConfig(`purge_all = true`),
				ConfigPlanChecks: createsAgain,
				ExpectError: diagnostic("Gcore API key lacks permission", "403 Forbidden: You do not have permission to perform this action.",
					"The API key is valid but may not purge this CDN resource. Use a token whose role can manage CDN resources of this account."),
			},
			{
				PreConfig: func() {
					h.expectSimCalls(&mark, "GET /cdn/clients/me/limits -> 403", "POST "+h.purgePath()+" -> 403")
					h.setenv(envAPIKey, key)
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
	t.Parallel()
	limitsPath := "/cdn/clients/me/limits"
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}))
	// The subject is the apply's read: the plan reads nothing.
	h.setenv(envPlanChecks, "false")
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
		mark = len(h.sim.Requests())
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
				h.injectFault(a.fault)
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
			ExpectError: diagnostic("Purge timed out", fmt.Sprintf("purge by pattern of CDN resource %d did not get rate-limit room within ", h.resourceID),
				"the limit in force is 1/m (documented: "),
		})
	}
	h.test(resource.TestCase{Steps: steps})
	expectCalls(len(answers) - 1)
}

// TestAccCDNPurge_apiKeyNeverLeaks: an apply with TF_LOG=TRACE and
// TF_LOG_PROVIDER=TRACE, the provider built and run by Terraform as a user's
// would be, leaves the API key nowhere: not in the logs, the CLI's output,
// the plan JSON or the state, not even when the API quotes the key back in
// an error. No cassette holds the key the cassettes were recorded with.
func TestAccCDNPurge_apiKeyNeverLeaks(t *testing.T) {
	t.Parallel()
	const key = "gcore-secret-7Qz$c0ffee-do-not-leak"
	terraformPreCheck(t) // before building the provider for it
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits, APIKeys: []string{key}}))
	h.setenv(envAPIKey, key)
	// Terraform runs the provider as a process of its own, which reads the
	// test's environment from Terraform's. TF_LOG_PATH is relative to the
	// working directory.
	cli := newTerraformCLI(t, devOverrides(buildProvider(t)),
		append(h.environ(), "TF_LOG=TRACE", "TF_LOG_PROVIDER=TRACE", "TF_LOG_PATH=terraform.log")...)
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
	h.injectFault(simulator.Fault{Status: 401, Body: `{"message":"Invalid credentials: Authorization: APIKey ` + key + `"}`})
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
		"Gcore limits in force", "purge accepted", "[TRACE] provider.terraform-provider-gcore",
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
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}))
	// The API asks for 5s; Terraform ends within milliseconds of the
	// interrupt, so half of that is a generous bound.
	const retryAfter = 5 * time.Second
	waitingPath := fmt.Sprintf("/cdn/resources/%d/purge", testResourceID+1)
	h.injectFault(simulator.Fault{Path: waitingPath, Status: http.StatusTooManyRequests,
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

	// Interrupt once the waiting purge was refused with a 429 and the
	// other one was accepted.
	var refusedAt time.Time
	var sent int
	out, took, err := cli.applyInterrupted(func() bool {
		if h.sim.RateLimited() == 0 || len(h.sim.Purges()) == 0 {
			return false
		}
		requests := h.sim.Requests()
		refusedAt, sent = requests[len(requests)-1].At, len(requests)
		return true
	}, 0)
	if took > retryAfter/2 {
		t.Errorf("terraform apply ended %v after the interrupt; the retry was due %v after the 429", took, retryAfter)
	}
	if err == nil || !diagnostic("Interrupt received", "Purge cancelled", fmt.Sprintf("purge by pattern of CDN resource %d was cancelled after waiting", testResourceID+1),
		"for rate-limit room after a 429 answer", "Nothing was written to state: the next apply purges again.").MatchString(out) {
		t.Errorf("terraform apply: %v\n%s", err, out)
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
