package provider

import (
	"context"
	"crypto/rand"
	"math/big"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ resource.Resource                     = (*cdnPrefetchResource)(nil)
	_ resource.ResourceWithConfigValidators = (*cdnPrefetchResource)(nil)
	_ resource.ResourceWithConfigure        = (*cdnPrefetchResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*cdnPrefetchResource)(nil)
	_ resource.ResourceWithImportState      = (*cdnPrefetchResource)(nil)
)

// cdnPrefetchResource is one prefetch: creating it prefetches, replacing it
// prefetches again, destroying it sends nothing.
type cdnPrefetchResource struct {
	stateOnly
}

func newCDNPrefetchResource() resource.Resource {
	return &cdnPrefetchResource{stateOnly{importAdvice: "Add the gcore_cdn_prefetch resource to the configuration instead: " +
		"the next apply prefetches its files."}}
}

type cdnPrefetchModel struct {
	prefetchArguments
	ID           types.String      `tfsdk:"id"`
	Triggers     types.Map         `tfsdk:"triggers"`
	PrefetchedAt timetypes.RFC3339 `tfsdk:"prefetched_at"`
	Timeouts     timeouts.Value    `tfsdk:"timeouts"`
}

// nothingPrefetched is what follows a failed prefetch, of which nothing is
// kept.
const nothingPrefetched = "Nothing was written to state: the next apply prefetches again."

func (r *cdnPrefetchResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_cdn_prefetch"
}

func (r *cdnPrefetchResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Loads files into the cache of a Gcore CDN resource before the first visitor asks for them " +
			"(prefetch). Creating the resource sends the prefetch; a change of any argument, `triggers` included, prefetches " +
			"again. Destroying it sends nothing. A prefetch never clears the cache: purge changed files first.",
		Attributes: withTarget(resourceTargetAttributes(prefetchResourceIDDescription), map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Unique identifier of this prefetch.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"urls": schema.SetAttribute{
				MarkdownDescription: prefetchURLsDescription,
				ElementType:         types.StringType,
				Required:            true,
				Validators:          prefetchURLsValidators(),
				PlanModifiers:       []planmodifier.Set{setplanmodifier.RequiresReplace()},
			},
			"triggers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary values that, when any of them changes, prefetch again (for example file hashes or a release version).",
				ElementType:         types.StringType,
				Optional:            true,
				PlanModifiers:       []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"prefetched_at": schema.StringAttribute{
				CustomType:          timetypes.RFC3339Type{},
				MarkdownDescription: "When the API accepted the prefetch (RFC 3339, UTC).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		}),
		Blocks: map[string]schema.Block{
			"timeouts": resourceTimeouts(ctx, timeouts.Opts{
				Create:            true,
				CreateDescription: "How long a prefetch may take, waiting for rate-limit room included (default `20m`).",
			}),
		},
	}
}

// ModifyPlan fails a plan that would prefetch what cannot be prefetched (see
// check), so that the user learns it before apply; a plan that prefetches
// nothing needs no key and reads nothing.
func (r *cdnPrefetchResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.data == nil || req.Plan.Raw.IsNull() {
		return
	}
	var plan, config cdnPrefetchModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	state, diags := priorModel[cdnPrefetchModel](ctx, req.State)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	r.data.planTarget(ctx, config.cdnTarget, &plan.cdnTarget, targetOf(state, func(m *cdnPrefetchModel) cdnTarget { return m.cdnTarget }), resp, "prefetch")
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	if !resp.Diagnostics.HasError() && sendsRequest(req, resp) {
		resp.Diagnostics.Append(r.data.check(ctx, plan.planned())...)
	}
}

func (r *cdnPrefetchResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{resourcevalidator.ExactlyOneOf(targetExpressions()...)}
}

func (r *cdnPrefetchResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan cdnPrefetchModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultTimeout)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	failure := requestFailure{noun: "prefetch", timeout: createTimeout, afterwards: nothingPrefetched}
	id, _, diags := r.data.resolve(ctx, plan.cdnTarget, "prefetch")
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	plan.ResourceID = types.NumberValue(new(big.Float).SetInt64(id))
	result, diags := r.data.prefetch(ctx, tfsdk.Config(req.Plan), plan.prefetchArguments, failure, nil)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	plan.ID = types.StringValue(rand.Text())
	plan.PrefetchedAt = timetypes.NewRFC3339TimeValue(result.AcceptedAt.UTC())
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}
