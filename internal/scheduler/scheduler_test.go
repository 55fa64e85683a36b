package scheduler

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/retry"
)

const (
	gather = 200 * time.Millisecond
	// minuteSpan is the window of an N/m limit with its default margin.
	minuteSpan = time.Minute + 600*time.Millisecond

	byURL     = PurgeByURL
	byPattern = PurgeByPattern
	all       = PurgeAll
)

func assertCallTimes(t *testing.T, h *harness, want ...time.Duration) {
	t.Helper()
	synctest.Wait()
	if got := h.callTimes(); !slices.Equal(got, want) {
		t.Fatalf("calls at %v, want %v", got, want)
	}
}

func assertItems(t *testing.T, c call, want []string) {
	t.Helper()
	if !slices.Equal(c.items, want) {
		t.Fatalf("call at %s carried %v, want %v", c.at, c.items, want)
	}
}

func assertProgress(t *testing.T, h *harness, label string, want ...string) {
	t.Helper()
	synctest.Wait()
	var got []string
	for _, e := range h.eventsWith(label + ": ") {
		if msg, ok := strings.CutPrefix(e, label+": "); ok {
			got = append(got, msg)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("progress of %s:\n got %q\nwant %q", label, got, want)
	}
}

// accepted is the purge the fake API accepts as its key-th, at t0+at by its
// clock.
func accepted(key uint64, resourceID int64, typ gcoreapi.PurgeType, at time.Duration, items ...string) gcoreapi.AcceptedPurge {
	return gcoreapi.AcceptedPurge{Key: key, ResourceID: resourceID, Purge: gcoreapi.Purge{Type: typ, Items: items}, At: t0.Add(at)}
}

func TestSingleJobWaitsForTheGatherWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{})
		a := h.enqueue("a", Job{ResourceID: 7, Kind: byURL, Items: []string{"/a", "/b", "/a"}})
		sleepUntil(t, gather-time.Nanosecond)
		assertCallTimes(t, h)
		sleepUntil(t, gather)
		res := a.succeed(t)

		assertCallTimes(t, h, gather)
		c := h.api.recorded()[0]
		if c.resourceID != 7 || c.kind != byURL {
			t.Fatalf("call = %+v", c)
		}
		assertItems(t, c, []string{"/a", "/b"})
		want := Result{
			Accepted: []string{"/a", "/b"}, AcceptedRequests: 1,
			Purges:  []gcoreapi.AcceptedPurge{accepted(1, 7, gcoreapi.PurgeByURL, gather, "/a", "/b")},
			Elapsed: gather, AcceptedAt: t0.Add(gather),
		}
		if got := normalized(res); !reflect.DeepEqual(got, want) {
			t.Fatalf("result = %+v, want %+v", got, want)
		}
		assertProgress(t, h, "a", "sent request #1 (2 URLs)", "accepted")
	})
}

func TestJobsStartedTogetherShareOneRequestWithoutDuplicates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{})
		a := h.enqueue("a", Job{ResourceID: 1, Kind: byURL, Items: []string{"/a", "/b"}})
		sleepUntil(t, 100*time.Millisecond)
		b := h.enqueue("b", Job{ResourceID: 1, Kind: byURL, Items: []string{"/b", "/c", "/a"}})
		sleepUntil(t, gather) // the window started by a
		ra, rb := a.succeed(t), b.succeed(t)

		assertCallTimes(t, h, gather)
		assertItems(t, h.api.recorded()[0], []string{"/a", "/b", "/c"})
		shared := []gcoreapi.AcceptedPurge{accepted(1, 1, gcoreapi.PurgeByURL, gather, "/a", "/b", "/c")}
		for _, r := range []Result{ra, rb} {
			if r := normalized(r); r.Merged != 1 || r.AcceptedRequests != 1 || !reflect.DeepEqual(r.Purges, shared) {
				t.Fatalf("result = %+v, want one shared request %+v", r, shared)
			}
		}
		if !slices.Equal(rb.Accepted, []string{"/b", "/c", "/a"}) {
			t.Fatalf("b accepted %q, want its own items", rb.Accepted)
		}
		assertProgress(t, h, "b", "merged with 1 other purge into request #1", "sent request #1 (3 URLs)", "accepted")
		if logs := h.eventsWith("request #1 carries 2 purges (3 URLs)"); len(logs) != 1 {
			t.Fatalf("merge logs = %q", logs)
		}
	})
}

func TestRequestsSplitAtTheURLCapInArrivalOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{})
		a := h.enqueue("a", Job{ResourceID: 1, Kind: byURL, Items: urls("a", 150)})
		b := h.enqueue("b", Job{ResourceID: 1, Kind: byURL, Items: append([]string{"/a/149"}, urls("b", 29)...)})
		sleepUntil(t, gather)
		ra, rb := a.succeed(t), b.succeed(t)

		assertCallTimes(t, h, gather, gather) // 2/m: both fit at once
		calls := h.api.recorded()
		assertItems(t, calls[0], urls("a", 100))
		assertItems(t, calls[1], append(urls("a", 150)[100:], urls("b", 29)...))
		if ra.AcceptedRequests != 2 || len(ra.Purges) != 2 || rb.AcceptedRequests != 1 || len(rb.Purges) != 1 ||
			ra.Merged != 1 || rb.Merged != 1 {
			t.Fatalf("results = %+v, %+v", ra, rb)
		}
	})
}

func TestFirstComeFirstServed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{})
		a := h.enqueue("a", Job{ResourceID: 1, Kind: byURL, Items: urls("a", 60)})
		b := h.enqueue("b", Job{ResourceID: 1, Kind: byURL, Items: urls("b", 60)})
		c := h.enqueue("c", Job{ResourceID: 1, Kind: byURL, Items: urls("c", 60)})
		sleepUntil(t, gather)
		ra, rb, rc := a.succeed(t), b.succeed(t), c.succeed(t)

		calls := h.api.recorded()
		assertItems(t, calls[0], append(urls("a", 60), urls("b", 40)...))
		assertItems(t, calls[1], append(urls("b", 60)[40:], urls("c", 60)...))
		if ra.AcceptedRequests != 1 || rb.AcceptedRequests != 2 || rc.AcceptedRequests != 1 || rb.Merged != 2 {
			t.Fatalf("results = %+v, %+v, %+v", ra, rb, rc)
		}
	})
}

