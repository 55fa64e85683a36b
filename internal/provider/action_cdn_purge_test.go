package provider

import (
	"context"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

// The Terraform CLI that runs actions (1.14 and later) cannot be built here,
// so the action is driven at the protocol level as well: the provider is
// served in process and called the way Terraform calls it.

// purgeTypeName names both the gcore_cdn_purge resource and action.
const purgeTypeName = "gcore_cdn_purge"

// protocolClient calls one provider server, configured with the harness's
// key and base URL (from the environment, as a user would), about the action
// and the resource named typeName.
type protocolClient struct {
	t          testing.TB
	server     actionServer
	typeName   string
	actionType tftypes.Object
	// resourceType is the resource's of the same name.
	resourceType tftypes.Object
}

// actionServer is a provider server that serves actions too.
type actionServer interface {
	tfprotov6.ProviderServer
	tfprotov6.ActionServer
}

func objectType(t testing.TB, schema *tfprotov6.Schema) tftypes.Object {
	t.Helper()
	typ, ok := schema.ValueType().(tftypes.Object)
	if !ok {
		t.Fatalf("schema type %v is not an object", schema.ValueType())
	}
	return typ
}

// protocolClient is a client of gcore_cdn_purge.
func (h *harness) protocolClient() *protocolClient {
	h.t.Helper()
	return newProtocolClient(h.t, h.factories["gcore"], purgeTypeName)
}

// newProtocolClient serves a provider from factory and configures it, to
// call the action and the resource named typeName.
func newProtocolClient(t testing.TB, factory func() (tfprotov6.ProviderServer, error), typeName string) *protocolClient {
	t.Helper()
	served, err := factory()
	if err != nil {
		t.Fatal(err)
	}
	server, ok := served.(actionServer)
	if !ok {
		t.Fatalf("the provider server (%T) does not serve actions", served)
	}
	ctx := context.Background()
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || len(schemas.Diagnostics) > 0 {
		t.Fatalf("GetProviderSchema: %v %v", err, schemas.Diagnostics)
	}
	c := &protocolClient{
		t:            t,
		server:       server,
		typeName:     typeName,
		actionType:   objectType(t, schemas.ActionSchemas[typeName].Schema),
		resourceType: objectType(t, schemas.ResourceSchemas[typeName]),
	}
	providerType := objectType(t, schemas.Provider)
	configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: "1.14.0",
		Config:           c.dynamicValue(providerType, nil),
	})
	if err != nil || len(configured.Diagnostics) > 0 {
		t.Fatalf("ConfigureProvider: %v %v", err, configured.Diagnostics)
	}
	return c
}

// dynamicValue is an object of type typ with the given attributes; the others
// are null.
func (c *protocolClient) dynamicValue(typ tftypes.Object, attrs map[string]tftypes.Value) *tfprotov6.DynamicValue {
	c.t.Helper()
	for name := range attrs {
		if _, ok := typ.AttributeTypes[name]; !ok {
			c.t.Fatalf("the schema has no attribute %q", name)
		}
	}
	values := map[string]tftypes.Value{}
	for name, attrType := range typ.AttributeTypes {
		values[name] = tftypes.NewValue(attrType, nil)
		if v, ok := attrs[name]; ok {
			values[name] = v
		}
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, values))
	if err != nil {
		c.t.Fatal(err)
	}
	return &dv
}

// nullValue is the null object of type typ, the prior state of a new resource.
func (c *protocolClient) nullValue(typ tftypes.Object) *tfprotov6.DynamicValue {
	c.t.Helper()
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, nil))
	if err != nil {
		c.t.Fatal(err)
	}
	return &dv
}

// actionConfig is the action's configuration with the given attributes.
func (c *protocolClient) actionConfig(attrs map[string]tftypes.Value) *tfprotov6.DynamicValue {
	return c.dynamicValue(c.actionType, attrs)
}

