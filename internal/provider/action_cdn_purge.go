package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/actionvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ action.Action                     = (*cdnPurgeAction)(nil)
	_ action.ActionWithConfigure        = (*cdnPurgeAction)(nil)
	_ action.ActionWithConfigValidators = (*cdnPurgeAction)(nil)
	_ action.ActionWithModifyPlan       = (*cdnPurgeAction)(nil)
)

// cdnPurgeAction purges when Terraform invokes it (Terraform 1.14 and later):
// from an action_trigger after the upload of the files, or with
// `terraform apply -invoke`. It purges through the same scheduler as the
// resource, so that both share the rate limits and can share requests.
type cdnPurgeAction struct {
	data *providerData
}

func newCDNPurgeAction() action.Action { return &cdnPurgeAction{} }

type cdnPurgeActionModel struct {
	purgeArguments
	Timeout           types.String `tfsdk:"timeout"`
	WaitForCompletion types.Bool   `tfsdk:"wait_for_completion"`
}

func (a *cdnPurgeAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_cdn_purge"
}

func (a *cdnPurgeAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Purges the cache of a Gcore CDN resource each time it is invoked: by URL, by pattern or all of it. " +
			"Needs Terraform 1.14 or later; with older versions and OpenTofu, use the `gcore_cdn_purge` resource.",
		Attributes: map[string]schema.Attribute{
			"resource_id": schema.Int64Attribute{
				MarkdownDescription: resourceIDDescription,
				Required:            true,
				Validators:          resourceIDValidators(),
			},
			"urls": schema.SetAttribute{
				MarkdownDescription: urlsDescription,
				ElementType:         types.StringType,
				Optional:            true,
				Validators:          urlsValidators(),
			},
			"paths": schema.SetAttribute{
				MarkdownDescription: pathsDescription,
				ElementType:         types.StringType,
				Optional:            true,
				Validators:          pathsValidators(),
			},
			"purge_all": schema.BoolAttribute{
				MarkdownDescription: purgeAllDescription,
				Optional:            true,
				Validators:          purgeAllValidators(),
			},
			"timeout": schema.StringAttribute{
				MarkdownDescription: "How long the purge may take, waiting for rate-limit room included: a duration such as " +
					"`90s` or `20m` (default `20m`).",
				Optional:   true,
				Validators: []validator.String{positiveDuration()},
			},
			"wait_for_completion": schema.BoolAttribute{
				MarkdownDescription: waitForCompletionDescription,
				Optional:            true,
			},
		},
	}
}

func (a *cdnPurgeAction) ConfigValidators(context.Context) []action.ConfigValidator {
	return []action.ConfigValidator{actionvalidator.ExactlyOneOf(purgeModeExpressions()...)}
}

func (a *cdnPurgeAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	data, diags := configuredData(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	a.data = data
}

// ModifyPlan fails a plan that would invoke the action without an API key,
// or that the API would refuse (checkPurge).
func (a *cdnPurgeAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	if a.data == nil {
		return
	}
	var args cdnPurgeActionModel
	if resp.Diagnostics.Append(req.Config.Get(ctx, &args)...); !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(a.data.checkPlannedRequest(ctx, args.ResourceID, args.byURL())...)
	}
}

func (a *cdnPurgeAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var args cdnPurgeActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &args)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if a.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	timeout, diags := invokeTimeout(args.Timeout)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	progress := invokeProgress(resp, args.ResourceID.ValueInt64())
	_, diags = a.data.sendPurge(ctx, req.Config, args.purgeArguments, timeout, args.WaitForCompletion.ValueBool(), progress)
	resp.Diagnostics.Append(diags...)
}
