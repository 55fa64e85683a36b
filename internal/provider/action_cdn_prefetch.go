package provider

import (
	"context"

	actiontimeouts "github.com/hashicorp/terraform-plugin-framework-timeouts/action/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/actionvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ action.Action                     = (*cdnPrefetchAction)(nil)
	_ action.ActionWithConfigure        = (*cdnPrefetchAction)(nil)
	_ action.ActionWithConfigValidators = (*cdnPrefetchAction)(nil)
	_ action.ActionWithModifyPlan       = (*cdnPrefetchAction)(nil)
)

// cdnPrefetchAction prefetches when Terraform invokes it (Terraform 1.14 and
// later): from an action_trigger after the upload of the files, or with
// `terraform apply -invoke`. It prefetches through the same scheduler as the
// resources, so that all share the rate limit and can share requests.
type cdnPrefetchAction struct {
	actionBase
}

func newCDNPrefetchAction() action.Action { return &cdnPrefetchAction{} }

type cdnPrefetchActionModel struct {
	prefetchArguments
	Timeouts actiontimeouts.Value `tfsdk:"timeouts"`
}

// prefetchNotKept is what follows a failed prefetch action: an action keeps
// no state.
const prefetchNotKept = "An action keeps nothing in state: invoke it again to prefetch."

func (a *cdnPrefetchAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_cdn_prefetch"
}

func (a *cdnPrefetchAction) Schema(ctx context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Loads files into the cache of a Gcore CDN resource each time it is invoked (prefetch). " +
			"A prefetch never clears the cache: purge changed files first. " +
			"Needs Terraform 1.14 or later; with older versions and OpenTofu, use the `gcore_cdn_prefetch` resource.",
		Attributes: withTarget(actionTargetAttributes(prefetchResourceIDDescription), map[string]schema.Attribute{
			"urls": schema.SetAttribute{
				MarkdownDescription: prefetchURLsDescription,
				ElementType:         types.StringType,
				Required:            true,
				Validators:          prefetchURLsValidators(),
			},
		}),
		Blocks: map[string]schema.Block{
			"timeouts": actionTimeouts(ctx, "How long the prefetch may take, waiting for rate-limit room included: a duration "+
				"such as `90s` or `20m` (default `20m`)."),
		},
	}
}

func (a *cdnPrefetchAction) ConfigValidators(context.Context) []action.ConfigValidator {
	return []action.ConfigValidator{actionvalidator.ExactlyOneOf(targetExpressions()...)}
}

// ModifyPlan fails a plan that would invoke a prefetch that cannot be sent
// (see check).
func (a *cdnPrefetchAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	if a.data == nil {
		return
	}
	var args cdnPrefetchActionModel
	if resp.Diagnostics.Append(req.Config.Get(ctx, &args)...); !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(a.data.check(ctx, args.planned())...)
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
	timeout, diags := args.Timeouts.Invoke(ctx, defaultTimeout)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	failure := requestFailure{noun: "prefetch", timeout: invokeTimeout, afterwards: prefetchNotKept}
	_, diags = a.data.prefetch(ctx, req.Config, args.prefetchArguments, failure, progress(resp, args.cdnTarget))
	resp.Diagnostics.Append(diags...)
}
