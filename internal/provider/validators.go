package provider

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// The provider's own validators: each is written here because the
// validators package has none that gives the advice a user needs.

var (
	_ validator.Set    = itemCountValidator{}
	_ validator.String = ruleValidator{}
	_ validator.String = baseURLValidator{}
	_ validator.String = apiKeyValidator{}
	_ validator.Number = wholeNumberValidator{}
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

// baseURL checks base_url at plan time, with the attribute named, rather
// than when the first request is sent: an absolute https URL, or http to a
// loopback host (gcoreapi.ParseBaseURL).
func baseURL() validator.String { return baseURLValidator{} }

type baseURLValidator struct{}

func (baseURLValidator) Description(context.Context) string {
	return "must be an absolute https URL, such as " + gcoreapi.DefaultBaseURL + " (http only to a loopback host)"
}

func (v baseURLValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v baseURLValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := gcoreapi.ParseBaseURL(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Gcore API base URL", baseURLAdvice(err, "base_url"))
	}
}

// baseURLAdvice says why a base URL, from the setting named, was refused and
// what to write instead.
func baseURLAdvice(err error, setting string) string {
	return fmt.Sprintf("%s: %s. Or unset %s to use %s.", setting, err, setting, gcoreapi.DefaultBaseURL)
}

// apiKey checks api_key at plan time: a key with white space or a control
// character cannot be sent in a header, and would fail every request after
// retries. The message never quotes the key.
func apiKey() validator.String { return apiKeyValidator{} }

type apiKeyValidator struct{}

func (apiKeyValidator) Description(context.Context) string {
	return "must hold no white space or control character"
}

func (v apiKeyValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (apiKeyValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	key := req.ConfigValue.ValueString()
	if key == "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Empty Gcore API key", "api_key is empty: set it to a permanent API "+
			"token, or remove it to use the "+envAPIKey+" environment variable.")
		return
	}
	if err := gcoreapi.CheckAPIKey(key); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Gcore API key", "api_key cannot be sent: "+err.Error()+".")
	}
}

// positiveWholeNumber checks that a number is a whole number from 1 to the
// largest int64. Such attributes are numbers, not int64s, in the schema (the
// same "number" to Terraform) because the framework refuses a fraction such
// as 1.5 with a message about the provider itself; example says what to
// write instead.
func positiveWholeNumber(example string) validator.Number {
	return wholeNumberValidator{example: example}
}

type wholeNumberValidator struct{ example string }

func (wholeNumberValidator) Description(context.Context) string {
	return fmt.Sprintf("must be a whole number from 1 to %d", int64(math.MaxInt64))
}

func (v wholeNumberValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v wholeNumberValidator) ValidateNumber(_ context.Context, req validator.NumberRequest, resp *validator.NumberResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	f := req.ConfigValue.ValueBigFloat()
	n, accuracy := f.Int64()
	switch {
	case !f.IsInt():
		resp.Diagnostics.AddAttributeError(req.Path, "Not a whole number", fmt.Sprintf("%s = %s is not a whole number: write %s.",
			req.Path, f.Text('g', -1), v.example))
	case accuracy != big.Exact || n < 1:
		resp.Diagnostics.AddAttributeError(req.Path, "Number out of range", fmt.Sprintf("%s = %s is not from 1 to %d: write %s.",
			req.Path, f.Text('f', -1), int64(math.MaxInt64), v.example))
	}
}

// wholeNumber reads a number the validators checked; 0 while it is null or
// unknown.
func wholeNumber(n types.Number) int64 {
	if n.IsNull() || n.IsUnknown() {
		return 0
	}
	i, _ := n.ValueBigFloat().Int64()
	return i
}
