package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

// Hostile networks, answers and input, live against the simulator: no
// cleartext key, no redirect followed, no purge sent twice when the API can
// tell it was accepted, a prompt Ctrl-C, and every bad input refused at plan
// with nothing sent. (http to the loopback simulator working is what every
// live test shows.)

// purgePOSTs counts the purge POSTs the simulator received.
func (h *harness) purgePOSTs() int {
	n := 0
	for _, r := range h.sim.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/purge") {
			n++
		}
	}
	return n
}

func TestAccHostile_cleartextBaseURLRefusedAtPlan(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}))
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{
			Config: "provider \"gcore\" {\n  base_url = \"http://api.example.com\"\n}\n" + h.purgeConfig(`purge_all = true`),
			ExpectError: diagnostic("Invalid Gcore API base URL", `base_url: "http://api.example.com" would send the API key in cleartext:`,
				"use https (https://api.example.com), or http only to a loopback host"),
		}},
	})
	if n := len(h.sim.Requests()); n != 0 || len(h.sent) != 0 {
		t.Errorf("%d requests reached the simulator, %d were sent", n, len(h.sent))
	}
}

// TestAccHostile_redirectIsNotFollowed: a 307 to another host is an error
// naming the redirect, sent once and never retried, and not taken for a
// problem of the key; the other host hears nothing.
func TestAccHostile_redirectIsNotFollowed(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}), schedulerOptions(quickRetries))
	h.injectFault(simulator.Fault{Path: h.purgePath(), Status: http.StatusTemporaryRedirect, Times: 10,
		Header: http.Header{"Location": {other.URL + "/cdn/resources/1/purge"}}})
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{
			Config: h.purgeConfig(`urls = ["/app.js"]`),
			ExpectError: diagnostic("Gcore API answered with a redirect", "307 Temporary Redirect: a redirect to",
				other.URL+"/cdn/resources/1/purge", "not followed", "The provider follows no redirect",
				"Set base_url (or GCORE_BASE_URL) to the API's own address", "Nothing was written to state"),
		}},
	})
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the redirect's target heard %d requests", n)
	}
	if n := h.purgePOSTs(); n != 1 {
		t.Errorf("%d purge requests, want the one that was redirected, not retried", n)
	}
}

// TestAccHostile_lostAnswerIsNotSentAgain: the API accepts the purge but the
// connection drops before the answer; the purge history shows it, so it is
// not sent again, and the apply succeeds.
func TestAccHostile_lostAnswerIsNotSentAgain(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}), schedulerOptions(quickRetries))
	h.injectFault(simulator.Fault{Path: h.purgePath(), DropAnswer: true})
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{Config: h.purgeConfig(`urls = ["/app.js", "/index.html"]`), ConfigStateChecks: stateHoldsPurge()}},
	})
	if n, accepted := h.purgePOSTs(), len(h.sim.Purges()); n != 1 || accepted != 1 {
		t.Errorf("%d purge requests, %d accepted; want the one whose answer was lost, found in the history: %q", n, accepted, h.simCalls(0))
	}
	if h.historyReads() == 0 {
		t.Error("the history was not read")
	}
}

// TestAccHostile_lostAnswerNotInTheHistoryIsSentAgain: a dropped connection
// whose purge the API did not record is sent again, as before.
func TestAccHostile_lostAnswerNotInTheHistoryIsSentAgain(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}), schedulerOptions(quickRetries))
	h.injectFault(simulator.Fault{Path: h.purgePath(), Drop: true})
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{Config: h.purgeConfig(`urls = ["/app.js"]`), ConfigStateChecks: stateHoldsPurge()}},
	})
	if n, accepted := h.purgePOSTs(), len(h.sim.Purges()); n != 2 || accepted != 1 {
		t.Errorf("%d purge requests, %d accepted; want the dropped one and its retry", n, accepted)
	}
}

// TestAccHostile_interruptDuringAHangingRequestIsPrompt: Ctrl-C while the
// API holds a request unanswered ends terraform apply within 8 s, saying the
// outcome of that request is unknown, with nothing recorded for it.
func TestAccHostile_interruptDuringAHangingRequestIsPrompt(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}))
	h.injectFault(simulator.Fault{Path: h.purgePath(), Delay: 5 * time.Minute})
	cli := newTerraformCLI(t, "", h.serveProvider())
	cli.writeConfig(requiredProviders + h.purgeConfig(`paths = ["/img/*"]`))
	cli.mustRun("init")
	// Interrupted half a second into the hang.
	out, took, err := cli.applyInterrupted(func() bool { return h.purgePOSTs() > 0 }, 500*time.Millisecond)
	if took > 8*time.Second {
		t.Errorf("terraform apply ended %v after the interrupt, want within 8s", took)
	}
	if err == nil || !diagnostic("Purge cancelled", "its outcome is unknown", "Nothing was written to state: the next apply purges again.").
		MatchString(out) {
		t.Errorf("terraform apply: %v\n%s", err, out)
	}
	if state := cli.file("terraform.tfstate"); strings.Contains(state, `"gcore_cdn_purge"`) {
		t.Errorf("the state records the purge whose outcome is unknown:\n%s", state)
	}
}

