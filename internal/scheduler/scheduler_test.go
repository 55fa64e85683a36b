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
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

const (
	gather = 200 * time.Millisecond
	// minuteSpan is the window of an N/m limit with its default margin.
	minuteSpan = time.Minute + 600*time.Millisecond
)

var (
	byURL     = gcoreapi.PurgeByURL
	byPattern = gcoreapi.PurgeByPattern
	all       = gcoreapi.PurgeAll
)

// enqueue starts a job and waits until it is queued, so that jobs enqueued
// one after the other arrive in that order.
func (h *harness) enqueue(label string, job Job) *running {
	h.t.Helper()
	return h.enqueueCtx(context.Background(), label, job)
}

func (h *harness) enqueueCtx(ctx context.Context, label string, job Job) *running {
	h.t.Helper()
	before := h.s.queuedJobs()
	r := h.startCtx(ctx, label, job)
	h.waitQueued(before + 1)
	return r
}

func assertCallTimes(t *testing.T, h *harness, want ...time.Duration) {
	t.Helper()
	if got := h.callTimes(); !slices.Equal(got, want) {
		t.Fatalf("calls at %v, want %v", got, want)
	}
}

func assertItems(t *testing.T, c call, want []string) {
	t.Helper()
	if !slices.Equal(c.purge.Items, want) {
		t.Fatalf("call at %s carried %v, want %v", c.at, c.purge.Items, want)
	}
}

func assertProgress(t *testing.T, h *harness, label string, want ...string) {
	t.Helper()
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

func TestSingleJobWaitsForTheGatherWindow(t *testing.T) {
	h := newHarness(t, documentedAccount, Options{})
	a := h.enqueue("a", Job{ResourceID: 7, Type: byURL, Items: []string{"/a", "/b", "/a"}})
	h.advanceTo(gather-time.Nanosecond, 1)
	assertCallTimes(t, h)
	h.advanceTo(gather, 1)
	res := a.succeed(t)

	assertCallTimes(t, h, gather)
	c := h.api.recorded()[0]
	if c.resourceID != 7 || c.purge.Type != byURL {
		t.Fatalf("call = %+v", c)
	}
	assertItems(t, c, []string{"/a", "/b"})
	sent := SentRequest{Number: 1, ResourceID: 7, Type: byURL, Items: []string{"/a", "/b"}, AcceptedAt: t0.Add(gather)}
	want := Result{Requests: []SentRequest{sent}, Accepted: []string{"/a", "/b"}, Waited: gather, AcceptedAt: t0.Add(gather)}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("result = %+v, want %+v", res, want)
	}
	assertProgress(t, h, "a", "sent request #1 (2 URLs)", "accepted")
}

func TestJobsStartedTogetherShareOneRequestWithoutDuplicates(t *testing.T) {
	h := newHarness(t, documentedAccount, Options{})
	a := h.enqueue("a", Job{ResourceID: 1, Type: byURL, Items: []string{"/a", "/b"}})
	h.advanceTo(100*time.Millisecond, 1)
	b := h.enqueue("b", Job{ResourceID: 1, Type: byURL, Items: []string{"/b", "/c", "/a"}})
	h.advanceTo(gather, 1) // the window started by a
	ra, rb := a.succeed(t), b.succeed(t)

	assertCallTimes(t, h, gather)
	assertItems(t, h.api.recorded()[0], []string{"/a", "/b", "/c"})
	if ra.Merged != 1 || rb.Merged != 1 || len(ra.Requests) != 1 || len(rb.Requests) != 1 {
		t.Fatalf("results = %+v, %+v", ra, rb)
	}
	assertProgress(t, h, "b", "merged with 1 other purge into request #1", "sent request #1 (3 URLs)", "accepted")
	if logs := h.eventsWith("request #1 carries 2 purges (3 URLs)"); len(logs) != 1 {
		t.Fatalf("merge logs = %q", logs)
	}
}

func TestRequestsSplitAtTheURLCapInArrivalOrder(t *testing.T) {
	h := newHarness(t, documentedAccount, Options{})
	a := h.enqueue("a", Job{ResourceID: 1, Type: byURL, Items: urls("a", 150)})
	b := h.enqueue("b", Job{ResourceID: 1, Type: byURL, Items: append([]string{"/a/149"}, urls("b", 29)...)})
	h.advanceTo(gather, 1)
	ra, rb := a.succeed(t), b.succeed(t)

	assertCallTimes(t, h, gather, gather) // 2/m: both fit at once
	calls := h.api.recorded()
	assertItems(t, calls[0], urls("a", 100))
	assertItems(t, calls[1], append(urls("a", 150)[100:], urls("b", 29)...))
	if len(ra.Requests) != 2 || len(rb.Requests) != 1 || ra.Merged != 1 || rb.Merged != 1 {
		t.Fatalf("results = %+v, %+v", ra, rb)
	}
}

func TestFirstComeFirstServed(t *testing.T) {
	h := newHarness(t, documentedAccount, Options{})
	a := h.enqueue("a", Job{ResourceID: 1, Type: byURL, Items: urls("a", 60)})
	b := h.enqueue("b", Job{ResourceID: 1, Type: byURL, Items: urls("b", 60)})
	c := h.enqueue("c", Job{ResourceID: 1, Type: byURL, Items: urls("c", 60)})
	h.advanceTo(gather, 1)
	ra, rb, rc := a.succeed(t), b.succeed(t), c.succeed(t)

	calls := h.api.recorded()
	assertItems(t, calls[0], append(urls("a", 60), urls("b", 40)...))
	assertItems(t, calls[1], append(urls("b", 60)[40:], urls("c", 60)...))
	if len(ra.Requests) != 1 || len(rb.Requests) != 2 || len(rc.Requests) != 1 || rb.Merged != 2 {
		t.Fatalf("results = %+v, %+v, %+v", ra, rb, rc)
	}
}

