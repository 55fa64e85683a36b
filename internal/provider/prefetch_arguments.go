package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/purgerules"
	"github.com/gcore-purge/terraform-provider-gcore/internal/scheduler"
)

// prefetchArguments say what to prefetch; the gcore_cdn_prefetch resource and
// action share them, with the same descriptions and validators. The API's
// body calls the files "paths" (Gcore's API reference for POST
// /cdn/resources/{resource_id}/prefetch), but in this provider paths are
// always patterns: exact files are urls, as in a purge by URL.
type prefetchArguments struct {
	cdnTarget
	URLs types.Set `tfsdk:"urls"`
}

func prefetchURLsValidators() []validator.Set {
	return []validator.Set{
		prefetchCount(gcoreapi.MaxPrefetchPathsPerRequest),
		setvalidator.ValueStringsAre(pathRule("prefetch", purgerules.CheckURL, urlRule)),
	}
}

// revalidate runs the validators of the arguments again on values that are
// all known at apply time.
func (m prefetchArguments) revalidate(ctx context.Context, config tfsdk.Config) diag.Diagnostics {
	return revalidated(ctx, config, map[string]attributeValidation{
		"urls":        setValidation(prefetchURLsValidators()),
		"resource_id": numberValidation(resourceIDValidators()),
	})
}

// job turns the arguments into the scheduler's job, the files sorted so that
// the same set always sends the same body.
func (m prefetchArguments) job(ctx context.Context, resourceID int64) (scheduler.Job, diag.Diagnostics) {
	items, diags := sortedItems(ctx, m.URLs)
	return scheduler.Job{ResourceID: resourceID, Kind: scheduler.Prefetch, Items: items}, diags
}

// planned is the request a plan of m would send.
func (m prefetchArguments) planned() plannedRequest {
	p := plannedRequest{target: m.cdnTarget, kind: scheduler.Prefetch}
	if !m.URLs.IsNull() && !m.URLs.IsUnknown() {
		urls := path.Root("urls")
		p.items, p.count = &urls, knownElements(m.URLs)
	}
	return p
}
