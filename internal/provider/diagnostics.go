package provider

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/scheduler"
)

// requestFailure says, for the diagnostics of a failed request, what the
// request was and what follows its failure.
type requestFailure struct {
	// noun names the request: "purge" or "prefetch".
	noun string
	// timeout is the setting that bounded it; "" where no timeout applies.
	timeout timeoutSetting
	// afterwards says what the state keeps, and so what the next apply or
	// invocation sends.
	afterwards string
}

// diagnostics says what went wrong with the request to CDN resource
// resourceID and what to change. err comes from the scheduler or the client:
// it states the facts and carries the API's own message.
func (f requestFailure) diagnostics(err error, resourceID int64) diag.Diagnostics {
	var diags diag.Diagnostics
	var timeout *scheduler.TimeoutError
	title := capitalized(f.noun)
	what := "The " + strings.TrimSuffix(err.Error(), ".") + "."
	switch {
	case errors.As(err, &timeout):
		summary := title + " timed out"
		if timeout.Cancelled {
			summary = title + " cancelled"
		}
		diags.AddError(summary, joinParagraphs(what, f.timeoutAdvice(timeout), f.afterwards))
	case errors.Is(err, gcoreapi.ErrUnauthorized):
		diags.AddError("Gcore API key rejected", joinParagraphs(what, "The API key is wrong, expired or revoked. Set a valid "+
			"permanent API token in api_key (provider \"gcore\") or in "+envAPIKey+".", f.afterwards))
	case errors.Is(err, gcoreapi.ErrForbidden):
		diags.AddError("Gcore API key lacks permission", joinParagraphs(what, fmt.Sprintf("The API key is valid but may not %s "+
			"this CDN resource. Use a token whose role can manage CDN resources of this account.", f.noun), f.afterwards))
	case errors.Is(err, gcoreapi.ErrNotFound):
		diags.AddAttributeError(path.Root("resource_id"), "CDN resource not found", joinParagraphs(what, fmt.Sprintf(
			"CDN resource %d does not exist in the account of this API key. Check resource_id.", resourceID), f.afterwards))
	case errors.Is(err, gcoreapi.ErrRedirected):
		diags.AddAttributeError(path.Root("base_url"), "Gcore API answered with a redirect", joinParagraphs(what,
			"The provider follows no redirect: it would send the request, and the API key, wherever the redirect points. "+
				"Set base_url (or "+envBaseURL+") to the API's own address, such as "+gcoreapi.DefaultBaseURL+".", f.afterwards))
	case errors.Is(err, gcoreapi.ErrBadRequest):
		diags.AddError("Gcore API rejected the "+f.noun, joinParagraphs(what, f.afterwards))
	default:
		diags.AddError(title+" failed", joinParagraphs(what, f.afterwards))
	}
	return diags
}

// timeoutAdvice says what to change after a timeout: the setting that bounds
// the request, or the API when it kept failing; nothing after a
// cancellation, which the user asked for.
func (f requestFailure) timeoutAdvice(e *scheduler.TimeoutError) string {
	switch {
	case e.Cancelled:
		return ""
	case e.LastErr != nil && !errors.Is(e.LastErr, gcoreapi.ErrRateLimited):
		return fmt.Sprintf("Try again once the API recovers, or raise %s.", f.timeout)
	default:
		return fmt.Sprintf("Raise %s, or send fewer requests to this CDN resource at once.", f.timeout)
	}
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

// clippedList writes at most n items, and how many more there are.
func clippedList(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}

func pluralURLs(n int) string {
	if n == 1 {
		return "1 URL"
	}
	return fmt.Sprintf("%d URLs", n)
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