func TestPatternsSplitAtTenAndWaitForTheWindow(t *testing.T) {
	h := newHarness(t, documentedAccount, Options{})
	a := h.enqueue("a", Job{ResourceID: 1, Type: byPattern, Items: urls("p", 25)})
	h.advanceTo(gather, 1)
	h.waitEvents("a: waiting for rate-limit room", 1)
	h.advanceTo(gather+minuteSpan-time.Nanosecond, 1)
	assertCallTimes(t, h, gather)
	h.advanceTo(gather+minuteSpan, 1)
	h.waitEvents("a: waiting for rate-limit room", 2)
	h.advanceTo(gather+2*minuteSpan, 1)
	res := a.succeed(t)

	assertCallTimes(t, h, gather, gather+minuteSpan, gather+2*minuteSpan)
	calls := h.api.recorded()
	for i, n := range []int{10, 10, 5} {
		if len(calls[i].purge.Items) != n {
			t.Fatalf("request %d carried %d patterns, want %d", i+1, len(calls[i].purge.Items), n)
		}
	}
	if len(res.Requests) != 3 || res.Waited != gather+2*minuteSpan {
		t.Fatalf("result = %+v", res)
	}
	assertProgress(t, h, "a",
		"sent request #1 (10 patterns)",
		"waiting for rate-limit room until 12:01:00 UTC (limit 1/m)",
		"sent request #2 (10 patterns)",
		"waiting for rate-limit room until 12:02:01 UTC (limit 1/m)",
		"sent request #3 (5 patterns)",
		"accepted")
}

func TestAccountItemCapsApply(t *testing.T) {
	h := newHarness(t, gcoreapi.AccountLimits{PurgeByURLsRequestLimit: "10/s", PurgeMaxURLsLimit: 3}, Options{})
	a := h.enqueue("a", Job{ResourceID: 1, Type: byURL, Items: urls("a", 7)})
	h.advanceTo(gather, 1)
	a.succeed(t)
	calls := h.api.recorded()
	if len(calls) != 3 || len(calls[0].purge.Items) != 3 || len(calls[2].purge.Items) != 1 {
		t.Fatalf("calls = %+v", calls)
	}
}

func TestWindowIsNotExceededAcrossJobs(t *testing.T) {
	h := newHarness(t, documentedAccount, Options{})
	h.enqueue("a", Job{ResourceID: 1, Type: byURL, Items: []string{"/a"}})
	h.advanceTo(gather, 1)
	h.waitCalls(1)
	h.waitEvents("a: accepted", 1)

	h.advanceTo(time.Second, 0)
	h.enqueue("b", Job{ResourceID: 1, Type: byURL, Items: []string{"/b"}})
	h.advanceTo(time.Second+gather, 1)
	h.waitEvents("b: accepted", 1)

	h.advanceTo(2*time.Second, 0)
	c := h.enqueue("c", Job{ResourceID: 1, Type: byURL, Items: []string{"/c"}})
	h.waitEvents("c: waiting for rate-limit room until 12:01:00 UTC (limit 2/m)", 1)
	h.advanceTo(gather+minuteSpan-time.Nanosecond, 1) // one nanosecond early
	assertCallTimes(t, h, gather, time.Second+gather)
	h.advanceTo(gather+minuteSpan, 1) // the first request leaves the window
	res := c.succeed(t)

	assertCallTimes(t, h, gather, time.Second+gather, gather+minuteSpan)
	if res.Waited != gather+minuteSpan-2*time.Second {
		t.Fatalf("c waited %s", res.Waited)
	}
}

func TestConfiguredMarginWidensTheWindow(t *testing.T) {
	h := newHarness(t, documentedAccount, Options{SkewMargin: 5 * time.Second})
	h.enqueue("a", Job{ResourceID: 1, Type: all})
	h.advanceTo(gather, 1)
	h.waitEvents("a: accepted", 1)
	b := h.enqueue("b", Job{ResourceID: 1, Type: all})
	h.waitEvents("b: waiting for rate-limit room", 1)
	h.advanceTo(gather+time.Minute+5*time.Second, 1)
	b.succeed(t)
	assertCallTimes(t, h, gather, gather+time.Minute+5*time.Second)
}

func TestSlowAnswerCountsFromTheAnswer(t *testing.T) {
	h := newHarness(t, documentedAccount, Options{})
	release := make(chan struct{})
	h.api.answer = func(_ context.Context, c call) error {
		if c.purge.Items[0] == "/slow" {
			<-release
		}
		return nil
	}
	a := h.enqueue("a", Job{ResourceID: 1, Type: byPattern, Items: []string{"/slow"}})
	h.advanceTo(gather, 1)
	h.waitCalls(1)
	h.advanceTo(10*time.Second, 1) // the attempt timer is pending meanwhile
	close(release)
	a.succeed(t)

	b := h.enqueue("b", Job{ResourceID: 1, Type: byPattern, Items: []string{"/fast"}})
	h.waitEvents("b: waiting for rate-limit room", 1)
	h.advanceTo(10*time.Second+minuteSpan, 1)
	b.succeed(t)
	assertCallTimes(t, h, gather, 10*time.Second+minuteSpan)
}

