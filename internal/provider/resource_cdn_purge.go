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
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ resource.Resource                     = (*cdnPurgeResource)(nil)
	_ resource.ResourceWithConfigure        = (*cdnPurgeResource)(nil)
	_ resource.ResourceWithConfigValidators = (*cdnPurgeResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*cdnPurgeResource)(nil)
	_ resource.ResourceWithImportState      = (*cdnPurgeResource)(nil)
)

// cdnPurgeResource is one purge: creating it purges, replacing it purges
// again, destroying it sends nothing.
type cdnPurgeResource struct {
	stateOnly
}

func newCDNPurgeResource() resource.Resource {
	return &cdnPurgeResource{stateOnly{importAdvice: "Add the gcore_cdn_purge resource to the configuration instead: the next apply purges."}}
}

type cdnPurgeModel struct {
	purgeArguments
	ID                types.String      `tfsdk:"id"`
	Triggers          types.Map         `tfsdk:"triggers"`
	WaitForCompletion types.Bool        `tfsdk:"wait_for_completion"`
	PurgedAt          timetypes.RFC3339 `tfsdk:"purged_at"`
	Timeouts          timeouts.Value    `tfsdk:"timeouts"`
}

// nothingRecorded is what follows a failed purge of which nothing is kept.
const nothingRecorded = "Nothing was written to state: the next apply purges again."

func (r *cdnPurgeResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_cdn_purge"
}

func (r *cdnPurgeResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Purges the cache of a Gcore CDN resource: by URL, by pattern or all of it. " +
			"Creating the resource sends the purge; a change of any argument, `triggers` included, purges again. " +
			"Destroying it sends nothing.",
		Attributes: withTarget(resourceTargetAttributes(resourceIDDescription), map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Unique identifier of this purge.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
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
			"wait_for_completion": schema.BoolAttribute{
				MarkdownDescription: waitForCompletionDescription + " Changing it alone purges nothing.",
				Optional:            true,
			},
			"triggers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary values that, when any of them changes, purge again (for example file hashes or a release version).",
				ElementType:         types.StringType,
				Optional:            true,
				PlanModifiers:       []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"purged_at": schema.StringAttribute{
				CustomType:          timetypes.RFC3339Type{},
				MarkdownDescription: "When the API accepted the purge (RFC 3339, UTC).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		}),
		Blocks: map[string]schema.Block{
			"timeouts": resourceTimeouts(ctx, timeouts.Opts{
				Create:            true,
				CreateDescription: "How long a purge may take, waiting for rate-limit room included (default `20m`).",
			}),
		},
	}
}

func (r *cdnPurgeResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(purgeModeExpressions()...),
		resourcevalidator.ExactlyOneOf(targetExpressions()...),
	}
}

// ModifyPlan fails a plan that would purge what cannot be purged (see
// check), so that the user learns it before apply; a plan that purges
// nothing needs no key and reads nothing.
func (r *cdnPurgeResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.data == nil || req.Plan.Raw.IsNull() {
		return
	}
	var plan, config cdnPurgeModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	state, diags := priorModel[cdnPurgeModel](ctx, req.State)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	r.data.planTarget(ctx, config.cdnTarget, &plan.cdnTarget, targetOf(state, func(m *cdnPurgeModel) cdnTarget { return m.cdnTarget }), resp, "purge")
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	if !resp.Diagnostics.HasError() && sendsRequest(req, resp) {
		resp.Diagnostics.Append(r.data.check(ctx, plan.planned())...)
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
	timeout, diags := plan.Timeouts.Create(ctx, defaultTimeout)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	failure := requestFailure{noun: "purge", timeout: createTimeout, afterwards: nothingRecorded}
	id, _, diags := r.data.resolve(ctx, plan.cdnTarget, "purge")
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	plan.ResourceID = types.NumberValue(new(big.Float).SetInt64(id))
	result, diags := r.data.purge(ctx, tfsdk.Config(req.Plan), plan.purgeArguments, plan.WaitForCompletion.ValueBool(), failure, nil)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	plan.ID = types.StringValue(rand.Text())
	plan.PurgedAt = timetypes.NewRFC3339TimeValue(result.AcceptedAt.UTC())
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}
