package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/boolvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/purgerules"
	"github.com/gcore-purge/terraform-provider-gcore/internal/scheduler"
)

// defaultCreateTimeout bounds a purge, waiting for rate-limit room included,
// when the resource's timeouts.create or the action's timeout is not set.
const defaultCreateTimeout = 20 * time.Minute

// purgeArguments say what to purge; the resource and the action share them,
// with the same descriptions and validators.
type purgeArguments struct {
	ResourceID types.Int64 `tfsdk:"resource_id"`
	URLs       types.Set   `tfsdk:"urls"`
	Paths      types.Set   `tfsdk:"paths"`
	PurgeAll   types.Bool  `tfsdk:"purge_all"`
}

// Descriptions of the purge arguments.
var (
	resourceIDDescription = "ID of the CDN resource whose cache is purged."
	urlsDescription       = fmt.Sprintf("Purge by URL: 1 to %d paths of files, each starting with `/`, without scheme or host "+
		"(`/app.js`, not `https://cdn.example.com/app.js`). Query strings are kept. Conflicts with `paths` and `purge_all`.",
		gcoreapi.MaxURLsPerRequest)
	pathsDescription = fmt.Sprintf("Purge by pattern: 1 to %d patterns, each starting with `/`, with `*` allowed only as the "+
		"last character (`/images/*`). Patterns are recursive. Conflicts with `urls` and `purge_all`.",
		gcoreapi.MaxPatternsPerRequest)
	purgeAllDescription = "Purge the whole cache of the CDN resource. Must be `true` when set. Conflicts with `urls` and `paths`."
)