func TestWindowsAreSeparatePerResourceAndType(t *testing.T) {
	h := newHarness(t, documentedAccount, Options{})
	jobs := []*running{
		h.enqueue("url1", Job{ResourceID: 1, Type: byURL, Items: []string{"/u"}}),
		h.enqueue("pattern1", Job{ResourceID: 1, Type: byPattern, Items: []string{"/p"}}),
		h.enqueue("url2", Job{ResourceID: 2, Type: byURL, Items: []string{"/u"}}),
	}
	h.advanceTo(gather, 3)
	for _, j := range jobs {
		j.succeed(t)
	}
	h.advanceTo(time.Second, 0)
	// The pattern window of resource 1 is full, but not its purge-all one.
	jobs = []*running{
		h.enqueue("all1", Job{ResourceID: 1, Type: all}),
		h.enqueue("url2b", Job{ResourceID: 2, Type: byURL, Items: []string{"/v"}}),
	}
	h.advanceTo(time.Second+gather, 2)
	for _, j := range jobs {
		j.succeed(t)
	}

	var got []string
	for _, c := range h.api.recorded() {
		got = append(got, fmt.Sprintf("%s %d %s", c.at, c.resourceID, c.purge.Type))
	}
	sort.Strings(got)
	want := []string{
		"1.2s 1 purge all", "1.2s 2 purge by URL",
		"200ms 1 purge by URL", "200ms 1 purge by pattern", "200ms 2 purge by URL",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("calls:\n got %q\nwant %q", got, want)
	}
}

// enqueueBehindFullWindows fills at gather the windows of resource 1 for the
// types of u and p, then at 1 s enqueues u and p, labelled "u" and "p", and
// returns once both wait for room.
func (h *harness) enqueueBehindFullWindows(u, p Job) (*running, *running) {
	h.t.Helper()
	var fill []*running
	for i, job := range []Job{u, p} {
		n := h.s.limits.rate(job.Type).value.Requests * h.s.limits.maxItems(job.Type)
		fill = append(fill, h.enqueue(fmt.Sprint("fill", i), Job{ResourceID: 1, Type: job.Type, Items: urls(fmt.Sprint("f", i), n)}))
	}
	h.advanceTo(gather, len(fill))
	for _, j := range fill {
		j.succeed(h.t)
	}
	h.advanceTo(time.Second, 0)
	ru, rp := h.enqueue("u", u), h.enqueue("p", p)
	h.waitEvents("u: waiting for rate-limit room", 1)
	h.waitEvents("p: waiting for rate-limit room", 1)
	return ru, rp
}

func TestPurgeAllSettlesTheJobsWaitingForItsResource(t *testing.T) {
	h := newHarness(t, documentedAccount, Options{})
	u, p := h.enqueueBehindFullWindows(
		Job{ResourceID: 1, Type: byURL, Items: []string{"/x"}}, Job{ResourceID: 1, Type: byPattern, Items: []string{"/img/*"}})
	a := h.enqueue("all", Job{ResourceID: 1, Type: all})
	h.advanceTo(1100*time.Millisecond, 3)
	other := h.enqueue("other", Job{ResourceID: 2, Type: byURL, Items: []string{"/x"}})
	h.advanceTo(time.Second+gather, 4)
	ra, ru, rp := a.succeed(t), u.succeed(t), p.succeed(t)
	h.advanceTo(1100*time.Millisecond+gather, 1)
	other.succeed(t) // another CDN resource: sent on its own

	if !ru.SettledByPurgeAll || !rp.SettledByPurgeAll || ra.SettledByPurgeAll {
		t.Fatalf("settled flags: all %v, url %v, pattern %v", ra.SettledByPurgeAll, ru.SettledByPurgeAll, rp.SettledByPurgeAll)
	}
	if len(ru.Requests) != 1 || ru.Merged != 2 || ra.Merged != 2 || ru.AcceptedAt != t0.Add(time.Second+gather) {
		t.Fatalf("results: all %+v, url %+v", ra, ru)
	}
	assertProgress(t, h, "u", "waiting for rate-limit room until 12:01:00 UTC (limit 2/m)",
		"settled by purge-all request #4", "sent request #4 (purge all)", "accepted")

	h.advanceTo(10*time.Minute, 0) // the settled jobs are never sent
	calls := h.api.recorded()
	if len(calls) != 5 {
		t.Fatalf("%d calls, want 5: %+v", len(calls), calls)
	}
	for _, c := range calls[3:] {
		if c.resourceID == 1 && (c.purge.Type != all || len(c.purge.Items) != 0) {
			t.Fatalf("unexpected call %+v", c)
		}
	}
}

func TestFailedRequestFailsEveryJobItCarried(t *testing.T) {
	h := newHarness(t, documentedAccount, Options{})
	h.api.script(apiError(t, http.StatusBadRequest, ""))
	a := h.enqueue("a", Job{ResourceID: 1, Type: byURL, Items: []string{"/a"}})
	b := h.enqueue("b", Job{ResourceID: 1, Type: byURL, Items: []string{"/b"}})
	h.advanceTo(gather, 1)
	for _, r := range []*running{a, b} {
		_, err := r.wait(t)
		if !errors.Is(err, gcoreapi.ErrBadRequest) ||
			!strings.HasPrefix(err.Error(), "purge by URL of CDN resource 1, request #1: the Gcore API answered 400") {
			t.Fatalf("err = %v", err)
		}
	}
	assertCallTimes(t, h, gather)
}

