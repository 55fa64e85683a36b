package provider

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/numberplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gcore-purge/terraform-provider-gcore/internal/completion"
	"github.com/gcore-purge/terraform-provider-gcore/internal/filediff"
	"github.com/gcore-purge/terraform-provider-gcore/internal/purgerules"
	"github.com/gcore-purge/terraform-provider-gcore/internal/scheduler"
)

var (
	_ resource.Resource                = (*cdnPurgeChangedFilesResource)(nil)
	_ resource.ResourceWithConfigure   = (*cdnPurgeChangedFilesResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*cdnPurgeChangedFilesResource)(nil)
	_ resource.ResourceWithImportState = (*cdnPurgeChangedFilesResource)(nil)
)

// cdnPurgeChangedFilesResource purges what a deploy changed. It keeps the
// version of every file of the site in state and, on each apply, purges the
// files whose version changed (and those added or removed, as configured) in
// as few requests as the limits allow. Like every purge it lives only in
// state: destroying it sends nothing.
type cdnPurgeChangedFilesResource struct {
	stateOnly
}

func newCDNPurgeChangedFilesResource() resource.Resource {
	return &cdnPurgeChangedFilesResource{stateOnly{importAdvice: "To adopt a deployed site without purging it, add the " +
		"resource with purge_on_create = false: the first apply records the files and purges nothing."}}
}

type cdnPurgeChangedFilesModel struct {
	ID                types.String      `tfsdk:"id"`
	ResourceID        types.Number      `tfsdk:"resource_id"`
	Files             types.Map         `tfsdk:"files"`
	PurgeRemoved      types.Bool        `tfsdk:"purge_removed"`
	PurgeAdded        types.Bool        `tfsdk:"purge_added"`
	PurgeOnCreate     types.Bool        `tfsdk:"purge_on_create"`
	PurgeAllAbove     types.Number      `tfsdk:"purge_all_above"`
	IndexDocument     types.String      `tfsdk:"index_document"`
	WaitForCompletion types.Bool        `tfsdk:"wait_for_completion"`
	Prefetch          types.Bool        `tfsdk:"prefetch"`
	PurgedURLs        types.List        `tfsdk:"purged_urls"`
	PurgedAll         types.Bool        `tfsdk:"purged_all"`
	PurgedAt          timetypes.RFC3339 `tfsdk:"purged_at"`
	Timeouts          timeouts.Value    `tfsdk:"timeouts"`
}

func (r *cdnPurgeChangedFilesResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_cdn_purge_changed_files"
}

func (r *cdnPurgeChangedFilesResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Purges exactly the files a deploy changed, at any scale: it keeps the version of every file in " +
			"state and, on each apply, purges by URL the files whose version changed, in as few requests as the limits allow. " +
			"Destroying it sends nothing.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Unique identifier of this resource.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"resource_id": schema.NumberAttribute{
				MarkdownDescription: resourceIDDescription + " Changing it replaces the resource.",
				Required:            true,
				Validators:          resourceIDValidators(),
				PlanModifiers:       []planmodifier.Number{numberplanmodifier.RequiresReplace()},
			},
			"files": schema.MapAttribute{
				MarkdownDescription: "The files of the site: each key is a file's path as the CDN serves it, starting with `/` " +
					"(no scheme, host, query string or fragment; `\"/${f}\"` over `fileset`), each value its version, any non-empty " +
					"string that changes when the content does (`filemd5(...)`, an ETag, a build id). Keys are sent as a browser " +
					"requests them: spaces, non-ASCII and reserved characters other than `/` are percent-encoded, an existing `%XX` is " +
					"kept. Any number of entries: the provider sends as many requests as needed. An empty map purges nothing.",
				ElementType: types.StringType,
				Required:    true,
				Validators:  filesValidators(),
			},
			"purge_removed": schema.BoolAttribute{
				MarkdownDescription: "Purge the files removed from `files`, so that they stop being served. Default `true`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(true),
			},
			"purge_added": schema.BoolAttribute{
				MarkdownDescription: "Purge the files added to `files`. Default `false`: a new file has nothing cached, " +
					"unless the CDN cached a 404 for its URL.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"purge_on_create": schema.BoolAttribute{
				MarkdownDescription: "Purge every file when the resource is created. Default `true`; `false` adopts a " +
					"deployed site without a purge.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"purge_all_above": schema.NumberAttribute{
				MarkdownDescription: "When an apply would purge more URLs than this, send one purge of everything instead. " +
					"Unset: never purge everything.",
				Optional:   true,
				Validators: []validator.Number{positiveWholeNumber("a number of URLs, such as 1000")},
			},
			"index_document": schema.StringAttribute{
				MarkdownDescription: "The file a directory URL serves, such as `index.html`: a purged `/docs/index.html` " +
					"also purges `/docs/` (and `/index.html` purges `/`), which the CDN caches apart.",
				Optional:   true,
				Validators: []validator.String{indexDocument()},
			},
			"wait_for_completion": schema.BoolAttribute{
				MarkdownDescription: waitForCompletionDescription + " With it, the files of a request the history reports " +
					"failed keep their old version in state, so that the next apply purges them again. Changing it alone purges nothing.",
				Optional: true,
			},
			"prefetch": schema.BoolAttribute{
				MarkdownDescription: "After the purge (and its completion, with `wait_for_completion`), prefetch the files the " +
					"apply brought: the changed and added ones, not the removed ones, so that the CDN holds them before the " +
					"first visitor asks. A prefetch that fails is a warning naming the files not prefetched; the purge is " +
					"recorded. Default `false`. Changing it alone sends nothing.",
				Optional: true,
			},
			"purged_urls": schema.ListAttribute{
				MarkdownDescription: "The URLs the latest purge cleared, sorted, as sent. Planned, so that `terraform plan` " +
					"lists what the apply purges; kept by an apply that purges nothing. After a part-way failure, the URLs " +
					"the API accepted.",
				ElementType: types.StringType,
				Computed:    true,
			},
			"purged_all": schema.BoolAttribute{
				MarkdownDescription: "Whether the latest purge was one purge of everything (`purge_all_above`); " +
					"`purged_urls` then lists the URLs that called for it.",
				Computed: true,
			},
			"purged_at": schema.StringAttribute{
				MarkdownDescription: "When the API accepted the last request of the latest purge (RFC 3339, UTC); " +
					"kept by an apply that purges nothing.",
				CustomType: timetypes.RFC3339Type{},
				Computed:   true,
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": resourceTimeouts(ctx, timeouts.Opts{
				Create:            true,
				CreateDescription: "How long the first purge may take, waiting for rate-limit room included (default `20m`).",
				Update:            true,
				UpdateDescription: "How long the purge of a change may take, waiting for rate-limit room included (default `20m`).",
			}),
		},
	}
}

