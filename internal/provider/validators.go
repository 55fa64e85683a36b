package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// The provider's own validators: each is written here because the
// validators package has none that gives the advice a user needs.

var (
	_ validator.Set    = itemCountValidator{}
	_ validator.String = ruleValidator{}
	_ validator.String = baseURLValidator{}
	_ validator.String = durationValidator{}
)

// itemCount checks that the set of a purge holds 1 to most items, each a
// noun.
func itemCount(most int, noun string) validator.Set {
	return itemCountValidator{max: most, noun: noun, request: "purge",
		ifEmpty: "%[1]s is empty, so this purge would clear nothing. To purge the whole cache of the CDN resource, " +
			"remove %[1]s and set purge_all = true instead.",
		ifTooMany: "Split them across several gcore_cdn_purge resources (purges of one CDN resource are sent as fast as " +
			"its rate limit allows), or purge by pattern.",
	}
}

// prefetchCount checks that the set of files of a prefetch holds 1 to most.
func prefetchCount(most int) validator.Set {
	return itemCountValidator{max: most, noun: "URLs", request: "prefetch",
		ifEmpty: "%[1]s is empty, so this prefetch would load nothing. List the files to load; when the list comes " +
			"from an expression that may be empty, create the prefetch only when it is not (count = length(...) > 0 ? 1 : 0).",
		ifTooMany: "Split them across several gcore_cdn_prefetch resources: prefetches of one CDN resource that wait " +
			"together are merged into requests as full as the API allows, sent as fast as its rate limit allows.",
	}
}

// urlRule says in words what purgerules.CheckURL accepts: an entry of urls,
// of a purge or of a prefetch.
const urlRule = "a path starting with /, without scheme or host"

// purgeRule applies one of purgerules' checks to a string of a purge; rule
// says in words what check accepts.
func purgeRule(check func(string) error, rule string) validator.String {
	return pathRule("purge", check, rule)
}

// pathRule applies one of purgerules' checks to a string sent in a request of
// the kind noun names ("purge", "prefetch"); rule says in words what check
// accepts.
func pathRule(noun string, check func(string) error, rule string) validator.String {
	return ruleValidator{summary: "Invalid " + noun + " path", check: check, rule: rule}
}

// fileVersion checks the version of a file of gcore_cdn_purge_changed_files.
func fileVersion() validator.String {
	return ruleValidator{summary: "Invalid file version", check: checkFileVersion, rule: "a non-empty string"}
}

func checkFileVersion(s string) error {
	if s == "" {
		return errors.New("the version of a file is empty, so a change could not be told: use a value that changes " +
			"with the file's content, such as filemd5(\"${var.site_dir}/${f}\")")
	}
	return nil
}

// indexDocument checks index_document: a file name, such as index.html.
func indexDocument() validator.String {
	return ruleValidator{summary: "Invalid index document", check: checkIndexDocument, rule: "a file name such as index.html"}
}

func checkIndexDocument(s string) error {
	if s == "" || strings.ContainsAny(s, "/?#") || strings.ContainsFunc(s, unicode.IsControl) {
		return fmt.Errorf("%q is not a file name: write the name of the file a directory URL serves, "+
			"without a path, such as \"index.html\"", s)
	}
	return nil
}

// absoluteHTTPURL checks that a string is an absolute http(s) URL, as the API
// client requires of its base URL.
func absoluteHTTPURL() validator.String { return baseURLValidator{} }

// positiveDuration checks that a string is a duration longer than zero.
func positiveDuration() validator.String { return durationValidator{} }

// itemCountValidator is written here rather than taken from
// setvalidator.SizeBetween because an empty set needs its own message: an
// expression that evaluates to an empty list must say how to purge everything
// on purpose (purge_all = true), never do it silently, or how to skip a
// prefetch of nothing.
type itemCountValidator struct {
	max  int
	noun string
	// request is what the set is sent in: "purge" or "prefetch".
	request string
	// ifEmpty is the message of an empty set, with the attribute's path as
	// %[1]s; ifTooMany says how to send more than max items.
	ifEmpty, ifTooMany string
}

func (v itemCountValidator) Description(context.Context) string {
	return fmt.Sprintf("must hold 1 to %d %s", v.max, v.noun)
}

func (v itemCountValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v itemCountValidator) ValidateSet(_ context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	// An element unknown until apply may turn out equal to another and
	// collapse into it: only the known ones count now, all of them when
	// revalidate runs at apply.
	n, unknown := 0, false
	for _, e := range req.ConfigValue.Elements() {
		if e.IsUnknown() {
			unknown = true
		} else {
			n++
		}
	}
	switch {
	case n == 0 && !unknown:
		resp.Diagnostics.AddAttributeError(req.Path, "Empty "+v.request+" list", fmt.Sprintf(v.ifEmpty, req.Path))
	case n > v.max:
		resp.Diagnostics.AddAttributeError(req.Path, "Too many items in one "+v.request,
			fmt.Sprintf("%s has %d %s; one %s takes at most %d. %s", req.Path, n, v.noun, v.request, v.max, v.ifTooMany))
	}
}

type ruleValidator struct {
	summary string
	check   func(string) error
	rule    string
}

func (v ruleValidator) Description(context.Context) string { return "must be " + v.rule }

func (v ruleValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v ruleValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, v.summary, err.Error()+".")
	}
}

// baseURLValidator rejects a base_url that is not an absolute http(s) URL at
// plan time, with the attribute named, rather than when the first purge is
// sent.
type baseURLValidator struct{}

func (baseURLValidator) Description(context.Context) string {
	return "must be an absolute http(s) URL, such as " + gcoreapi.DefaultBaseURL
}

func (v baseURLValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v baseURLValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := gcoreapi.ParseBaseURL(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Gcore API base URL",
			fmt.Sprintf("%s. Use an absolute http(s) URL such as %s, or remove base_url to use it.", err, gcoreapi.DefaultBaseURL))
	}
}

// durationValidator checks the action's timeout at plan time. It is written
// here because the validators package has no duration validator (the
// timeouts package validates only its own block), and
// timetypes.GoDuration accepts "0s" and "-5m" and replaces this message.
type durationValidator struct{}

func (durationValidator) Description(context.Context) string {
	return "must be a positive duration such as 90s or 20m"
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, ok := parsePositiveDuration(req.ConfigValue.ValueString()); !ok {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid timeout", durationAdvice(req.ConfigValue.ValueString()))
	}
}

// parsePositiveDuration reads a timeout such as "20m"; ok is false unless it
// is a duration longer than zero. The validator and the action's Invoke,
// which sees values unknown at plan time, both read it so.
func parsePositiveDuration(s string) (d time.Duration, ok bool) {
	d, err := time.ParseDuration(s)
	return d, err == nil && d > 0
}

func durationAdvice(value string) string {
	return fmt.Sprintf("timeout %q is not a positive duration. Use a number with a unit, such as \"90s\", \"20m\" or \"1h30m\".", value)
}