// TestAccHostile_badInputIsRefusedAtPlan: each bad input fails the plan,
// naming the attribute and the fix, and nothing is sent.
func TestAccHostile_badInputIsRefusedAtPlan(t *testing.T) {
	t.Parallel()
	terraformPreCheck(t) // here, not in a subtest: its skip would stop the parent
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}))
	cases := []struct {
		config string
		env    string // GCORE_API_KEY, when set
		want   []string
	}{
		{config: "provider \"gcore\" {\n  api_key = \"k3y$abc\\n\"\n}\n" + h.purgeConfig(`purge_all = true`),
			want: []string{"Invalid Gcore API key", "api_key cannot be sent: the API key contains white space or a control character",
				"use trimspace(file(...))"}},
		{config: "provider \"gcore\" {\n  api_key = \"\"\n}\n" + h.purgeConfig(`purge_all = true`),
			want: []string{"Empty Gcore API key", "api_key is empty"}},
		{config: h.purgeConfig(`purge_all = true`), env: "k3y$abc\n",
			want: []string{"Invalid GCORE_API_KEY", "cannot be sent: the API key contains white space", "tr -d"}},
		{config: h.purgeConfig("purge_all = true\n  timeouts { create = \"0s\" }"),
			want: []string{"Invalid timeout", `timeouts.create = "0s" leaves no time for the request`}},
		{config: h.purgeConfig("purge_all = true\n  timeouts { create = \"-1m\" }"),
			want: []string{"Invalid timeout", `timeouts.create = "-1m" leaves no time`}},
		{config: h.prefetchConfig("urls = [\"/a.iso\"]\n  timeouts { create = \"0s\" }"),
			want: []string{`timeouts.create = "0s" leaves no time`}},
		{config: h.siteConfig(`{ "/a.js" = "1" }`, "timeouts {\n    update = \"-5m\"\n  }"),
			want: []string{`timeouts.update = "-5m" leaves no time`}},
		{config: "resource \"gcore_cdn_purge\" \"test\" {\n  resource_id = 1.5\n  purge_all = true\n}\n",
			want: []string{"Not a whole number", "resource_id = 1.5 is not a whole number: write the numeric ID of the CDN resource"}},
		{config: h.purgeConfig(`urls = ["/a.js#top"]`), want: []string{`has a fragment ("#top")`, `write only the path, "/a.js"`}},
		{config: h.prefetchConfig(`urls = ["/v/../big.iso"]`), want: []string{`write only the path, "/big.iso"`}},
		{config: h.siteConfig(`{ "/a%zz.js" = "1" }`, ""), want: []string{`a %-sign that starts no escape`, `"/a%25zz.js"`}},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if c.env != "" {
				h.setenv(envAPIKey, c.env)
				defer h.setenv(envAPIKey, simulatorKey)
			}
			h.test(resource.TestCase{Steps: []resource.TestStep{{Config: c.config, ExpectError: diagnostic(c.want...), PlanOnly: true}}})
		})
	}
	if n := len(h.sim.Requests()); n != 0 {
		t.Errorf("bad input sent %d requests: %+v", n, h.sim.Requests())
	}
}

// TestAccHostile_planChecksOffPlansOffline: with plan_checks = false a plan
// of every resource type sends nothing at all; the time estimate then uses
// the documented limits and says so.
func TestAccHostile_planChecksOffPlansOffline(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}))
	h.setenv(envPlanChecks, "false")
	everything := h.purgeConfig(`urls = ["/app.js"]`) +
		fmt.Sprintf("resource \"gcore_cdn_purge\" \"patterns\" {\n  resource_id = %d\n  paths = [\"/img/*\"]\n}\n", h.resourceID) +
		h.prefetchConfig(`urls = ["/big.iso"]`) +
		// Named by domain, which an offline plan leaves to the apply.
		fmt.Sprintf("resource \"gcore_cdn_purge\" \"by_domain\" {\n  cname = \"cdn%d.example.com\"\n  purge_all = true\n}\n", h.resourceID) +
		fmt.Sprintf("resource \"gcore_cdn_purge_changed_files\" \"by_domain\" {\n  cname = \"cdn%d.example.com\"\n  files = { \"/a.js\" = \"1\" }\n}\n",
			h.resourceID)
	h.test(resource.TestCase{
		Steps: []resource.TestStep{
			{Config: everything + h.siteConfig(numberedFiles(1000, "v1"), ""), PlanOnly: true, ExpectNonEmptyPlan: true},
			{
				Config: everything + h.siteConfig(numberedFiles(1000, "v1"), "timeouts {\n    create = \"1m\"\n  }"),
				ExpectError: diagnostic("First purge cannot finish within timeouts.create", "at the limit of 2/m",
					"(documented: plan_checks is off, so the plan reads nothing from the API)"),
				PlanOnly: true,
			},
		},
	})
	if n := len(h.sim.Requests()); n != 0 {
		t.Errorf("plans with plan_checks = false sent %d requests: %+v", n, h.sim.Requests())
	}
}

// TestAccHostile_slowAnswerIsNotSentAgain: the API accepts the purge but
// answers after the attempt timeout; the history shows it, so it is sent
// once in all.
func TestAccHostile_slowAnswerIsNotSentAgain(t *testing.T) {
	t.Parallel()
	opts := quickRetries
	opts.AttemptTimeout = 300 * time.Millisecond
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}), schedulerOptions(opts))
	h.injectFault(simulator.Fault{Path: h.purgePath(), DelayAnswer: 3 * time.Second, Times: 5})
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{Config: h.purgeConfig(`urls = ["/app.js"]`), ConfigStateChecks: stateHoldsPurge()}},
	})
	if n, accepted := h.purgePOSTs(), len(h.sim.Purges()); n != 1 || accepted != 1 {
		t.Errorf("%d purge requests, %d accepted; want the slow one only: %q", n, accepted, h.simCalls(0))
	}
}
