package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/scheduler"
)

// planReadTimeout bounds what a plan waits for one read of the API (a CDN
// resource, the account's limits), so that a plan never hangs on an
// unreachable API. The read goes on in the background for the apply.
const planReadTimeout = 5 * time.Second

// plannedRequest is what a plan would send, for the checks made at plan.
type plannedRequest struct {
	target cdnTarget
	kind   scheduler.Kind
	// byURL is the attribute that lists the URLs of a purge by URL, to warn
	// on when the CDN resource cannot purge by URL.
	byURL *path.Path
	// items is the attribute listing what one request carries whole, with
	// count entries (urls or paths of gcore_cdn_purge, urls of a prefetch);
	// nil when the provider splits the list itself.
	items *path.Path
	count int
}

// check fails a plan that would send a request without an API key, or that
// the API would refuse, so that the user learns it before apply: the CDN
// resource does not exist or was deleted, the key is rejected, base_url
// cannot be reached, the list is longer than one request may carry. It warns
// of what would make the request useless. With plan_checks off, it reads
// nothing. A resource_id unknown until apply is checked then, by the request
// itself.
func (d *providerData) check(ctx context.Context, p plannedRequest) diag.Diagnostics {
	diags := d.requireAPIKey()
	if !d.planChecks || diags.HasError() {
		return diags
	}
	ctx = d.mask(ctx)
	id, known, resolveDiags := d.resolve(ctx, p.target, p.kind.Noun())
	if diags.Append(planTimeOnly(resolveDiags)...); diags.HasError() {
		return diags
	}
	if known {
		diags.Append(d.checkCDNResource(ctx, id, p)...)
	}
	if p.items != nil {
		diags.Append(d.checkItemLimit(ctx, p)...)
	}
	return diags
}

// planTimeOnly keeps, of the diagnostics of a lookup at plan, those a user
// acts on: the domain names no CDN resource, or several; the key is
// rejected. Anything else (a slow or unreachable API) says nothing now: the
// apply looks the domain up again.
func planTimeOnly(diags diag.Diagnostics) diag.Diagnostics {
	var kept diag.Diagnostics
	for _, d := range diags {
		if d.Summary() != "Gcore API key rejected" && d.Summary() != "CDN resource not found" &&
			d.Summary() != "Several CDN resources have this domain" {
			continue
		}
		kept.Append(d)
	}
	return kept
}

// checkCDNResource raises at plan what the API would answer request p to
// CDN resource id at apply. Any failure other than the ones a user
// can act on says nothing (the apply behaves as it would have) and is logged
// at DEBUG.
func (d *providerData) checkCDNResource(ctx context.Context, id int64, p plannedRequest) diag.Diagnostics {
	var diags diag.Diagnostics
	res, err := d.cdnResources.Get(ctx, id)
	noun := p.kind.Noun()
	switch {
	case err == nil:
		diags.Append(resourceStateDiagnostics(res, noun)...)
		if p.byURL != nil && res.CanPurgeByURLs != nil && !*res.CanPurgeByURLs {
			diags.AddAttributeWarning(*p.byURL, "CDN resource cannot purge by URL", fmt.Sprintf(
				"CDN resource %d (%s) answers can_purge_by_urls = false: Gcore allows a purge by URL only on a CDN resource "+
					"whose ignore_vary_header option is on, so the API may refuse this purge. Turn that option on, or purge "+
					"by pattern (paths), which works on every CDN resource.", id, res.CName))
		}
	case errors.Is(err, gcoreapi.ErrNotFound), errors.Is(err, gcoreapi.ErrUnauthorized):
		failure := requestFailure{noun: noun, afterwards: "The plan read the CDN resource, so that this shows now rather " +
			"than at apply; set plan_checks = false (or " + envPlanChecks + "=false) to plan without reading the API."}
		diags.Append(failure.diagnostics(fmt.Errorf("read of CDN resource %d before the %s: %w", id, noun, err), id)...)
	case gcoreapi.CannotHeal(err):
		if d.sayUnhealableOnce() {
			diags.AddAttributeError(path.Root("base_url"), "Gcore API cannot be reached at base_url", fmt.Sprintf(
				"Reading CDN resource %d before the %s failed: %s.\n\nThis will not heal by retrying: check base_url in "+
					"the provider \"gcore\" block (or %s), or leave both unset for %s.",
				id, noun, strings.TrimSuffix(err.Error(), "."), envBaseURL, gcoreapi.DefaultBaseURL))
		}
	default:
		tflog.Debug(ctx, "the plan-time read of the CDN resource said nothing; the apply will tell", map[string]any{
			"resource_id": id, "error": err.Error(),
		})
	}
	return diags
}

