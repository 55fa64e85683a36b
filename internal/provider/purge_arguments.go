package provider

import (
	"context"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-validators/boolvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/purgerules"
	"github.com/gcore-purge/terraform-provider-gcore/internal/scheduler"
)

// purgeArguments say what to purge; the gcore_cdn_purge resource and action
// share them, with the same descriptions and validators.
type purgeArguments struct {
	cdnTarget
	URLs     types.Set  `tfsdk:"urls"`
	Paths    types.Set  `tfsdk:"paths"`
	PurgeAll types.Bool `tfsdk:"purge_all"`
}

// The validators below are shared by the schema and by revalidate, so that a
// value unknown at plan time meets exactly the same rules before it is sent.

// purgeModeExpressions are the arguments of which exactly one is set.
func purgeModeExpressions() []path.Expression {
	return []path.Expression{path.MatchRoot("urls"), path.MatchRoot("paths"), path.MatchRoot("purge_all")}
}

func resourceIDValidators() []validator.Number {
	return []validator.Number{positiveWholeNumber("the numeric ID of the CDN resource, as the Gcore Customer Portal shows it, such as 123456")}
}

func urlsValidators() []validator.Set {
	return []validator.Set{
		itemCount(gcoreapi.MaxURLsPerRequest, "URLs"),
		setvalidator.ValueStringsAre(purgeRule(purgerules.CheckURL, urlRule)),
	}
}

func pathsValidators() []validator.Set {
	return []validator.Set{
		itemCount(gcoreapi.MaxPatternsPerRequest, "patterns"),
		setvalidator.ValueStringsAre(purgeRule(purgerules.CheckPattern, "a pattern starting with /, with * only at its end")),
	}
}

func purgeAllValidators() []validator.Bool {
	return []validator.Bool{boolvalidator.Equals(true)}
}

// revalidate runs the validators of the purge arguments again on values that
// are all known at apply time: the planned values of the resource, or the
// configuration of the action. The resource's ExactlyOneOf reads config as
// well as the action's would.
func (m purgeArguments) revalidate(ctx context.Context, config tfsdk.Config) diag.Diagnostics {
	resp := &resource.ValidateConfigResponse{}
	resourcevalidator.ExactlyOneOf(purgeModeExpressions()...).ValidateResource(ctx, resource.ValidateConfigRequest{Config: config}, resp)
	diags := resp.Diagnostics
	diags.Append(revalidated(ctx, config, map[string]attributeValidation{
		"urls":        setValidation(urlsValidators()),
		"paths":       setValidation(pathsValidators()),
		"resource_id": numberValidation(resourceIDValidators()),
		"purge_all":   boolValidation(purgeAllValidators()),
	})...)
	return diags
}

// job turns the arguments into the scheduler's job. Items are sorted so that
// the same set always sends the same body. A purge of everything comes only
// from purge_all = true: arguments that name nothing to purge are an error,
// never a purge of everything by default (the API reads an empty list of
// patterns as one).
func (m purgeArguments) job(ctx context.Context, resourceID int64) (scheduler.Job, diag.Diagnostics) {
	job := scheduler.Job{ResourceID: resourceID}
	var set types.Set
	switch {
	case !m.URLs.IsNull():
		job.Kind, set = scheduler.PurgeByURL, m.URLs
	case !m.Paths.IsNull():
		job.Kind, set = scheduler.PurgeByPattern, m.Paths
	case m.PurgeAll.ValueBool():
		job.Kind = scheduler.PurgeAll
		return job, nil
	default:
		return job, nothingToPurge()
	}
	items, diags := sortedItems(ctx, set)
	if len(items) == 0 && !diags.HasError() {
		diags.Append(nothingToPurge()...)
	}
	job.Items = items
	return job, diags
}

// planned is the request a plan of m would send.
func (m purgeArguments) planned() plannedRequest {
	p := plannedRequest{target: m.cdnTarget, kind: scheduler.PurgeAll}
	for _, list := range []struct {
		name string
		set  types.Set
		kind scheduler.Kind
	}{{"urls", m.URLs, scheduler.PurgeByURL}, {"paths", m.Paths, scheduler.PurgeByPattern}} {
		if list.set.IsNull() {
			continue
		}
		attr := path.Root(list.name)
		p.kind = list.kind
		if list.kind == scheduler.PurgeByURL {
			p.byURL = &attr
		}
		if !list.set.IsUnknown() {
			p.items, p.count = &attr, knownElements(list.set)
		}
	}
	return p
}

// knownElements counts the elements of set known at plan: one unknown
// until apply may turn out equal to another and collapse into it.
func knownElements(set types.Set) int {
	n := 0
	for _, e := range set.Elements() {
		if !e.IsUnknown() {
			n++
		}
	}
	return n
}

// sortedItems are the strings of set, sorted.
func sortedItems(ctx context.Context, set types.Set) ([]string, diag.Diagnostics) {
	var items []string
	diags := set.ElementsAs(ctx, &items, false)
	slices.Sort(items)
	return items, diags
}

// nothingToPurge is reached only if validation let through arguments that
// name nothing to purge; it stops the purge before anything is sent.
func nothingToPurge() diag.Diagnostics {
	return diag.Diagnostics{diag.NewErrorDiagnostic("Nothing to purge",
		"Neither urls nor paths lists anything to purge and purge_all is not true, so nothing was sent. "+
			"Set urls or paths, or purge_all = true to purge the whole cache; please report this issue, "+
			"as validation should have refused the configuration.")}
}
