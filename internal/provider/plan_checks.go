package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// planReadTimeout bounds what a plan waits for the API, so that a plan never
// hangs on an unreachable API.
const planReadTimeout = 5 * time.Second

// envPlanChecks turns the plan-time reads off when "false" (or "0").
const envPlanChecks = "GCORE_PLAN_CHECKS"

// cdnResources reads each CDN resource once per provider instance, when the
// first plan that purges it asks, and keeps the outcome, failures included:
// a plan of a thousand purges of one CDN resource sends one GET, whatever
// its answer. Every resource and action of the instance shares it.
type cdnResources struct {
	read func(ctx context.Context, id int64) (gcoreapi.CDNResource, error)

	mu      sync.Mutex
	entries map[int64]*cdnResourceRead
	// unhealableSaid is set once a failure that cannot heal (the host of
	// base_url does not exist, its certificate does not verify) was
	// reported: it is the same for every purge, so it is said once.
	unhealableSaid bool
}

// cdnResourceRead is one read: done is closed once res and err are set.
type cdnResourceRead struct {
	done chan struct{}
	res  gcoreapi.CDNResource
	err  error
}

func newCDNResources(read func(ctx context.Context, id int64) (gcoreapi.CDNResource, error)) *cdnResources {
	return &cdnResources{read: read, entries: make(map[int64]*cdnResourceRead)}
}

// get returns the CDN resource id, reading it on first use within
// planReadTimeout; concurrent first callers share the read.
func (c *cdnResources) get(ctx context.Context, id int64) (gcoreapi.CDNResource, error) {
	c.mu.Lock()
	r, started := c.entries[id]
	if !started {
		r = &cdnResourceRead{done: make(chan struct{})}
		c.entries[id] = r
	}
	c.mu.Unlock()
	if !started {
		readCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), planReadTimeout)
		r.res, r.err = c.read(readCtx, id)
		cancel()
		close(r.done)
	}
	select {
	case <-r.done:
		return r.res, r.err
	case <-ctx.Done():
		return gcoreapi.CDNResource{}, ctx.Err()
	}
}

// sayUnhealable reports whether the failure that cannot heal is still to be
// said, and marks it said.
func (c *cdnResources) sayUnhealable() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	first := !c.unhealableSaid
	c.unhealableSaid = true
	return first
}

// checkPurge raises at plan time what the API would answer a purge of CDN
// resource id at apply: that it does not exist, that the key is rejected,
// that base_url cannot be reached. byURL, when not nil, is the attribute of a
// purge by URL: a warning there says when the CDN resource cannot purge by
// URL. Any other failure says nothing (the apply behaves as it would have)
// and is logged at DEBUG; so is everything when plan_checks is off.
func (d *providerData) checkPurge(ctx context.Context, id int64, byURL *path.Path) diag.Diagnostics {
	var diags diag.Diagnostics
	if !d.planChecks || d.apiKey == "" {
		return diags
	}
	ctx = d.mask(ctx)
	res, err := d.cdnResources.get(ctx, id)
	switch {
	case err == nil:
		if byURL != nil && res.CanPurgeByURLs != nil && !*res.CanPurgeByURLs {
			diags.AddAttributeWarning(*byURL, "CDN resource cannot purge by URL", fmt.Sprintf(
				"CDN resource %d (%s) answers can_purge_by_urls = false: Gcore allows a purge by URL only on a CDN resource "+
					"whose ignore_vary_header option is on, so the API may refuse this purge. Turn that option on, or purge "+
					"by pattern (paths), which works on every CDN resource.", id, res.Cname))
		}
	case errors.Is(err, gcoreapi.ErrNotFound), errors.Is(err, gcoreapi.ErrUnauthorized):
		diags.Append(requestErrorDiagnostics("purge", fmt.Errorf("check of CDN resource %d before the purge: %w", id, err), id,
			"The plan read the CDN resource, so that this shows now rather than at apply; set plan_checks = false "+
				"(or "+envPlanChecks+"=false) to plan without reading the API.")...)
	case gcoreapi.CannotHeal(err):
		if d.cdnResources.sayUnhealable() {
			diags.AddError("Gcore API cannot be reached at base_url", fmt.Sprintf("Reading CDN resource %d before the purge failed: %s.\n\n"+
				"This will not heal by retrying: check base_url in the provider \"gcore\" block (or %s), or leave both unset "+
				"for %s.", id, strings.TrimSuffix(err.Error(), "."), envBaseURL, gcoreapi.DefaultBaseURL))
		}
	default:
		tflog.Debug(ctx, "the plan-time check of the CDN resource said nothing; the apply will tell", map[string]any{
			"resource_id": id, "error": err.Error(),
		})
	}
	return diags
}

// explainURLRefusal adds to a refused purge by URL why, when the CDN
// resource says it cannot purge by URL.
func (d *providerData) explainURLRefusal(ctx context.Context, id int64, err error) string {
	var apiErr *gcoreapi.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode < 400 || apiErr.StatusCode > 499 || apiErr.StatusCode == 429 {
		return ""
	}
	res, readErr := d.cdnResources.get(ctx, id)
	if readErr != nil || res.CanPurgeByURLs == nil || *res.CanPurgeByURLs {
		return ""
	}
	return fmt.Sprintf("CDN resource %d answers can_purge_by_urls = false: Gcore allows a purge by URL only on a CDN resource "+
		"whose ignore_vary_header option is on. Turn that option on, or purge by pattern (paths) instead.", id)
}
