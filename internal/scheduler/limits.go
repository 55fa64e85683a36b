package scheduler

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// Limits are the limits in force for every CDN resource of the account: the
// account's own (GET /cdn/clients/me/limits) where it says and is
// well-formed, the documented ones otherwise; an item limit never above the
// documented one, whatever the account says.
type Limits struct {
	rates    map[Kind]sourced[gcoreapi.Rate]
	maxItems map[Kind]sourced[int]
	// margin is the scheduler's configured skew margin; zero is the default.
	margin time.Duration
}

// sourced is a limit and where it came from.
type sourced[T any] struct {
	value T
	// field is the account limit's name; fromAccount whether its value holds.
	field       string
	fromAccount bool
	why         string // why the documented limit holds instead
}

// source says where the limit comes from, for messages: "account's
// purge_max_urls_limit", or "documented: <why>".
func (s sourced[T]) source() string {
	if s.fromAccount {
		return "account's " + s.field
	}
	return "documented: " + s.why
}

// Rate is the rate limit of requests of kind k on one CDN resource, and where
// it comes from.
func (l Limits) Rate(k Kind) (gcoreapi.Rate, string) {
	r := l.rates[k]
	return r.value, r.source()
}

// MaxItems is how many items one request of kind k may carry, and where that
// figure comes from; zero for a purge of everything.
func (l Limits) MaxItems(k Kind) (int, string) {
	m := l.maxItems[k]
	return m.value, m.source()
}

// The account's fields that set each limit. Pattern purges and purges of
// everything both follow purge_request_limit, in windows of their own.
var (
	rateFields = map[Kind]string{
		PurgeByURL: "purge_by_urls_request_limit", PurgeByPattern: "purge_request_limit",
		PurgeAll: "purge_request_limit", Prefetch: "prefetch_request_limit",
	}
	maxItemsFields = map[Kind]string{
		PurgeByURL: "purge_max_urls_limit", PurgeByPattern: "purge_pattern_limit", Prefetch: "prefetch_pattern_limit",
	}
)

func rateFieldsOf(acc gcoreapi.AccountLimits) map[Kind]string {
	return map[Kind]string{
		PurgeByURL: acc.PurgeByURLsRequestLimit, PurgeByPattern: acc.PurgeRequestLimit,
		PurgeAll: acc.PurgeRequestLimit, Prefetch: acc.PrefetchRequestLimit,
	}
}

func maxItemsFieldsOf(acc gcoreapi.AccountLimits) map[Kind]int {
	return map[Kind]int{PurgeByURL: acc.PurgeMaxURLsLimit, PurgeByPattern: acc.PurgePatternLimit, Prefetch: acc.PrefetchPatternLimit}
}

// DocumentedLimits are the documented limits, in force because of why.
func DocumentedLimits(why string) Limits {
	l := Limits{rates: map[Kind]sourced[gcoreapi.Rate]{}, maxItems: map[Kind]sourced[int]{}}
	for _, k := range kinds {
		l.rates[k] = sourced[gcoreapi.Rate]{value: k.documentedRate(), field: rateFields[k], why: why}
		l.maxItems[k] = sourced[int]{value: k.documentedMaxItems(), field: maxItemsFields[k], why: why}
	}
	return l
}

// resolveLimits takes each limit from the account's answer acc where it is
// usable; readErr is the error of the call that read acc.
func resolveLimits(acc gcoreapi.AccountLimits, readErr error) Limits {
	if readErr != nil {
		return DocumentedLimits("the account limits could not be read: " + readErr.Error())
	}
	l := DocumentedLimits("")
	rates, maxItems := rateFieldsOf(acc), maxItemsFieldsOf(acc)
	for _, k := range kinds {
		l.rates[k] = accountRate(l.rates[k], rates[k])
		if _, ok := maxItemsFields[k]; ok {
			l.maxItems[k] = accountMaxItems(l.maxItems[k], maxItems[k])
		}
	}
	l.maxItems[PurgeAll] = sourced[int]{why: "a purge of everything carries no items"}
	return l
}

