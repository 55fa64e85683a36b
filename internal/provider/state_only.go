package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// stateOnly is the part shared by the resources that stand for requests sent
// to the API (a purge, a prefetch): a request leaves nothing in the API to
// read, import or delete, so the resource lives only in Terraform's state.
// Each resource embeds it and says, in importAdvice, how to bring it under
// Terraform instead of importing it.
type stateOnly struct {
	data         *providerData
	importAdvice string
}

func (r *stateOnly) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	data, diags := configuredData(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = data
}

// Read keeps the state as it is: a request leaves nothing in the API to read.
func (r *stateOnly) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

// Update stores the plan and sends nothing: it happens only when timeouts or
// wait_for_completion change, every other argument forcing a replacement.
// Resources whose update sends requests define their own.
func (r *stateOnly) Update(_ context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.State.Raw = req.Plan.Raw
}

// ImportState refuses with advice: there is nothing in the API to import.
func (r *stateOnly) ImportState(_ context.Context, _ resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resp.Diagnostics.AddError("Resource cannot be imported",
		"This resource stands for a request sent to the Gcore API, which leaves nothing there to import: "+
			"it exists only in Terraform's state. "+r.importAdvice)
}

// Delete sends nothing: a purge cannot be undone, and loaded files stay in
// the cache until they expire or are purged; destroying only forgets.
func (r *stateOnly) Delete(ctx context.Context, _ resource.DeleteRequest, _ *resource.DeleteResponse) {
	tflog.Debug(ctx, "removing the resource from state; nothing is sent to the API")
}

// sendsRequest reports whether a planned change of a resource whose every
// argument but timeouts forces a replacement sends its request: a create or
// a replacement. An update changes only settings, and a destroy only
// forgets; neither sends anything.
func sendsRequest(req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) bool {
	return !req.Plan.Raw.IsNull() && (req.State.Raw.IsNull() || len(resp.RequiresReplace) > 0)
}

// actionBase is the part shared by the actions: the provider data, and how
// Terraform hears of their progress.
type actionBase struct {
	data *providerData
}

func (a *actionBase) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	data, diags := configuredData(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	a.data = data
}

// progress reports the scheduler's news as Terraform shows an action's
// progress, naming the CDN resource as the configuration does.
func progress(resp *action.InvokeResponse, t cdnTarget) func(string) {
	subject := fmt.Sprintf("CDN resource %s: ", t.CName.ValueString())
	if !t.ResourceID.IsNull() {
		subject = fmt.Sprintf("CDN resource %d: ", wholeNumber(t.ResourceID))
	}
	return func(msg string) { resp.SendProgress(action.InvokeProgressEvent{Message: subject + msg}) }
}

// priorModel reads the state before a planned change into an M; nil when
// there is none (a create).
func priorModel[M any](ctx context.Context, state tfsdk.State) (*M, diag.Diagnostics) {
	if state.Raw.IsNull() {
		return nil, nil
	}
	var m M
	diags := state.Get(ctx, &m)
	return &m, diags
}

// targetOf is the CDN target of a prior state; nil when there is none.
func targetOf[M any](state *M, target func(*M) cdnTarget) *cdnTarget {
	if state == nil {
		return nil
	}
	t := target(state)
	return &t
}