func (c *protocolClient) validate(config *tfprotov6.DynamicValue) []*tfprotov6.Diagnostic {
	c.t.Helper()
	resp, err := c.server.ValidateActionConfig(context.Background(), &tfprotov6.ValidateActionConfigRequest{ActionType: c.typeName, Config: config})
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.Diagnostics
}

func (c *protocolClient) plan(config *tfprotov6.DynamicValue) []*tfprotov6.Diagnostic {
	c.t.Helper()
	resp, err := c.server.PlanAction(context.Background(), &tfprotov6.PlanActionRequest{ActionType: c.typeName, Config: config})
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.Diagnostics
}

// invocation is what Terraform hears from one InvokeAction.
type invocation struct {
	progress    []string
	diagnostics []*tfprotov6.Diagnostic
}

func (c *protocolClient) invoke(config *tfprotov6.DynamicValue) invocation {
	c.t.Helper()
	stream, err := c.server.InvokeAction(context.Background(), &tfprotov6.InvokeActionRequest{ActionType: c.typeName, Config: config})
	if err != nil {
		c.t.Fatal(err)
	}
	var inv invocation
	for event := range stream.Events {
		switch e := event.Type.(type) {
		case tfprotov6.ProgressInvokeActionEventType:
			inv.progress = append(inv.progress, e.Message)
		case tfprotov6.CompletedInvokeActionEventType:
			inv.diagnostics = e.Diagnostics
		}
	}
	return inv
}

// invokeTimeout is the action's timeouts block with invoke = d.
func (c *protocolClient) invokeTimeout(d string) tftypes.Value {
	typ, ok := c.actionType.AttributeTypes["timeouts"].(tftypes.Object)
	if !ok {
		c.t.Fatalf("the action's timeouts are a %T", c.actionType.AttributeTypes["timeouts"])
	}
	return tftypes.NewValue(typ, map[string]tftypes.Value{"invoke": tftypes.NewValue(tftypes.String, d)})
}

func stringSet(items ...string) tftypes.Value {
	values := make([]tftypes.Value, len(items))
	for i, item := range items {
		values[i] = tftypes.NewValue(tftypes.String, item)
	}
	return tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, values)
}

func number(n int64) tftypes.Value { return tftypes.NewValue(tftypes.Number, n) }

// render shows diagnostics the way a test failure should.
func render(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "[%s] %s: %s (at %v)\n", d.Severity, d.Summary, d.Detail, d.Attribute)
	}
	return b.String()
}

func expectNoDiagnostics(t *testing.T, step string, diags []*tfprotov6.Diagnostic) {
	t.Helper()
	if len(diags) > 0 {
		t.Fatalf("%s: unexpected diagnostics:\n%s", step, render(diags))
	}
}

// expectProgress checks that each pattern matches one of the messages, in order.
func expectProgress(t *testing.T, got []string, patterns ...string) {
	t.Helper()
	i := 0
	for _, msg := range got {
		if i < len(patterns) && regexp.MustCompile(patterns[i]).MatchString(msg) {
			i++
		}
	}
	if i < len(patterns) {
		t.Errorf("progress %q does not match %q in order (stopped at %q)", got, patterns, patterns[i])
	}
}

func TestAction_invokePurgesAndReportsProgress(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}))
	c := h.protocolClient()
	config := c.actionConfig(map[string]tftypes.Value{
		"resource_id": number(h.resourceID),
		"urls":        stringSet("/index.html", "/assets/app.js?v=2"),
	})
	expectNoDiagnostics(t, "ValidateActionConfig", c.validate(config))
	expectNoDiagnostics(t, "PlanAction", c.plan(config))
	h.expectPurges() // planning sends nothing

	inv := c.invoke(config)
	expectNoDiagnostics(t, "InvokeAction", inv.diagnostics)
	expectProgress(t, inv.progress,
		fmt.Sprintf(`^CDN resource %d: sent request #1 \(2 URLs\)$`, h.resourceID),
		fmt.Sprintf(`^CDN resource %d: accepted$`, h.resourceID))
	h.expectPurges("POST " + h.purgePath() + ` {"urls":["/assets/app.js?v=2","/index.html"]}`)
}