func TestFailedJobWithdrawsItsRemainingItems(t *testing.T) {
	h := newHarness(t, documentedAccount, Options{})
	h.api.script(apiError(t, http.StatusForbidden, ""))
	a := h.enqueue("a", Job{ResourceID: 1, Type: byURL, Items: urls("a", 150)})
	b := h.enqueue("b", Job{ResourceID: 1, Type: byURL, Items: urls("b", 10)})
	h.advanceTo(gather, 1)
	if _, err := a.wait(t); !errors.Is(err, gcoreapi.ErrForbidden) {
		t.Fatalf("a: err = %v", err)
	}
	b.succeed(t)
	calls := h.api.recorded()
	if len(calls) != 2 {
		t.Fatalf("%d calls, want 2", len(calls))
	}
	assertItems(t, calls[1], urls("b", 10))
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
			h := newHarness(t, documentedAccount, Options{})
			h.api.script(apiError(t, tc.status, ""), nil)
			a := h.enqueue("a", Job{ResourceID: 1, Type: all})
			h.advanceTo(gather, 1)
			_, err := a.wait(t)
			var apiErr *gcoreapi.Error
			if !errors.Is(err, tc.kind) || !errors.As(err, &apiErr) || apiErr.StatusCode != tc.status {
				t.Fatalf("err = %v", err)
			}
			h.advanceTo(time.Hour, 0)
			assertCallTimes(t, h, gather)
		})
	}
}

// TestRateLimitedRequestWaitsAndRetries: a 429 is retried after the wait it
// asks for, in any of the forms the API may use, plus the margin; without
// one, or with an absurd one, after a full window. The log says which.
func TestRateLimitedRequestWaitsAndRetries(t *testing.T) {
	const margin = 600 * time.Millisecond
	for _, tc := range []struct {
		name    string
		header  http.Header
		body    string
		retryAt time.Duration
		why     string
	}{
		{"no wait given", nil, "", gather + minuteSpan, "one full window (2/m plus a margin of 600ms) as the API gave no wait"},
		{"Retry-After in seconds", http.Header{"Retry-After": {"7"}}, "", gather + 7*time.Second + margin,
			"as the API asked (Retry-After: 7) plus a margin of 600ms"},
		// The date is 29.8s after the 429 arrives, at 200ms.
		{"Retry-After as a date", http.Header{"Retry-After": {t0.Add(30 * time.Second).Format(http.TimeFormat)}}, "", 30*time.Second + margin,
			"as the API asked (Retry-After: Sat, 01 Mar 2025 12:00:30 GMT) plus a margin of 600ms"},
		{"Retry-After-Ms before Retry-After", http.Header{"Retry-After-Ms": {"1500"}, "Retry-After": {"7"}}, "", gather + 1500*time.Millisecond + margin,
			"as the API asked (Retry-After-Ms: 1500) plus a margin of 600ms"},
		{"DRF's throttling message", nil, `{"detail": "Request was throttled. Expected available in 12.5 seconds."}`, gather + 12500*time.Millisecond + margin,
			`as the API asked ("Expected available in 12.5 seconds") plus a margin of 600ms`},
		{"negative Retry-After", http.Header{"Retry-After": {"-3"}}, "", gather + minuteSpan, "as the API gave no wait"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, documentedAccount, Options{})
			h.api.script(apiAnswer(t, http.StatusTooManyRequests, tc.header, tc.body))
			a := h.enqueue("a", Job{ResourceID: 1, Type: byURL, Items: []string{"/a"}})
			h.advanceTo(gather, 1)
			h.waitEvents("a: rate limited by the API", 1)
			h.advanceTo(tc.retryAt-time.Nanosecond, 1)
			assertCallTimes(t, h, gather)
			h.advanceTo(tc.retryAt, 1)
			res := a.succeed(t)

			assertCallTimes(t, h, gather, tc.retryAt)
			if len(res.Requests) != 1 || res.AcceptedAt != t0.Add(tc.retryAt) {
				t.Fatalf("result = %+v", res)
			}
			until := t0.Add(tc.retryAt).Format("15:04:05 MST")
			if logs := h.eventsWith("log: purge by URL of CDN resource 1: rate limited by the API"); len(logs) != 1 ||
				!strings.Contains(logs[0], "waiting until "+until+" to retry request #1, ") || !strings.HasSuffix(logs[0], tc.why) {
				t.Fatalf("429 logs = %q", logs)
			}
		})
	}
}

func TestRateLimitsNeverFailAJob(t *testing.T) {
	h := newHarness(t, documentedAccount, Options{Backoff: Backoff{MaxAttempts: 1}})
	tooMany := apiError(t, http.StatusTooManyRequests, "1")
	h.api.script(tooMany, tooMany, tooMany)
	a := h.enqueue("a", Job{ResourceID: 1, Type: byURL, Items: []string{"/a"}})
	h.advanceTo(gather, 1)
	retryAt := gather
	for n := 1; n <= 3; n++ {
		h.waitEvents("a: rate limited", n)
		retryAt += time.Second + 600*time.Millisecond
		h.advanceTo(retryAt, 1)
	}
	a.succeed(t)
	assertCallTimes(t, h, gather, 1800*time.Millisecond, 3400*time.Millisecond, 5*time.Second)
}