func TestPatternsSplitAtTenAndWaitForTheWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{})
		a := h.enqueue("a", Job{ResourceID: 1, Kind: byPattern, Items: urls("p", 25)})
		sleepUntil(t, gather)
		h.assertEvents("a: waiting for rate-limit room", 1)
		sleepUntil(t, gather+minuteSpan-time.Nanosecond)
		assertCallTimes(t, h, gather)
		sleepUntil(t, gather+minuteSpan)
		h.assertEvents("a: waiting for rate-limit room", 2)
		sleepUntil(t, gather+2*minuteSpan)
		res := a.succeed(t)

		assertCallTimes(t, h, gather, gather+minuteSpan, gather+2*minuteSpan)
		calls := h.api.recorded()
		for i, n := range []int{10, 10, 5} {
			if len(calls[i].items) != n {
				t.Fatalf("request %d carried %d patterns, want %d", i+1, len(calls[i].items), n)
			}
		}
		if res.AcceptedRequests != 3 || len(res.Purges) != 3 || res.Elapsed != gather+2*minuteSpan ||
			!slices.Equal(res.Accepted, urls("p", 25)) {
			t.Fatalf("result = %+v", res)
		}
		assertProgress(t, h, "a",
			"sent request #1 (10 patterns)",
			"waiting for rate-limit room until 00:01:00 UTC (limit 1/m)",
			"sent request #2 (10 patterns)",
			"waiting for rate-limit room until 00:02:01 UTC (limit 1/m)",
			"sent request #3 (5 patterns)",
			"accepted")
	})
}

func TestAccountItemCapsApply(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, gcoreapi.AccountLimits{PurgeByURLsRequestLimit: "10/s", PurgeMaxURLsLimit: 3}, Options{})
		a := h.enqueue("a", Job{ResourceID: 1, Kind: byURL, Items: urls("a", 7)})
		sleepUntil(t, gather)
		a.succeed(t)
		var sizes []int
		for _, c := range h.api.recorded() {
			sizes = append(sizes, len(c.items))
		}
		if !slices.Equal(sizes, []int{3, 3, 1}) {
			t.Fatalf("requests of %v URLs, want 3, 3, 1: the account's cap of 3", sizes)
		}
	})
}

// TestAccountItemLimitsAboveTheDocumentedOnesAreCapped: an account may answer
// an item limit higher than one request may carry (Gcore's own example says
// 50 patterns); the documented limit holds then.
func TestAccountItemLimitsAboveTheDocumentedOnesAreCapped(t *testing.T) {
	for _, tc := range []struct {
		name    string
		account gcoreapi.AccountLimits
		kind    Kind
		items   int
		sizes   []int
	}{
		{"30 patterns with purge_pattern_limit 50", gcoreapi.AccountLimits{PurgeRequestLimit: "10/s", PurgePatternLimit: 50},
			byPattern, 30, []int{10, 10, 10}},
		{"300 URLs with purge_max_urls_limit 1000000000", gcoreapi.AccountLimits{PurgeByURLsRequestLimit: "10/s", PurgeMaxURLsLimit: 1e9},
			byURL, 300, []int{100, 100, 100}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, tc.account, Options{})
				a := h.enqueue("a", Job{ResourceID: 1, Kind: tc.kind, Items: urls("i", tc.items)})
				sleepUntil(t, gather)
				res := a.succeed(t)
				var sizes []int
				for _, c := range h.api.recorded() {
					sizes = append(sizes, len(c.items))
				}
				if !slices.Equal(sizes, tc.sizes) || res.AcceptedRequests != len(tc.sizes) || !slices.Equal(res.Accepted, urls("i", tc.items)) {
					t.Fatalf("requests of %v items (result %d requests, %d items accepted), want %v",
						sizes, res.AcceptedRequests, len(res.Accepted), tc.sizes)
				}
			})
		})
	}
}

func TestWindowIsNotExceededAcrossJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{})
		a := h.enqueue("a", Job{ResourceID: 1, Kind: byURL, Items: []string{"/a"}})
		sleepUntil(t, gather)
		a.succeed(t)

		sleepUntil(t, time.Second)
		b := h.enqueue("b", Job{ResourceID: 1, Kind: byURL, Items: []string{"/b"}})
		sleepUntil(t, time.Second+gather)
		b.succeed(t)

		sleepUntil(t, 2*time.Second)
		c := h.enqueue("c", Job{ResourceID: 1, Kind: byURL, Items: []string{"/c"}})
		h.assertEvents("c: waiting for rate-limit room until 00:01:00 UTC (limit 2/m)", 1)
		sleepUntil(t, gather+minuteSpan-time.Nanosecond) // one nanosecond early
		assertCallTimes(t, h, gather, time.Second+gather)
		sleepUntil(t, gather+minuteSpan) // the first request leaves the window
		res := c.succeed(t)

		assertCallTimes(t, h, gather, time.Second+gather, gather+minuteSpan)
		if res.Elapsed != gather+minuteSpan-2*time.Second {
			t.Fatalf("c took %s", res.Elapsed)
		}
	})
}

func TestConfiguredMarginWidensTheWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{SkewMargin: 5 * time.Second})
		a := h.enqueue("a", Job{ResourceID: 1, Kind: all})
		sleepUntil(t, gather)
		a.succeed(t)
		b := h.enqueue("b", Job{ResourceID: 1, Kind: all})
		h.assertEvents("b: waiting for rate-limit room until 00:01:05 UTC (limit 1/m)", 1)
		sleepUntil(t, gather+time.Minute+5*time.Second-time.Nanosecond)
		assertCallTimes(t, h, gather)
		sleepUntil(t, gather+time.Minute+5*time.Second)
		b.succeed(t)
		assertCallTimes(t, h, gather, gather+time.Minute+5*time.Second)
	})
}

func TestSlowAnswerCountsFromTheAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{})
		release := h.gate()
		h.api.answer = func(_ context.Context, c call) error {
			if c.items[0] == "/slow" {
				<-release
			}
			return nil
		}
		a := h.enqueue("a", Job{ResourceID: 1, Kind: byPattern, Items: []string{"/slow"}})
		sleepUntil(t, gather)
		h.assertCalls(1)
		sleepUntil(t, 10*time.Second) // the attempt awaits its answer meanwhile
		if a.finished() {
			t.Fatal("a returned before its request was answered")
		}
		close(release)
		a.succeed(t)

		b := h.enqueue("b", Job{ResourceID: 1, Kind: byPattern, Items: []string{"/fast"}})
		h.assertEvents("b: waiting for rate-limit room until 00:01:10 UTC", 1)
		sleepUntil(t, 10*time.Second+minuteSpan-time.Nanosecond)
		assertCallTimes(t, h, gather)
		sleepUntil(t, 10*time.Second+minuteSpan)
		b.succeed(t)
		assertCallTimes(t, h, gather, 10*time.Second+minuteSpan)
	})
}

