package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

// The gcore_cdn_prefetch action, at the protocol level (see
// action_cdn_purge_test.go for why).

const prefetchTypeName = "gcore_cdn_prefetch"

// prefetchClient is a client of gcore_cdn_prefetch.
func (h *harness) prefetchClient() *protocolClient {
	h.t.Helper()
	return newProtocolClient(h.t, h.factories["gcore"], prefetchTypeName)
}

func TestPrefetchAction_invokePrefetchesAndReportsProgress(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}))
	c := h.prefetchClient()
	config := c.actionConfig(map[string]tftypes.Value{
		"resource_id": number(h.resourceID),
		"urls":        stringSet("/video/intro.mp4", "/downloads/setup.exe?v=2"),
	})
	expectNoDiagnostics(t, "ValidateActionConfig", c.validate(config))
	expectNoDiagnostics(t, "PlanAction", c.plan(config))
	h.expectPrefetches() // planning sends nothing

	inv := c.invoke(config)
	expectNoDiagnostics(t, "InvokeAction", inv.diagnostics)
	expectProgress(t, inv.progress,
		fmt.Sprintf(`^CDN resource %d: sent request #1 \(2 files\)$`, h.resourceID),
		fmt.Sprintf(`^CDN resource %d: accepted$`, h.resourceID))
	h.expectPrefetches("POST " + h.prefetchPath() + ` {"paths":["/downloads/setup.exe?v=2","/video/intro.mp4"]}`)
	h.expectPurges()
}

// TestPrefetchAction_waitsForRoomAndSaysUntilWhen: a second prefetch within
// the window (1 a second here, 1 a minute documented) waits, and the person
// watching is told until when; a purge meanwhile has its own window and does
// not wait.
func TestPrefetchAction_waitsForRoomAndSaysUntilWhen(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: simulator.CompressedLimits}))
	c := h.prefetchClient()
	first := c.invoke(c.actionConfig(map[string]tftypes.Value{"resource_id": number(h.resourceID), "urls": stringSet("/a.iso")}))
	expectNoDiagnostics(t, "first InvokeAction", first.diagnostics)
	purge := h.protocolClient()
	purged := purge.invoke(purge.actionConfig(map[string]tftypes.Value{"resource_id": number(h.resourceID), "urls": stringSet("/a.iso")}))
	expectNoDiagnostics(t, "purge InvokeAction", purged.diagnostics)
	for _, msg := range purged.progress {
		if regexp.MustCompile(`waiting`).MatchString(msg) {
			t.Errorf("the purge waited (%q); prefetches have a window of their own", msg)
		}
	}
	second := c.invoke(c.actionConfig(map[string]tftypes.Value{"resource_id": number(h.resourceID), "urls": stringSet("/b.iso")}))
	expectNoDiagnostics(t, "second InvokeAction", second.diagnostics)
	expectProgress(t, second.progress,
		`waiting for rate-limit room until \d\d:\d\d:\d\d \S+ \(limit 1/s\)`, `sent request #\d+ \(1 file\)`, `accepted`)
	if n := h.sim.RateLimited(); n != 0 {
		t.Errorf("the API answered 429 %d times; the action must wait for room instead", n)
	}
}

// TestPrefetchAction_validation: every rejection of the shared validators,
// and of the timeout, at validation time, naming the attribute; nothing is
// sent.
func TestPrefetchAction_validation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}))
	c := h.prefetchClient()
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("/f%d.iso", i)
	}
	urls := func(items ...string) map[string]tftypes.Value {
		return map[string]tftypes.Value{"urls": stringSet(items...)}
	}
	cases := []struct {
		name  string
		attrs map[string]tftypes.Value
		want  string
	}{
		{"101 URLs", urls(many...), `(?s)Too many items in one prefetch.*urls has 101 URLs; one prefetch takes at most 100.*AttributeName\("urls"\)`},
		{"empty urls", urls(), `(?s)Empty prefetch list.*urls is empty, so this prefetch would load nothing`},
		{"relative URL", urls("big.iso"), `(?s)Invalid prefetch path.*"big.iso" does not start with "/"`},
		{"URL with host", urls("https://cdn.example.com/v/big.iso"), `(?s)includes a scheme or host.*"/v/big.iso"`},
		{"URL with whitespace", urls("/my file.iso"), `contains whitespace`},
		{"resource_id 0", map[string]tftypes.Value{"resource_id": number(0), "urls": stringSet("/big.iso")}, `resource_id = 0 is not from 1`},
		{"timeout not a duration", map[string]tftypes.Value{"urls": stringSet("/big.iso"), "timeouts": c.invokeTimeout("soon")},
			`(?s)Invalid timeout.*timeouts.invoke = "soon" is not a duration.*"20m"`},
		{"zero timeout", map[string]tftypes.Value{"urls": stringSet("/big.iso"), "timeouts": c.invokeTimeout("0s")},
			`timeouts.invoke = "0s" leaves no time`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			attrs := map[string]tftypes.Value{"resource_id": number(h.resourceID)}
			for k, v := range tc.attrs {
				attrs[k] = v
			}
			diags := c.validate(c.actionConfig(attrs))
			if len(diags) == 0 || !regexp.MustCompile(tc.want).MatchString(render(diags)) {
				t.Errorf("diagnostics:\n%s\nwant one matching %q", render(diags), tc.want)
			}
		})
	}
	h.expectPrefetches()
}