// fastAccount lets many requests through, so that only the backoff paces
// retries.
var fastAccount = gcoreapi.AccountLimits{PurgeRequestLimit: "1000/s", PurgeByURLsRequestLimit: "1000/s"}

// halfJitter makes the backoff delays 75% of their exponential value.
func halfJitter() float64 { return 0.5 }

// retryThroughBackoff sends request #1, carrying the job label, at the end of
// its gather window, then moves the clock to each of its four retries with
// the default backoff and halfJitter (375ms, 750ms, 1.5s and 3s after each
// failure), checking that none comes early.
func (h *harness) retryThroughBackoff(label string) {
	h.t.Helper()
	h.advanceTo(gather, 1)
	at := gather
	for n, delay := range []time.Duration{375 * time.Millisecond, 750 * time.Millisecond, 1500 * time.Millisecond, 3 * time.Second} {
		h.waitEvents(label+": request #1 failed", n+1)
		at += delay
		h.advanceTo(at-time.Nanosecond, 1)
		if got := len(h.api.recorded()); got != n+1 {
			h.t.Fatalf("retry %d came early", n+1)
		}
		h.advanceTo(at, 1)
	}
}

func TestTransientFailuresBackOffUpToMaxAttempts(t *testing.T) {
	h := newHarness(t, fastAccount, Options{Backoff: Backoff{Rand: halfJitter}})
	serverError := apiError(t, http.StatusServiceUnavailable, "")
	h.api.script(serverError, serverError, serverError, serverError, serverError, nil)
	a := h.enqueue("a", Job{ResourceID: 1, Type: byURL, Items: []string{"/a"}})
	h.retryThroughBackoff("a")
	_, err := a.wait(t)
	if !errors.Is(err, gcoreapi.ErrServer) || !strings.Contains(err.Error(), "request #1 failed 5 times, giving up") {
		t.Fatalf("err = %v", err)
	}
	assertCallTimes(t, h, gather, 575*time.Millisecond, 1325*time.Millisecond, 2825*time.Millisecond, 5825*time.Millisecond)
	h.advanceTo(time.Hour, 0)
	if len(h.api.recorded()) != 5 {
		t.Fatal("retried after giving up")
	}
	if got := h.eventsWith("a: request #1 failed"); !strings.Contains(got[0], "retrying at 12:00:00 UTC, when the backoff ends (attempt 2 of 5)") {
		t.Fatalf("progress = %q", got)
	}
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
			h := newHarness(t, documentedAccount, Options{Backoff: Backoff{Rand: halfJitter}})
			h.api.script(failure, failure)
			a := h.enqueue("a", Job{ResourceID: 1, Type: byURL, Items: []string{"/a"}})
			h.advanceTo(gather, 1)
			h.waitEvents("a: request #1 failed", 1)
			h.advanceTo(gather+375*time.Millisecond, 1)
			h.waitEvents("a: request #1 failed", 2)
			// The backoff would allow 750ms later, but both failures count: 2/m.
			h.advanceTo(gather+minuteSpan-time.Nanosecond, 1)
			assertCallTimes(t, h, gather, gather+375*time.Millisecond)
			h.advanceTo(gather+minuteSpan, 1)
			a.succeed(t)
			assertCallTimes(t, h, gather, gather+375*time.Millisecond, gather+minuteSpan)

			want := "retrying at 12:01:00 UTC, when the rate limit (2/m, in which failed requests count) has room, " +
				"later than the end of the backoff at 12:00:01 UTC (attempt 3 of 5)"
			for _, prefix := range []string{"a: ", "log: purge by URL of CDN resource 1: "} {
				if got := h.eventsWith(prefix + "request #1 failed"); len(got) != 2 || !strings.HasSuffix(got[1], want) {
					t.Fatalf("%q events = %q, want the second to end with %q", prefix, got, want)
				}
			}
		})
	}
}

// TestRetryPastTheDeadlineFailsAtOnce: a job whose deadline passes before the
// retry of its request goes out fails when that is known, with the time the
// retry would go out and what decided it; a job sharing the request without
// a deadline still gets its retry.
func TestRetryPastTheDeadlineFailsAtOnce(t *testing.T) {
	h := newHarness(t, documentedAccount, Options{Backoff: Backoff{Rand: halfJitter}})
	serverError := apiError(t, http.StatusBadGateway, "")
	h.api.script(serverError, serverError)
	a := h.enqueueCtx(newDeadlineCtx(t0.Add(30*time.Second)), "a", Job{ResourceID: 1, Type: byURL, Items: []string{"/a"}})
	b := h.enqueue("b", Job{ResourceID: 1, Type: byURL, Items: []string{"/b"}})
	h.advanceTo(gather, 1)
	h.waitEvents("b: request #1 failed", 1)
	h.advanceTo(gather+375*time.Millisecond, 1)
	_, err := a.wait(t)
	const message = "purge by URL of CDN resource 1 was not confirmed within 30s: its retry would go out at 12:01:00 UTC, " +
		"when the rate limit (2/m, in which failed requests count) has room, later than the end of the backoff at 12:00:01 UTC, " +
		"past the deadline; 2 attempts failed, the last with: the Gcore API answered 502 Bad Gateway; " +
		"apply again once the API recovers, or raise timeouts.create"
	var timeout *TimeoutError
	if !errors.As(err, &timeout) || !errors.Is(err, context.DeadlineExceeded) || timeout.Waited != gather+375*time.Millisecond ||
		err.Error() != message {
		t.Fatalf("err = %v, want after 575ms:\n%s", err, message)
	}
	if got := h.eventsWith("log: purge by URL of CDN resource 1 gives up now"); len(got) != 1 {
		t.Fatalf("give-up logs = %q", got)
	}
	h.advanceTo(gather+minuteSpan, 1)
	b.succeed(t)
	c := h.api.recorded()[2]
	assertItems(t, c, []string{"/a", "/b"}) // the request is the same: /a may have been purged already
}

