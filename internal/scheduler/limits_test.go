package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

func rate(n int, window time.Duration) gcoreapi.Rate {
	return gcoreapi.Rate{Requests: n, Window: window}
}

func TestLimitsFromTheAccount(t *testing.T) {
	l := resolveLimits(gcoreapi.AccountLimits{
		PurgeRequestLimit: "3/s", PurgeByURLsRequestLimit: "5/h", PurgeMaxURLsLimit: 50, PurgePatternLimit: 5,
		PrefetchRequestLimit: "4/m", PrefetchPatternLimit: 30,
	}, nil)
	for _, tc := range []struct {
		kind   Kind
		want   gcoreapi.Rate
		source string
	}{
		{byURL, rate(5, time.Hour), "account's purge_by_urls_request_limit"},
		{byPattern, rate(3, time.Second), "account's purge_request_limit"},
		{all, rate(3, time.Second), "account's purge_request_limit"},
		{Prefetch, rate(4, time.Minute), "account's prefetch_request_limit"},
	} {
		if got, source := l.Rate(tc.kind); got != tc.want || source != tc.source {
			t.Errorf("%s: rate %v (%s), want %v (%s)", tc.kind, got, source, tc.want, tc.source)
		}
	}
	for _, tc := range []struct {
		kind   Kind
		want   int
		source string
	}{
		{byURL, 50, "account's purge_max_urls_limit"},
		{byPattern, 5, "account's purge_pattern_limit"},
		{Prefetch, 30, "account's prefetch_pattern_limit"},
		{all, 0, "documented: a purge of everything carries no items"},
	} {
		if got, source := l.MaxItems(tc.kind); got != tc.want || source != tc.source {
			t.Errorf("%s: %d items a request (%s), want %d (%s)", tc.kind, got, source, tc.want, tc.source)
		}
	}
}

// TestAccountItemLimitsAreCappedAtTheDocumentedOnes: an item limit the
// account gives holds up to the documented one (100 URLs, 10 patterns, 100
// files a prefetch), not above: the documented limit holds then, saying why.
func TestAccountItemLimitsAreCappedAtTheDocumentedOnes(t *testing.T) {
	l := resolveLimits(gcoreapi.AccountLimits{PurgeMaxURLsLimit: 1e9, PurgePatternLimit: 50, PrefetchPatternLimit: 101}, nil)
	for _, tc := range []struct {
		kind   Kind
		want   int
		source string
	}{
		{byURL, 100, "documented: the account's purge_max_urls_limit of 1000000000 is above it"},
		{byPattern, 10, "documented: the account's purge_pattern_limit of 50 is above it"},
		{Prefetch, 100, "documented: the account's prefetch_pattern_limit of 101 is above it"},
	} {
		if got, source := l.MaxItems(tc.kind); got != tc.want || source != tc.source {
			t.Errorf("%s: %d items a request (%s), want %d (%s)", tc.kind, got, source, tc.want, tc.source)
		}
	}
	// The documented limit itself is the account's.
	l = resolveLimits(gcoreapi.AccountLimits{PurgeMaxURLsLimit: 100, PurgePatternLimit: 10, PrefetchPatternLimit: 100}, nil)
	for _, k := range []Kind{byURL, byPattern, Prefetch} {
		if _, source := l.MaxItems(k); !strings.HasPrefix(source, "account's ") {
			t.Errorf("%s: an account limit equal to the documented one is %q, want the account's", k, source)
		}
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
		l := resolveLimits(gcoreapi.AccountLimits{PurgeRequestLimit: raw, PurgeByURLsRequestLimit: raw, PrefetchRequestLimit: raw}, nil)
		for _, k := range kinds {
			if got, source := l.Rate(k); got != want || !strings.HasPrefix(source, "account's ") {
				t.Errorf("%q: %s %v (%s); want %v from the account", raw, k, got, source, want)
			}
		}
	}
}