// sendPurge checks the arguments once more, now that every value is known,
// and purges through the scheduler within timeout; with wait, it then waits
// within the same timeout until the purge history says the purge is done.
// progress, if not nil, hears how the purge goes.
func (d *providerData) sendPurge(ctx context.Context, config tfsdk.Config, args purgeArguments, timeout time.Duration,
	wait bool, progress scheduler.Progress,
) (scheduler.Result, diag.Diagnostics) {
	ctx = d.mask(ctx)
	diags := d.requireAPIKey()
	// Values unknown at plan time were not validated then: check them now,
	// with the same validators, before anything is sent.
	diags.Append(revalidate(ctx, config)...)
	if diags.HasError() {
		return scheduler.Result{}, diags
	}
	purge, argDiags := args.purge(ctx)
	if diags.Append(argDiags...); diags.HasError() {
		return scheduler.Result{}, diags
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resourceID := args.ResourceID.ValueInt64()
	result, err := d.queuePurge(ctx, resourceID, purge, timeout, progress)
	if err != nil {
		afterwards := nothingRecorded
		if purge.Type == gcoreapi.PurgeByURL {
			afterwards = joinParagraphs(d.explainURLRefusal(ctx, resourceID, err), afterwards)
		}
		diags.Append(requestErrorDiagnostics("purge", err, resourceID, afterwards)...)
		return result, diags
	}
	if wait {
		report, waitDiags := d.awaitCompletion(ctx, resourceID, result, completionProgress(progress))
		diags.Append(waitDiags...)
		diags.Append(incompleteError(report, nothingRecorded)...)
	}
	return result, diags
}

// completionProgress passes the news of a wait for completion on to
// progress, saying what they are about.
func completionProgress(progress scheduler.Progress) scheduler.Progress {
	if progress == nil {
		return nil
	}
	return func(msg string) { progress("purge history: " + msg) }
}

// capitalized starts a sentence with a message that starts lower case.
func capitalized(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// joinParagraphs joins the non-empty paragraphs of a diagnostic's detail.
func joinParagraphs(paragraphs ...string) string {
	return strings.Join(slices.DeleteFunc(paragraphs, func(p string) bool { return p == "" }), "\n\n")
}

// byURL is the attribute to warn on when the CDN resource cannot
// purge by URL: urls, when the purge is by URL.
func (m purgeArguments) byURL() *path.Path {
	if m.URLs.IsNull() {
		return nil
	}
	urls := path.Root("urls")
	return &urls
}

// nothingRecorded is what follows a failed purge of which nothing is kept.
const nothingRecorded = "Nothing was written to state: the next apply purges again."

// queuePurge hands one purge to the scheduler and waits for it within
// timeout; ctx must be masked. The scheduler's error is returned as it is,
// with the partial result.
func (d *providerData) queuePurge(ctx context.Context, resourceID int64, purge gcoreapi.Purge, timeout time.Duration,
	progress scheduler.Progress,
) (scheduler.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tflog.Info(ctx, "queueing purge", map[string]any{"resource_id": resourceID, "purge_type": purge.Type.String(), "items": len(purge.Items)})
	result, err := d.scheduler.Purge(ctx, scheduler.Job{ResourceID: resourceID, Type: purge.Type, Items: purge.Items, Progress: progress})
	if err != nil {
		return result, err
	}
	tflog.Info(ctx, "purge accepted", map[string]any{
		"resource_id": resourceID, "purge_type": purge.Type.String(), "requests": len(result.Requests),
		"merged_with": result.Merged, "waited": result.Waited.String(), "settled_by_purge_all": result.SettledByPurgeAll,
	})
	return result, nil
}

// purge turns the arguments into the request body's content. Items are
// sorted so that the same set always sends the same body. A purge of
// everything comes only from purge_all = true: arguments that name nothing to
// purge are an error, never a purge of everything by default (the API reads
// an empty list of patterns as one).
func (m purgeArguments) purge(ctx context.Context) (gcoreapi.Purge, diag.Diagnostics) {
	switch {
	case !m.URLs.IsNull():
		return itemsPurge(ctx, gcoreapi.PurgeByURL, m.URLs)
	case !m.Paths.IsNull():
		return itemsPurge(ctx, gcoreapi.PurgeByPattern, m.Paths)
	case m.PurgeAll.ValueBool():
		return gcoreapi.Purge{Type: gcoreapi.PurgeAll}, nil
	}
	return gcoreapi.Purge{}, nothingToPurge()
}

// itemsPurge is a purge of type typ carrying the items of set, sorted.
func itemsPurge(ctx context.Context, typ gcoreapi.PurgeType, set types.Set) (gcoreapi.Purge, diag.Diagnostics) {
	var items []string
	diags := set.ElementsAs(ctx, &items, false)
	if diags.HasError() {
		return gcoreapi.Purge{}, diags
	}
	if len(items) == 0 {
		return gcoreapi.Purge{}, nothingToPurge()
	}
	slices.Sort(items)
	return gcoreapi.Purge{Type: typ, Items: items}, diags
}

// nothingToPurge is reached only if validation let through arguments that
// name nothing to purge; it stops the purge before anything is sent.
func nothingToPurge() diag.Diagnostics {
	return diag.Diagnostics{diag.NewErrorDiagnostic("Nothing to purge",
		"Neither urls nor paths lists anything to purge and purge_all is not true, so nothing was sent. "+
			"Set urls or paths, or purge_all = true to purge the whole cache; please report this issue, "+
			"as validation should have refused the configuration.")}
}

// requestErrorDiagnostics says what went wrong with a request of the kind
// noun names ("purge", "prefetch") and what to fix. err comes from the
// scheduler: it names the request and carries the API's own message.
// afterwards says what the state keeps, and so what the next apply sends.
func requestErrorDiagnostics(noun string, err error, resourceID int64, afterwards string) diag.Diagnostics {
	var diags diag.Diagnostics
	var timeout *scheduler.TimeoutError
	title := capitalized(noun)
	what := "The " + strings.TrimSuffix(err.Error(), ".") + "."
	switch {
	case errors.As(err, &timeout):
		summary := title + " timed out"
		if timeout.Cancelled {
			summary = title + " cancelled"
		}
		diags.AddError(summary, what+"\n\n"+afterwards)
	case errors.Is(err, gcoreapi.ErrUnauthorized):
		diags.AddError("Gcore API key rejected", fmt.Sprintf("%s\n\nThe API key is wrong, expired or revoked. "+
			"Set a valid permanent API token in api_key (provider \"gcore\") or in %s.\n\n%s", what, envAPIKey, afterwards))
	case errors.Is(err, gcoreapi.ErrForbidden):
		diags.AddError("Gcore API key lacks permission", fmt.Sprintf("%s\n\nThe API key is valid but may not %s this CDN resource. "+
			"Use a token whose role can manage CDN resources of this account.\n\n%s", what, noun, afterwards))
	case errors.Is(err, gcoreapi.ErrNotFound):
		diags.AddAttributeError(path.Root("resource_id"), "CDN resource not found", fmt.Sprintf("%s\n\n"+
			"CDN resource %d does not exist in the account of this API key. Check resource_id.\n\n%s", what, resourceID, afterwards))
	case errors.Is(err, gcoreapi.ErrBadRequest):
		diags.AddError("Gcore API rejected the "+noun, what+"\n\n"+afterwards)
	default:
		diags.AddError(title+" failed", what+"\n\n"+afterwards)
	}
	return diags
}

// The validators below are shared by the schema and by revalidate, so that a
// value unknown at plan time meets exactly the same rules before it is sent.

// purgeModeExpressions are the arguments of which exactly one is set.
func purgeModeExpressions() []path.Expression {
	return []path.Expression{path.MatchRoot("urls"), path.MatchRoot("paths"), path.MatchRoot("purge_all")}
}

func resourceIDValidators() []validator.Int64 {
	return []validator.Int64{int64validator.AtLeast(1)}
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
func revalidate(ctx context.Context, config tfsdk.Config) diag.Diagnostics {
	resp := &resource.ValidateConfigResponse{}
	resourcevalidator.ExactlyOneOf(purgeModeExpressions()...).ValidateResource(ctx, resource.ValidateConfigRequest{Config: config}, resp)
	diags := resp.Diagnostics
	for _, attr := range []struct {
		name     string
		validate attributeValidation
	}{
		{"urls", setValidation(urlsValidators())},
		{"paths", setValidation(pathsValidators())},
		{"resource_id", int64Validation(resourceIDValidators())},
		{"purge_all", boolValidation(purgeAllValidators())},
	} {
		diags.Append(attr.validate(ctx, config, path.Root(attr.name))...)
	}
	return diags
}

// attributeValidation runs validators on the attribute at p of config, as the
// framework does at plan time.
type attributeValidation func(ctx context.Context, config tfsdk.Config, p path.Path) diag.Diagnostics

// validation reads the attribute as a T and runs each of validators on it;
// run builds the request of the validator's own type. The framework has one
// request type per attribute type, hence the small adapters below.
func validation[T any, V any](validators []V,
	run func(ctx context.Context, v V, value T, config tfsdk.Config, p path.Path) diag.Diagnostics,
) attributeValidation {
	return func(ctx context.Context, config tfsdk.Config, p path.Path) diag.Diagnostics {
		var value T
		diags := config.GetAttribute(ctx, p, &value)
		for _, v := range validators {
			diags.Append(run(ctx, v, value, config, p)...)
		}
		return diags
	}
}

func setValidation(validators []validator.Set) attributeValidation {
	return validation(validators, func(ctx context.Context, v validator.Set, value types.Set, config tfsdk.Config, p path.Path) diag.Diagnostics {
		resp := &validator.SetResponse{}
		v.ValidateSet(ctx, validator.SetRequest{Path: p, PathExpression: p.Expression(), ConfigValue: value, Config: config}, resp)
		return resp.Diagnostics
	})
}

func mapValidation(validators []validator.Map) attributeValidation {
	return validation(validators, func(ctx context.Context, v validator.Map, value types.Map, config tfsdk.Config, p path.Path) diag.Diagnostics {
		resp := &validator.MapResponse{}
		v.ValidateMap(ctx, validator.MapRequest{Path: p, PathExpression: p.Expression(), ConfigValue: value, Config: config}, resp)
		return resp.Diagnostics
	})
}

func int64Validation(validators []validator.Int64) attributeValidation {
	return validation(validators, func(ctx context.Context, v validator.Int64, value types.Int64, config tfsdk.Config, p path.Path) diag.Diagnostics {
		resp := &validator.Int64Response{}
		v.ValidateInt64(ctx, validator.Int64Request{Path: p, PathExpression: p.Expression(), ConfigValue: value, Config: config}, resp)
		return resp.Diagnostics
	})
}

func boolValidation(validators []validator.Bool) attributeValidation {
	return validation(validators, func(ctx context.Context, v validator.Bool, value types.Bool, config tfsdk.Config, p path.Path) diag.Diagnostics {
		resp := &validator.BoolResponse{}
		v.ValidateBool(ctx, validator.BoolRequest{Path: p, PathExpression: p.Expression(), ConfigValue: value, Config: config}, resp)
		return resp.Diagnostics
	})
}
