package provider

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gcore-purge/terraform-provider-gcore/internal/scheduler"
)

// ApplyResourceChange sends what takes the site from the prior state to the
// plan, within timeouts.create or timeouts.update, and returns the state
// that records it. Destroying sends nothing.
func (s *changedFilesServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	resp := &tfprotov6.ApplyResourceChangeResponse{NewState: req.PlannedState, Private: req.PlannedPrivate}
	plan, err := decodeObject(req.PlannedState, changedFilesType)
	if err != nil {
		resp.Diagnostics = internalError("read the plan", err)
		return resp, nil
	}
	if plan == nil {
		tflog.Debug(ctx, "removing the resource from state; nothing is sent to the API")
		return resp, nil
	}
	prior, err := decodeObject(req.PriorState, changedFilesType)
	if err != nil {
		resp.Diagnostics = internalError("read the prior state", err)
		return resp, nil
	}
	state, diags := s.apply(ctx, plan, prior)
	resp.Diagnostics = protocolDiagnostics(diags)
	if resp.NewState, err = state.encode(changedFilesType); err != nil {
		resp.Diagnostics = append(resp.Diagnostics, internalError("write the state", err)...)
	}
	return resp, nil
}

// apply checks the planned values again, now that all are known, sends the
// deploy and returns the state to record: plan with what was purged; prior
// (nil on create) when nothing was sent; on a failed update, the new version
// of exactly the files purged.
func (s *changedFilesServer) apply(ctx context.Context, plan, prior object) (object, diag.Diagnostics) {
	creating := prior == nil
	data := s.shared.get()
	if data == nil {
		return prior, diag.Diagnostics{notConfigured()}
	}
	ctx = data.mask(ctx)
	diags := validateChangedFiles(ctx, plan)
	if diags.HasError() {
		return prior, diags
	}
	if !plan[attrResourceID].IsKnown() {
		// Named by a cname the plan did not look up (plan_checks off).
		id, ok, targetDiags := data.resolve(ctx, plan.target(), "purge")
		if diags.Append(targetDiags...); !ok {
			return prior, diags
		}
		plan.set(attrResourceID, tftypes.NewValue(tftypes.Number, new(big.Float).SetInt64(id)))
	}
	if creating {
		plan.set(attrID, stringValue(rand.Text()))
	}
	dep, _ := newDeploy(plan, prior)
	if dep.empty() {
		keepPurged(plan, prior)
		return plan, diags
	}
	diags.Append(data.requireAPIKey()...)
	limits, _ := data.scheduler.Limits(ctx)
	if patterns, known := plan.stringList(attrPurgedPatterns); known {
		diags.Append(dep.usePatterns(patterns)...) // as planned
	} else {
		dep.choosePatterns(limits)
	}
	limit, setting := timeout(plan, creating)
	diags.Append(dep.checkTime(creating, limit, setting, limits)...)
	if diags.HasError() {
		return prior, diags
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	id := wholeNumber(plan.number(attrResourceID))
	if dep.purges() {
		diags.Append(purge(ctx, data, id, &dep, plan.boolean(attrWaitForCompletion))...)
	}
	if !dep.failed() && len(dep.prefetch) > 0 {
		diags.Append(prefetchBrought(ctx, data, id, dep.prefetch)...)
	}
	switch {
	case dep.failed() && creating:
		// Terraform replaces a failed create with a new object, so what the
		// API accepted cannot be kept: nothing goes to state.
		diags.Append(dep.failure(id, setting, "Nothing was written to state: the next apply purges every file again.")...)
		return nil, diags
	case dep.failed():
		diags.Append(recordPartialPurge(plan, prior, dep, id)...)
	case dep.purges():
		setPurged(plan, dep)
		plan.set(attrPurgedAt, timestamp(dep.acceptedAt()))
	default:
		keepPurged(plan, prior)
	}
	return plan, diags
}

// purge sends dep's purge: one purge of everything, or its URLs and its
// patterns side by side, each kind in its own queue; with wait, it then
// waits until the purge history says every request is done. dep records how
// it went.
func purge(ctx context.Context, data *providerData, id int64, dep *deploy, wait bool) diag.Diagnostics {
	if dep.purgeAll {
		dep.urls.result, dep.urls.err = data.send(ctx, scheduler.Job{ResourceID: id, Kind: scheduler.PurgeAll})
		if dep.urls.err == nil {
			dep.urls.result.Accepted = dep.diff.URLs
		}
	} else {
		// Each queue logs with a context of its own: terraform-plugin-log
		// masks the fields of a context in place, so two goroutines logging
		// through one context race; tflog.SetField copies them.
		var wg sync.WaitGroup
		if len(dep.split.URLs) > 0 {
			ctx := tflog.SetField(ctx, "queue", scheduler.PurgeByURL.Noun())
			wg.Go(func() {
				dep.urls.result, dep.urls.err = data.send(ctx, scheduler.Job{ResourceID: id, Kind: scheduler.PurgeByURL, Items: dep.split.URLs})
			})
		}
		if len(dep.split.Patterns) > 0 {
			ctx := tflog.SetField(ctx, "queue", scheduler.PurgeByPattern.Noun())
			wg.Go(func() {
				dep.patterns.result, dep.patterns.err = data.send(ctx,
					scheduler.Job{ResourceID: id, Kind: scheduler.PurgeByPattern, Items: dep.split.Patterns})
			})
		}
		wg.Wait()
		if dep.urls.err != nil {
			dep.urls.why = data.explainURLRefusal(ctx, id, dep.urls.err)
		}
	}
	if !wait || dep.urls.err != nil || dep.patterns.err != nil {
		return nil
	}
	purges := slices.Concat(dep.urls.result.Purges, dep.patterns.result.Purges)
	report, diags := data.awaitCompletion(ctx, id, purges, nil)
	if report.Err() != nil {
		dep.incomplete = report
		failed := notCarriedOut(report)
		drop := func(items []string) []string {
			return slices.DeleteFunc(slices.Clone(items), func(item string) bool { return dep.purgeAll || failed[item] })
		}
		dep.urls.result.Accepted = drop(dep.urls.result.Accepted)
		dep.patterns.result.Accepted = drop(dep.patterns.result.Accepted)
	}
	return diags
}

// prefetchBrought loads urls, the files the deploy brought, into the CDN
// after their purge. It only speeds up the first visits: a failure is a
// warning naming the URLs not prefetched, and the purge stays recorded.
func prefetchBrought(ctx context.Context, data *providerData, id int64, urls []string) diag.Diagnostics {
	var diags diag.Diagnostics
	result, err := data.send(ctx, scheduler.Job{ResourceID: id, Kind: scheduler.Prefetch, Items: urls})
	if err == nil {
		return diags
	}
	done := make(map[string]bool, len(result.Accepted))
	for _, u := range result.Accepted {
		done[u] = true
	}
	missed := slices.DeleteFunc(slices.Clone(urls), func(u string) bool { return done[u] })
	diags.AddAttributeWarning(path.Root(attrPrefetch), "Prefetch incomplete", fmt.Sprintf("The %s.\n\nThe purge is recorded; "+
		"%s of %d were not prefetched, and will load into the CDN at their first request: %s.",
		strings.TrimSuffix(err.Error(), "."), pluralURLs(len(missed)), len(urls), clippedList(missed, 20)))
	return diags
}

// recordPartialPurge records in plan what an update that failed part-way
// purged: the new version of the files whose URLs the API accepted or whose
// directory an accepted pattern covers, the old version (or the removed file
// itself) for the rest, so that the next apply purges exactly the
// remainder. It returns the diagnostics that say what failed, how much was
// purged and what remains.
func recordPartialPurge(plan, prior object, dep deploy, id int64) diag.Diagnostics {
	urls := slices.Sorted(slices.Values(dep.urls.result.Accepted))
	patterns := slices.Sorted(slices.Values(dep.patterns.result.Accepted))
	settled, remaining := dep.diff.Settle(dep.old, dep.next, urls, patterns)
	plan.set(attrFiles, stringMapValue(settled))
	reasons := dep.diff.Reasons(dep.old, dep.next, urls)
	plan.set(attrPurgedURLCount, intValue(len(reasons)))
	plan.set(attrPurgedURLs, stringMapValue(reasons))
	plan.set(attrPurgedPatterns, stringListValue(patterns))
	plan.set(attrPurgedAll, boolValue(false))
	plan.set(attrPurgedAt, prior[attrPurgedAt])
	if len(urls)+len(patterns) > 0 {
		plan.set(attrPurgedAt, timestamp(dep.acceptedAt()))
	}
	total := len(dep.diff.URLs)
	byPattern := ""
	if len(patterns) > 0 {
		byPattern = fmt.Sprintf(" (%s accepted, covering the URLs under %s)", countOf(len(patterns), "pattern"), strings.Join(patterns, ", "))
	}
	afterwards := fmt.Sprintf("%s of %d were purged before the failure%s and %d remain. The state records the new version "+
		"of exactly the files purged, so the next plan shows, and the next apply purges, only the remaining ones.",
		pluralURLs(total-remaining), total, byPattern, remaining)
	if refused := dep.diff.FilesOf(refusedItems(dep.urls.err)); len(refused) > 0 {
		afterwards += "\n\nThe API refused the URLs of these files: " + quotedList(refused) + "."
	}
	if refused := refusedItems(dep.patterns.err); len(refused) > 0 {
		afterwards += "\n\nThe API refused these patterns: " + quotedList(refused) + "."
	}
	return dep.failure(id, updateTimeout, afterwards)
}

// quotedList writes items quoted, separated by commas.
func quotedList(items []string) string {
	quoted := make([]string, len(items))
	for i, item := range items {
		quoted[i] = fmt.Sprintf("%q", item)
	}
	return strings.Join(quoted, ", ")
}
