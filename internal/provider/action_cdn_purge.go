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
	_ action.Action                     = (*cdnPurgeAction)(nil)
	_ action.ActionWithConfigure        = (*cdnPurgeAction)(nil)
	_ action.ActionWithConfigValidators = (*cdnPurgeAction)(nil)
	_ action.ActionWithModifyPlan       = (*cdnPurgeAction)(nil)
)

// cdnPurgeAction purges when Terraform invokes it (Terraform 1.14 and later):
// from an action_trigger after the upload of the files, or with
// `terraform apply -invoke`. It purges through the same scheduler as the
// resources, so that all share the rate limits and can share requests.
type cdnPurgeAction struct {
	actionBase
}

func newCDNPurgeAction() action.Action { return &cdnPurgeAction{} }

type cdnPurgeActionModel struct {
	purgeArguments
	WaitForCompletion types.Bool           `tfsdk:"wait_for_completion"`
	Timeouts          actiontimeouts.Value `tfsdk:"timeouts"`
}

// purgeNotKept is what follows a failed purge action: an action keeps no
// state.
const purgeNotKept = "An action keeps nothing in state: invoke it again to purge."

func (a *cdnPurgeAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_cdn_purge"
}

func (a *cdnPurgeAction) Schema(ctx context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Purges the cache of a Gcore CDN resource each time it is invoked: by URL, by pattern or all of it. " +
			"Needs Terraform 1.14 or later; with older versions and OpenTofu, use the `gcore_cdn_purge` resource.",
		Attributes: withTarget(actionTargetAttributes(resourceIDDescription), map[string]schema.Attribute{
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
			"wait_for_completion": schema.BoolAttribute{
				MarkdownDescription: waitForCompletionDescription,
				Optional:            true,
			},
		}),
		Blocks: map[string]schema.Block{
			"timeouts": actionTimeouts(ctx, "How long the purge may take, waiting for rate-limit room included: a duration "+
				"such as `90s` or `20m` (default `20m`)."),
		},
	}
}

func (a *cdnPurgeAction) ConfigValidators(context.Context) []action.ConfigValidator {
	return []action.ConfigValidator{
		actionvalidator.ExactlyOneOf(purgeModeExpressions()...),
		actionvalidator.ExactlyOneOf(targetExpressions()...),
	}
}

// ModifyPlan fails a plan that would invoke a purge that cannot be sent (see
// check).
func (a *cdnPurgeAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	if a.data == nil {
		return
	}
	var args cdnPurgeActionModel
	if resp.Diagnostics.Append(req.Config.Get(ctx, &args)...); !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(a.data.check(ctx, args.planned())...)
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
	timeout, diags := args.Timeouts.Invoke(ctx, defaultTimeout)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	failure := requestFailure{noun: "purge", timeout: invokeTimeout, afterwards: purgeNotKept}
	_, diags = a.data.purge(ctx, req.Config, args.purgeArguments, args.WaitForCompletion.ValueBool(), failure,
		progress(resp, args.cdnTarget))
	resp.Diagnostics.Append(diags...)
}
