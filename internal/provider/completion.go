package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gcore-purge/terraform-provider-gcore/internal/completion"
	"github.com/gcore-purge/terraform-provider-gcore/internal/scheduler"
)

// waitForCompletionDescription describes wait_for_completion, the same on
// every resource and action that purges.
const waitForCompletionDescription = "After the API accepted the purge, wait until Gcore's purge history (beta) reports it " +
	"done, within the same timeout. A purge it reports failed, or still in progress at the timeout, is an error; one " +
	"it cannot confirm (status reports disabled for the account, not found in the history within 2 minutes) is a " +
	"warning. Default `false`."

// awaitCompletion waits until Gcore's purge history says the requests of
// result were carried out on CDN resource resourceID, or until ctx ends.
// The report says how each ended (incompleteError turns failures into an
// error); the diagnostics warn of any whose completion could not be
// confirmed. progress, if not nil, hears how many are done.
func (d *providerData) awaitCompletion(ctx context.Context, resourceID int64, result scheduler.Result,
	progress scheduler.Progress,
) (completion.Report, diag.Diagnostics) {
	var diags diag.Diagnostics
	ctx = d.mask(ctx)
	res, err := d.cdnResources.get(ctx, resourceID)
	if err == nil && res.Cname == "" {
		err = fmt.Errorf("the API did not say its delivery domain (cname)")
	}
	if err != nil {
		diags.AddWarning("Purge completion not confirmed", fmt.Sprintf("The API accepted the purge, but its completion could "+
			"not be confirmed: the purge history is searched by the CDN resource's delivery domain, and reading CDN resource "+
			"%d failed: %s.", resourceID, strings.TrimSuffix(err.Error(), ".")))
		return completion.Report{}, diags
	}
	report := d.completion.Wait(ctx, res.Cname, result.Requests, progress)
	tflog.Info(ctx, fmt.Sprintf("purge history of CDN resource %d (%s): %s", resourceID, res.Cname, report.Progress()))
	if warning := report.Warning(); warning != "" {
		diags.AddWarning("Purge completion not confirmed", capitalized(warning)+".")
	}
	return report, diags
}

// incompleteError is the error of a purge the API accepted but whose
// requests the purge history reports failed, or still in progress at the
// timeout; afterwards says what the state keeps. None when all completed.
func incompleteError(report completion.Report, afterwards string) diag.Diagnostics {
	var diags diag.Diagnostics
	if err := report.Err(); err != nil {
		diags.AddError("Purge did not complete", fmt.Sprintf("%s.\n\n%s", capitalized(err.Error()), afterwards))
	}
	return diags
}

// notCarriedOut returns the items of the requests report found failed or
// timed out: what the API accepted but did not purge.
func notCarriedOut(report completion.Report) map[string]bool {
	items := make(map[string]bool)
	for _, o := range report.Outcomes {
		if o.State == completion.Failed || o.State == completion.TimedOut {
			for _, item := range o.Request.Items {
				items[item] = true
			}
		}
	}
	return items
}
