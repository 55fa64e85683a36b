package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gcore-purge/terraform-provider-gcore/internal/scheduler"
)

// PlanResourceChange works out the deploy the apply sends, so that the plan
// holds its URLs in purged_urls (and their number in purged_url_count), its
// patterns in purged_patterns; and refuses at plan what cannot work: a
// purge without an API key, one that the API would refuse (check), a first
// purge that cannot finish within its timeout (checkTime). A destroy plans
// nothing: it sends nothing.
func (s *changedFilesServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	resp := &tfprotov6.PlanResourceChangeResponse{PlannedState: req.ProposedNewState, PlannedPrivate: req.PriorPrivate}
	proposed, err := decodeObject(req.ProposedNewState, changedFilesType)
	if err != nil || proposed == nil {
		if err != nil {
			resp.Diagnostics = internalError("read the proposed plan", err)
		}
		return resp, nil
	}
	config, err := decodeObject(req.Config, changedFilesType)
	if err != nil {
		resp.Diagnostics = internalError("read the configuration", err)
		return resp, nil
	}
	prior, err := decodeObject(req.PriorState, changedFilesType)
	if err != nil {
		resp.Diagnostics = internalError("read the prior state", err)
		return resp, nil
	}
	replace, diags := s.plan(ctx, proposed, config, prior)
	if replace {
		resp.RequiresReplace = []*tftypes.AttributePath{tftypes.NewAttributePath().WithAttributeName(attrResourceID)}
	}
	resp.Diagnostics = protocolDiagnostics(diags)
	if resp.PlannedState, err = proposed.encode(changedFilesType); err != nil {
		resp.Diagnostics = append(resp.Diagnostics, internalError("write the plan", err)...)
	}
	return resp, nil
}

// plan turns the proposed new state into the plan, in place: the defaults of
// the booleans the configuration leaves out, the id, the resource_id a cname
// names, the record of the purge the apply sends. Another CDN resource
// replaces the resource.
func (s *changedFilesServer) plan(ctx context.Context, plan, config, prior object) (replace bool, diags diag.Diagnostics) {
	for name, def := range boolDefaults {
		// Decided by the configuration: for a null optional and computed
		// attribute, the proposed state carries the prior value.
		if config[name].IsNull() {
			plan.set(name, boolValue(def))
		}
	}
	data := s.shared.get()
	if config[attrResourceID].IsNull() && !config[attrCName].IsNull() {
		var state *cdnTarget
		if prior != nil {
			t := prior.target()
			state = &t
		}
		id, targetDiags := data.plannedResourceID(ctx, config.text(attrCName), state, "purge")
		diags.Append(targetDiags...)
		v, err := id.ToTerraformValue(ctx)
		if err != nil {
			return replace, append(diags, diag.NewErrorDiagnostic("Internal error", "resource_id: "+err.Error()))
		}
		plan.set(attrResourceID, v)
	}
	if prior != nil && !plan[attrResourceID].Equal(prior[attrResourceID]) {
		// Another CDN resource is a new resource: Terraform plans its create
		// again, with no prior state.
		replace, prior = true, nil
	}
	if prior == nil {
		plan.set(attrID, unknownValue(tftypes.String))
	} else {
		plan.set(attrID, prior[attrID])
	}
	dep, known := newDeploy(plan, prior)
	if !known {
		// The files are known at apply, which checks them before sending.
		setPurgedUnknown(plan)
		return replace, diags
	}
	limits := scheduler.DocumentedLimits("the provider is not configured yet: its settings are known only at apply")
	if data != nil && !dep.empty() {
		limits = data.planLimits(ctx)
	}
	dep.choosePatterns(limits)
	if dep.purges() {
		setPurged(plan, dep)
		plan.set(attrPurgedAt, unknownValue(tftypes.String))
	} else {
		keepPurged(plan, prior)
	}
	if data != nil && !dep.empty() && !diags.HasError() {
		diags.Append(data.check(ctx, dep.planned(plan))...)
		limit, setting := timeout(plan, prior == nil)
		diags.Append(dep.checkTime(prior == nil, limit, setting, limits)...)
	}
	return replace, diags
}