// resourceStateDiagnostics refuses a request to a deleted CDN resource and
// warns of one that delivers no content. A field the answer left out says
// nothing.
func resourceStateDiagnostics(res gcoreapi.CDNResource, noun string) diag.Diagnostics {
	var diags diag.Diagnostics
	subject := fmt.Sprintf("CDN resource %d (%s)", res.ID, res.CName)
	switch {
	case res.Gone():
		diags.AddAttributeError(path.Root("resource_id"), "CDN resource deleted", fmt.Sprintf("%s was deleted: there is no "+
			"cache left to %s, so nothing is sent. Remove this %s, or point resource_id at a CDN resource that exists.",
			subject, noun, noun))
	case res.Status != "" && res.Status != gcoreapi.ResourceActive:
		diags.AddAttributeWarning(path.Root("resource_id"), "CDN resource not active",
			fmt.Sprintf("%s has status %q: %s The %s is sent all the same.", subject, res.Status, statusMeaning(res.Status), noun))
	case res.Active != nil && !*res.Active:
		diags.AddAttributeWarning(path.Root("resource_id"), "CDN resource deactivated", fmt.Sprintf("%s answers active = "+
			"false: it delivers no content until it is activated again. The %s is sent all the same.", subject, noun))
	}
	return diags
}

// statusMeaning says what a CDN resource's status means for a request, in
// Gcore's words where it has them.
func statusMeaning(status gcoreapi.ResourceStatus) string {
	switch status {
	case gcoreapi.ResourceSuspended:
		return "it delivers no content (Gcore suspends a CDN resource that had no traffic for 90 days), so visitors see " +
			"nothing of what this changes until it is active again."
	case gcoreapi.ResourceProcessed:
		return "it was created recently and takes about fifteen minutes to reach every location; a location it reaches " +
			"later starts with an empty cache anyway."
	default:
		return "a status this provider does not know."
	}
}

// checkItemLimit refuses a list longer than one request may carry at the
// account's limits (never above the documented ones).
func (d *providerData) checkItemLimit(ctx context.Context, p plannedRequest) diag.Diagnostics {
	var diags diag.Diagnostics
	ctx, cancel := context.WithTimeout(ctx, planReadTimeout)
	defer cancel()
	limits, err := d.scheduler.Limits(ctx)
	if err != nil {
		return diags // not known in time: the apply splits the list if it must
	}
	most, source := limits.MaxItems(p.kind)
	if p.count > most {
		diags.AddAttributeError(*p.items, "Too many items in one "+p.kind.Noun(), fmt.Sprintf("%s has %d entries; one %s "+
			"of this account may carry at most %d (%s). Split them across several resources: those of one CDN resource "+
			"that wait together are sent as fast as the rate limit allows.", *p.items, p.count, p.kind, most, source))
	}
	return diags
}

// planLimits are the limits a plan estimates with: the account's, read once
// within planReadTimeout, or the documented ones when plan_checks is off
// (the plan sends nothing) or the read did not answer in time.
func (d *providerData) planLimits(ctx context.Context) scheduler.Limits {
	if !d.planChecks {
		return scheduler.DocumentedLimits("plan_checks is off, so the plan reads nothing from the API")
	}
	ctx, cancel := context.WithTimeout(ctx, planReadTimeout)
	defer cancel()
	limits, _ := d.scheduler.Limits(ctx)
	return limits
}

// explainURLRefusal adds to a refused purge by URL why, when the CDN
// resource says it cannot purge by URL.
func (d *providerData) explainURLRefusal(ctx context.Context, id int64, err error) string {
	var apiErr *gcoreapi.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode < 400 || apiErr.StatusCode > 499 || errors.Is(err, gcoreapi.ErrRateLimited) {
		return ""
	}
	res, readErr := d.cdnResources.Get(ctx, id)
	if readErr != nil || res.CanPurgeByURLs == nil || *res.CanPurgeByURLs {
		return ""
	}
	return fmt.Sprintf("CDN resource %d answers can_purge_by_urls = false: Gcore allows a purge by URL only on a CDN resource "+
		"whose ignore_vary_header option is on. Turn that option on, or purge by pattern (paths) instead.", id)
}