// accountRate is the account's raw rate where it can be read, else
// documented.
func accountRate(documented sourced[gcoreapi.Rate], raw string) sourced[gcoreapi.Rate] {
	if strings.TrimSpace(raw) == "" {
		documented.why = documented.field + " is missing"
		return documented
	}
	rate, err := gcoreapi.ParseRate(raw)
	if err != nil {
		documented.why = fmt.Sprintf("%s is malformed: %v", documented.field, err)
		return documented
	}
	return sourced[gcoreapi.Rate]{value: rate, field: documented.field, fromAccount: true}
}

// accountMaxItems is the account's item limit n where it is positive and no
// higher than the documented one: Gcore's API reference says 10 patterns a
// purge where its example of the account limits says 50, and a request above
// the documented limit would be refused.
func accountMaxItems(documented sourced[int], n int) sourced[int] {
	switch {
	case n <= 0:
		documented.why = documented.field + " is missing or not positive"
	case n > documented.value:
		documented.why = fmt.Sprintf("the account's %s of %d is above it", documented.field, n)
	default:
		return sourced[int]{value: n, field: documented.field, fromAccount: true}
	}
	return documented
}

// Limits returns the limits in force, reading the account's on first use,
// once per Scheduler. When ctx ends before they are known, it returns the
// documented limits, saying so, and ctx's error.
func (s *Scheduler) Limits(ctx context.Context) (Limits, error) {
	acc, err := s.account.Get(ctx, struct{}{})
	if ctxErr := ctx.Err(); ctxErr != nil && err == ctxErr {
		l := DocumentedLimits("the account limits were not read in time")
		l.margin = s.opts.SkewMargin
		return l, ctxErr
	}
	l := resolveLimits(acc, err)
	l.margin = s.opts.SkewMargin
	return l, nil
}

// knownLimits returns the limits when they have been read; ok is false
// before.
func (s *Scheduler) knownLimits() (Limits, bool) {
	acc, err, ok := s.account.Known(struct{}{})
	if !ok {
		return Limits{}, false
	}
	l := resolveLimits(acc, err)
	l.margin = s.opts.SkewMargin
	return l, true
}

// readAccount reads the account limits for s.account, within the attempt
// timeout, and logs the limits in force.
func (s *Scheduler) readAccount(ctx context.Context, _ struct{}) (gcoreapi.AccountLimits, error) {
	var acc gcoreapi.AccountLimits
	err := s.withAttemptTimeout(ctx, func(ctx context.Context) (err error) {
		acc, err = s.api.AccountLimits(ctx)
		return err
	})
	l := resolveLimits(acc, err)
	s.opts.Log(ctx, l.summary(), l.fields())
	return acc, err
}

func (l Limits) summary() string {
	var parts []string
	for _, k := range kinds {
		r := l.rates[k]
		parts = append(parts, fmt.Sprintf("%s %s (%s)", k, r.value, r.source()))
	}
	for _, k := range []Kind{PurgeByURL, PurgeByPattern, Prefetch} {
		m := l.maxItems[k]
		parts = append(parts, fmt.Sprintf("%s a request (%s)", plural(m.value, k.itemNoun()), m.source()))
	}
	return "Gcore limits in force: " + strings.Join(parts, "; ")
}

// fieldNames name each kind in log fields.
var fieldNames = map[Kind]string{PurgeByURL: "purge_by_url", PurgeByPattern: "purge_by_pattern", PurgeAll: "purge_all", Prefetch: "prefetch"}

func (l Limits) fields() map[string]any {
	fields := map[string]any{}
	for _, k := range kinds {
		r := l.rates[k]
		fields[fieldNames[k]+"_rate"], fields[fieldNames[k]+"_rate_source"] = r.value.String(), r.source()
		if k != PurgeAll {
			m := l.maxItems[k]
			fields[fieldNames[k]+"_max_items"], fields[fieldNames[k]+"_max_items_source"] = m.value, m.source()
		}
	}
	return fields
}