// TestPrefetchAction_errors: an API error reaches the person in the
// resource's words, the refused file named; a plan without a key says how to
// give one; a plan on a CDN resource that does not exist says so.
func TestPrefetchAction_errors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits, Resources: map[int64]simulator.Resource{testResourceID: {}}}))
	c := h.prefetchClient()
	missing := c.actionConfig(map[string]tftypes.Value{"resource_id": number(404404), "urls": stringSet("/big.iso")})
	if got := render(c.plan(missing)); !regexp.MustCompile(`(?s)CDN resource not found.*CDN resource 404404 does not exist`).MatchString(got) {
		t.Errorf("PlanAction diagnostics:\n%s", got)
	}

	h.injectFault(simulator.Fault{Path: h.prefetchPath(), Status: 400, Body: `{"errors":{"paths":{"0":["This file cannot be prefetched."]}}}`})
	refused := c.invoke(c.actionConfig(map[string]tftypes.Value{"resource_id": number(h.resourceID), "urls": stringSet("/a.iso", "/b.iso")}))
	want := fmt.Sprintf(`(?s)Gcore API rejected the prefetch: The prefetch of CDN resource %d, request #1: the Gcore API answered `+
		`400 Bad Request: paths\[0\]: This file cannot be prefetched\.\n\nThe API refused "/a.iso"\.\n\n`+
		`An action keeps nothing in state: invoke it again to prefetch\.`, h.resourceID)
	if got := render(refused.diagnostics); !regexp.MustCompile(want).MatchString(got) {
		t.Errorf("InvokeAction diagnostics:\n%s\nwant a match of %q", got, want)
	}

	h.setenv(envAPIKey, "")
	keyless := h.prefetchClient()
	diags := keyless.plan(keyless.actionConfig(map[string]tftypes.Value{"resource_id": number(h.resourceID), "urls": stringSet("/big.iso")}))
	if got := render(diags); !regexp.MustCompile(`(?s)Missing Gcore API key.*api_key.*GCORE_API_KEY`).MatchString(got) {
		t.Errorf("PlanAction diagnostics:\n%s", got)
	}
	h.expectPrefetches("POST " + h.prefetchPath() + ` {"paths":["/a.iso","/b.iso"]}`)
}

// TestPrefetchAction_timeout: a prefetch that cannot get rate-limit room
// within the action's timeout fails with the limit in force, the setting to
// raise, and that nothing is kept.
func TestPrefetchAction_timeout(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: simulator.Limits{PrefetchRequestLimit: "1/h"}}))
	c := h.prefetchClient()
	first := c.invoke(c.actionConfig(map[string]tftypes.Value{"resource_id": number(h.resourceID), "urls": stringSet("/a.iso")}))
	expectNoDiagnostics(t, "first InvokeAction", first.diagnostics)
	late := c.invoke(c.actionConfig(map[string]tftypes.Value{
		"resource_id": number(h.resourceID), "urls": stringSet("/b.iso"), "timeouts": c.invokeTimeout("2s"),
	}))
	want := fmt.Sprintf(`(?s)\[ERROR\] Prefetch timed out: The prefetch of CDN resource %d did not get rate-limit room within 2s: `+
		`the limit in force is 1/h \(account's prefetch_request_limit\), and the request waited 2s\.\n\n`+
		`Raise timeouts\.invoke, or send fewer requests to this CDN resource at once\.\n\n`+
		`An action keeps nothing in state: invoke it again to prefetch\. \(at \)`, h.resourceID)
	if got := render(late.diagnostics); !regexp.MustCompile(want).MatchString(got) {
		t.Errorf("InvokeAction diagnostics:\n%s\nwant a match of %q", got, want)
	}
	h.expectPrefetches("POST " + h.prefetchPath() + ` {"paths":["/a.iso"]}`)
}