func TestTransportErrorsAreRetried(t *testing.T) {
	h := newHarness(t, fastAccount, Options{Backoff: Backoff{Rand: halfJitter}})
	h.api.script(fmt.Errorf("POST /cdn/resources/1/purge: %w", errors.New("connection reset by peer")))
	a := h.enqueue("a", Job{ResourceID: 1, Type: all})
	h.advanceTo(gather, 1)
	h.waitEvents("a: request #1 failed (POST /cdn/resources/1/purge: connection reset by peer)", 1)
	h.advanceTo(gather+375*time.Millisecond, 1)
	a.succeed(t)
	assertCallTimes(t, h, gather, gather+375*time.Millisecond)
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
	h := newHarness(t, documentedAccount, Options{Backoff: Backoff{Rand: halfJitter}})
	refused := dialFailure(os.NewSyscallError("connect", syscall.ECONNREFUSED))
	h.api.script(refused, refused, refused, refused, refused)
	a := h.enqueue("a", Job{ResourceID: 1, Type: byURL, Items: []string{"/a"}})
	h.retryThroughBackoff("a")
	if _, err := a.wait(t); !errors.Is(err, syscall.ECONNREFUSED) || !strings.Contains(err.Error(), "failed 5 times") {
		t.Fatalf("err = %v", err)
	}
	assertCallTimes(t, h, gather, 575*time.Millisecond, 1325*time.Millisecond, 2825*time.Millisecond, 5825*time.Millisecond)
	// The window is still empty: the next purge goes out after its gather
	// window only.
	b := h.enqueue("b", Job{ResourceID: 1, Type: byURL, Items: []string{"/b"}})
	h.advanceTo(5825*time.Millisecond+gather, 1)
	b.succeed(t)
	assertCallTimes(t, h, gather, 575*time.Millisecond, 1325*time.Millisecond, 2825*time.Millisecond, 5825*time.Millisecond, 6025*time.Millisecond)
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
			h := newHarness(t, documentedAccount, Options{})
			h.api.script(tc.err)
			a := h.enqueue("a", Job{ResourceID: 1, Type: byPattern, Items: []string{"/a"}})
			h.advanceTo(gather, 1)
			_, err := a.wait(t)
			if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.cause) || strings.Contains(err.Error(), "giving up") {
				t.Fatalf("err = %v, want the first failure, naming %q", err, tc.cause)
			}
			b := h.enqueue("b", Job{ResourceID: 1, Type: byPattern, Items: []string{"/b"}})
			h.advanceTo(2*gather, 1)
			b.succeed(t)
			assertCallTimes(t, h, gather, 2*gather)
		})
	}
}

func TestAttemptTimeoutIsRetried(t *testing.T) {
	h := newHarness(t, fastAccount, Options{Backoff: Backoff{Rand: halfJitter}})
	h.api.answer = func(ctx context.Context, c call) error {
		if c.at == gather { // the first attempt hangs until cut short
			<-ctx.Done()
			return fmt.Errorf("POST /cdn/resources/1/purge: %w", ctx.Err())
		}
		return nil
	}
	a := h.enqueue("a", Job{ResourceID: 1, Type: all})
	h.advanceTo(gather, 1)
	h.waitCalls(1)
	h.advanceTo(gather+30*time.Second-time.Nanosecond, 1)
	if a.finished() || len(h.eventsWith("failed")) > 0 {
		t.Fatal("the attempt was cut short early")
	}
	h.advanceTo(gather+30*time.Second, 1)
	h.waitEvents("a: request #1 failed (no answer: the attempt timed out after 30s)", 1)
	h.advanceTo(gather+30*time.Second+375*time.Millisecond, 1)
	a.succeed(t)
	assertCallTimes(t, h, gather, gather+30*time.Second+375*time.Millisecond)
}

// fillPatternWindow sends one pattern purge of resource 1 at 200ms, so that
// the next one waits for room until 200ms + 1m0.6s.
func fillPatternWindow(h *harness) {
	h.t.Helper()
	r := h.enqueue("fill", Job{ResourceID: 1, Type: byPattern, Items: []string{"/fill"}})
	h.advanceTo(gather, 1)
	r.succeed(h.t)
}