func TestWindowsAreSeparatePerResourceAndKind(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{})
		jobs := []*running{
			h.enqueue("url1", Job{ResourceID: 1, Kind: byURL, Items: []string{"/u"}}),
			h.enqueue("pattern1", Job{ResourceID: 1, Kind: byPattern, Items: []string{"/p"}}),
			h.enqueue("url2", Job{ResourceID: 2, Kind: byURL, Items: []string{"/u"}}),
		}
		sleepUntil(t, gather)
		for _, j := range jobs {
			j.succeed(t)
		}
		sleepUntil(t, time.Second)
		// The pattern window of resource 1 is full, but not its purge-all one.
		jobs = []*running{
			h.enqueue("all1", Job{ResourceID: 1, Kind: all}),
			h.enqueue("url2b", Job{ResourceID: 2, Kind: byURL, Items: []string{"/v"}}),
		}
		sleepUntil(t, time.Second+gather)
		for _, j := range jobs {
			j.succeed(t)
		}

		var got []string
		for _, c := range h.api.recorded() {
			got = append(got, fmt.Sprintf("%s %d %s", c.at, c.resourceID, c.kind))
		}
		sort.Strings(got)
		want := []string{
			"1.2s 1 purge all", "1.2s 2 purge by URL",
			"200ms 1 purge by URL", "200ms 1 purge by pattern", "200ms 2 purge by URL",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("calls:\n got %q\nwant %q", got, want)
		}
	})
}

// enqueueBehindFullWindows fills at gather the windows of resource 1 for the
// kinds of u and p, then at 1 s enqueues u and p, labelled "u" and "p", and
// returns once both wait for room.
func (h *harness) enqueueBehindFullWindows(u, p Job) (*running, *running) {
	h.t.Helper()
	l, ok := h.s.knownLimits()
	if !ok {
		h.t.Fatal("the limits are not known")
	}
	var fill []*running
	for i, job := range []Job{u, p} {
		rate, _ := l.Rate(job.Kind)
		perRequest, _ := l.MaxItems(job.Kind)
		n := rate.Requests * perRequest
		fill = append(fill, h.enqueue(fmt.Sprint("fill", i), Job{ResourceID: 1, Kind: job.Kind, Items: urls(fmt.Sprint("f", i), n)}))
	}
	sleepUntil(h.t, gather)
	for _, j := range fill {
		j.succeed(h.t)
	}
	sleepUntil(h.t, time.Second)
	ru, rp := h.enqueue("u", u), h.enqueue("p", p)
	h.assertEvents("u: waiting for rate-limit room", 1)
	h.assertEvents("p: waiting for rate-limit room", 1)
	return ru, rp
}

func TestPurgeAllSettlesTheJobsWaitingForItsResource(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{})
		u, p := h.enqueueBehindFullWindows(
			Job{ResourceID: 1, Kind: byURL, Items: []string{"/x"}}, Job{ResourceID: 1, Kind: byPattern, Items: []string{"/img/*"}})
		a := h.enqueue("all", Job{ResourceID: 1, Kind: all})
		sleepUntil(t, 1100*time.Millisecond)
		other := h.enqueue("other", Job{ResourceID: 2, Kind: byURL, Items: []string{"/x"}})
		sleepUntil(t, time.Second+gather)
		ra, ru, rp := a.succeed(t), u.succeed(t), p.succeed(t)
		if other.finished() {
			t.Fatal("the purge of another CDN resource was settled too")
		}
		sleepUntil(t, 1100*time.Millisecond+gather)
		other.succeed(t) // another CDN resource: sent on its own

		if !ru.SettledByPurgeAll || !rp.SettledByPurgeAll || ra.SettledByPurgeAll {
			t.Fatalf("settled flags: all %v, url %v, pattern %v", ra.SettledByPurgeAll, ru.SettledByPurgeAll, rp.SettledByPurgeAll)
		}
		// The fills took keys 1 to 3.
		purgeAll := []gcoreapi.AcceptedPurge{accepted(4, 1, gcoreapi.PurgeAll, time.Second+gather)}
		if r := normalized(ru); r.AcceptedRequests != 1 || !reflect.DeepEqual(r.Purges, purgeAll) || r.Merged != 2 ||
			ra.Merged != 2 || !r.AcceptedAt.Equal(t0.Add(time.Second+gather)) || !slices.Equal(r.Accepted, []string{"/x"}) {
			t.Fatalf("results: all %+v, url %+v", ra, ru)
		}
		if !slices.Equal(rp.Accepted, []string{"/img/*"}) {
			t.Fatalf("pattern job accepted %q", rp.Accepted)
		}
		assertProgress(t, h, "u", "waiting for rate-limit room until 00:01:00 UTC (limit 2/m)",
			"settled by purge-all request #4", "sent request #4 (purge all)", "accepted")

		sleepUntil(t, 10*time.Minute) // the settled jobs are never sent
		calls := h.api.recorded()
		if len(calls) != 5 {
			t.Fatalf("%d calls, want 5: %+v", len(calls), calls)
		}
		for _, c := range calls[3:] {
			if c.resourceID == 1 && (c.kind != all || len(c.items) != 0) {
				t.Fatalf("unexpected call %+v", c)
			}
		}
	})
}

func TestFailedRequestFailsEveryJobItCarried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{})
		h.api.script(apiError(t, http.StatusBadRequest, ""))
		a := h.enqueue("a", Job{ResourceID: 1, Kind: byURL, Items: []string{"/a"}})
		b := h.enqueue("b", Job{ResourceID: 1, Kind: byURL, Items: []string{"/b"}})
		sleepUntil(t, gather)
		for _, r := range []*running{a, b} {
			_, err := r.wait(t)
			var reqErr *RequestError
			if !errors.Is(err, gcoreapi.ErrBadRequest) || !errors.As(err, &reqErr) || reqErr.Kind != byURL ||
				!slices.Equal(reqErr.Items, []string{"/a", "/b"}) ||
				!strings.HasPrefix(err.Error(), "purge by URL of CDN resource 1, request #1: the Gcore API answered 400") {
				t.Fatalf("err = %v", err)
			}
		}
		assertCallTimes(t, h, gather)
	})
}

func TestFailedJobWithdrawsItsRemainingItems(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{})
		h.api.script(apiError(t, http.StatusForbidden, ""))
		a := h.enqueue("a", Job{ResourceID: 1, Kind: byURL, Items: urls("a", 150)})
		b := h.enqueue("b", Job{ResourceID: 1, Kind: byURL, Items: urls("b", 10)})
		sleepUntil(t, gather)
		if _, err := a.wait(t); !errors.Is(err, gcoreapi.ErrForbidden) {
			t.Fatalf("a: err = %v", err)
		}
		b.succeed(t)
		calls := h.api.recorded()
		if len(calls) != 2 {
			t.Fatalf("%d calls, want 2", len(calls))
		}
		assertItems(t, calls[1], urls("b", 10))
	})
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	for _, tc := range []struct {
		status int
		kind   error
	}{
		{http.StatusBadRequest, gcoreapi.ErrBadRequest},
		{http.StatusUnauthorized, gcoreapi.ErrUnauthorized},
		{http.StatusForbidden, gcoreapi.ErrForbidden},
		{http.StatusNotFound, gcoreapi.ErrNotFound},
	} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, documentedAccount, Options{})
				h.api.script(apiError(t, tc.status, ""), nil)
				a := h.enqueue("a", Job{ResourceID: 1, Kind: all})
				sleepUntil(t, gather)
				_, err := a.wait(t)
				var apiErr *gcoreapi.Error
				if !errors.Is(err, tc.kind) || !errors.As(err, &apiErr) || apiErr.StatusCode != tc.status {
					t.Fatalf("err = %v", err)
				}
				sleepUntil(t, time.Hour)
				assertCallTimes(t, h, gather)
			})
		})
	}
}

