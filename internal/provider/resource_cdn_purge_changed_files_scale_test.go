package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

// siteClient drives gcore_cdn_purge_changed_files through the protocol,
// as Terraform does, on the provider served as main serves it (the mux):
// for what a test of the Terraform CLI would spend its time on at scale,
// Terraform's own work.
type siteClient struct {
	t      *testing.T
	server tfprotov6.ProviderServer
	typ    tftypes.Object
}

func (h *harness) siteClient() *siteClient {
	h.t.Helper()
	server, err := h.factories["gcore"]()
	if err != nil {
		h.t.Fatal(err)
	}
	ctx := context.Background()
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || len(schemas.Diagnostics) > 0 {
		h.t.Fatalf("GetProviderSchema: %v %v", err, schemas.Diagnostics)
	}
	c := &siteClient{t: h.t, server: server, typ: objectType(h.t, schemas.ResourceSchemas[changedFilesTypeName])}
	providerType := objectType(h.t, schemas.Provider)
	configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: "1.8.5", Config: dynamic(h.t, providerType, tftypes.NewValue(providerType, nullAttributes(providerType))),
	})
	if err != nil || len(configured.Diagnostics) > 0 {
		h.t.Fatalf("ConfigureProvider: %v %v", err, configured.Diagnostics)
	}
	return c
}

func nullAttributes(typ tftypes.Object) map[string]tftypes.Value {
	attrs := map[string]tftypes.Value{}
	for name, t := range typ.AttributeTypes {
		attrs[name] = tftypes.NewValue(t, nil)
	}
	return attrs
}

func dynamic(t testing.TB, typ tftypes.Type, v tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

// config is the resource's configuration: files on CDN resource id, and
// args; every other attribute null.
func (c *siteClient) config(id int64, files map[string]string, args map[string]tftypes.Value) *tfprotov6.DynamicValue {
	attrs := nullAttributes(c.typ)
	attrs[attrResourceID] = number(id)
	attrs[attrFiles] = stringMapValue(files)
	maps.Copy(attrs, args)
	return dynamic(c.t, c.typ, tftypes.NewValue(c.typ, attrs))
}

func (c *siteClient) null() *tfprotov6.DynamicValue {
	return dynamic(c.t, c.typ, tftypes.NewValue(c.typ, nil))
}

// plan validates config and plans it after prior, as Terraform does: the
// proposed new state is the configuration (the resource decides every
// computed value itself).
func (c *siteClient) plan(prior, config *tfprotov6.DynamicValue) *tfprotov6.PlanResourceChangeResponse {
	c.t.Helper()
	ctx := context.Background()
	valid, err := c.server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: changedFilesTypeName, Config: config})
	if err != nil {
		c.t.Fatal(err)
	}
	expectNoDiagnostics(c.t, "ValidateResourceConfig", valid.Diagnostics)
	resp, err := c.server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: changedFilesTypeName, PriorState: prior, ProposedNewState: config, Config: config,
	})
	if err != nil {
		c.t.Fatal(err)
	}
	expectNoDiagnostics(c.t, "PlanResourceChange", resp.Diagnostics)
	return resp
}

// apply applies planned after prior and returns the new state.
func (c *siteClient) apply(prior, planned, config *tfprotov6.DynamicValue) (*tfprotov6.DynamicValue, []*tfprotov6.Diagnostic) {
	c.t.Helper()
	resp, err := c.server.ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{
		TypeName: changedFilesTypeName, PriorState: prior, PlannedState: planned, Config: config,
	})
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.NewState, resp.Diagnostics
}

// decode reads an object value of the resource.
func (c *siteClient) decode(dv *tfprotov6.DynamicValue) object {
	c.t.Helper()
	o, err := decodeObject(dv, c.typ)
	if err != nil {
		c.t.Fatal(err)
	}
	return o
}

// scaleSite is n files, in directories of 100, at version v.
func scaleSite(n int, v string) map[string]string {
	files := make(map[string]string, n)
	for i := range n {
		files[fmt.Sprintf("/assets/d%d/file-%d.js", i/100, i)] = v
	}
	return files
}