// TestAction_waitsForRoomAndSaysUntilWhen: a second pattern purge within the
// window waits, and the person watching is told until when.
func TestAction_waitsForRoomAndSaysUntilWhen(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: simulator.Limits{PurgeRequestLimit: "1/s"}}))
	c := h.protocolClient()
	first := c.invoke(c.actionConfig(map[string]tftypes.Value{"resource_id": number(h.resourceID), "paths": stringSet("/img/*")}))
	expectNoDiagnostics(t, "first InvokeAction", first.diagnostics)
	second := c.invoke(c.actionConfig(map[string]tftypes.Value{"resource_id": number(h.resourceID), "paths": stringSet("/css/*")}))
	expectNoDiagnostics(t, "second InvokeAction", second.diagnostics)
	expectProgress(t, second.progress,
		`waiting for rate-limit room until \d\d:\d\d:\d\d \S+ \(limit 1/s\)`, `sent request #2 \(1 pattern\)`, `accepted`)
	if n := h.sim.RateLimited(); n != 0 {
		t.Errorf("the API answered 429 %d times; the action must wait for room instead", n)
	}
}

// TestAction_sharesRequestsWithTheResource: an action and a gcore_cdn_purge
// resource purging one CDN resource at the same time go out as one request:
// they share the provider instance's scheduler.
func TestAction_sharesRequestsWithTheResource(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}))
	c := h.protocolClient()
	var wg sync.WaitGroup
	var inv invocation
	wg.Go(func() {
		inv = c.invoke(c.actionConfig(map[string]tftypes.Value{"resource_id": number(h.resourceID), "urls": stringSet("/from-action.js")}))
	})
	wg.Go(func() { c.createPurgeResource(h.resourceID, "/from-resource.js") })
	wg.Wait()
	expectNoDiagnostics(t, "InvokeAction", inv.diagnostics)
	expectProgress(t, inv.progress, `merged with 1 other purge into request #1`, `accepted`)
	// Items go out in arrival order, which the race decides.
	purges := h.sim.Purges()
	if len(purges) != 1 || !slices.Equal(slices.Sorted(slices.Values(purges[0].Items)), []string{"/from-action.js", "/from-resource.js"}) {
		t.Errorf("accepted purges: %+v; want one request carrying both URLs", purges)
	}
}

// createPurgeResource applies a new gcore_cdn_purge of one URL, as Terraform
// does after planning it.
func (c *protocolClient) createPurgeResource(resourceID int64, url string) {
	c.t.Helper()
	args := map[string]tftypes.Value{"resource_id": number(resourceID), "urls": stringSet(url)}
	resp, err := c.server.ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{
		TypeName:     purgeTypeName,
		PriorState:   c.nullValue(c.resourceType),
		PlannedState: c.dynamicValue(c.resourceType, newPurgePlan(args)),
		Config:       c.dynamicValue(c.resourceType, args),
	})
	if err != nil {
		c.t.Error(err)
		return
	}
	if len(resp.Diagnostics) > 0 {
		c.t.Errorf("ApplyResourceChange:\n%s", render(resp.Diagnostics))
	}
}

// newPurgePlan is what Terraform plans for a new gcore_cdn_purge with args:
// its computed attributes unknown.
func newPurgePlan(args map[string]tftypes.Value) map[string]tftypes.Value {
	planned := map[string]tftypes.Value{
		"id":        tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
		"purged_at": tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
	}
	maps.Copy(planned, args)
	return planned
}