// sixtyPerMinute lets a URL purge through every second: the waits a 429
// asks for are longer than the spacing of the limit.
var sixtyPerMinute = gcoreapi.AccountLimits{PurgeRequestLimit: "1/m", PurgeByURLsRequestLimit: "60/m"}

// TestRateLimitedRequestWaitsAndRetries: a 429 is retried after the wait it
// asks for, in any of the forms the API may use, plus the margin, but never
// sooner than the spacing of the limit; without a wait, or with an absurd
// one, after a full window. The log says which.
func TestRateLimitedRequestWaitsAndRetries(t *testing.T) {
	const margin = 600 * time.Millisecond
	for _, tc := range []struct {
		name    string
		header  http.Header
		body    string
		retryAt time.Duration
		why     string
	}{
		{"no wait given", nil, "", gather + minuteSpan, "one full window (60/m plus a margin of 600ms) as the API gave no wait"},
		{"Retry-After in seconds", http.Header{"Retry-After": {"7"}}, "", gather + 7*time.Second + margin,
			"as the API asked (Retry-After: 7) plus a margin of 600ms"},
		// The date is 29.8s after the 429 arrives, at 200ms.
		{"Retry-After as a date", http.Header{"Retry-After": {t0.Add(30 * time.Second).Format(http.TimeFormat)}}, "", 30*time.Second + margin,
			"as the API asked (Retry-After: Sat, 01 Jan 2000 00:00:30 GMT) plus a margin of 600ms"},
		{"Retry-After-Ms before Retry-After", http.Header{"Retry-After-Ms": {"1500"}, "Retry-After": {"7"}}, "", gather + 1500*time.Millisecond + margin,
			"as the API asked (Retry-After-Ms: 1500) plus a margin of 600ms"},
		{"DRF's throttling message", nil, `{"detail": "Request was throttled. Expected available in 12.5 seconds."}`, gather + 12500*time.Millisecond + margin,
			`as the API asked ("Expected available in 12.5 seconds") plus a margin of 600ms`},
		{"negative Retry-After", http.Header{"Retry-After": {"-3"}}, "", gather + minuteSpan, "as the API gave no wait"},
		{"Retry-After shorter than the spacing of the limit", http.Header{"Retry-After": {"0"}}, "", gather + time.Second + margin,
			"the spacing of the limit 60/m (1s), longer than the API asked (Retry-After: 0), plus a margin of 600ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, sixtyPerMinute, Options{})
				h.api.script(apiAnswer(t, http.StatusTooManyRequests, tc.header, tc.body))
				a := h.enqueue("a", Job{ResourceID: 1, Kind: byURL, Items: []string{"/a"}})
				sleepUntil(t, gather)
				h.assertEvents("a: rate limited by the API", 1)
				sleepUntil(t, tc.retryAt-time.Nanosecond)
				assertCallTimes(t, h, gather)
				sleepUntil(t, tc.retryAt)
				res := a.succeed(t)

				assertCallTimes(t, h, gather, tc.retryAt)
				if res.AcceptedRequests != 1 || len(res.Purges) != 1 || !res.AcceptedAt.Equal(t0.Add(tc.retryAt)) {
					t.Fatalf("result = %+v", res)
				}
				until := t0.Add(tc.retryAt).Format("15:04:05 MST")
				if logs := h.eventsWith("log: purge by URL of CDN resource 1: rate limited by the API"); len(logs) != 1 ||
					!strings.Contains(logs[0], "waiting until "+until+" to retry request #1, ") || !strings.HasSuffix(logs[0], tc.why) {
					t.Fatalf("429 logs = %q", logs)
				}
			})
		})
	}
}

func TestRateLimitsNeverFailAJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, sixtyPerMinute, Options{Retry: retry.Policy{MaxAttempts: 1}})
		tooMany := apiError(t, http.StatusTooManyRequests, "1")
		h.api.script(tooMany, tooMany, tooMany)
		a := h.enqueue("a", Job{ResourceID: 1, Kind: byURL, Items: []string{"/a"}})
		sleepUntil(t, gather)
		retryAt := gather
		for n := 1; n <= 3; n++ {
			h.assertEvents("a: rate limited", n)
			retryAt += time.Second + 600*time.Millisecond
			sleepUntil(t, retryAt)
		}
		a.succeed(t)
		assertCallTimes(t, h, gather, 1800*time.Millisecond, 3400*time.Millisecond, 5*time.Second)
	})
}

// TestRetryAfterZeroNeverOutpacesTheLimit: an API answering every request
// 429 with "Retry-After: 0" does not make the scheduler send faster than
// the limit: at 2/s, a job with a 10 s deadline sends at most 23 requests,
// each at least the spacing of the limit (500ms) plus the margin after the
// one before, and then gives up with the 429.
func TestRetryAfterZeroNeverOutpacesTheLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, gcoreapi.AccountLimits{PurgeByURLsRequestLimit: "2/s"}, Options{})
		tooMany := apiError(t, http.StatusTooManyRequests, "0")
		h.api.answer = func(context.Context, call) error { return tooMany }
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		a := h.enqueueCtx(ctx, "a", Job{ResourceID: 1, Kind: byURL, Items: []string{"/a"}})
		sleepUntil(t, 10*time.Second)
		_, err := a.wait(t)

		var timeout *TimeoutError
		if !errors.As(err, &timeout) || !errors.Is(err, context.DeadlineExceeded) || !errors.Is(timeout.LastErr, gcoreapi.ErrRateLimited) {
			t.Fatalf("err = %v, want a timeout after 429s", err)
		}
		times := h.callTimes()
		if len(times) > 23 {
			t.Fatalf("%d requests in 10s at 2/s, want at most 23", len(times))
		}
		for i := 1; i < len(times); i++ {
			if gap := times[i] - times[i-1]; gap < 550*time.Millisecond {
				t.Fatalf("requests at %v: %s between requests %d and %d, want at least 550ms (500ms + 50ms margin)", times, gap, i, i+1)
			}
		}
		if want := gather + 17*550*time.Millisecond; len(times) != 18 || times[17] != want {
			t.Fatalf("requests at %v, want 18, the last at %s", times, want)
		}
	})
}

