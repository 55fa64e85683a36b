package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// What the resources and actions that stand for one request to CDN resource
// resource_id (gcore_cdn_purge, gcore_cdn_prefetch) share when planned.

// sendsRequest reports whether a planned change of such a resource sends its
// request: a create or a replacement. An update changes only timeouts, and a
// destroy only forgets; neither sends anything.
func sendsRequest(req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) bool {
	return !req.Plan.Raw.IsNull() && (req.State.Raw.IsNull() || len(resp.RequiresReplace) > 0)
}

// checkPlannedRequest fails a plan that would send a request to CDN resource
// resourceID without an API key, or that the API would refuse (checkPurge,
// with its byURL), so that the user learns it before apply. A resource_id
// unknown until apply is checked then, by the request itself.
func (d *providerData) checkPlannedRequest(ctx context.Context, resourceID types.Int64, byURL *path.Path) diag.Diagnostics {
	diags := d.requireAPIKey()
	if !resourceID.IsUnknown() && !resourceID.IsNull() {
		diags.Append(d.checkPurge(ctx, resourceID.ValueInt64(), byURL)...)
	}
	return diags
}