// ModifyPlan works out the deploy the apply sends, so that the plan lists
// its URLs in purged_urls, and refuses at plan what cannot work: a purge
// without an API key, or a first purge that cannot finish within its
// timeout (see check and checkTime).
func (r *cdnPurgeChangedFilesResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy: nothing is sent
	}
	var plan cdnPurgeChangedFilesModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	prior, diags := priorState(ctx, req.State)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	dep, known, diags := plan.deploy(ctx, prior)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	switch {
	case !known:
		// The files are known at apply, which checks them before sending.
		plan.PurgedURLs = types.ListUnknown(types.StringType)
		plan.PurgedAll = types.BoolUnknown()
		plan.PurgedAt = timetypes.NewRFC3339Unknown()
	case len(dep.diff.URLs) == 0:
		plan.keepPurged(prior)
	default:
		resp.Diagnostics.Append(plan.setPurged(ctx, dep.diff.URLs, dep.purgeAll)...)
		plan.PurgedAt = timetypes.NewRFC3339Unknown()
	}
	if known && !dep.empty() && r.data != nil {
		resp.Diagnostics.Append(r.data.check(ctx, dep.planned(plan.ResourceID))...)
		resp.Diagnostics.Append(r.checkTime(ctx, plan, prior == nil, dep, r.data.planLimits(ctx))...)
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// priorState reads the state before the change; nil when there is none.
func priorState(ctx context.Context, state tfsdk.State) (*cdnPurgeChangedFilesModel, diag.Diagnostics) {
	if state.Raw.IsNull() {
		return nil, nil
	}
	var prior cdnPurgeChangedFilesModel
	diags := state.Get(ctx, &prior)
	return &prior, diags
}

func (r *cdnPurgeChangedFilesResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan cdnPurgeChangedFilesModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultTimeout)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dep, diags := r.apply(ctx, req.Plan, plan, nil)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	if dep.failed() {
		// Terraform replaces a failed create with a new object, so what the
		// API accepted cannot be kept: nothing goes to state.
		resp.Diagnostics.Append(dep.failure(wholeNumber(plan.ResourceID), createTimeout,
			"Nothing was written to state: the next apply purges every file again.")...)
		return
	}
	plan.ID = types.StringValue(rand.Text())
	resp.Diagnostics.Append(plan.recordPurge(ctx, dep, nil)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *cdnPurgeChangedFilesResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior cdnPurgeChangedFilesModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, defaultTimeout)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dep, diags := r.apply(ctx, req.Plan, plan, &prior)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	if dep.failed() {
		// Keep what the API accepted: the state holds the new version of
		// exactly the files purged, so the next apply purges the rest.
		resp.Diagnostics.Append(plan.recordPartialPurge(ctx, &prior, dep)...)
	} else {
		resp.Diagnostics.Append(plan.recordPurge(ctx, dep, &prior)...)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// deploy is what an apply sends to take the site from its prior state to the
// plan (the purge, then with prefetch the files to prefetch), and, once
// sent, how the API took it.
type deploy struct {
	diff filediff.Diff
	// purgeAll is set when the diff goes as one purge of everything
	// (purge_all_above).
	purgeAll bool
	prefetch []string // the URLs of the files the apply brought

	// result is the purge's: Accepted holds the URLs the API accepted, less
	// those of requests the purge history reports failed.
	result scheduler.Result
	err    error  // the scheduler's, with result partial
	why    string // explains a refusal the API's answer does not
	// incomplete reports, with wait_for_completion, the purges the history
	// says failed or were still in progress at the timeout.
	incomplete completion.Report
}

func (dep deploy) empty() bool { return len(dep.diff.URLs) == 0 && len(dep.prefetch) == 0 }

// purgeKind is the kind of request the deploy's purge is.
func (dep deploy) purgeKind() scheduler.Kind {
	if dep.purgeAll {
		return scheduler.PurgeAll
	}
	return scheduler.PurgeByURL
}

// planned is the request the plan of dep would send first, to CDN resource
// id: its purge, or its prefetch.
func (dep deploy) planned(id types.Number) plannedRequest {
	p := plannedRequest{target: cdnTarget{ResourceID: id, CName: types.StringNull()}, kind: dep.purgeKind()}
	if len(dep.diff.URLs) == 0 {
		p.kind = scheduler.Prefetch
	}
	if p.kind == scheduler.PurgeByURL {
		files := path.Root("files")
		p.byURL = &files
	}
	return p
}

// failed reports whether the purge, or its completion, failed.
func (dep deploy) failed() bool { return dep.err != nil || dep.incomplete.Err() != nil }

// failure is the error of a failed apply, bounded by setting; afterwards
// says what the state keeps.
func (dep deploy) failure(resourceID int64, setting timeoutSetting, afterwards string) diag.Diagnostics {
	if dep.err != nil {
		f := requestFailure{noun: "purge", timeout: setting, afterwards: joinParagraphs(dep.why, afterwards)}
		return f.diagnostics(dep.err, resourceID)
	}
	return incompleteError(dep.incomplete, afterwards)
}

// apply checks the files again, now that all are known, then sends what
// takes the site from prior (nil on create) to plan, within ctx's deadline.
// diags stop the apply before anything is sent, or warn.
func (r *cdnPurgeChangedFilesResource) apply(ctx context.Context, planned tfsdk.Plan, plan cdnPurgeChangedFilesModel,
	prior *cdnPurgeChangedFilesModel,
) (deploy, diag.Diagnostics) {
	if r.data == nil {
		return deploy{}, diag.Diagnostics{notConfigured()}
	}
	ctx = r.data.mask(ctx)
	diags := mapValidation(filesValidators())(ctx, tfsdk.Config(planned), path.Root("files"))
	dep, _, depDiags := plan.deploy(ctx, prior)
	if diags.Append(depDiags...); diags.HasError() || dep.empty() {
		return dep, diags
	}
	diags.Append(r.data.requireAPIKey()...)
	limits, _ := r.data.scheduler.Limits(ctx)
	diags.Append(r.checkTime(ctx, plan, prior == nil, dep, limits)...)
	if diags.HasError() {
		return dep, diags
	}
	id := wholeNumber(plan.ResourceID)
	if len(dep.diff.URLs) > 0 {
		diags.Append(r.purge(ctx, id, &dep, plan.WaitForCompletion.ValueBool())...)
	}
	if !dep.failed() && len(dep.prefetch) > 0 {
		diags.Append(r.prefetch(ctx, id, dep.prefetch)...)
	}
	return dep, diags
}

// purge sends dep's purge and, with wait, waits until the purge history says
// it is done; dep records how it went.
func (r *cdnPurgeChangedFilesResource) purge(ctx context.Context, id int64, dep *deploy, wait bool) diag.Diagnostics {
	job := scheduler.Job{ResourceID: id, Kind: scheduler.PurgeByURL, Items: dep.diff.URLs}
	if dep.purgeAll {
		job = scheduler.Job{ResourceID: id, Kind: scheduler.PurgeAll}
	}
	dep.result, dep.err = r.data.send(ctx, job)
	if dep.err != nil {
		if !dep.purgeAll {
			dep.why = r.data.explainURLRefusal(ctx, id, dep.err)
		}
		return nil
	}
	if dep.purgeAll {
		dep.result.Accepted = dep.diff.URLs
	}
	if !wait {
		return nil
	}
	report, diags := r.data.awaitCompletion(ctx, id, dep.result.Purges, nil)
	if report.Err() != nil {
		dep.incomplete = report
		failed := notCarriedOut(report)
		dep.result.Accepted = slices.DeleteFunc(slices.Clone(dep.result.Accepted), func(u string) bool { return dep.purgeAll || failed[u] })
	}
	return diags
}

// prefetch loads urls into the CDN after their purge. It only speeds up the
// first visits: a failure is a warning naming the URLs not prefetched, and
// the purge stays recorded.
func (r *cdnPurgeChangedFilesResource) prefetch(ctx context.Context, id int64, urls []string) diag.Diagnostics {
	var diags diag.Diagnostics
	result, err := r.data.send(ctx, scheduler.Job{ResourceID: id, Kind: scheduler.Prefetch, Items: urls})
	if err == nil {
		return diags
	}
	done := make(map[string]bool, len(result.Accepted))
	for _, u := range result.Accepted {
		done[u] = true
	}
	missed := slices.DeleteFunc(slices.Clone(urls), func(u string) bool { return done[u] })
	diags.AddAttributeWarning(path.Root("prefetch"), "Prefetch incomplete", fmt.Sprintf("The %s.\n\nThe purge is recorded; "+
		"%s of %d were not prefetched, and will load into the CDN at their first request: %s.",
		strings.TrimSuffix(err.Error(), "."), pluralURLs(len(missed)), len(urls), clippedList(missed, 20)))
	return diags
}

// files reads the files; known is false while any key or version is unknown.
func (m cdnPurgeChangedFilesModel) files(ctx context.Context) (files filediff.Files, known bool, diags diag.Diagnostics) {
	if m.Files.IsUnknown() {
		return nil, false, nil
	}
	for _, v := range m.Files.Elements() {
		if v.IsUnknown() {
			return nil, false, nil
		}
	}
	diags = m.Files.ElementsAs(ctx, &files, false)
	return files, true, diags
}

func (m cdnPurgeChangedFilesModel) options() filediff.Options {
	return filediff.Options{
		PurgeAdded:    m.PurgeAdded.ValueBool(),
		PurgeRemoved:  m.PurgeRemoved.ValueBool(),
		IndexDocument: m.IndexDocument.ValueString(),
	}
}

// deploy is what an apply of m sends after prior (nil on create); known is
// false while the files are not all known.
func (m cdnPurgeChangedFilesModel) deploy(ctx context.Context, prior *cdnPurgeChangedFilesModel) (deploy, bool, diag.Diagnostics) {
	files, known, diags := m.files(ctx)
	if !known || diags.HasError() {
		return deploy{}, false, diags
	}
	var dep deploy
	var old filediff.Files
	switch {
	case prior != nil:
		var priorDiags diag.Diagnostics
		old, _, priorDiags = prior.files(ctx)
		diags.Append(priorDiags...)
		dep.diff = filediff.Changes(old, files, m.options())
	case m.PurgeOnCreate.ValueBool():
		dep.diff = filediff.Everything(files, m.options())
	default:
		return dep, true, diags // adopting a site: nothing is sent
	}
	dep.purgeAll = !m.PurgeAllAbove.IsNull() && int64(len(dep.diff.URLs)) > wholeNumber(m.PurgeAllAbove)
	if m.Prefetch.ValueBool() {
		dep.prefetch = filediff.Refreshed(old, files, m.options())
	}
	return dep, true, diags
}

// keepPurged plans the record of the latest purge as it is: an apply that
// purges nothing keeps it (and a first apply that purges nothing has none).
func (m *cdnPurgeChangedFilesModel) keepPurged(prior *cdnPurgeChangedFilesModel) {
	if prior != nil {
		m.PurgedURLs, m.PurgedAll, m.PurgedAt = prior.PurgedURLs, prior.PurgedAll, prior.PurgedAt
		return
	}
	m.PurgedURLs = types.ListValueMust(types.StringType, nil)
	m.PurgedAll = types.BoolValue(false)
	m.PurgedAt = timetypes.NewRFC3339Null()
}

func (m *cdnPurgeChangedFilesModel) setPurged(ctx context.Context, urls []string, all bool) diag.Diagnostics {
	list, diags := types.ListValueFrom(ctx, types.StringType, urls)
	m.PurgedURLs = list
	m.PurgedAll = types.BoolValue(all)
	return diags
}

// recordPurge records a purge the API accepted whole, or keeps the record of
// prior (nil on create) when nothing was purged.
func (m *cdnPurgeChangedFilesModel) recordPurge(ctx context.Context, dep deploy, prior *cdnPurgeChangedFilesModel) diag.Diagnostics {
	if len(dep.diff.URLs) == 0 {
		m.keepPurged(prior) // planned unknown when the files were
		return nil
	}
	m.PurgedAt = timetypes.NewRFC3339TimeValue(dep.result.AcceptedAt.UTC())
	return m.setPurged(ctx, dep.diff.URLs, dep.purgeAll)
}

// recordPartialPurge records what an update that failed part-way purged: the
// new version of the files whose URLs the API accepted, the old version (or
// the removed file itself) for the rest. It returns the diagnostics that say
// what failed, how much was purged and what remains.
func (m *cdnPurgeChangedFilesModel) recordPartialPurge(ctx context.Context, prior *cdnPurgeChangedFilesModel, dep deploy) diag.Diagnostics {
	var diags diag.Diagnostics
	old, _, d := prior.files(ctx)
	diags.Append(d...)
	planned, _, d := m.files(ctx)
	diags.Append(d...)
	settled, remaining := dep.diff.Settle(old, planned, dep.result.Accepted, nil)
	files, d := types.MapValueFrom(ctx, types.StringType, settled)
	diags.Append(d...)
	m.Files = files
	diags.Append(m.setPurged(ctx, slices.Sorted(slices.Values(dep.result.Accepted)), false)...)
	m.PurgedAt = prior.PurgedAt
	if len(dep.result.Accepted) > 0 {
		m.PurgedAt = timetypes.NewRFC3339TimeValue(dep.result.AcceptedAt.UTC())
	}
	afterwards := fmt.Sprintf("%s of %d were purged before the failure and %d remain. The state records the new version of "+
		"exactly the files purged, so the next plan shows, and the next apply purges, only the remaining ones.",
		pluralURLs(len(dep.result.Accepted)), len(dep.diff.URLs), remaining)
	if refused := refusedFiles(dep.diff, dep.err); len(refused) > 0 {
		afterwards += "\n\nThe API refused the URLs of these files: " + strings.Join(refused, ", ") + "."
	}
	diags.Append(dep.failure(wholeNumber(m.ResourceID), updateTimeout, afterwards)...)
	return diags
}

// refusedFiles names the files whose URLs a 400 refused by index.
func refusedFiles(diff filediff.Diff, err error) []string {
	files := diff.FilesOf(refusedItems(err))
	for i, f := range files {
		files[i] = fmt.Sprintf("%q", f)
	}
	return files
}

// checkTime refuses a first apply that cannot finish within
// timeouts.create at limits, and warns of an update that cannot: a create
// cannot keep partial progress (Terraform replaces a failed create with a
// new object), an update can. The estimate is a lower bound: the purge's
// requests, then the prefetch's, each at its own limit.
func (r *cdnPurgeChangedFilesResource) checkTime(ctx context.Context, m cdnPurgeChangedFilesModel, creating bool, dep deploy,
	limits scheduler.Limits,
) diag.Diagnostics {
	var diags diag.Diagnostics
	timeout, d := m.Timeouts.Update(ctx, defaultTimeout)
	setting := updateTimeout
	if creating {
		timeout, d = m.Timeouts.Create(ctx, defaultTimeout)
		setting = createTimeout
	}
	if diags.Append(d...); diags.HasError() {
		return diags
	}
	var minimum time.Duration
	var steps []string
	estimate := func(kind scheduler.Kind, verb string, n int) {
		e := limits.Estimate(kind, n)
		minimum += e.Minimum
		steps = append(steps, fmt.Sprintf("%s %s takes at least %d requests of at most %d URLs at the limit of %s (%s)",
			verb, pluralURLs(n), e.Requests, e.PerRequest, e.Limit, e.LimitSource))
	}
	if !dep.purgeAll && len(dep.diff.URLs) > 0 {
		estimate(scheduler.PurgeByURL, "purging", len(dep.diff.URLs))
	}
	if len(dep.prefetch) > 0 {
		estimate(scheduler.Prefetch, "prefetching", len(dep.prefetch))
	}
	if minimum <= timeout {
		return diags
	}
	need := fmt.Sprintf("%s: at least %s, longer than %s (%s). The estimate is a lower bound: other purges of this CDN "+
		"resource share the limits.", capitalized(strings.Join(steps, ", then ")), minimum.Round(time.Second), setting, timeout)
	prefetchOut := ""
	if len(dep.prefetch) > 0 {
		prefetchOut = ", set prefetch = false"
	}
	if creating {
		diags.AddAttributeError(path.Root("files"), "First purge cannot finish within timeouts.create", need+
			"\n\nA failed create cannot keep what it purged, so this one does not start. Raise timeouts.create"+prefetchOut+
			", set purge_all_above to purge everything at once above a number of URLs, or set purge_on_create = false "+
			"to record the files without purging them.")
	} else {
		diags.AddAttributeWarning(path.Root("files"), "Purge may not finish within timeouts.update", need+
			"\n\nIf it times out, the state keeps what was purged and the next apply purges the rest. Raise "+
			"timeouts.update"+prefetchOut+" or set purge_all_above to avoid that.")
	}
	return diags
}

// filesValidators check the keys and versions of files.
func filesValidators() []validator.Map {
	return []validator.Map{
		mapvalidator.KeysAre(purgeRule(purgerules.CheckFile, "a file path starting with /, without scheme, host, query or fragment")),
		mapvalidator.ValueStringsAre(fileVersion()),
	}
}