// fastAccount lets many requests through, so that only the backoff paces
// retries.
var fastAccount = gcoreapi.AccountLimits{PurgeRequestLimit: "1000/s", PurgeByURLsRequestLimit: "1000/s"}

// halfJitter makes the backoff delays 75% of their exponential value.
func halfJitter() float64 { return 0.5 }

// retryThroughBackoff sends request #1, carrying the job label, at the end of
// its gather window, then lets the clock run to each of its four retries
// with the default backoff and halfJitter (375ms, 750ms, 1.5s and 3s after
// each failure), checking that none comes early.
func (h *harness) retryThroughBackoff(label string) {
	h.t.Helper()
	sleepUntil(h.t, gather)
	at := gather
	for n, delay := range []time.Duration{375 * time.Millisecond, 750 * time.Millisecond, 1500 * time.Millisecond, 3 * time.Second} {
		h.assertEvents(label+": request #1 failed", n+1)
		at += delay
		sleepUntil(h.t, at-time.Nanosecond)
		if got := len(h.api.recorded()); got != n+1 {
			h.t.Fatalf("retry %d came early", n+1)
		}
		sleepUntil(h.t, at)
	}
}

func TestTransientFailuresBackOffUpToMaxAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, fastAccount, Options{Retry: retry.Policy{Rand: halfJitter}})
		serverError := apiError(t, http.StatusServiceUnavailable, "")
		h.api.script(serverError, serverError, serverError, serverError, serverError, nil)
		a := h.enqueue("a", Job{ResourceID: 1, Kind: byURL, Items: []string{"/a"}})
		h.retryThroughBackoff("a")
		_, err := a.wait(t)
		if !errors.Is(err, gcoreapi.ErrServer) || !strings.Contains(err.Error(), "request #1 failed 5 times, giving up") {
			t.Fatalf("err = %v", err)
		}
		assertCallTimes(t, h, gather, 575*time.Millisecond, 1325*time.Millisecond, 2825*time.Millisecond, 5825*time.Millisecond)
		sleepUntil(t, time.Hour)
		if len(h.api.recorded()) != 5 {
			t.Fatal("retried after giving up")
		}
		if got := h.eventsWith("a: request #1 failed"); !strings.Contains(got[0], "retrying at 00:00:00 UTC, when the backoff ends (attempt 2 of 5)") {
			t.Fatalf("progress = %q", got)
		}
	})
}

// TestRetriesStayWithinTheWindow: failed requests that reached the API count
// in its window, a lost connection as much as a 5xx, so a retry may wait for
// room longer than the backoff asks; the progress, the log and a timeout all
// give the time it really goes out and that the rate limit decided it.
func TestRetriesStayWithinTheWindow(t *testing.T) {
	lostConnection := &url.Error{Op: "Post", URL: "https://api.test/cdn/resources/1/purge",
		Err: &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}}
	for name, failure := range map[string]error{
		"server error":    apiError(t, http.StatusBadGateway, ""),
		"lost connection": lostConnection,
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, documentedAccount, Options{Retry: retry.Policy{Rand: halfJitter}})
				h.api.script(failure, failure)
				a := h.enqueue("a", Job{ResourceID: 1, Kind: byURL, Items: []string{"/a"}})
				sleepUntil(t, gather)
				h.assertEvents("a: request #1 failed", 1)
				sleepUntil(t, gather+375*time.Millisecond)
				h.assertEvents("a: request #1 failed", 2)
				// The backoff would allow 750ms later, but both failures count: 2/m.
				sleepUntil(t, gather+minuteSpan-time.Nanosecond)
				assertCallTimes(t, h, gather, gather+375*time.Millisecond)
				sleepUntil(t, gather+minuteSpan)
				a.succeed(t)
				assertCallTimes(t, h, gather, gather+375*time.Millisecond, gather+minuteSpan)

				want := "retrying at 00:01:00 UTC, when the rate limit (2/m, in which failed requests count) has room, " +
					"later than the end of the backoff at 00:00:01 UTC (attempt 3 of 5)"
				for _, prefix := range []string{"a: ", "log: purge by URL of CDN resource 1: "} {
					if got := h.eventsWith(prefix + "request #1 failed"); len(got) != 2 || !strings.HasSuffix(got[1], want) {
						t.Fatalf("%q events = %q, want the second to end with %q", prefix, got, want)
					}
				}
			})
		})
	}
}

// TestRetryPastTheDeadlineFailsAtOnce: a job whose deadline passes before the
// retry of its request goes out fails when that is known, with the time the
// retry would go out and what decided it; a job sharing the request without
// a deadline still gets its retry.
func TestRetryPastTheDeadlineFailsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{Retry: retry.Policy{Rand: halfJitter}})
		serverError := apiError(t, http.StatusBadGateway, "")
		h.api.script(serverError, serverError)
		ctx, cancel := context.WithDeadline(context.Background(), t0.Add(30*time.Second))
		defer cancel()
		a := h.enqueueCtx(ctx, "a", Job{ResourceID: 1, Kind: byURL, Items: []string{"/a"}})
		b := h.enqueue("b", Job{ResourceID: 1, Kind: byURL, Items: []string{"/b"}})
		sleepUntil(t, gather)
		h.assertEvents("b: request #1 failed", 1)
		sleepUntil(t, gather+375*time.Millisecond)
		_, err := a.wait(t)
		const message = "purge by URL of CDN resource 1 was not confirmed within 30s: its retry would go out at 00:01:00 UTC, " +
			"when the rate limit (2/m, in which failed requests count) has room, later than the end of the backoff at 00:00:01 UTC, " +
			"past the deadline; 2 attempts failed, the last with: the Gcore API answered 502 Bad Gateway"
		var timeout *TimeoutError
		if !errors.As(err, &timeout) || !errors.Is(err, context.DeadlineExceeded) || timeout.Waited != gather+375*time.Millisecond ||
			err.Error() != message {
			t.Fatalf("err = %v, want after 575ms:\n%s", err, message)
		}
		if got := h.eventsWith("log: purge by URL of CDN resource 1 gives up now"); len(got) != 1 {
			t.Fatalf("give-up logs = %q", got)
		}
		sleepUntil(t, gather+minuteSpan)
		b.succeed(t)
		c := h.api.recorded()[2]
		assertItems(t, c, []string{"/a", "/b"}) // the request is the same: /a may have been purged already
	})
}

func TestTransportErrorsAreRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, fastAccount, Options{Retry: retry.Policy{Rand: halfJitter}})
		h.api.script(fmt.Errorf("POST /cdn/resources/1/purge: %w", errors.New("connection reset by peer")))
		a := h.enqueue("a", Job{ResourceID: 1, Kind: all})
		sleepUntil(t, gather)
		h.assertEvents("a: request #1 failed (POST /cdn/resources/1/purge: connection reset by peer)", 1)
		sleepUntil(t, gather+375*time.Millisecond)
		a.succeed(t)
		assertCallTimes(t, h, gather, gather+375*time.Millisecond)
	})
}