// TestDayWindowPacesRequests: a limit per day spaces requests by a day and
// its margin (2s, the largest).
func TestDayWindowPacesRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, gcoreapi.AccountLimits{PurgeRequestLimit: "1/day"}, Options{})
		fillPatternWindow(h)
		b := h.enqueue("b", Job{ResourceID: 1, Kind: byPattern, Items: []string{"/b"}})
		h.assertEvents("b: waiting for rate-limit room until 00:00:02 UTC (limit 1/d)", 1)
		sleepUntil(t, gather+24*time.Hour+2*time.Second-time.Nanosecond)
		assertCallTimes(t, h, gather)
		sleepUntil(t, gather+24*time.Hour+2*time.Second)
		b.succeed(t)
		assertCallTimes(t, h, gather, gather+24*time.Hour+2*time.Second)
	})
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
			for _, k := range []Kind{byPattern, all} {
				if got, source := l.Rate(k); got != rate(1, time.Minute) || !strings.HasPrefix(source, "documented: "+tc.why) {
					t.Errorf("%s = %v (%s), want 1/m, documented: %s", k, got, source, tc.why)
				}
			}
			if got, source := l.Rate(byURL); got != rate(7, time.Minute) || source != "account's purge_by_urls_request_limit" {
				t.Errorf("by URL = %v (%s): a sound field must still come from the account", got, source)
			}
			urls, urlsSource := l.MaxItems(byURL)
			patterns, _ := l.MaxItems(byPattern)
			if urls != 100 || patterns != 10 || urlsSource != "documented: purge_max_urls_limit is missing or not positive" {
				t.Errorf("missing item caps = %d (%s), %d, want the documented 100, 10", urls, urlsSource, patterns)
			}
		})
	}
	l := resolveLimits(gcoreapi.AccountLimits{PurgeByURLsRequestLimit: "2/xmin", PurgeMaxURLsLimit: -3}, nil)
	if got, source := l.Rate(byURL); got != rate(2, time.Minute) || !strings.Contains(source, "purge_by_urls_request_limit is malformed") {
		t.Errorf("by URL = %v (%s)", got, source)
	}
	if got, source := l.MaxItems(byURL); got != 100 || !strings.Contains(source, "purge_max_urls_limit is missing or not positive") {
		t.Errorf("max URLs = %d (%s)", got, source)
	}
}

func TestLimitsWhenTheCallFails(t *testing.T) {
	l := resolveLimits(gcoreapi.AccountLimits{PurgeRequestLimit: "9/s"}, errors.New("boom"))
	want := map[Kind]gcoreapi.Rate{
		byURL: rate(2, time.Minute), byPattern: rate(1, time.Minute), all: rate(1, time.Minute), Prefetch: rate(1, time.Minute),
	}
	for k, w := range want {
		if got, source := l.Rate(k); got != w || source != "documented: the account limits could not be read: boom" {
			t.Errorf("%s = %v (%s)", k, got, source)
		}
	}
	urls, _ := l.MaxItems(byURL)
	patterns, _ := l.MaxItems(byPattern)
	files, _ := l.MaxItems(Prefetch)
	if urls != 100 || patterns != 10 || files != 100 {
		t.Errorf("item caps = %d, %d, %d", urls, patterns, files)
	}
}

func TestLimitsAreLoggedWithTheirSource(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, gcoreapi.AccountLimits{PurgeRequestLimit: "1/x", PurgeByURLsRequestLimit: "5/s", PurgeMaxURLsLimit: 100}, Options{})
		logs := h.eventsWith("log: Gcore limits in force")
		if len(logs) != 1 {
			t.Fatalf("limit logs = %q, want one", logs)
		}
		for _, want := range []string{
			"purge by URL 5/s (account's purge_by_urls_request_limit)",
			`purge by pattern 1/m (documented: purge_request_limit is malformed: rate "1/x": the period must start with s, m, h or d)`,
			"100 URLs a request (account's purge_max_urls_limit)",
			"10 patterns a request (documented: purge_pattern_limit is missing or not positive)",
		} {
			if !strings.Contains(logs[0], want) {
				t.Errorf("limit log %q lacks %q", logs[0], want)
			}
		}
	})
}

func TestLimitsAreReadOnceUnderConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newColdHarness(t, documentedAccount, Options{})
		release := h.gate()
		h.api.limitsHook = func(context.Context) error { <-release; return nil }
		var jobs []*running
		for i := range 20 {
			jobs = append(jobs, h.start("job", Job{ResourceID: int64(i), Kind: all}))
		}
		synctest.Wait()
		if n := h.api.limitsCallCount(); n != 1 {
			t.Fatalf("%d limits calls while 20 jobs wait for them, want 1", n)
		}
		if n := h.s.queuedJobs(); n != 0 {
			t.Fatalf("%d jobs queued before the limits are known", n)
		}
		close(release)
		synctest.Wait()
		if n := h.s.queuedJobs(); n != 20 {
			t.Fatalf("%d jobs queued once the limits are known, want 20", n)
		}
		sleepUntil(t, gather) // each CDN resource's worker waits for the gather window
		for _, j := range jobs {
			j.succeed(t)
		}
		if n := h.api.limitsCallCount(); n != 1 {
			t.Fatalf("limits read %d times, want once", n)
		}
		if n := len(h.api.recorded()); n != 20 {
			t.Fatalf("%d purge calls, want 20 (one per CDN resource)", n)
		}
	})
}

// TestLimitsCallTimingOutFallsBack: a limits call that gets no answer is
// cut short after the attempt timeout; the documented limits hold then, and
// say that the attempt timed out.
func TestLimitsCallTimingOutFallsBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newColdHarness(t, gcoreapi.AccountLimits{PurgeRequestLimit: "9/s"}, Options{})
		h.api.limitsHook = func(ctx context.Context) error {
			<-ctx.Done()
			// What the client returns for a call cut short.
			return fmt.Errorf("GET /cdn/clients/me/limits: %w", ctx.Err())
		}
		l, err := h.s.Limits(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(t0); took != 30*time.Second {
			t.Fatalf("the limits call was cut short after %s, want the attempt timeout of 30s", took)
		}
		if got, source := l.Rate(all); got != rate(1, time.Minute) || !strings.Contains(source, "attempt timed out after 30s") {
			t.Fatalf("after a timed-out limits call: %v (%s), want the documented 1/m, saying the attempt timed out after 30s", got, source)
		}
	})
}

func TestJobEndingBeforeTheLimitsAreKnown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newColdHarness(t, documentedAccount, Options{})
		release := h.gate()
		h.api.limitsHook = func(context.Context) error { <-release; return nil }
		ctx, cancel := context.WithCancel(context.Background())
		job := h.startCtx(ctx, "a", Job{ResourceID: 1, Kind: all})
		synctest.Wait()
		if n := h.api.limitsCallCount(); n != 1 {
			t.Fatalf("%d limits calls, want 1", n)
		}
		cancel()
		_, err := job.wait(t)
		var timeout *TimeoutError
		if !errors.Is(err, context.Canceled) || !errors.As(err, &timeout) || timeout.Limit != (gcoreapi.Rate{}) ||
			err.Error() != "purge all of CDN resource 1 was cancelled after waiting 0s for rate-limit room: the account limits were still being read" {
			t.Fatalf("err = %v", err)
		}
		if _, ok := h.s.knownLimits(); ok {
			t.Fatal("the limits are known before their call answered")
		}
		// The read the job started goes on without it.
		close(release)
		synctest.Wait()
		if l, ok := h.s.knownLimits(); !ok {
			t.Fatal("the limits read the job started were not kept")
		} else if _, source := l.Rate(byURL); source != "account's purge_by_urls_request_limit" {
			t.Fatalf("limits = %s", source)
		}
	})
}

// TestLimitsNeverWaitLongerThanTheirContext: a caller whose context ends
// while the limits are read gets the documented ones, saying so, and its
// context's error: an estimate never waits for the API.
func TestLimitsNeverWaitLongerThanTheirContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newColdHarness(t, documentedAccount, Options{})
		release := h.gate()
		h.api.limitsHook = func(context.Context) error { <-release; return nil }
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		l, err := h.s.Limits(ctx)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want the context's", err)
		}
		got := l.Estimate(byURL, 500)
		if got.Requests != 5 || got.Limit != gcoreapi.PurgeByURL.DocumentedRate() ||
			got.LimitSource != "documented: the account limits were not read in time" {
			t.Fatalf("estimate = %+v", got)
		}
	})
}