// TestAction_validation: every rejection of the shared validators, and of
// the action's timeout, at validation time, naming the attribute; nothing is
// sent.
func TestAction_validation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}))
	c := h.protocolClient()
	manyURLs, manyPatterns := make([]string, 101), make([]string, 11)
	for i := range manyURLs {
		manyURLs[i] = fmt.Sprintf("/f%d.js", i)
	}
	for i := range manyPatterns {
		manyPatterns[i] = fmt.Sprintf("/d%d/*", i)
	}
	id := number(h.resourceID)
	cases := []struct {
		name  string
		attrs map[string]tftypes.Value
		want  string
	}{
		{"101 URLs", map[string]tftypes.Value{"urls": stringSet(manyURLs...)}, `urls has 101 URLs; one purge takes at most 100`},
		{"11 patterns", map[string]tftypes.Value{"paths": stringSet(manyPatterns...)}, `paths has 11 patterns; one purge takes at most 10`},
		{"empty urls", map[string]tftypes.Value{"urls": stringSet()}, `(?s)urls is empty.*set purge_all = true`},
		{"empty paths", map[string]tftypes.Value{"paths": stringSet()}, `(?s)paths is empty.*set purge_all = true`},
		{"relative URL", map[string]tftypes.Value{"urls": stringSet("app.js")}, `"app.js" does not start with "/"`},
		{"URL with host", map[string]tftypes.Value{"urls": stringSet("https://cdn.example.com/js/app.js?v=1")}, `(?s)includes a scheme or host.*"/js/app.js\?v=1"`},
		{"URL with whitespace", map[string]tftypes.Value{"urls": stringSet("/my file.js")}, `contains whitespace`},
		{"star inside a pattern", map[string]tftypes.Value{"paths": stringSet("/img/*/large")}, `(?s)has a "\*" before its end`},
		{"purge_all false", map[string]tftypes.Value{"purge_all": tftypes.NewValue(tftypes.Bool, false)}, `(?s)purge_all.*must be "true"`},
		{"two modes", map[string]tftypes.Value{"urls": stringSet("/a.js"), "paths": stringSet("/img/*")}, `(?s)Invalid Attribute Combination.*urls.*paths.*purge_all`},
		{"no mode", map[string]tftypes.Value{}, `(?s)Missing Attribute Configuration.*\[urls,paths,purge_all\]`},
		{"resource_id 0", map[string]tftypes.Value{"resource_id": number(0), "purge_all": tftypes.NewValue(tftypes.Bool, true)},
			`(?s)Number out of range.*resource_id = 0 is not from 1 to 9223372036854775807: write the numeric ID`},
		{"resource_id 1.5", map[string]tftypes.Value{"resource_id": tftypes.NewValue(tftypes.Number, 1.5), "purge_all": tftypes.NewValue(tftypes.Bool, true)},
			`(?s)Not a whole number.*resource_id = 1.5 is not a whole number: write the numeric ID of the CDN resource`},
		{"timeout not a duration", map[string]tftypes.Value{"purge_all": tftypes.NewValue(tftypes.Bool, true), "timeouts": c.invokeTimeout("soon")},
			`(?s)Invalid timeout.*timeouts.invoke = "soon" is not a duration.*"20m"`},
		{"negative timeout", map[string]tftypes.Value{"purge_all": tftypes.NewValue(tftypes.Bool, true), "timeouts": c.invokeTimeout("-5m")},
			`timeouts.invoke = "-5m" leaves no time for the request`},
		{"zero timeout", map[string]tftypes.Value{"purge_all": tftypes.NewValue(tftypes.Bool, true), "timeouts": c.invokeTimeout("0s")},
			`timeouts.invoke = "0s" leaves no time for the request`},
		{"timeout past what Go can wait", map[string]tftypes.Value{"purge_all": tftypes.NewValue(tftypes.Bool, true), "timeouts": c.invokeTimeout("3000000h")},
			`timeouts.invoke = "3000000h" is not a duration no longer than 2562047h`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			attrs := map[string]tftypes.Value{"resource_id": id}
			for k, v := range tc.attrs {
				attrs[k] = v
			}
			diags := c.validate(c.actionConfig(attrs))
			if len(diags) == 0 || !regexp.MustCompile(tc.want).MatchString(render(diags)) {
				t.Errorf("diagnostics:\n%s\nwant one matching %q", render(diags), tc.want)
			}
		})
	}
	h.expectPurges()
}

