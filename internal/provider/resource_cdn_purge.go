package provider

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/boolvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/purgerules"
	"github.com/gcore-purge/terraform-provider-gcore/internal/scheduler"
)

// defaultCreateTimeout bounds a purge, waiting for rate-limit room included,
// when timeouts.create is not set.
const defaultCreateTimeout = 20 * time.Minute

var (
	_ resource.Resource                     = (*cdnPurgeResource)(nil)
	_ resource.ResourceWithConfigure        = (*cdnPurgeResource)(nil)
	_ resource.ResourceWithConfigValidators = (*cdnPurgeResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*cdnPurgeResource)(nil)
)

// cdnPurgeResource is one purge. A purge leaves no object behind in the API,
// so the resource lives only in state: creating it purges, replacing it
// purges again, destroying it sends nothing.
type cdnPurgeResource struct {
	data *providerData
}

func newCDNPurgeResource() resource.Resource { return &cdnPurgeResource{} }

type cdnPurgeModel struct {
	purgeArguments
	ID       types.String   `tfsdk:"id"`
	Triggers types.Map      `tfsdk:"triggers"`
	PurgedAt types.String   `tfsdk:"purged_at"`
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

// purgeArguments say what to purge; the resource and the action share them,
// with the same descriptions and validators.
type purgeArguments struct {
	ResourceID types.Int64 `tfsdk:"resource_id"`
	URLs       types.Set   `tfsdk:"urls"`
	Paths      types.Set   `tfsdk:"paths"`
	PurgeAll   types.Bool  `tfsdk:"purge_all"`
}

// Descriptions of the purge arguments.
var (
	resourceIDDescription = "ID of the CDN resource whose cache is purged."
	urlsDescription       = fmt.Sprintf("Purge by URL: 1 to %d paths of files, each starting with `/`, without scheme or host "+
		"(`/app.js`, not `https://cdn.example.com/app.js`). Query strings are kept. Conflicts with `paths` and `purge_all`.",
		gcoreapi.MaxURLsPerRequest)
	pathsDescription = fmt.Sprintf("Purge by pattern: 1 to %d patterns, each starting with `/`, with `*` allowed only as the "+
		"last character (`/images/*`). Patterns are recursive. Conflicts with `urls` and `purge_all`.",
		gcoreapi.MaxPatternsPerRequest)
	purgeAllDescription = "Purge the whole cache of the CDN resource. Must be `true` when set. Conflicts with `urls` and `paths`."
)

func (r *cdnPurgeResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_cdn_purge"
}

func (r *cdnPurgeResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Purges the cache of a Gcore CDN resource: by URL, by pattern or all of it. " +
			"Creating the resource sends the purge; a change of any argument, `triggers` included, purges again. " +
			"Destroying it sends nothing.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Unique identifier of this purge.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"resource_id": schema.Int64Attribute{
				MarkdownDescription: resourceIDDescription,
				Required:            true,
				Validators:          resourceIDValidators(),
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.RequiresReplace()},
			},
			"urls": schema.SetAttribute{
				MarkdownDescription: urlsDescription,
				ElementType:         types.StringType,
				Optional:            true,
				Validators:          urlsValidators(),
				PlanModifiers:       []planmodifier.Set{setplanmodifier.RequiresReplace()},
			},
			"paths": schema.SetAttribute{
				MarkdownDescription: pathsDescription,
				ElementType:         types.StringType,
				Optional:            true,
				Validators:          pathsValidators(),
				PlanModifiers:       []planmodifier.Set{setplanmodifier.RequiresReplace()},
			},
			"purge_all": schema.BoolAttribute{
				MarkdownDescription: purgeAllDescription,
				Optional:            true,
				Validators:          purgeAllValidators(),
				PlanModifiers:       []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
			},
			"triggers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary values that, when any of them changes, purge again (for example file hashes or a release version).",
				ElementType:         types.StringType,
				Optional:            true,
				PlanModifiers:       []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"purged_at": schema.StringAttribute{
				MarkdownDescription: "When the API accepted the purge (RFC 3339, UTC).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{
				Create:            true,
				CreateDescription: "How long a purge may take, waiting for rate-limit room included (default `20m`).",
			}),
		},
	}
}

func (r *cdnPurgeResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{resourcevalidator.ExactlyOneOf(purgeModeExpressions()...)}
}

