package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gcore-purge/terraform-provider-gcore/internal/completion"
	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/scheduler"
)

// send hands job to the scheduler and waits for it until ctx's deadline,
// which the caller set from its timeout setting; ctx must be masked. The
// scheduler's error is returned as it is, with the partial result.
func (d *providerData) send(ctx context.Context, job scheduler.Job) (scheduler.Result, error) {
	fields := map[string]any{"resource_id": job.ResourceID, "kind": job.Kind.String(), "items": len(job.Items)}
	tflog.Info(ctx, "queueing "+job.Kind.Noun(), fields)
	// The scheduler logs through a copy of ctx's logger fields (SetField
	// copies them): terraform-plugin-log masks the API key in a context's
	// fields in place, so the scheduler's goroutines and this one must not
	// log through one context.
	result, err := d.scheduler.Send(tflog.SetField(ctx, "engine", "scheduler"), job)
	if err == nil {
		fields["requests"], fields["merged_with"] = result.AcceptedRequests, result.Merged
		fields["elapsed"], fields["settled_by_purge_all"] = result.Elapsed.String(), result.SettledByPurgeAll
		tflog.Info(ctx, job.Kind.Noun()+" accepted", fields)
	}
	return result, err
}

// arguments are what a resource or action asks to send, checked once more
// at apply, now that every value is known.
type arguments interface {
	revalidate(ctx context.Context, config tfsdk.Config) diag.Diagnostics
	target() cdnTarget
	job(ctx context.Context, resourceID int64) (scheduler.Job, diag.Diagnostics)
}

// sendArguments checks args once more, resolves the CDN resource they name,
// and sends their job within ctx's deadline. diags stop it before anything
// is sent; err is the scheduler's, with the partial result.
func (d *providerData) sendArguments(ctx context.Context, config tfsdk.Config, args arguments, noun string,
	progress func(string),
) (job scheduler.Job, result scheduler.Result, diags diag.Diagnostics, err error) {
	diags = d.requireAPIKey()
	diags.Append(args.revalidate(ctx, config)...)
	if diags.HasError() {
		return job, result, diags, nil
	}
	id, _, resolveDiags := d.resolve(ctx, args.target(), noun)
	if diags.Append(resolveDiags...); diags.HasError() {
		return job, result, diags, nil
	}
	job, jobDiags := args.job(ctx, id)
	if diags.Append(jobDiags...); diags.HasError() {
		return job, result, diags, nil
	}
	job.Progress = progress
	result, err = d.send(ctx, job)
	return job, result, diags, err
}

// purge purges as args say, within ctx's deadline; with wait, it then
// waits, within the same deadline, until the purge history says the purge is
// done. failure says what follows a failure; progress, if not nil, hears how
// it goes.
func (d *providerData) purge(ctx context.Context, config tfsdk.Config, args purgeArguments, wait bool, failure requestFailure,
	progress func(string),
) (scheduler.Result, diag.Diagnostics) {
	ctx = d.mask(ctx)
	job, result, diags, err := d.sendArguments(ctx, config, args, "purge", progress)
	switch {
	case diags.HasError():
	case err != nil:
		if job.Kind == scheduler.PurgeByURL {
			failure.afterwards = joinParagraphs(d.explainURLRefusal(ctx, job.ResourceID, err), failure.afterwards)
		}
		diags.Append(failure.diagnostics(err, job.ResourceID)...)
	case wait:
		report, waitDiags := d.awaitCompletion(ctx, job.ResourceID, result.Purges, completionProgress(progress))
		diags.Append(waitDiags...)
		diags.Append(incompleteError(report, failure.afterwards)...)
	}
	return result, diags
}

// prefetch prefetches as args say, within ctx's deadline, in the queue of
// the CDN resource's prefetches.
func (d *providerData) prefetch(ctx context.Context, config tfsdk.Config, args prefetchArguments, failure requestFailure,
	progress func(string),
) (scheduler.Result, diag.Diagnostics) {
	ctx = d.mask(ctx)
	job, result, diags, err := d.sendArguments(ctx, config, args, "prefetch", progress)
	if !diags.HasError() && err != nil {
		failure.afterwards = joinParagraphs(refusedURLs(err), failure.afterwards)
		diags.Append(failure.diagnostics(err, job.ResourceID)...)
	}
	return result, diags
}

// refusedURLs names the items a 400 refused by their index in the request
// (which may carry items of other requests it was merged with): the API's
// message says only "paths[3]".
func refusedURLs(err error) string {
	items := refusedItems(err)
	if len(items) == 0 {
		return ""
	}
	for i, item := range items {
		items[i] = fmt.Sprintf("%q", item)
	}
	return "The API refused " + strings.Join(items, ", ") + "."
}

// completionProgress passes the news of a wait for completion on to
// progress, saying what they are about.
func completionProgress(progress func(string)) func(string) {
	if progress == nil {
		return nil
	}
	return func(msg string) { progress("purge history: " + msg) }
}

// awaitCompletion waits until Gcore's purge history says purges, accepted on
// CDN resource resourceID, were carried out, or until ctx ends. The report
// says how each ended (incompleteError turns failures into an error); the
// diagnostics warn of any whose completion could not be confirmed. progress,
// if not nil, hears how many are done.
func (d *providerData) awaitCompletion(ctx context.Context, resourceID int64, purges []gcoreapi.AcceptedPurge,
	progress func(string),
) (completion.Report, diag.Diagnostics) {
	var diags diag.Diagnostics
	res, err := d.cdnResources.Get(ctx, resourceID)
	if err == nil && res.CName == "" {
		err = fmt.Errorf("the API did not say its delivery domain (cname)")
	}
	if err != nil {
		diags.AddWarning("Purge completion not confirmed", fmt.Sprintf("The API accepted the purge, but its completion could "+
			"not be confirmed: the purge history is searched by the CDN resource's delivery domain, and reading CDN resource "+
			"%d failed: %s.", resourceID, strings.TrimSuffix(err.Error(), ".")))
		return completion.Report{}, diags
	}
	report := d.completion.Wait(ctx, res.CName, purges, progress)
	tflog.Info(ctx, fmt.Sprintf("purge history of CDN resource %d (%s): %s", resourceID, res.CName, report.Progress()))
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
		diags.AddError("Purge did not complete", joinParagraphs(capitalized(err.Error())+".", afterwards))
	}
	return diags
}

// notCarriedOut returns the items of the purges report found failed or
// timed out: what the API accepted but did not purge.
func notCarriedOut(report completion.Report) map[string]bool {
	items := make(map[string]bool)
	for _, o := range report.Outcomes {
		if o.State == completion.Failed || o.State == completion.TimedOut {
			for _, item := range o.Purge.Items {
				items[item] = true
			}
		}
	}
	return items
}