// TestCDNPurgeChangedFiles_hundredThousandFiles: a site of 100,000 files
// (10,000 with -short) is purged whole by its first apply, in requests of
// 100 URLs, and a deploy of 10% of them purges exactly those; a plan of the
// same site afterwards plans nothing, and the state upgrades without being
// decoded. Through the protocol, against the simulator with roomy limits, in
// well under a minute (the time Terraform itself takes at that size is for
// make bench).
func TestCDNPurgeChangedFiles_hundredThousandFiles(t *testing.T) {
	t.Parallel()
	n := 100000
	if testing.Short() {
		n = 10000
	}
	start := time.Now()
	limits := simulator.Limits{PurgeByURLsRequestLimit: "10000/s", PurgeRequestLimit: "100/s", PrefetchRequestLimit: "100/s"}
	h := newHarness(t, liveSimulator(simulator.Config{Limits: limits}))
	c := h.siteClient()
	first := scaleSite(n, "v1")

	config := c.config(h.resourceID, first, nil)
	plan := c.plan(c.null(), config)
	planned := c.decode(plan.PlannedState)
	if count := wholeNumber(planned.number(attrPurgedURLCount)); count != int64(n) {
		t.Fatalf("purged_url_count planned %d, want %d", count, n)
	}
	state, diags := c.apply(c.null(), plan.PlannedState, config)
	expectNoDiagnostics(t, "ApplyResourceChange (create)", diags)
	created := c.decode(state)
	if urls, _ := created.stringMap(attrPurgedURLs); len(urls) != n {
		t.Fatalf("purged_urls holds %d URLs, want %d", len(urls), n)
	}
	purges := h.sim.Purges()
	sent := map[string]int{}
	for _, p := range purges {
		if len(p.Items) > 100 {
			t.Fatalf("a request carried %d URLs", len(p.Items))
		}
		for _, u := range p.Items {
			sent[u]++
		}
	}
	if len(purges) != n/100 || len(sent) != n {
		t.Fatalf("%d requests carried %d URLs, want %d requests of every one of the %d URLs", len(purges), len(sent), n/100, n)
	}
	for u, times := range sent {
		if times != 1 {
			t.Fatalf("%s was sent %d times", u, times)
		}
	}

	// A deploy of 10% of the files.
	second := maps.Clone(first)
	var changed []string
	for i := range n / 10 {
		path := fmt.Sprintf("/assets/d%d/file-%d.js", i/100, i)
		second[path] = "v2"
		changed = append(changed, path)
	}
	slices.Sort(changed)
	config = c.config(h.resourceID, second, nil)
	plan = c.plan(state, config)
	planned = c.decode(plan.PlannedState)
	purged, _ := planned.stringMap(attrPurgedURLs)
	if !slices.Equal(slices.Sorted(maps.Keys(purged)), changed) {
		t.Fatalf("the update plans %d URLs, want the %d changed", len(purged), len(changed))
	}
	if len(plan.RequiresReplace) > 0 {
		t.Fatalf("the update replaces the resource: %v", plan.RequiresReplace)
	}
	state, diags = c.apply(state, plan.PlannedState, config)
	expectNoDiagnostics(t, "ApplyResourceChange (update)", diags)
	var updated []string
	for _, p := range h.sim.Purges()[len(purges):] {
		updated = append(updated, p.Items...)
	}
	if slices.Sort(updated); !slices.Equal(updated, changed) {
		t.Fatalf("the update sent %d URLs, want exactly the %d changed", len(updated), len(changed))
	}

	// Nothing changed: the plan is the state.
	plan = c.plan(state, config)
	if again := c.decode(plan.PlannedState); !tftypes.NewValue(c.typ, map[string]tftypes.Value(again)).Equal(
		tftypes.NewValue(c.typ, map[string]tftypes.Value(c.decode(state)))) {
		t.Fatal("a plan of the unchanged site differs from the state")
	}

	// Terraform reads the state back through UpgradeResourceState on every
	// run: the current version goes back as it is.
	raw := []byte(`{"id":"x"}`)
	up, err := c.server.UpgradeResourceState(context.Background(), &tfprotov6.UpgradeResourceStateRequest{
		TypeName: changedFilesTypeName, Version: changedFilesSchemaVersion, RawState: &tfprotov6.RawState{JSON: raw},
	})
	if err != nil || len(up.Diagnostics) > 0 || string(up.UpgradedState.JSON) != string(raw) {
		t.Fatalf("UpgradeResourceState of the current version: %v %v, want the JSON handed back", err, up.Diagnostics)
	}
	t.Logf("%d files: create and a deploy of %d in %s", n, n/10, time.Since(start).Round(time.Millisecond))
}