func (r *cdnPurgeResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	data, diags := configuredData(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = data
}

// ModifyPlan fails a plan that would purge without an API key, so that the
// user learns it before apply; a plan that purges nothing needs no key.
func (r *cdnPurgeResource) ModifyPlan(_ context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.data == nil || req.Plan.Raw.IsNull() {
		return
	}
	if req.State.Raw.IsNull() || len(resp.RequiresReplace) > 0 {
		resp.Diagnostics.Append(r.data.requireAPIKey()...)
	}
}

func (r *cdnPurgeResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan cdnPurgeModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	result, diags := r.data.sendPurge(ctx, tfsdk.Config{Raw: req.Plan.Raw, Schema: req.Plan.Schema}, plan.purgeArguments, timeout, nil)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = types.StringValue(rand.Text())
	plan.PurgedAt = types.StringValue(result.AcceptedAt.UTC().Format(time.RFC3339))
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read keeps the state as it is: a purge leaves nothing in the API to read.
func (r *cdnPurgeResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

// Update only happens when timeouts change, every other argument forcing a
// replacement: store the new timeouts, send nothing.
func (r *cdnPurgeResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan cdnPurgeModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete sends nothing: a purge cannot be undone, and destroying the resource
// only forgets it.
func (r *cdnPurgeResource) Delete(ctx context.Context, _ resource.DeleteRequest, _ *resource.DeleteResponse) {
	tflog.Debug(ctx, "removing the purge from state; nothing is sent to the API")
}

// sendPurge checks the arguments once more, now that every value is known,
// and purges through the scheduler within timeout. progress, if not nil,
// hears how the purge goes.
func (d *providerData) sendPurge(ctx context.Context, config tfsdk.Config, args purgeArguments, timeout time.Duration,
	progress scheduler.Progress,
) (scheduler.Result, diag.Diagnostics) {
	ctx = d.mask(ctx)
	diags := d.requireAPIKey()
	// Values unknown at plan time were not validated then: check them now,
	// with the same validators, before anything is sent.
	diags.Append(revalidate(ctx, config)...)
	if diags.HasError() {
		return scheduler.Result{}, diags
	}
	purge, argDiags := args.purge(ctx)
	if diags.Append(argDiags...); diags.HasError() {
		return scheduler.Result{}, diags
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resourceID := args.ResourceID.ValueInt64()
	tflog.Info(ctx, "queueing purge", map[string]any{"resource_id": resourceID, "purge_type": purge.Type.String(), "items": len(purge.Items)})
	result, err := d.purges.Purge(ctx, scheduler.Job{ResourceID: resourceID, Type: purge.Type, Items: purge.Items, Progress: progress})
	if err != nil {
		diags.Append(purgeErrorDiagnostics(err, resourceID)...)
		return result, diags
	}
	tflog.Info(ctx, "purge accepted", map[string]any{
		"resource_id": resourceID, "purge_type": purge.Type.String(), "requests": result.Requests,
		"merged_with": result.Merged, "waited": result.Waited.String(), "settled_by_purge_all": result.SettledByPurgeAll,
	})
	return result, diags
}

// purge turns the arguments into the request body's content. Items
// are sorted so that the same set always sends the same body.
func (m purgeArguments) purge(ctx context.Context) (gcoreapi.Purge, diag.Diagnostics) {
	var items []string
	var diags diag.Diagnostics
	switch {
	case !m.URLs.IsNull():
		diags = m.URLs.ElementsAs(ctx, &items, false)
		slices.Sort(items)
		return gcoreapi.Purge{Type: gcoreapi.PurgeByURL, Items: items}, diags
	case !m.Paths.IsNull():
		diags = m.Paths.ElementsAs(ctx, &items, false)
		slices.Sort(items)
		return gcoreapi.Purge{Type: gcoreapi.PurgeByPattern, Items: items}, diags
	default:
		return gcoreapi.Purge{Type: gcoreapi.PurgeAll}, diags
	}
}

// purgeErrorDiagnostics says what went wrong and what to fix. err comes from
// the scheduler: it names the purge and carries the API's own message.
func purgeErrorDiagnostics(err error, resourceID int64) diag.Diagnostics {
	var diags diag.Diagnostics
	var timeout *scheduler.TimeoutError
	what := "The " + strings.TrimSuffix(err.Error(), ".") + "."
	switch {
	case errors.As(err, &timeout):
		summary := "Purge timed out"
		if timeout.Cancelled {
			summary = "Purge cancelled"
		}
		diags.AddError(summary, what+"\n\nNothing was written to state: the next apply purges again.")
	case errors.Is(err, gcoreapi.ErrUnauthorized):
		diags.AddError("Gcore API key rejected", fmt.Sprintf("%s\n\nThe API key is wrong, expired or revoked. "+
			"Set a valid permanent API token in api_key (provider \"gcore\") or in %s.", what, envAPIKey))
	case errors.Is(err, gcoreapi.ErrForbidden):
		diags.AddError("Gcore API key lacks permission", fmt.Sprintf("%s\n\nThe API key is valid but may not purge this CDN resource. "+
			"Use a token whose role can manage CDN resources of this account.", what))
	case errors.Is(err, gcoreapi.ErrNotFound):
		diags.AddAttributeError(path.Root("resource_id"), "CDN resource not found", fmt.Sprintf("%s\n\n"+
			"CDN resource %d does not exist in the account of this API key. Check resource_id.", what, resourceID))
	case errors.Is(err, gcoreapi.ErrBadRequest):
		diags.AddError("Gcore API rejected the purge", what)
	default:
		diags.AddError("Purge failed", what)
	}
	return diags
}

// The validators below are shared by the schema and by revalidate, so that a
// value unknown at plan time meets exactly the same rules before it is sent.

// purgeModeExpressions are the arguments of which exactly one is set.
func purgeModeExpressions() []path.Expression {
	return []path.Expression{path.MatchRoot("urls"), path.MatchRoot("paths"), path.MatchRoot("purge_all")}
}

func resourceIDValidators() []validator.Int64 {
	return []validator.Int64{int64validator.AtLeast(1)}
}

func urlsValidators() []validator.Set {
	return []validator.Set{
		itemCountValidator{max: gcoreapi.MaxURLsPerRequest, noun: "URLs"},
		setvalidator.ValueStringsAre(ruleValidator{check: purgerules.CheckURL, rule: "a path starting with /, without scheme or host"}),
	}
}

func pathsValidators() []validator.Set {
	return []validator.Set{
		itemCountValidator{max: gcoreapi.MaxPatternsPerRequest, noun: "patterns"},
		setvalidator.ValueStringsAre(ruleValidator{check: purgerules.CheckPattern, rule: "a pattern starting with /, with * only at its end"}),
	}
}

func purgeAllValidators() []validator.Bool {
	return []validator.Bool{boolvalidator.Equals(true)}
}

// revalidate runs the validators of the purge arguments again on values that
// are all known at apply time: the planned values of the resource, or the
// configuration of the action. The resource's ExactlyOneOf reads config as
// well as the action's would.
func revalidate(ctx context.Context, config tfsdk.Config) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, v := range []resource.ConfigValidator{resourcevalidator.ExactlyOneOf(purgeModeExpressions()...)} {
		resp := &resource.ValidateConfigResponse{}
		v.ValidateResource(ctx, resource.ValidateConfigRequest{Config: config}, resp)
		diags.Append(resp.Diagnostics...)
	}
	for name, validators := range map[string][]validator.Set{"urls": urlsValidators(), "paths": pathsValidators()} {
		var value types.Set
		diags.Append(config.GetAttribute(ctx, path.Root(name), &value)...)
		for _, v := range validators {
			resp := &validator.SetResponse{}
			v.ValidateSet(ctx, validator.SetRequest{Path: path.Root(name), PathExpression: path.MatchRoot(name), ConfigValue: value, Config: config}, resp)
			diags.Append(resp.Diagnostics...)
		}
	}
	var resourceID types.Int64
	diags.Append(config.GetAttribute(ctx, path.Root("resource_id"), &resourceID)...)
	for _, v := range resourceIDValidators() {
		resp := &validator.Int64Response{}
		v.ValidateInt64(ctx, validator.Int64Request{Path: path.Root("resource_id"), PathExpression: path.MatchRoot("resource_id"), ConfigValue: resourceID, Config: config}, resp)
		diags.Append(resp.Diagnostics...)
	}
	var purgeAll types.Bool
	diags.Append(config.GetAttribute(ctx, path.Root("purge_all"), &purgeAll)...)
	for _, v := range purgeAllValidators() {
		resp := &validator.BoolResponse{}
		v.ValidateBool(ctx, validator.BoolRequest{Path: path.Root("purge_all"), PathExpression: path.MatchRoot("purge_all"), ConfigValue: purgeAll, Config: config}, resp)
		diags.Append(resp.Diagnostics...)
	}
	return diags
}

// itemCountValidator checks the number of items. It is written here rather
// than taken from setvalidator.SizeBetween because an empty set needs its own
// message: an expression that evaluates to an empty list must say how to
// purge everything on purpose (purge_all = true), never do it silently.
type itemCountValidator struct {
	max  int
	noun string
}

func (v itemCountValidator) Description(context.Context) string {
	return fmt.Sprintf("must hold 1 to %d %s", v.max, v.noun)
}

func (v itemCountValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v itemCountValidator) ValidateSet(_ context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	// An element unknown until apply may turn out equal to another and
	// collapse into it: only the known ones count now, all of them when
	// revalidate runs at apply.
	n, unknown := 0, false
	for _, e := range req.ConfigValue.Elements() {
		if e.IsUnknown() {
			unknown = true
		} else {
			n++
		}
	}
	switch {
	case n == 0 && !unknown:
		resp.Diagnostics.AddAttributeError(req.Path, "Empty purge list",
			fmt.Sprintf("%s is empty, so this purge would clear nothing. To purge the whole cache of the CDN resource, "+
				"remove %s and set purge_all = true instead.", req.Path, req.Path))
	case n > v.max:
		resp.Diagnostics.AddAttributeError(req.Path, "Too many items in one purge",
			fmt.Sprintf("%s has %d %s; one purge takes at most %d. Split them across several gcore_cdn_purge resources "+
				"(purges of one CDN resource are sent as fast as its rate limit allows), or purge by pattern.",
				req.Path, n, v.noun, v.max))
	}
}

// ruleValidator applies one of purgerules' checks to a string.
type ruleValidator struct {
	check func(string) error
	rule  string
}

func (v ruleValidator) Description(context.Context) string { return "must be " + v.rule }

func (v ruleValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v ruleValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid purge path", err.Error()+".")
	}
}
