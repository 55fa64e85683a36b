package provider

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/gcore-purge/terraform-provider-gcore/internal/completion"
	"github.com/gcore-purge/terraform-provider-gcore/internal/filediff"
	"github.com/gcore-purge/terraform-provider-gcore/internal/scheduler"
)

// deploy is what an apply sends to take the site from its prior state to
// the plan: the purge (by URL, by pattern with purge_directories, or one
// purge of everything above purge_all_above), then with prefetch the files
// to prefetch; and, once sent, how the API took it. The plan works it out
// to say what the apply sends, and the apply works it out again from the
// planned values.
type deploy struct {
	old, next filediff.Files // the prior files (nil on create) and the planned ones
	diff      filediff.Diff
	// purgeAll is set when the diff goes as one purge of everything
	// (purge_all_above).
	purgeAll bool
	// byDirectory is purge_directories: the diff may go partly by pattern.
	byDirectory bool
	// split is what goes by URL and by pattern, unless purgeAll; without
	// patterns (the default), every URL of the diff.
	split    filediff.Split
	prefetch []string // the URLs of the files the apply brought

	// Once sent: each job's result (Accepted holds what the API accepted,
	// less what the purge history reports failed) and error, with why
	// explaining a refusal the API's answer does not.
	urls, patterns sentJob
	// incomplete reports, with wait_for_completion, the purges the history
	// says failed or were still in progress at the timeout.
	incomplete completion.Report
}

// sentJob is how one job of a deploy went.
type sentJob struct {
	result scheduler.Result
	err    error
	why    string
}

// newDeploy is the deploy an apply of plan sends after prior (nil on
// create), every URL by URL until choosePatterns or usePatterns say
// otherwise; known is false while the files are not all known.
func newDeploy(plan, prior object) (dep deploy, known bool) {
	next, known := plan.stringMap(attrFiles)
	if !known {
		return dep, false
	}
	opts := filediff.Options{
		PurgeAdded:    plan.boolean(attrPurgeAdded),
		PurgeRemoved:  plan.boolean(attrPurgeRemoved),
		IndexDocument: plan.str(attrIndexDocument),
	}
	dep.next = next
	switch {
	case prior != nil:
		dep.old, _ = prior.stringMap(attrFiles)
		dep.diff = filediff.Changes(dep.old, next, opts)
	case plan.boolean(attrPurgeOnCreate):
		dep.diff = filediff.Everything(next, opts)
	default:
		return dep, true // adopting a site: nothing is sent
	}
	// purge_all_above wins: it compares the whole diff, before any split.
	limit := plan.number(attrPurgeAllAbove)
	dep.purgeAll = !limit.IsNull() && int64(len(dep.diff.URLs)) > wholeNumber(limit)
	dep.byDirectory = !dep.purgeAll && plan.boolean(attrPurgeDirectories)
	if !dep.purgeAll {
		dep.split = filediff.Split{URLs: dep.diff.URLs}
	}
	if plan.boolean(attrPrefetch) {
		dep.prefetch = filediff.Refreshed(dep.old, next, opts)
	}
	return dep, true
}

// purges reports whether the deploy purges anything.
func (dep deploy) purges() bool { return len(dep.diff.URLs) > 0 }

// empty reports whether the deploy sends nothing at all.
func (dep deploy) empty() bool { return !dep.purges() && len(dep.prefetch) == 0 }

// choosePatterns splits the diff, with purge_directories, between the
// patterns of whole directories and URLs, so that the purge finishes
// soonest at limits with the two queues side by side.
func (dep *deploy) choosePatterns(limits scheduler.Limits) {
	if !dep.byDirectory || !dep.purges() {
		return
	}
	dirs := dep.diff.Directories(dep.old, dep.next)
	if len(dirs) == 0 {
		return
	}
	dep.split = dep.diff.SplitByDirectory(dirs, func(urls, patterns int) time.Duration {
		return max(limits.Estimate(scheduler.PurgeByURL, urls).Minimum, limits.Estimate(scheduler.PurgeByPattern, patterns).Minimum)
	})
}

// usePatterns sends the patterns a plan chose, and by URL the rest. It
// refuses a pattern that does not purge a whole directory of this deploy,
// which a plan of the same values cannot have chosen.
func (dep *deploy) usePatterns(patterns []string) diag.Diagnostics {
	var diags diag.Diagnostics
	if len(patterns) == 0 || !dep.purges() || dep.purgeAll {
		return diags
	}
	candidates := map[string]bool{}
	if dep.byDirectory {
		for _, dir := range dep.diff.Directories(dep.old, dep.next) {
			candidates[dir.Pattern] = true
		}
	}
	for _, p := range patterns {
		if !candidates[p] {
			diags.AddAttributeError(path.Root(attrPurgedPatterns), "Planned pattern not applicable", fmt.Sprintf(
				"The plan purges %q, which is not a directory all of whose files this apply purges; nothing was sent. "+
					"Please report this issue, then plan again.", p))
		}
	}
	if !diags.HasError() {
		dep.split = dep.diff.SplitWith(patterns)
	}
	return diags
}

// purgeKind is the kind of request the deploy's purge goes as first.
func (dep deploy) purgeKind() scheduler.Kind {
	switch {
	case dep.purgeAll:
		return scheduler.PurgeAll
	case len(dep.split.URLs) == 0 && len(dep.split.Patterns) > 0:
		return scheduler.PurgeByPattern
	default:
		return scheduler.PurgeByURL
	}
}