func TestDeadlineWhileWaitingForRoom(t *testing.T) {
	h := newHarness(t, documentedAccount, Options{})
	fillPatternWindow(h)
	h.advanceTo(time.Second, 0)
	ctx := newDeadlineCtx(t0.Add(21 * time.Second))
	b := h.enqueueCtx(ctx, "b", Job{ResourceID: 1, Type: byPattern, Items: []string{"/b"}})
	h.waitEvents("b: waiting for rate-limit room", 1)
	h.advanceTo(21*time.Second, 1)
	ctx.expire()
	_, err := b.wait(t)

	var timeout *TimeoutError
	if !errors.As(err, &timeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a *TimeoutError for context.DeadlineExceeded", err)
	}
	want := TimeoutError{
		ResourceID: 1, Type: byPattern, Limit: rate(1, time.Minute), LimitFromAccount: true,
		Waited: 20 * time.Second, Timeout: 20 * time.Second, Err: context.DeadlineExceeded,
	}
	if *timeout != want {
		t.Fatalf("error = %+v, want %+v", *timeout, want)
	}
	const message = "purge by pattern of CDN resource 1 did not get a slot within 20s: the limit in force is 1/m " +
		"(from the account), and the request waited 20s; raise timeouts.create or purge fewer times"
	if err.Error() != message {
		t.Fatalf("message:\n got %q\nwant %q", err, message)
	}
	h.advanceTo(time.Hour, 0)
	assertCallTimes(t, h, gather) // b's pattern was never sent
}

func TestCancelWhileWaitingForRoom(t *testing.T) {
	h := newHarness(t, gcoreapi.AccountLimits{}, Options{}) // documented defaults
	fillPatternWindow(h)
	h.advanceTo(time.Second, 0)
	ctx, cancel := context.WithCancel(context.Background())
	b := h.enqueueCtx(ctx, "b", Job{ResourceID: 1, Type: byPattern, Items: []string{"/b"}})
	h.waitEvents("b: waiting for rate-limit room", 1)
	h.advanceTo(6*time.Second, 1)
	cancel()
	_, err := b.wait(t)

	var timeout *TimeoutError
	if !errors.As(err, &timeout) || !errors.Is(err, context.Canceled) || !timeout.Cancelled || timeout.Sent {
		t.Fatalf("err = %#v", err)
	}
	const message = "purge by pattern of CDN resource 1 was cancelled after waiting 5s for a slot: " +
		"the limit in force is 1/m (the documented default)"
	if err.Error() != message {
		t.Fatalf("message:\n got %q\nwant %q", err, message)
	}
	h.advanceTo(time.Hour, 0)
	assertCallTimes(t, h, gather)
}

func TestLeavingJobTakesOnlyItsOwnItems(t *testing.T) {
	h := newHarness(t, documentedAccount, Options{})
	fillPatternWindow(h)
	a := h.enqueue("a", Job{ResourceID: 1, Type: byPattern, Items: []string{"/a", "/b"}})
	ctx, cancel := context.WithCancel(context.Background())
	h.enqueueCtx(ctx, "b", Job{ResourceID: 1, Type: byPattern, Items: []string{"/b", "/c"}})
	h.waitEvents("b: waiting for rate-limit room", 1)
	cancel()
	h.waitQueued(1)
	h.advanceTo(gather+minuteSpan, 1)
	res := a.succeed(t)
	assertItems(t, h.api.recorded()[1], []string{"/a", "/b"})
	if res.Merged != 0 {
		t.Fatalf("a merged with %d jobs, want 0", res.Merged)
	}
}

func TestJobLeavingWhileInFlightDoesNotCancelTheRequest(t *testing.T) {
	h := newHarness(t, documentedAccount, Options{})
	release := make(chan struct{})
	inFlight := make(chan context.Context, 1)
	h.api.answer = func(ctx context.Context, _ call) error {
		inFlight <- ctx
		<-release
		return ctx.Err()
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := h.enqueueCtx(ctx, "a", Job{ResourceID: 1, Type: byURL, Items: []string{"/a"}})
	b := h.enqueue("b", Job{ResourceID: 1, Type: byURL, Items: []string{"/b"}})
	h.advanceTo(gather, 1)
	callCtx := <-inFlight
	h.advanceTo(3*time.Second, 1)
	cancel()
	// a waits for the answer: a request accepted after its end still
	// purged its items, and must not be reported as lost.
	time.Sleep(50 * time.Millisecond)
	if a.finished() {
		t.Fatal("a returned before the answer to the request carrying its items")
	}
	if callCtx.Err() != nil {
		t.Fatalf("the shared call was cancelled: %v", callCtx.Err())
	}
	close(release)
	if res := a.succeed(t); !slices.Equal(res.Accepted, []string{"/a"}) {
		t.Fatalf("a = %+v", res)
	}
	if res := b.succeed(t); res.Merged != 1 {
		t.Fatalf("b = %+v", res)
	}
}

func TestRequestAllJobsLeftIsNotRetried(t *testing.T) {
	h := newHarness(t, fastAccount, Options{})
	h.api.script(apiError(t, http.StatusInternalServerError, ""))
	ctx, cancel := context.WithCancel(context.Background())
	a := h.enqueueCtx(ctx, "a", Job{ResourceID: 1, Type: all})
	h.advanceTo(gather, 1)
	h.waitEvents("a: request #1 failed", 1)
	cancel()
	if _, err := a.wait(t); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	h.waitEvents("log: request #1 is not retried: every purge it carried has given up", 1)
	h.advanceTo(time.Hour, 0)
	assertCallTimes(t, h, gather)
}

func TestNewcomersHearOfTheWaitAndJoin(t *testing.T) {
	h := newHarness(t, documentedAccount, Options{})
	fillPatternWindow(h)
	a := h.enqueue("a", Job{ResourceID: 1, Type: byPattern, Items: []string{"/a"}})
	h.waitEvents("a: waiting for rate-limit room", 1)
	h.advanceTo(30*time.Second, 1)
	b := h.enqueue("b", Job{ResourceID: 1, Type: byPattern, Items: []string{"/b"}})
	h.advanceTo(gather+minuteSpan, 1)
	a.succeed(t)
	b.succeed(t)
	assertProgress(t, h, "b", "waiting for rate-limit room until 12:01:00 UTC (limit 1/m)",
		"merged with 1 other purge into request #2", "sent request #2 (2 patterns)", "accepted")
}

func TestInvalidJobsAreRefused(t *testing.T) {
	h := newHarness(t, documentedAccount, Options{})
	for _, tc := range []struct {
		job  Job
		want string
	}{
		{Job{ResourceID: 1, Type: byURL}, "purge by URL of CDN resource 1: no items"},
		{Job{ResourceID: 1, Type: byPattern, Items: []string{}}, "purge by pattern of CDN resource 1: no items"},
		{Job{ResourceID: 1, Type: all, Items: []string{"/a"}}, "purge all of CDN resource 1 takes no items, got 1"},
		{Job{ResourceID: 1, Type: 9, Items: []string{"/a"}}, "CDN resource 1: unknown purge type 9"},
	} {
		if _, err := h.s.Purge(context.Background(), tc.job); err == nil || err.Error() != tc.want {
			t.Errorf("Purge(%+v) = %v, want %q", tc.job, err, tc.want)
		}
	}
	assertCallTimes(t, h)
}

func TestNoGoroutineOutlivesItsJobs(t *testing.T) {
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
		h.enqueue("ok", Job{ResourceID: 1, Type: byURL, Items: []string{"/a"}}),
		h.enqueue("missing", Job{ResourceID: 2, Type: all}),
		h.enqueueCtx(ctx, "gives up", Job{ResourceID: 3, Type: byPattern, Items: []string{"/p"}}),
	}
	cancel()
	if _, err := jobs[2].wait(t); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled job: %v", err)
	}
	h.advanceTo(gather, 2) // the gather timers of resources 1 and 2
	for _, j := range jobs {
		_, _ = j.wait(t)
	}
	assertNoSchedulerGoroutines(t)
	if h.clk.Waiters() != 0 {
		t.Fatalf("%d timers left pending", h.clk.Waiters())
	}
}

