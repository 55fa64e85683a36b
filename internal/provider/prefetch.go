package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

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

// prefetchArguments say what to prefetch; the resource and the action share
// them, with the same descriptions and validators. The API's body calls the
// files "paths" (Gcore's API reference for POST
// /cdn/resources/{resource_id}/prefetch), but in this provider paths are
// always patterns: exact files are urls, as in a purge by URL.
type prefetchArguments struct {
	ResourceID types.Int64 `tfsdk:"resource_id"`
	URLs       types.Set   `tfsdk:"urls"`
}

// Descriptions of the prefetch arguments.
var (
	prefetchResourceIDDescription = "ID of the CDN resource whose cache the files are loaded into."
	prefetchURLsDescription       = fmt.Sprintf("The files to load into the CDN's cache: 1 to %d paths of files, each starting "+
		"with `/`, without scheme or host (`/video/intro.mp4`, not `https://cdn.example.com/video/intro.mp4`). "+
		"Query strings are kept. Exact files, never patterns.", gcoreapi.MaxPrefetchPathsPerRequest)
)

func prefetchURLsValidators() []validator.Set {
	return []validator.Set{
		prefetchCount(gcoreapi.MaxPrefetchPathsPerRequest),
		setvalidator.ValueStringsAre(pathRule("prefetch", purgerules.CheckURL, urlRule)),
	}
}

// nothingPrefetched is what follows a failed prefetch, of which nothing is
// kept.
const nothingPrefetched = "Nothing was written to state: the next apply prefetches again."

// sendPrefetch checks the arguments once more, now that every value is
// known, and prefetches through the scheduler within timeout, in the queue of
// the CDN resource's prefetches. progress, if not nil, hears how it goes. It
// returns when the API accepted the last request carrying the files.
func (d *providerData) sendPrefetch(ctx context.Context, config tfsdk.Config, args prefetchArguments, timeout time.Duration,
	progress scheduler.Progress,
) (time.Time, diag.Diagnostics) {
	ctx = d.mask(ctx)
	diags := d.requireAPIKey()
	// Values unknown at plan time were not validated then: check them now,
	// with the same validators, before anything is sent.
	diags.Append(setValidation(prefetchURLsValidators())(ctx, config, path.Root("urls"))...)
	diags.Append(int64Validation(resourceIDValidators())(ctx, config, path.Root("resource_id"))...)
	if diags.HasError() {
		return time.Time{}, diags
	}
	prefetch, argDiags := itemsPurge(ctx, gcoreapi.Prefetch, args.URLs)
	if diags.Append(argDiags...); diags.HasError() {
		return time.Time{}, diags
	}
	resourceID := args.ResourceID.ValueInt64()
	result, err := d.queuePurge(ctx, resourceID, prefetch, timeout, progress)
	if err != nil {
		afterwards := joinParagraphs(refusedURLs(err), nothingPrefetched)
		diags.Append(requestErrorDiagnostics("prefetch", err, resourceID, afterwards)...)
	}
	return result.AcceptedAt, diags
}

// refusedURLs names the items a 400 refused by their index in the request
// (which may carry items of other prefetches it was merged with): the API's
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

// refusedItems returns the items, of the request that err says failed,
// that a 400 refused by their index (gcoreapi.Error's RefusedItems).
func refusedItems(err error) []string {
	var requestErr *scheduler.RequestError
	var apiErr *gcoreapi.Error
	if !errors.As(err, &requestErr) || !errors.As(err, &apiErr) {
		return nil
	}
	var items []string
	for _, i := range apiErr.RefusedItems {
		if i < len(requestErr.Items) {
			items = append(items, requestErr.Items[i])
		}
	}
	return items
}
