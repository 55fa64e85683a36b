package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

// Each timeout says the whole of what happened and what to do: the limit in
// force and where it comes from, the setting to raise (timeouts.create of a
// resource, timeouts.invoke of an action) and what the state keeps.

func TestAction_timeoutSaysWhatToRaise(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: simulator.Limits{PurgeRequestLimit: "1/h"}}))
	c := h.protocolClient()
	all := func(attrs map[string]tftypes.Value) map[string]tftypes.Value {
		attrs["resource_id"], attrs["purge_all"] = number(h.resourceID), tftypes.NewValue(tftypes.Bool, true)
		return attrs
	}
	expectNoDiagnostics(t, "first InvokeAction", c.invoke(c.actionConfig(all(map[string]tftypes.Value{}))).diagnostics)
	late := c.invoke(c.actionConfig(all(map[string]tftypes.Value{"timeouts": c.invokeTimeout("2s")})))
	want := regexp.MustCompile(fmt.Sprintf(`^\[ERROR\] Purge timed out: The purge all of CDN resource %d did not get rate-limit room `+
		`within 2s: the limit in force is 1/h \(account's purge_request_limit\), and the request waited 2s\.\n\n`+
		`Raise timeouts\.invoke, or send fewer requests to this CDN resource at once\.\n\n`+
		`An action keeps nothing in state: invoke it again to purge\. \(at \)\n$`, h.resourceID))
	if got := render(late.diagnostics); !want.MatchString(got) {
		t.Errorf("InvokeAction diagnostics:\n%s\nwant a match of %q", got, want)
	}
	h.expectPurges("POST " + h.purgePath() + ` {"paths":[]}`)
}

func TestAccCDNPrefetch_timeoutSaysWhatToRaise(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: simulator.Limits{PrefetchRequestLimit: "1/h"}}))
	first := h.prefetchConfig(`urls = ["/a.iso"]`)
	second := fmt.Sprintf("resource \"gcore_cdn_prefetch\" \"late\" {\n  resource_id = %d\n  urls = [\"/b.iso\"]\n"+
		"  depends_on = [gcore_cdn_prefetch.test]\n  timeouts { create = \"2s\" }\n}\n", h.resourceID)
	h.test(resource.TestCase{
		Steps: []resource.TestStep{{
			Config: first + second,
			ExpectError: diagnostic("Prefetch timed out", fmt.Sprintf("The prefetch of CDN resource %d did not get rate-limit room "+
				"within 2s: the limit in force is 1/h (account's prefetch_request_limit), and the request waited 2s.", h.resourceID),
				"Raise timeouts.create, or send fewer requests to this CDN resource at once.",
				"Nothing was written to state: the next apply prefetches again."),
		}},
	})
	h.expectPrefetches("POST " + h.prefetchPath() + ` {"paths":["/a.iso"]}`)
}