// TestJobEndingDuringRetriesSaysWhy: a job whose request waits to be retried
// when its context ends names the failure it waited out and when the retry
// was due: the user learns the API is failing or busy rather than being told
// to raise the timeout only. A job whose deadline would pass before the retry
// goes out fails at once, saying so. After a 429 the purge is not "sent": the
// API refused it.
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
			"purge all of CDN resource 1 was not confirmed within 1s: its retry would go out at 12:00:01 UTC, when the backoff ends, " +
				"past the deadline; 2 attempts failed, the last with: the Gcore API answered 502 Bad Gateway; " +
				"apply again once the API recovers, or raise timeouts.create"},
		{"cancelled after a server error", []int{500}, 0, 300 * time.Millisecond, 300 * time.Millisecond, true, 1,
			"purge all of CDN resource 1 was cancelled after waiting 300ms for a retry after 1 attempt failed " +
				"(the Gcore API answered 500 Internal Server Error), due at 12:00:00 UTC, when the backoff ends: " +
				"the limit in force is 1000/s (from the account)"},
		{"deadline before the 429's wait ends", []int{429}, time.Second, 0, gather, false, 0,
			"purge all of CDN resource 1 did not get a slot within 1s: the API answered 429 Too Many Requests " +
				"(another client may be purging this CDN resource); its retry would go out at 12:01:00 UTC, " +
				"as the API asked (Retry-After: 60) plus a margin of 50ms, past the deadline; the limit in force is 1000/s " +
				"(from the account), and the request waited 200ms; raise timeouts.create or purge fewer times"},
		{"cancelled after a 429", []int{503, 429}, 0, time.Second, time.Second, false, 1,
			"purge all of CDN resource 1 was cancelled after waiting 1s for rate-limit room after a 429 answer " +
				"until 12:01:00 UTC, as the API asked (Retry-After: 60) plus a margin of 50ms: the limit in force is 1000/s (from the account)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The backoff waits 375ms after the first failure, 750ms after
			// the second, and a 429 a minute: every scripted answer comes
			// before the job ends, and no other.
			h := newHarness(t, fastAccount, Options{Backoff: Backoff{Rand: halfJitter}})
			var answers []error
			for _, status := range tc.answers {
				answers = append(answers, apiError(t, status, "60"))
			}
			h.api.script(answers...)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.deadline > 0 {
				ctx = newDeadlineCtx(t0.Add(tc.deadline)) // never expired: the job must not wait for it
			}
			a := h.enqueueCtx(ctx, "a", Job{ResourceID: 1, Type: all})
			h.advanceTo(gather, 1)
			// Each attempt tells the job "sent", then how it failed; the
			// clock moves only once the failure was taken in, so that its
			// retry is timed from when the answer came.
			for n := 1; n < len(tc.answers); n++ {
				h.waitEvents("a: ", 2*n)
				h.advanceTo(gather+375*time.Millisecond, 1)
			}
			if tc.deadline == 0 {
				h.waitEvents("a: ", 2*len(tc.answers))
				h.advanceTo(tc.cancelAt, 1)
				cancel()
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
			h.advanceTo(time.Hour, 0)
			if got := len(h.api.recorded()); got != len(tc.answers) {
				t.Fatalf("%d calls, want %d: the retry outlived its only job", got, len(tc.answers))
			}
		})
	}
}
