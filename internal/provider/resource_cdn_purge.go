package provider

import (
	"context"
	"crypto/rand"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

var (
	_ resource.Resource                     = (*cdnPurgeResource)(nil)
	_ resource.ResourceWithConfigure        = (*cdnPurgeResource)(nil)
	_ resource.ResourceWithConfigValidators = (*cdnPurgeResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*cdnPurgeResource)(nil)
	_ resource.ResourceWithImportState      = (*cdnPurgeResource)(nil)
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
	ID       types.String `tfsdk:"id"`
	Triggers types.Map    `tfsdk:"triggers"`
	// WaitForCompletion is unset (false) unless configured, with no default,
	// so that a state written before it existed plans no change.
	WaitForCompletion types.Bool        `tfsdk:"wait_for_completion"`
	PurgedAt          timetypes.RFC3339 `tfsdk:"purged_at"`
	Timeouts          timeouts.Value    `tfsdk:"timeouts"`
}

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
				// A string in state as before, so existing state reads as it is.
				CustomType:          timetypes.RFC3339Type{},
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

// ModifyPlan fails a plan that would purge without an API key, or that the
// API would refuse (checkPurge), so that the user learns it before apply; a
// plan that purges nothing needs no key and reads nothing.
func (r *cdnPurgeResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.data == nil || !sendsRequest(req, resp) {
		return
	}
	var plan cdnPurgeModel
	if resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...); !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(r.data.checkPlannedRequest(ctx, plan.ResourceID, plan.byURL())...)
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
	result, diags := r.data.sendPurge(ctx, tfsdk.Config{Raw: req.Plan.Raw, Schema: req.Plan.Schema}, plan.purgeArguments, timeout,
		plan.WaitForCompletion.ValueBool(), nil)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = types.StringValue(rand.Text())
	plan.PurgedAt = timetypes.NewRFC3339TimeValue(result.AcceptedAt.UTC())
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

// ImportState refuses with advice: a purge leaves nothing in the API to
// import.
func (r *cdnPurgeResource) ImportState(_ context.Context, _ resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	refuseImport(resp, "Add the gcore_cdn_purge resource to the configuration instead: the next apply purges.")
}

// Delete sends nothing: a purge cannot be undone, and destroying the resource
// only forgets it.
func (r *cdnPurgeResource) Delete(ctx context.Context, _ resource.DeleteRequest, _ *resource.DeleteResponse) {
	tflog.Debug(ctx, "removing the purge from state; nothing is sent to the API")
}
