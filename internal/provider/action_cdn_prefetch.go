package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ action.Action               = (*cdnPrefetchAction)(nil)
	_ action.ActionWithConfigure  = (*cdnPrefetchAction)(nil)
	_ action.ActionWithModifyPlan = (*cdnPrefetchAction)(nil)
)

// cdnPrefetchAction prefetches when Terraform invokes it (Terraform 1.14 and
// later): from an action_trigger after the upload of the files, or with
// `terraform apply -invoke`. It prefetches through the same scheduler as the
// resource, so that both share the rate limit and can share requests.
type cdnPrefetchAction struct {
	data *providerData
}

func newCDNPrefetchAction() action.Action { return &cdnPrefetchAction{} }

type cdnPrefetchActionModel struct {
	prefetchArguments
	Timeout types.String `tfsdk:"timeout"`
}

func (a *cdnPrefetchAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_cdn_prefetch"
}

func (a *cdnPrefetchAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Loads files into the cache of a Gcore CDN resource each time it is invoked (prefetch). " +
			"A prefetch never clears the cache: purge changed files first. " +
			"Needs Terraform 1.14 or later; with older versions and OpenTofu, use the `gcore_cdn_prefetch` resource.",
		Attributes: map[string]schema.Attribute{
			"resource_id": schema.Int64Attribute{
				MarkdownDescription: prefetchResourceIDDescription,
				Required:            true,
				Validators:          resourceIDValidators(),
			},
			"urls": schema.SetAttribute{
				MarkdownDescription: prefetchURLsDescription,
				ElementType:         types.StringType,
				Required:            true,
				Validators:          prefetchURLsValidators(),
			},
			"timeout": schema.StringAttribute{
				MarkdownDescription: "How long the prefetch may take, waiting for rate-limit room included: a duration such as " +
					"`90s` or `20m` (default `20m`).",
				Optional:   true,
				Validators: []validator.String{positiveDuration()},
			},
		},
	}
}

func (a *cdnPrefetchAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	data, diags := configuredData(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	a.data = data
}

// ModifyPlan fails a plan that would invoke the action without an API key,
// or that the API would refuse (checkPurge).
func (a *cdnPrefetchAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	if a.data == nil {
		return
	}
	var args cdnPrefetchActionModel
	if resp.Diagnostics.Append(req.Config.Get(ctx, &args)...); !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(a.data.checkPlannedRequest(ctx, args.ResourceID, nil)...)
	}
}

func (a *cdnPrefetchAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var args cdnPrefetchActionModel
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
	_, diags = a.data.sendPrefetch(ctx, req.Config, args.prefetchArguments, timeout, progress)
	resp.Diagnostics.Append(diags...)
}
