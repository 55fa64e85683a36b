package scheduler

import (
	"context"
	"fmt"
	"strings"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// sourced is a limit and where it came from.
type sourced[T any] struct {
	value       T
	fromAccount bool
	why         string // why the documented default applies
}

func (s sourced[T]) source() string {
	if s.fromAccount {
		return "account"
	}
	return "documented default: " + s.why
}

// limits are the limits in force for every CDN resource of the account.
type limits struct {
	byURL, byPattern, all, prefetch        sourced[gcoreapi.Rate]
	maxURLs, maxPatterns, maxPrefetchPaths sourced[int]
}

func (l limits) rate(t gcoreapi.PurgeType) sourced[gcoreapi.Rate] {
	switch t {
	case gcoreapi.PurgeByURL:
		return l.byURL
	case gcoreapi.PurgeByPattern:
		return l.byPattern
	case gcoreapi.Prefetch:
		return l.prefetch
	default:
		return l.all
	}
}

// maxItems is how many items one request of type t may carry.
func (l limits) maxItems(t gcoreapi.PurgeType) int {
	switch t {
	case gcoreapi.PurgeByURL:
		return l.maxURLs.value
	case gcoreapi.Prefetch:
		return l.maxPrefetchPaths.value
	default:
		return l.maxPatterns.value
	}
}

// resolveLimits takes each limit from the account's answer when it is there
// and well-formed, and the documented default (gcoreapi.DocumentedRate,
// MaxURLsPerRequest, MaxPatternsPerRequest, MaxPrefetchPathsPerRequest)
// otherwise; fetchErr is the error of the call that read acc.
func resolveLimits(acc gcoreapi.AccountLimits, fetchErr error) limits {
	documentedURLRate := gcoreapi.DocumentedRate(gcoreapi.PurgeByURL)
	documentedPatternRate := gcoreapi.DocumentedRate(gcoreapi.PurgeByPattern)
	documentedAllRate := gcoreapi.DocumentedRate(gcoreapi.PurgeAll)
	documentedPrefetchRate := gcoreapi.DocumentedRate(gcoreapi.Prefetch)
	if fetchErr != nil {
		return documentedLimits("the account limits could not be read: " + fetchErr.Error())
	}
	return limits{
		byURL:       accountRate("purge_by_urls_request_limit", acc.PurgeByURLsRequestLimit, documentedURLRate),
		byPattern:   accountRate("purge_request_limit", acc.PurgeRequestLimit, documentedPatternRate),
		all:         accountRate("purge_request_limit", acc.PurgeRequestLimit, documentedAllRate),
		prefetch:    accountRate("prefetch_request_limit", acc.PrefetchRequestLimit, documentedPrefetchRate),
		maxURLs:     accountCap("purge_max_urls_limit", acc.PurgeMaxURLsLimit, gcoreapi.MaxURLsPerRequest),
		maxPatterns: accountCap("purge_pattern_limit", acc.PurgePatternLimit, gcoreapi.MaxPatternsPerRequest),
		maxPrefetchPaths: accountCap("prefetch_pattern_limit", acc.PrefetchPatternLimit,
			gcoreapi.MaxPrefetchPathsPerRequest),
	}
}

// documentedLimits are the documented limits, in force because of why.
func documentedLimits(why string) limits {
	return limits{
		byURL:            sourced[gcoreapi.Rate]{value: gcoreapi.DocumentedRate(gcoreapi.PurgeByURL), why: why},
		byPattern:        sourced[gcoreapi.Rate]{value: gcoreapi.DocumentedRate(gcoreapi.PurgeByPattern), why: why},
		all:              sourced[gcoreapi.Rate]{value: gcoreapi.DocumentedRate(gcoreapi.PurgeAll), why: why},
		prefetch:         sourced[gcoreapi.Rate]{value: gcoreapi.DocumentedRate(gcoreapi.Prefetch), why: why},
		maxURLs:          sourced[int]{value: gcoreapi.MaxURLsPerRequest, why: why},
		maxPatterns:      sourced[int]{value: gcoreapi.MaxPatternsPerRequest, why: why},
		maxPrefetchPaths: sourced[int]{value: gcoreapi.MaxPrefetchPathsPerRequest, why: why},
	}
}

func accountRate(field, raw string, fallback gcoreapi.Rate) sourced[gcoreapi.Rate] {
	if strings.TrimSpace(raw) == "" {
		return sourced[gcoreapi.Rate]{value: fallback, why: field + " is missing"}
	}
	rate, err := gcoreapi.ParseRate(raw)
	if err != nil {
		return sourced[gcoreapi.Rate]{value: fallback, why: fmt.Sprintf("%s is malformed: %v", field, err)}
	}
	return sourced[gcoreapi.Rate]{value: rate, fromAccount: true}
}

func accountCap(field string, n, fallback int) sourced[int] {
	if n <= 0 {
		return sourced[int]{value: fallback, why: field + " is missing or not positive"}
	}
	return sourced[int]{value: n, fromAccount: true}
}

// awaitLimits returns once the limits are known, reading them on first use;
// concurrent first callers share one call, which no caller's end cancels.
func (s *Scheduler) awaitLimits(ctx context.Context) error {
	s.limitsOnce.Do(func() { go s.loadLimits(context.WithoutCancel(ctx)) })
	select {
	case <-s.limitsReady:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Scheduler) loadLimits(ctx context.Context) {
	var acc gcoreapi.AccountLimits
	err := s.withAttemptTimeout(ctx, func(ctx context.Context) (err error) {
		acc, err = s.api.AccountLimits(ctx)
		return err
	})
	s.limits = resolveLimits(acc, err)
	s.opts.Log(ctx, s.limits.summary(), s.limits.fields())
	close(s.limitsReady)
}

// limitsKnown reports whether awaitLimits has returned for someone.
func (s *Scheduler) limitsKnown() bool {
	select {
	case <-s.limitsReady:
		return true
	default:
		return false
	}
}

func (l limits) summary() string {
	return fmt.Sprintf("Gcore purge limits in force: by URL %s (%s); by pattern %s (%s); purge all %s (%s); "+
		"prefetch %s (%s); %d URLs a request (%s); %d patterns a request (%s); %d files a prefetch (%s)",
		l.byURL.value, l.byURL.source(), l.byPattern.value, l.byPattern.source(), l.all.value, l.all.source(),
		l.prefetch.value, l.prefetch.source(),
		l.maxURLs.value, l.maxURLs.source(), l.maxPatterns.value, l.maxPatterns.source(),
		l.maxPrefetchPaths.value, l.maxPrefetchPaths.source())
}

func (l limits) fields() map[string]any {
	return map[string]any{
		"purge_by_url_rate":              l.byURL.value.String(),
		"purge_by_url_rate_source":       l.byURL.source(),
		"purge_by_pattern_rate":          l.byPattern.value.String(),
		"purge_by_pattern_rate_source":   l.byPattern.source(),
		"purge_all_rate":                 l.all.value.String(),
		"purge_all_rate_source":          l.all.source(),
		"prefetch_rate":                  l.prefetch.value.String(),
		"prefetch_rate_source":           l.prefetch.source(),
		"max_urls_per_request":           l.maxURLs.value,
		"max_urls_source":                l.maxURLs.source(),
		"max_patterns_per_request":       l.maxPatterns.value,
		"max_patterns_source":            l.maxPatterns.source(),
		"max_prefetch_paths_per_request": l.maxPrefetchPaths.value,
		"max_prefetch_paths_source":      l.maxPrefetchPaths.source(),
	}
}