// TestAction_errorsReadLikeTheResources: an API error reaches the person in
// the resource's words, and a plan without a key says how to give one.
func TestAction_errorsReadLikeTheResources(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits, Resources: map[int64]simulator.Resource{testResourceID: {}}}))
	c := h.protocolClient()
	missing := c.invoke(c.actionConfig(map[string]tftypes.Value{"resource_id": number(404404), "purge_all": tftypes.NewValue(tftypes.Bool, true)}))
	if got := render(missing.diagnostics); !regexp.MustCompile(`(?s)CDN resource not found.*CDN resource 404404 does not exist.*AttributeName\("resource_id"\)`).MatchString(got) {
		t.Errorf("diagnostics:\n%s", got)
	}

	h.setenv(envAPIKey, "")
	keyless := h.protocolClient()
	diags := keyless.plan(keyless.actionConfig(map[string]tftypes.Value{"resource_id": number(h.resourceID), "purge_all": tftypes.NewValue(tftypes.Bool, true)}))
	if got := render(diags); !regexp.MustCompile(`(?s)Missing Gcore API key.*api_key.*GCORE_API_KEY`).MatchString(got) {
		t.Errorf("diagnostics:\n%s", got)
	}
}

// TestAccCDNPurgeAction_afterUpload: the action, triggered after an upload
// is created and updated, purges exactly the uploaded files. It needs
// Terraform 1.14 or later (TF_ACC_TERRAFORM_PATH) and is skipped otherwise.
func TestAccCDNPurgeAction_afterUpload(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}))
	config := func(release string) string {
		return fmt.Sprintf(`
locals {
  uploaded = ["/app.js", "/index.html"]
}

resource "terraform_data" "upload" {
  input = { release = %[2]q, files = local.uploaded }
  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.gcore_cdn_purge.site]
    }
  }
}

action "gcore_cdn_purge" "site" {
  config {
    resource_id = %[1]d
    urls        = local.uploaded
  }
}
`, h.resourceID, release)
	}
	h.test(resource.TestCase{
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		Steps: []resource.TestStep{
			{Config: config("1.0.0")},
			{Config: config("1.0.1")},
		},
	})
	body := ` {"urls":["/app.js","/index.html"]}`
	h.expectPurges("POST "+h.purgePath()+body, "POST "+h.purgePath()+body)
}

// TestActionDocsListEveryArgument keeps the actions' docs pages, written out
// by hand (the pinned Terraform CLI cannot export action schemas for
// tfplugindocs), in step with the schemas: each argument under its heading,
// with its description.
func TestActionDocsListEveryArgument(t *testing.T) {
	t.Parallel()
	for page, newAction := range map[string]func() action.Action{
		"../../docs/actions/cdn_purge.md":    newCDNPurgeAction,
		"../../docs/actions/cdn_prefetch.md": newCDNPrefetchAction,
	} {
		expectDocsListEveryArgument(t, page, newAction())
	}
}

func expectDocsListEveryArgument(t *testing.T, file string, a action.Action) {
	t.Helper()
	page, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	_, schemaDocs, _ := strings.Cut(string(page), "### Required")
	required, optional, found := strings.Cut(schemaDocs, "### Optional")
	if !found {
		t.Fatalf("%s lacks the Required and Optional sections", file)
	}
	resp := &action.SchemaResponse{}
	a.Schema(context.Background(), action.SchemaRequest{}, resp)
	for name, attr := range resp.Schema.Attributes {
		section := optional
		if attr.IsRequired() {
			section = required
		}
		entry := fmt.Sprintf("- `%s` (", name)
		line := ""
		if i := strings.Index(section, entry); i >= 0 {
			line, _, _ = strings.Cut(section[i:], "\n")
		}
		if line == "" || !strings.HasSuffix(line, ") "+attr.GetMarkdownDescription()) {
			t.Errorf("%s: want a line %s...) %s\nunder its heading; got %q", file, entry, attr.GetMarkdownDescription(), line)
		}
	}
}
