package scheduler

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

func rate(n int, window time.Duration) gcoreapi.Rate {
	return gcoreapi.Rate{Requests: n, Window: window}
}

func TestLimitsFromTheAccount(t *testing.T) {
	l := resolveLimits(gcoreapi.AccountLimits{
		PurgeRequestLimit: "3/s", PurgeByURLsRequestLimit: "5/h", PurgeMaxURLsLimit: 50, PurgePatternLimit: 20,
	}, nil)
	for name, got := range map[string]sourced[gcoreapi.Rate]{"by URL": l.byURL, "by pattern": l.byPattern, "all": l.all} {
		if !got.fromAccount {
			t.Errorf("%s: not from the account: %s", name, got.source())
		}
	}
	if l.byURL.value != rate(5, time.Hour) || l.byPattern.value != rate(3, time.Second) || l.all.value != rate(3, time.Second) {
		t.Errorf("rates = %v, %v, %v", l.byURL.value, l.byPattern.value, l.all.value)
	}
	if l.maxItems(gcoreapi.PurgeByURL) != 50 || l.maxItems(gcoreapi.PurgeByPattern) != 20 {
		t.Errorf("item caps = %d, %d, want 50, 20", l.maxItems(gcoreapi.PurgeByURL), l.maxItems(gcoreapi.PurgeByPattern))
	}
}

// TestLimitsInEveryDRFForm: the account may write its rates in any form of
// Django REST Framework's "num/period", where only the period's first letter
// counts.
func TestLimitsInEveryDRFForm(t *testing.T) {
	for raw, want := range map[string]gcoreapi.Rate{
		"2/s": rate(2, time.Second), "2/m": rate(2, time.Minute), "2/min": rate(2, time.Minute),
		"2/minute": rate(2, time.Minute), "1/h": rate(1, time.Hour), "1/hour": rate(1, time.Hour),
		"100/d": rate(100, 24*time.Hour), "100/day": rate(100, 24*time.Hour),
	} {
		l := resolveLimits(gcoreapi.AccountLimits{PurgeRequestLimit: raw, PurgeByURLsRequestLimit: raw}, nil)
		if !l.byURL.fromAccount || l.byURL.value != want || l.all.value != want {
			t.Errorf("%q: by URL %v (%s), all %v; want %v from the account", raw, l.byURL.value, l.byURL.source(), l.all.value, want)
		}
	}
}

// TestDayWindowPacesRequests: a limit per day spaces requests by a day and
// its margin (2s, the largest).
func TestDayWindowPacesRequests(t *testing.T) {
	h := newHarness(t, gcoreapi.AccountLimits{PurgeRequestLimit: "1/day"}, Options{})
	fillPatternWindow(h)
	b := h.enqueue("b", Job{ResourceID: 1, Type: gcoreapi.PurgeByPattern, Items: []string{"/b"}})
	h.waitEvents("b: waiting for rate-limit room until 12:00:02 UTC (limit 1/d)", 1)
	h.advanceTo(gather+24*time.Hour+2*time.Second-time.Nanosecond, 1)
	assertCallTimes(t, h, gather)
	h.advanceTo(gather+24*time.Hour+2*time.Second, 1)
	b.succeed(t)
	assertCallTimes(t, h, gather, gather+24*time.Hour+2*time.Second)
}

func TestLimitsFallBackPerField(t *testing.T) {
	for _, tc := range []struct {
		name, raw, why string
	}{
		{"missing", "", "purge_request_limit is missing"},
		{"blank", "  ", "purge_request_limit is missing"},
		{"no unit", "2", "purge_request_limit is malformed"},
		{"zero", "0/m", "purge_request_limit is malformed"},
		{"negative", "-1/m", "purge_request_limit is malformed"},
		{"unknown period", "2/week", `purge_request_limit is malformed: rate "2/week": the period must start with s, m, h or d`},
		{"no period", "2/", "purge_request_limit is malformed"},
		{"decimal count", "1.5/m", "purge_request_limit is malformed: rate \"1.5/m\": the count must be a positive integer"},
		{"not a number", "two/m", "purge_request_limit is malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := resolveLimits(gcoreapi.AccountLimits{PurgeRequestLimit: tc.raw, PurgeByURLsRequestLimit: "7/m"}, nil)
			for name, got := range map[string]sourced[gcoreapi.Rate]{"by pattern": l.byPattern, "all": l.all} {
				if got.fromAccount || got.value != rate(1, time.Minute) || !strings.Contains(got.source(), tc.why) {
					t.Errorf("%s = %v (%s), want 1/m, documented default: %s", name, got.value, got.source(), tc.why)
				}
			}
			if !l.byURL.fromAccount || l.byURL.value != rate(7, time.Minute) {
				t.Errorf("by URL = %v (%s): a sound field must still come from the account", l.byURL.value, l.byURL.source())
			}
			if l.maxURLs.fromAccount || l.maxURLs.value != 100 || l.maxPatterns.value != 10 {
				t.Errorf("missing item caps = %d, %d, want the documented 100, 10", l.maxURLs.value, l.maxPatterns.value)
			}
		})
	}
	l := resolveLimits(gcoreapi.AccountLimits{PurgeByURLsRequestLimit: "2/xmin", PurgeMaxURLsLimit: -3}, nil)
	if l.byURL.value != rate(2, time.Minute) || !strings.Contains(l.byURL.source(), "purge_by_urls_request_limit is malformed") {
		t.Errorf("by URL = %v (%s)", l.byURL.value, l.byURL.source())
	}
	if l.maxURLs.value != 100 || !strings.Contains(l.maxURLs.source(), "purge_max_urls_limit is missing or not positive") {
		t.Errorf("max URLs = %d (%s)", l.maxURLs.value, l.maxURLs.source())
	}
}

