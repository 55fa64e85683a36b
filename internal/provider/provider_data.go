package provider

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gcore-purge/terraform-provider-gcore/internal/completion"
	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/memo"
	"github.com/gcore-purge/terraform-provider-gcore/internal/scheduler"
)

// providerData is what Configure hands to the resources, actions and data
// sources: one scheduler, one completion waiter and one cache of CDN
// resources per provider instance, so that every request of a run shares the
// rate limits and the reads; and the key, so that it can be masked in every
// log line.
type providerData struct {
	apiKey     string
	planChecks bool
	scheduler  *scheduler.Scheduler
	completion *completion.Waiter
	// cdnResources reads each CDN resource once, within planReadTimeout;
	// cnames lists those of each delivery domain once.
	cdnResources *memo.Cache[int64, gcoreapi.CDNResource]
	cnames       *memo.Cache[string, []gcoreapi.CDNResource]
	// unhealableSaid is set once a failure that cannot heal (the host of
	// base_url does not exist, its certificate does not verify) was said: it
	// is the same for every request, so it is said once.
	unhealableSaid atomic.Bool
}

func newProviderData(client *gcoreapi.Client, apiKey string, planChecks bool, opts scheduler.Options) *providerData {
	d := &providerData{
		apiKey:       apiKey,
		planChecks:   planChecks,
		completion:   completion.New(client),
		cdnResources: memo.New(client.CDNResource, planReadTimeout),
		cnames:       memo.New(client.CDNResourcesNamed, planReadTimeout),
	}
	opts.Log = logInfo
	opts.FindLost = func(ctx context.Context, sent gcoreapi.AcceptedPurge) (gcoreapi.AcceptedPurge, bool) {
		found := client.Found(sent.ResourceID, sent.Purge, sent.At)
		return found, d.findInHistory(ctx, found)
	}
	d.scheduler = scheduler.New(client, opts)
	return d
}

// findInHistory reports whether purge is in the purge history of its CDN
// resource, which is searched by delivery domain.
func (d *providerData) findInHistory(ctx context.Context, purge gcoreapi.AcceptedPurge) bool {
	res, err := d.cdnResources.Get(ctx, purge.ResourceID)
	if err != nil || res.CName == "" {
		return false
	}
	return d.completion.Find(ctx, res.CName, purge)
}

// configuredData is what the provider's Configure handed to a resource, an
// action or a data source: nil before the provider is configured (validation
// runs earlier).
func configuredData(from any) (*providerData, diag.Diagnostics) {
	var diags diag.Diagnostics
	if from == nil {
		return nil, diags
	}
	data, ok := from.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("expected *providerData, got %T; please report this issue", from))
	}
	return data, diags
}

func notConfigured() diag.Diagnostic {
	return diag.NewErrorDiagnostic("Provider not configured",
		"The gcore provider was not configured before the request; please report this issue.")
}

// logInfo passes the scheduler's messages on to Terraform's log. The context
// is the one a job was sent with (send), which masks the API key. The
// scheduler logs from several goroutines, with one job's context at once,
// and terraform-plugin-log writes the masked fields of a context in place:
// engineLog keeps those writes apart.
func logInfo(ctx context.Context, msg string, fields map[string]any) {
	engineLog.Lock()
	defer engineLog.Unlock()
	tflog.Info(ctx, msg, fields)
}

var engineLog sync.Mutex

// mask returns ctx with the API key masked in every tflog message and field,
// so that no log line can leak it.
func (d *providerData) mask(ctx context.Context) context.Context {
	if d.apiKey == "" {
		return ctx
	}
	ctx = tflog.MaskMessageStrings(ctx, d.apiKey)
	return tflog.MaskAllFieldValuesStrings(ctx, d.apiKey)
}

// requireAPIKey explains, at the moment a request needs it, how to give the
// key.
func (d *providerData) requireAPIKey() diag.Diagnostics {
	var diags diag.Diagnostics
	if d.apiKey == "" {
		diags.AddError("Missing Gcore API key",
			"A purge or prefetch needs a Gcore API key. Set api_key in the provider \"gcore\" block, or set the "+envAPIKey+
				" environment variable. Create a permanent API token in the Gcore Customer Portal (Profile > API tokens).")
	}
	return diags
}

// sayUnhealableOnce reports whether the failure that cannot heal is still to
// be said, and marks it said.
func (d *providerData) sayUnhealableOnce() bool {
	return d.unhealableSaid.CompareAndSwap(false, true)
}