// dialFailure is how Go's HTTP client reports a connection that was never
// made to the API, for the reason err.
func dialFailure(err error) error {
	return &url.Error{Op: "Post", URL: "https://api.test/cdn/resources/1/purge", Err: &net.OpError{Op: "dial", Net: "tcp", Err: err}}
}

// TestRequestsThatNeverReachedTheAPIDoNotCount: a refused connection is
// retried with backoff, but takes no place in the window, which only counts
// what the API may have counted: at 2/m, five attempts go out in six seconds.
func TestRequestsThatNeverReachedTheAPIDoNotCount(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{Retry: retry.Policy{Rand: halfJitter}})
		refused := dialFailure(os.NewSyscallError("connect", syscall.ECONNREFUSED))
		h.api.script(refused, refused, refused, refused, refused)
		a := h.enqueue("a", Job{ResourceID: 1, Kind: byURL, Items: []string{"/a"}})
		h.retryThroughBackoff("a")
		if _, err := a.wait(t); !errors.Is(err, syscall.ECONNREFUSED) || !strings.Contains(err.Error(), "failed 5 times") {
			t.Fatalf("err = %v", err)
		}
		assertCallTimes(t, h, gather, 575*time.Millisecond, 1325*time.Millisecond, 2825*time.Millisecond, 5825*time.Millisecond)
		// The window is still empty: the next purge goes out after its gather
		// window only.
		b := h.enqueue("b", Job{ResourceID: 1, Kind: byURL, Items: []string{"/b"}})
		sleepUntil(t, 5825*time.Millisecond+gather)
		b.succeed(t)
		assertCallTimes(t, h, gather, 575*time.Millisecond, 1325*time.Millisecond, 2825*time.Millisecond, 5825*time.Millisecond, 6025*time.Millisecond)
	})
}

// TestFailuresThatCannotHealFailAtOnce: an unknown host and a certificate
// that does not verify fail the job on the first attempt, naming the cause,
// and take no place in the window (at 1/m, the next purge goes out at once).
func TestFailuresThatCannotHealFailAtOnce(t *testing.T) {
	for name, tc := range map[string]struct {
		err   error
		cause string
	}{
		"unknown host": {dialFailure(&net.DNSError{Err: "no such host", Name: "api.gcore-purge.invalid", IsNotFound: true}),
			"lookup api.gcore-purge.invalid: no such host"},
		"bad certificate": {&url.Error{Op: "Post", URL: "https://api.test/cdn/resources/1/purge",
			Err: &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}}, "x509: certificate signed by unknown authority"},
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, documentedAccount, Options{})
				h.api.script(tc.err)
				a := h.enqueue("a", Job{ResourceID: 1, Kind: byPattern, Items: []string{"/a"}})
				sleepUntil(t, gather)
				_, err := a.wait(t)
				if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.cause) || strings.Contains(err.Error(), "giving up") {
					t.Fatalf("err = %v, want the first failure, naming %q", err, tc.cause)
				}
				b := h.enqueue("b", Job{ResourceID: 1, Kind: byPattern, Items: []string{"/b"}})
				sleepUntil(t, 2*gather)
				b.succeed(t)
				assertCallTimes(t, h, gather, 2*gather)
			})
		})
	}
}

func TestAttemptTimeoutIsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, fastAccount, Options{Retry: retry.Policy{Rand: halfJitter}})
		h.api.answer = func(ctx context.Context, c call) error {
			if c.at == gather { // the first attempt hangs until cut short
				<-ctx.Done()
				return fmt.Errorf("POST /cdn/resources/1/purge: %w", ctx.Err())
			}
			return nil
		}
		a := h.enqueue("a", Job{ResourceID: 1, Kind: all})
		sleepUntil(t, gather)
		h.assertCalls(1)
		sleepUntil(t, gather+30*time.Second-time.Nanosecond)
		if a.finished() || len(h.eventsWith("failed")) > 0 {
			t.Fatal("the attempt was cut short early")
		}
		sleepUntil(t, gather+30*time.Second)
		h.assertEvents("a: request #1 failed (no answer: the attempt timed out after 30s)", 1)
		sleepUntil(t, gather+30*time.Second+375*time.Millisecond)
		a.succeed(t)
		assertCallTimes(t, h, gather, gather+30*time.Second+375*time.Millisecond)
	})
}

// fillPatternWindow sends one pattern purge of resource 1 at 200ms, so that
// the next one waits for room until 200ms + 1m0.6s.
func fillPatternWindow(h *harness) {
	h.t.Helper()
	r := h.enqueue("fill", Job{ResourceID: 1, Kind: byPattern, Items: []string{"/fill"}})
	sleepUntil(h.t, gather)
	r.succeed(h.t)
}

func TestDeadlineWhileWaitingForRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{})
		fillPatternWindow(h)
		sleepUntil(t, time.Second)
		ctx, cancel := context.WithDeadline(context.Background(), t0.Add(21*time.Second))
		defer cancel()
		b := h.enqueueCtx(ctx, "b", Job{ResourceID: 1, Kind: byPattern, Items: []string{"/b"}})
		h.assertEvents("b: waiting for rate-limit room", 1)
		sleepUntil(t, 21*time.Second-time.Nanosecond)
		if b.finished() {
			t.Fatal("b returned before its deadline")
		}
		sleepUntil(t, 21*time.Second)
		_, err := b.wait(t)

		var timeout *TimeoutError
		if !errors.As(err, &timeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want a *TimeoutError for context.DeadlineExceeded", err)
		}
		want := TimeoutError{
			ResourceID: 1, Kind: byPattern, Limit: rate(1, time.Minute), LimitSource: "account's purge_request_limit",
			Waited: 20 * time.Second, Timeout: 20 * time.Second, Err: context.DeadlineExceeded,
		}
		if *timeout != want {
			t.Fatalf("error = %+v, want %+v", *timeout, want)
		}
		const message = "purge by pattern of CDN resource 1 did not get rate-limit room within 20s: the limit in force is 1/m " +
			"(account's purge_request_limit), and the request waited 20s"
		if err.Error() != message {
			t.Fatalf("message:\n got %q\nwant %q", err, message)
		}
		sleepUntil(t, time.Hour)
		assertCallTimes(t, h, gather) // b's pattern was never sent
	})
}

func TestCancelWhileWaitingForRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, gcoreapi.AccountLimits{}, Options{}) // documented limits
		fillPatternWindow(h)
		sleepUntil(t, time.Second)
		ctx, cancel := context.WithCancel(context.Background())
		b := h.enqueueCtx(ctx, "b", Job{ResourceID: 1, Kind: byPattern, Items: []string{"/b"}})
		h.assertEvents("b: waiting for rate-limit room", 1)
		sleepUntil(t, 6*time.Second)
		cancel()
		_, err := b.wait(t)

		var timeout *TimeoutError
		if !errors.As(err, &timeout) || !errors.Is(err, context.Canceled) || !timeout.Cancelled || timeout.Sent {
			t.Fatalf("err = %#v", err)
		}
		const message = "purge by pattern of CDN resource 1 was cancelled after waiting 5s for rate-limit room: " +
			"the limit in force is 1/m (documented: purge_request_limit is missing)"
		if err.Error() != message {
			t.Fatalf("message:\n got %q\nwant %q", err, message)
		}
		sleepUntil(t, time.Hour)
		assertCallTimes(t, h, gather)
	})
}

func TestLeavingJobTakesOnlyItsOwnItems(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{})
		fillPatternWindow(h)
		a := h.enqueue("a", Job{ResourceID: 1, Kind: byPattern, Items: []string{"/a", "/b"}})
		ctx, cancel := context.WithCancel(context.Background())
		b := h.enqueueCtx(ctx, "b", Job{ResourceID: 1, Kind: byPattern, Items: []string{"/b", "/c"}})
		h.assertEvents("b: waiting for rate-limit room", 1)
		cancel()
		if _, err := b.wait(t); !errors.Is(err, context.Canceled) {
			t.Fatalf("b: err = %v", err)
		}
		if n := h.s.queuedJobs(); n != 1 {
			t.Fatalf("%d jobs queued once b left, want 1", n)
		}
		sleepUntil(t, gather+minuteSpan)
		res := a.succeed(t)
		assertItems(t, h.api.recorded()[1], []string{"/a", "/b"})
		if res.Merged != 0 {
			t.Fatalf("a merged with %d jobs, want 0", res.Merged)
		}
	})
}

func TestJobLeavingWhileInFlightDoesNotCancelTheRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{})
		release := h.gate()
		inFlight := make(chan context.Context, 1)
		h.api.answer = func(ctx context.Context, _ call) error {
			inFlight <- ctx
			<-release
			return ctx.Err()
		}
		ctx, cancel := context.WithCancel(context.Background())
		a := h.enqueueCtx(ctx, "a", Job{ResourceID: 1, Kind: byURL, Items: []string{"/a"}})
		b := h.enqueue("b", Job{ResourceID: 1, Kind: byURL, Items: []string{"/b"}})
		sleepUntil(t, gather)
		callCtx := <-inFlight
		sleepUntil(t, 3*time.Second)
		cancel()
		// a waits for the answer: a request accepted after its end still
		// purged its items, and must not be reported as lost.
		if a.finished() {
			t.Fatal("a returned before the answer to the request carrying its items")
		}
		if callCtx.Err() != nil {
			t.Fatalf("the shared call was cancelled: %v", callCtx.Err())
		}
		close(release)
		if res := a.succeed(t); !slices.Equal(res.Accepted, []string{"/a"}) || res.AcceptedRequests != 1 {
			t.Fatalf("a = %+v", res)
		}
		if res := b.succeed(t); res.Merged != 1 {
			t.Fatalf("b = %+v", res)
		}
	})
}

// TestJobLeavingWhileInFlightGetsTheFailure: a job whose context ends while
// the attempt carrying its items awaits its answer returns that answer once
// it comes: a refusal is its error, not a timeout.
func TestJobLeavingWhileInFlightGetsTheFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{})
		release := h.gate()
		badRequest := apiError(t, http.StatusBadRequest, "")
		h.api.answer = func(context.Context, call) error {
			<-release
			return badRequest
		}
		ctx, cancel := context.WithCancel(context.Background())
		a := h.enqueueCtx(ctx, "a", Job{ResourceID: 1, Kind: byURL, Items: []string{"/a"}})
		sleepUntil(t, gather)
		cancel()
		if a.finished() {
			t.Fatal("a returned before the answer to the request carrying its items")
		}
		sleepUntil(t, time.Second)
		close(release)
		res, err := a.wait(t)
		if !errors.Is(err, gcoreapi.ErrBadRequest) || len(res.Accepted) != 0 {
			t.Fatalf("a = %+v, %v; want the 400", res, err)
		}
	})
}

func TestRequestAllJobsLeftIsNotRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, fastAccount, Options{})
		h.api.script(apiError(t, http.StatusInternalServerError, ""))
		ctx, cancel := context.WithCancel(context.Background())
		a := h.enqueueCtx(ctx, "a", Job{ResourceID: 1, Kind: all})
		sleepUntil(t, gather)
		h.assertEvents("a: request #1 failed", 1)
		cancel()
		if _, err := a.wait(t); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		h.assertEvents("log: request #1 is not retried: every purge it carried has given up", 1)
		sleepUntil(t, time.Hour)
		assertCallTimes(t, h, gather)
	})
}

func TestNewcomersHearOfTheWaitAndJoin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{})
		fillPatternWindow(h)
		a := h.enqueue("a", Job{ResourceID: 1, Kind: byPattern, Items: []string{"/a"}})
		h.assertEvents("a: waiting for rate-limit room", 1)
		sleepUntil(t, 30*time.Second)
		b := h.enqueue("b", Job{ResourceID: 1, Kind: byPattern, Items: []string{"/b"}})
		sleepUntil(t, gather+minuteSpan)
		a.succeed(t)
		b.succeed(t)
		assertProgress(t, h, "b", "waiting for rate-limit room until 00:01:00 UTC (limit 1/m)",
			"merged with 1 other purge into request #2", "sent request #2 (2 patterns)", "accepted")
	})
}

func TestInvalidJobsAreRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{})
		for _, tc := range []struct {
			job  Job
			want string
		}{
			{Job{ResourceID: 1, Kind: byURL}, "purge by URL of CDN resource 1: no items"},
			{Job{ResourceID: 1, Kind: byPattern, Items: []string{}}, "purge by pattern of CDN resource 1: no items"},
			{Job{ResourceID: 1, Kind: Prefetch}, "prefetch of CDN resource 1: no items"},
			{Job{ResourceID: 1, Kind: all, Items: []string{"/a"}}, "purge all of CDN resource 1 takes no items, got 1"},
			{Job{ResourceID: 1, Kind: 9, Items: []string{"/a"}}, "CDN resource 1: unknown kind of job 9"},
			{Job{ResourceID: 1, Items: []string{"/a"}}, "CDN resource 1: unknown kind of job 0"},
		} {
			if _, err := h.s.Send(context.Background(), tc.job); err == nil || err.Error() != tc.want {
				t.Errorf("Send(%+v) = %v, want %q", tc.job, err, tc.want)
			}
		}
		sleepUntil(t, time.Hour)
		assertCallTimes(t, h)
	})
}