func TestLimitsWhenTheCallFails(t *testing.T) {
	l := resolveLimits(gcoreapi.AccountLimits{PurgeRequestLimit: "9/s"}, errors.New("boom"))
	want := map[string]gcoreapi.Rate{"by URL": rate(2, time.Minute), "by pattern": rate(1, time.Minute), "all": rate(1, time.Minute)}
	for name, got := range map[string]sourced[gcoreapi.Rate]{"by URL": l.byURL, "by pattern": l.byPattern, "all": l.all} {
		if got.value != want[name] || got.fromAccount || !strings.Contains(got.source(), "could not be read: boom") {
			t.Errorf("%s = %v (%s)", name, got.value, got.source())
		}
	}
	if l.maxURLs.value != 100 || l.maxPatterns.value != 10 {
		t.Errorf("item caps = %d, %d", l.maxURLs.value, l.maxPatterns.value)
	}
}

func TestLimitsAreLoggedWithTheirSource(t *testing.T) {
	h := newHarness(t, gcoreapi.AccountLimits{PurgeRequestLimit: "1/x", PurgeByURLsRequestLimit: "5/s", PurgeMaxURLsLimit: 100}, Options{})
	logs := h.eventsWith("log: Gcore purge limits in force")
	if len(logs) != 1 {
		t.Fatalf("limit logs = %q, want one", logs)
	}
	for _, want := range []string{
		"by URL 5/s (account)",
		`by pattern 1/m (documented default: purge_request_limit is malformed: rate "1/x": the period must start with s, m, h or d)`,
		"100 URLs a request (account)",
		"10 patterns a request (documented default: purge_pattern_limit is missing or not positive)",
	} {
		if !strings.Contains(logs[0], want) {
			t.Errorf("limit log %q lacks %q", logs[0], want)
		}
	}
}

func TestLimitsAreReadOnceUnderConcurrency(t *testing.T) {
	h := newColdHarness(t, documentedAccount, Options{})
	release := make(chan struct{})
	h.api.limitsHook = func(context.Context) { <-release }
	var jobs []*running
	for i := range 20 {
		jobs = append(jobs, h.start("job", Job{ResourceID: int64(i), Type: gcoreapi.PurgeAll}))
	}
	h.waitFor("the limits call", func() bool {
		h.api.mu.Lock()
		defer h.api.mu.Unlock()
		return h.api.limitsCalls == 1
	})
	close(release)
	h.waitQueued(20)
	h.advanceTo(gather, 20) // each CDN resource's worker waits for the gather window
	for _, j := range jobs {
		j.succeed(t)
	}
	if h.api.limitsCalls != 1 {
		t.Fatalf("limits read %d times, want once", h.api.limitsCalls)
	}
	if n := len(h.api.recorded()); n != 20 {
		t.Fatalf("%d purge calls, want 20 (one per CDN resource)", n)
	}
}

func TestLimitsCallTimingOutFallsBack(t *testing.T) {
	h := newColdHarness(t, gcoreapi.AccountLimits{PurgeRequestLimit: "9/s"}, Options{})
	h.api.limitsHook = func(ctx context.Context) { <-ctx.Done() }
	h.api.limitsErr = context.Canceled // what a client cut short returns
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := h.s.awaitLimits(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	h.advanceTo(30*time.Second, 1)
	wg.Wait()
	if got := h.s.limits.all; got.fromAccount || !strings.Contains(got.source(), "attempt timed out after 30s") {
		t.Fatalf("after a timed-out limits call: %v (%s)", got.value, got.source())
	}
}

func TestJobEndingBeforeTheLimitsAreKnown(t *testing.T) {
	h := newColdHarness(t, documentedAccount, Options{})
	release := make(chan struct{})
	h.api.limitsHook = func(context.Context) { <-release }
	ctx, cancel := context.WithCancel(context.Background())
	job := h.startCtx(ctx, "a", Job{ResourceID: 1, Type: gcoreapi.PurgeAll})
	h.waitFor("the limits call", func() bool {
		h.api.mu.Lock()
		defer h.api.mu.Unlock()
		return h.api.limitsCalls == 1
	})
	cancel()
	_, err := job.wait(t)
	close(release)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "the account limits were still being read") {
		t.Fatalf("err = %v", err)
	}
	h.waitFor("the limits", h.s.limitsKnown)
}
