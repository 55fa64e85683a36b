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
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gcore-purge/terraform-provider-gcore/internal/filediff"
	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
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
	data *providerData
}

func newCDNPurgeChangedFilesResource() resource.Resource { return &cdnPurgeChangedFilesResource{} }

type cdnPurgeChangedFilesModel struct {
	ID            types.String      `tfsdk:"id"`
	ResourceID    types.Int64       `tfsdk:"resource_id"`
	Files         types.Map         `tfsdk:"files"`
	PurgeRemoved  types.Bool        `tfsdk:"purge_removed"`
	PurgeAdded    types.Bool        `tfsdk:"purge_added"`
	PurgeOnCreate types.Bool        `tfsdk:"purge_on_create"`
	PurgeAllAbove types.Int64       `tfsdk:"purge_all_above"`
	IndexDocument types.String      `tfsdk:"index_document"`
	PurgedURLs    types.List        `tfsdk:"purged_urls"`
	PurgedAll     types.Bool        `tfsdk:"purged_all"`
	PurgedAt      timetypes.RFC3339 `tfsdk:"purged_at"`
	Timeouts      timeouts.Value    `tfsdk:"timeouts"`
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
			"resource_id": schema.Int64Attribute{
				MarkdownDescription: resourceIDDescription + " Changing it replaces the resource.",
				Required:            true,
				Validators:          resourceIDValidators(),
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.RequiresReplace()},
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
			"purge_all_above": schema.Int64Attribute{
				MarkdownDescription: "When an apply would purge more URLs than this, send one purge of everything instead. " +
					"Unset: never purge everything.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.AtLeast(1)},
			},
			"index_document": schema.StringAttribute{
				MarkdownDescription: "The file a directory URL serves, such as `index.html`: a purged `/docs/index.html` " +
					"also purges `/docs/` (and `/index.html` purges `/`), which the CDN caches apart.",
				Optional:   true,
				Validators: []validator.String{indexDocument()},
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
			"timeouts": timeouts.Block(ctx, timeouts.Opts{
				Create:            true,
				CreateDescription: "How long the first purge may take, waiting for rate-limit room included (default `20m`).",
				Update:            true,
				UpdateDescription: "How long the purge of a change may take, waiting for rate-limit room included (default `20m`).",
			}),
		},
	}
}

func (r *cdnPurgeChangedFilesResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	data, diags := configuredData(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = data
}

func (r *cdnPurgeChangedFilesResource) ImportState(_ context.Context, _ resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	refuseImport(resp, "To adopt a deployed site without purging it, add the resource with purge_on_create = false: "+
		"the first apply records the files and purges nothing.")
}

// ModifyPlan works out what the apply purges, so that the plan lists it in
// purged_urls, and refuses at plan what cannot work: a purge without an API
// key, or a first purge that cannot finish within its timeout.
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
	purge, known, diags := plan.purge(ctx, prior)
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
	case len(purge.URLs) == 0:
		plan.keepPurged(prior)
	default:
		resp.Diagnostics.Append(plan.setPurged(ctx, purge.URLs, plan.purgesAll(purge))...)
		plan.PurgedAt = timetypes.NewRFC3339Unknown()
		if r.data != nil {
			resp.Diagnostics.Append(r.data.requireAPIKey()...)
			resp.Diagnostics.Append(r.checkTime(ctx, plan, prior == nil, purge)...)
			if !plan.ResourceID.IsUnknown() {
				resp.Diagnostics.Append(r.data.checkPurge(ctx, plan.ResourceID.ValueInt64(), plan.byURL(purge))...)
			}
		}
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
	timeout, diags := plan.Timeouts.Create(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, diags := r.apply(ctx, req.Plan, plan, nil, timeout)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	if out.err != nil {
		// Terraform replaces a failed create with a new object, so what the
		// API accepted cannot be kept: nothing goes to state.
		resp.Diagnostics.Append(requestErrorDiagnostics("purge", out.err, plan.ResourceID.ValueInt64(),
			joinParagraphs(out.why, "Nothing was written to state: the next apply purges every file again."))...)
		return
	}
	plan.ID = types.StringValue(rand.Text())
	resp.Diagnostics.Append(plan.recordPurge(ctx, out)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read keeps the state as it is: a purge leaves nothing in the API to read.
func (r *cdnPurgeChangedFilesResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {
}

func (r *cdnPurgeChangedFilesResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior cdnPurgeChangedFilesModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, diags := r.apply(ctx, req.Plan, plan, &prior, timeout)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	if out.err != nil {
		// Keep what the API accepted: the state holds the new version of
		// exactly the files purged, so the next apply purges the rest.
		resp.Diagnostics.Append(plan.recordPartialPurge(ctx, &prior, out)...)
	} else {
		resp.Diagnostics.Append(plan.recordPurge(ctx, out)...)
		if len(out.purge.URLs) == 0 {
			plan.keepPurged(&prior)
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete sends nothing: a purge cannot be undone.
func (r *cdnPurgeChangedFilesResource) Delete(ctx context.Context, _ resource.DeleteRequest, _ *resource.DeleteResponse) {
	tflog.Debug(ctx, "removing the changed-files purge from state; nothing is sent to the API")
}

// applied is what an apply sent and how the API took it.
type applied struct {
	purge filediff.Purge
	all   bool // sent as one purge of everything
	// why explains a refusal, when the API's answer does not.
	result scheduler.Result
	err    error // the scheduler's, with result partial
	why    string
}

// apply checks the files again, now that all are known, then sends the purge
// that takes the site from prior (nil on create) to plan. diags stop the
// apply before anything is sent.
func (r *cdnPurgeChangedFilesResource) apply(ctx context.Context, planned tfsdk.Plan, plan cdnPurgeChangedFilesModel,
	prior *cdnPurgeChangedFilesModel, timeout time.Duration,
) (applied, diag.Diagnostics) {
	if r.data == nil {
		return applied{}, diag.Diagnostics{notConfigured()}
	}
	ctx = r.data.mask(ctx)
	diags := mapValidation(filesValidators())(ctx, tfsdk.Config{Raw: planned.Raw, Schema: planned.Schema}, path.Root("files"))
	purge, _, purgeDiags := plan.purge(ctx, prior)
	out := applied{purge: purge, all: plan.purgesAll(purge)}
	if diags.Append(purgeDiags...); diags.HasError() || len(purge.URLs) == 0 {
		return out, diags
	}
	diags.Append(r.data.requireAPIKey()...)
	diags.Append(r.checkTime(ctx, plan, prior == nil, purge)...)
	if diags.HasError() {
		return out, diags
	}
	request := gcoreapi.Purge{Type: gcoreapi.PurgeByURL, Items: purge.URLs}
	if out.all {
		request = gcoreapi.Purge{Type: gcoreapi.PurgeAll}
	}
	out.result, out.err = r.data.queuePurge(ctx, plan.ResourceID.ValueInt64(), request, timeout, nil)
	if out.err != nil && !out.all {
		out.why = r.data.explainURLRefusal(ctx, plan.ResourceID.ValueInt64(), out.err)
	}
	if out.err == nil && out.all {
		out.result.Accepted = purge.URLs
	}
	return out, diags
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

// purge is what an apply of m purges after prior (nil on create); known is
// false while the files are not all known.
func (m cdnPurgeChangedFilesModel) purge(ctx context.Context, prior *cdnPurgeChangedFilesModel) (filediff.Purge, bool, diag.Diagnostics) {
	files, known, diags := m.files(ctx)
	if !known || diags.HasError() {
		return filediff.Purge{}, false, diags
	}
	if prior == nil {
		if !m.PurgeOnCreate.ValueBool() {
			return filediff.Purge{}, true, diags
		}
		return filediff.Everything(files, m.options()), true, diags
	}
	old, _, priorDiags := prior.files(ctx)
	diags.Append(priorDiags...)
	return filediff.Changes(old, files, m.options()), true, diags
}

// byURL is the attribute to warn on when the CDN resource cannot purge by
// URL: files, unless purge_all_above turns the purge into one of everything.
func (m cdnPurgeChangedFilesModel) byURL(purge filediff.Purge) *path.Path {
	if m.purgesAll(purge) {
		return nil
	}
	files := path.Root("files")
	return &files
}

// purgesAll reports whether purge_all_above turns purge into one purge of
// everything.
func (m cdnPurgeChangedFilesModel) purgesAll(purge filediff.Purge) bool {
	return !m.PurgeAllAbove.IsNull() && int64(len(purge.URLs)) > m.PurgeAllAbove.ValueInt64()
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

// recordPurge records a purge the API accepted whole; the record of an
// apply that sent nothing is what ModifyPlan planned.
func (m *cdnPurgeChangedFilesModel) recordPurge(ctx context.Context, out applied) diag.Diagnostics {
	if len(out.purge.URLs) == 0 {
		return nil
	}
	m.PurgedAt = timetypes.NewRFC3339TimeValue(out.result.AcceptedAt.UTC())
	return m.setPurged(ctx, out.purge.URLs, out.all)
}

// recordPartialPurge records what an update that failed part-way purged: the
// new version of the files whose URLs the API accepted, the old version (or
// the removed file itself) for the rest. It returns the diagnostics that say
// what failed, how much was purged and what remains.
func (m *cdnPurgeChangedFilesModel) recordPartialPurge(ctx context.Context, prior *cdnPurgeChangedFilesModel, out applied) diag.Diagnostics {
	var diags diag.Diagnostics
	old, _, d := prior.files(ctx)
	diags.Append(d...)
	planned, _, d := m.files(ctx)
	diags.Append(d...)
	settled, remaining := out.purge.Settle(old, planned, out.result.Accepted)
	files, d := types.MapValueFrom(ctx, types.StringType, settled)
	diags.Append(d...)
	m.Files = files
	diags.Append(m.setPurged(ctx, slices.Sorted(slices.Values(out.result.Accepted)), false)...)
	m.PurgedAt = prior.PurgedAt
	if !out.result.AcceptedAt.IsZero() {
		m.PurgedAt = timetypes.NewRFC3339TimeValue(out.result.AcceptedAt.UTC())
	}
	afterwards := fmt.Sprintf("%s of %d were purged before the failure and %d remain. The state records the new version of "+
		"exactly the files purged, so the next plan shows, and the next apply purges, only the remaining ones.",
		pluralURLs(len(out.result.Accepted)), len(out.purge.URLs), remaining)
	if refused := refusedFiles(out.purge, out.err); len(refused) > 0 {
		afterwards += "\n\nThe API refused the URLs of these files: " + strings.Join(refused, ", ") + "."
	}
	diags.Append(requestErrorDiagnostics("purge", out.err, m.ResourceID.ValueInt64(), joinParagraphs(out.why, afterwards))...)
	return diags
}

// refusedFiles names the files whose URLs a 400 refused by index.
func refusedFiles(purge filediff.Purge, err error) []string {
	files := purge.FilesOf(refusedItems(err))
	for i, f := range files {
		files[i] = fmt.Sprintf("%q", f)
	}
	return files
}

func pluralURLs(n int) string {
	if n == 1 {
		return "1 URL"
	}
	return fmt.Sprintf("%d URLs", n)
}

// checkTime refuses a first purge that cannot finish within timeouts.create
// at the limits in force, and warns of an update that cannot: a create
// cannot keep partial progress (Terraform replaces a failed create with a new
// object), an update can. The estimate is a lower bound.
func (r *cdnPurgeChangedFilesResource) checkTime(ctx context.Context, m cdnPurgeChangedFilesModel, creating bool,
	purge filediff.Purge,
) diag.Diagnostics {
	var diags diag.Diagnostics
	if m.purgesAll(purge) || len(purge.URLs) == 0 {
		return diags
	}
	timeout, d := m.Timeouts.Update(ctx, defaultCreateTimeout)
	block := "timeouts.update"
	if creating {
		timeout, d = m.Timeouts.Create(ctx, defaultCreateTimeout)
		block = "timeouts.create"
	}
	if diags.Append(d...); diags.HasError() {
		return diags
	}
	ctx, cancel := context.WithTimeout(ctx, planReadTimeout)
	defer cancel()
	e := r.data.scheduler.Estimate(ctx, gcoreapi.PurgeByURL, len(purge.URLs))
	if e.Minimum <= timeout {
		return diags
	}
	need := fmt.Sprintf("Purging %s takes at least %d requests of at most %d URLs; at the limit of %s (%s) that is at "+
		"least %s, longer than %s (%s). The estimate is a lower bound: other purges of this CDN resource share the limit.",
		pluralURLs(len(purge.URLs)), e.Requests, e.PerRequest, e.Limit, e.LimitSource, e.Minimum.Round(time.Second), block, timeout)
	if creating {
		diags.AddAttributeError(path.Root("files"), "First purge cannot finish within timeouts.create", need+
			"\n\nA failed create cannot keep what it purged, so this one does not start. Raise timeouts.create, "+
			"set purge_all_above to purge everything at once above a number of URLs, or set purge_on_create = false "+
			"to record the files without purging them.")
	} else {
		diags.AddAttributeWarning(path.Root("files"), "Purge may not finish within timeouts.update", need+
			"\n\nIf it times out, the state keeps what was purged and the next apply purges the rest. Raise "+
			"timeouts.update or set purge_all_above to avoid that.")
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