// planned is the request the plan of dep would send first, to the CDN
// resource of plan: its purge, or its prefetch; with a purge by URL, the
// warning of a CDN resource that cannot purge by URL goes on files.
func (dep deploy) planned(plan object) plannedRequest {
	p := plannedRequest{target: plan.target(), kind: dep.purgeKind()}
	if !dep.purges() {
		p.kind = scheduler.Prefetch
	}
	if p.kind == scheduler.PurgeByURL {
		files := path.Root(attrFiles)
		p.byURL = &files
	}
	return p
}

// reasons maps the URLs the deploy purges by URL (every URL of the diff for
// a purge of everything, which they called for) to why.
func (dep deploy) reasons() map[string]string {
	urls := dep.split.URLs
	if dep.purgeAll {
		urls = dep.diff.URLs
	}
	return dep.diff.Reasons(dep.old, dep.next, urls)
}

// timeout is the setting that bounds the apply of o, creating or not, and
// its value (defaultTimeout when unset).
func timeout(o object, creating bool) (time.Duration, timeoutSetting) {
	name, setting := "update", updateTimeout
	if creating {
		name, setting = "create", createTimeout
	}
	if d, err := time.ParseDuration(o.block(attrTimeouts).str(name)); err == nil && d > 0 {
		return d, setting
	}
	return defaultTimeout, setting
}

// checkTime refuses a first apply that cannot finish within timeouts.create
// at limits, and warns of an update that cannot: a create cannot keep
// partial progress (Terraform replaces a failed create with a new object),
// an update can. The estimate is a lower bound: the purge's requests by URL
// and by pattern side by side, each queue at its own limit, then the
// prefetch's.
func (dep deploy) checkTime(creating bool, limit time.Duration, setting timeoutSetting, limits scheduler.Limits) diag.Diagnostics {
	var diags diag.Diagnostics
	step := func(kind scheduler.Kind, verb, noun string, n int) (time.Duration, string) {
		e := limits.Estimate(kind, n)
		return e.Minimum, fmt.Sprintf("%s %s takes at least %d requests of at most %d %ss at the limit of %s (%s)",
			verb, countOf(n, noun), e.Requests, e.PerRequest, noun, e.Limit, e.LimitSource)
	}
	var minimum time.Duration
	var steps []string
	if !dep.purgeAll {
		var purge []string
		var purgeTime time.Duration
		if n := len(dep.split.URLs); n > 0 {
			d, s := step(scheduler.PurgeByURL, "purging", "URL", n)
			purgeTime, purge = d, append(purge, s)
		}
		if n := len(dep.split.Patterns); n > 0 {
			d, s := step(scheduler.PurgeByPattern, "purging", "pattern", n)
			purgeTime, purge = max(purgeTime, d), append(purge, s)
		}
		minimum = purgeTime
		if len(purge) > 0 {
			steps = append(steps, strings.Join(purge, " and, side by side, "))
		}
	}
	if n := len(dep.prefetch); n > 0 {
		d, s := step(scheduler.Prefetch, "prefetching", "URL", n)
		minimum += d
		steps = append(steps, s)
	}
	if minimum <= limit {
		return diags
	}
	need := fmt.Sprintf("%s: at least %s, longer than %s (%s). The estimate is a lower bound: other purges of this CDN "+
		"resource share the limits.", capitalized(strings.Join(steps, ", then ")), minimum.Round(time.Second), setting, limit)
	prefetchOut := ""
	if len(dep.prefetch) > 0 {
		prefetchOut = ", set prefetch = false"
	}
	directories := ""
	if !dep.byDirectory && len(dep.split.URLs) > 0 {
		directories = ", set purge_directories = true to purge whole directories by pattern where that is faster"
	}
	if creating {
		diags.AddAttributeError(path.Root(attrFiles), "First purge cannot finish within timeouts.create", need+
			"\n\nA failed create cannot keep what it purged, so this one does not start. Raise timeouts.create"+prefetchOut+
			directories+", set purge_all_above to purge everything at once above a number of URLs, or set purge_on_create = false "+
			"to record the files without purging them.")
	} else {
		diags.AddAttributeWarning(path.Root(attrFiles), "Purge may not finish within timeouts.update", need+
			"\n\nIf it times out, the state keeps what was purged and the next apply purges the rest. Raise "+
			"timeouts.update"+prefetchOut+directories+" or set purge_all_above to avoid that.")
	}
	return diags
}

// failed reports whether the purge, or its completion, failed.
func (dep deploy) failed() bool {
	return dep.urls.err != nil || dep.patterns.err != nil || dep.incomplete.Err() != nil
}

// failure is the error of a failed apply, bounded by setting; afterwards
// says what the state keeps, and ends the last diagnostic.
func (dep deploy) failure(resourceID int64, setting timeoutSetting, afterwards string) diag.Diagnostics {
	var diags diag.Diagnostics
	jobs := []sentJob{dep.urls, dep.patterns}
	jobs = slices.DeleteFunc(jobs, func(j sentJob) bool { return j.err == nil })
	if len(jobs) == 0 {
		return incompleteError(dep.incomplete, afterwards)
	}
	for i, j := range jobs {
		after := ""
		if i == len(jobs)-1 {
			after = afterwards
		}
		f := requestFailure{noun: "purge", timeout: setting, afterwards: joinParagraphs(j.why, after)}
		diags.Append(f.diagnostics(j.err, resourceID)...)
	}
	return diags
}

// acceptedAt is when the API accepted the last request of the deploy.
func (dep deploy) acceptedAt() time.Time {
	return later(dep.urls.result.AcceptedAt, dep.patterns.result.AcceptedAt)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// countOf is n of noun, in the plural unless n is 1: "1 URL", "3 patterns".
func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