// TestNoGoroutineOutlivesItsJobs: once its jobs returned, a queue's worker
// retires, whether they succeeded, failed or left; one whose only job left
// retires at once, without waiting for its gather window. (The bubble
// fails the test, too, if a goroutine it started is still there at its end.)
func TestNoGoroutineOutlivesItsJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{})
		notFound := apiError(t, http.StatusNotFound, "")
		// Answered by resource, not by order: the workers of resources 1 and 2
		// wake at the same instant and either may call first.
		h.api.answer = func(_ context.Context, c call) error {
			if c.resourceID == 2 {
				return notFound
			}
			return nil
		}
		ctx, cancel := context.WithCancel(context.Background())
		jobs := []*running{
			h.enqueue("ok", Job{ResourceID: 1, Kind: byURL, Items: []string{"/a"}}),
			h.enqueue("missing", Job{ResourceID: 2, Kind: all}),
			h.enqueueCtx(ctx, "gives up", Job{ResourceID: 3, Kind: byPattern, Items: []string{"/p"}}),
		}
		cancel()
		if _, err := jobs[2].wait(t); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled job: %v", err)
		}
		h.s.withLock(func() {
			if q := h.s.queues[queueKey{resourceID: 3, kind: byPattern}]; q.running {
				t.Error("the worker of the queue the cancelled job left still runs")
			}
		})
		sleepUntil(t, gather) // the gather windows of resources 1 and 2
		jobs[0].succeed(t)
		if _, err := jobs[1].wait(t); !errors.Is(err, gcoreapi.ErrNotFound) {
			t.Fatalf("missing resource: %v", err)
		}
		h.assertIdle()
		assertCallTimes(t, h, gather, gather)
	})
}

// TestJobEndingDuringRetriesSaysWhy: a job whose request waits to be retried
// when its context ends names the failure it waited out and when the retry
// was due: the user learns the API is failing or busy. A job whose deadline
// would pass before the retry goes out fails at once, saying so. After a 429
// the purge is not "sent": the API refused it.
func TestJobEndingDuringRetriesSaysWhy(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answers []int // statuses of the attempts before the job ends
		// deadline is the job's, when it has one; a job without one is
		// cancelled at cancelAt.
		deadline, cancelAt time.Duration
		endsAt             time.Duration
		sent               bool
		failures           int
		message            string
	}{
		{"deadline before the backoff ends", []int{503, 502}, time.Second, 0, 575 * time.Millisecond, true, 2,
			"purge all of CDN resource 1 was not confirmed within 1s: its retry would go out at 00:00:01 UTC, when the backoff ends, " +
				"past the deadline; 2 attempts failed, the last with: the Gcore API answered 502 Bad Gateway"},
		{"cancelled after a server error", []int{500}, 0, 300 * time.Millisecond, 300 * time.Millisecond, true, 1,
			"purge all of CDN resource 1 was cancelled after waiting 300ms for a retry after 1 attempt failed " +
				"(the Gcore API answered 500 Internal Server Error), due at 00:00:00 UTC, when the backoff ends: " +
				"the limit in force is 1000/s (account's purge_request_limit)"},
		{"deadline before the 429's wait ends", []int{429}, time.Second, 0, gather, false, 0,
			"purge all of CDN resource 1 did not get rate-limit room within 1s: the API answered 429 Too Many Requests " +
				"(another client may be using this CDN resource); its retry would go out at 00:01:00 UTC, " +
				"as the API asked (Retry-After: 60) plus a margin of 50ms, past the deadline; the limit in force is 1000/s " +
				"(account's purge_request_limit), and the request waited 200ms"},
		{"cancelled after a 429", []int{503, 429}, 0, time.Second, time.Second, false, 1,
			"purge all of CDN resource 1 was cancelled after waiting 1s for rate-limit room after a 429 answer " +
				"until 00:01:00 UTC, as the API asked (Retry-After: 60) plus a margin of 50ms: " +
				"the limit in force is 1000/s (account's purge_request_limit)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				// The backoff waits 375ms after the first failure, 750ms after
				// the second, and a 429 a minute: every scripted answer comes
				// before the job ends, and no other.
				h := newHarness(t, fastAccount, Options{Retry: retry.Policy{Rand: halfJitter}})
				var answers []error
				for _, status := range tc.answers {
					answers = append(answers, apiError(t, status, "60"))
				}
				h.api.script(answers...)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if tc.deadline > 0 {
					ctx, cancel = context.WithDeadline(ctx, t0.Add(tc.deadline))
					defer cancel()
				}
				a := h.enqueueCtx(ctx, "a", Job{ResourceID: 1, Kind: all})
				if tc.deadline == 0 {
					sleepUntil(t, tc.cancelAt)
					h.assertCalls(len(tc.answers))
					cancel()
				} else {
					// The job must not wait for its deadline: it ends as soon
					// as its retry is planned past it.
					sleepUntil(t, tc.endsAt)
				}
				_, err := a.wait(t)

				var timeout *TimeoutError
				if !errors.As(err, &timeout) || timeout.Sent != tc.sent || timeout.Failures != tc.failures ||
					!errors.Is(timeout.LastErr, answers[len(answers)-1]) || timeout.Waited != tc.endsAt {
					t.Fatalf("err = %#v", err)
				}
				if tc.deadline > 0 && !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("err = %v, want it to match context.DeadlineExceeded", err)
				}
				if err.Error() != tc.message {
					t.Fatalf("message:\n got %q\nwant %q", err, tc.message)
				}
				sleepUntil(t, time.Hour)
				if got := len(h.api.recorded()); got != len(tc.answers) {
					t.Fatalf("%d calls, want %d: the retry outlived its only job", got, len(tc.answers))
				}
			})
		})
	}
}

// TestCancelWhileAnAttemptHangsEndsWithinTheGrace: a user's Ctrl-C while a
// request hangs ends the job within CancelGrace, its items not accepted and
// the request's outcome said to be unknown; past a deadline the job waits
// for the answer as before.
func TestCancelWhileAnAttemptHangsEndsWithinTheGrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{})
		release := h.gate()
		h.api.answer = func(ctx context.Context, _ call) error {
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		a := h.enqueueCtx(ctx, "a", Job{ResourceID: 1, Kind: byURL, Items: []string{"/a"}})
		sleepUntil(t, gather+time.Second)
		cancel()
		time.Sleep(defaultCancelGrace - time.Nanosecond)
		synctest.Wait()
		if a.finished() {
			t.Fatalf("a returned before %s: it waits that long for the answer", defaultCancelGrace)
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		res, err := a.wait(t)
		var timeout *TimeoutError
		if !errors.As(err, &timeout) || !timeout.Cancelled || !timeout.Unanswered || len(res.Accepted) != 0 {
			t.Fatalf("a = %+v, %v; want a cancellation with its request unanswered and nothing accepted", res, err)
		}
		if !strings.Contains(err.Error(), "its outcome is unknown") {
			t.Fatalf("err = %v, want it to say the request's outcome is unknown", err)
		}
		close(release) // the worker ends with the request's own answer
	})
}
