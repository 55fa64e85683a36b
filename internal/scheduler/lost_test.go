package scheduler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/retry"
)

// These tests show a purge whose answer was lost (Options.FindLost): before
// it is sent again, it is looked up in the purge history; found, it counts
// as accepted and is not sent twice.

// lookups records the calls of FindLost and answers them with found.
type lookups struct {
	mu    sync.Mutex
	calls []lookup
	found bool
}

type lookup struct {
	at   time.Duration // since t0
	sent gcoreapi.AcceptedPurge
}

func (l *lookups) find(_ context.Context, sent gcoreapi.AcceptedPurge) (gcoreapi.AcceptedPurge, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, lookup{at: time.Since(t0), sent: sent})
	if !l.found {
		return gcoreapi.AcceptedPurge{}, false
	}
	found := sent
	found.Key = 99
	return found, true
}

func (l *lookups) recorded() []lookup {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]lookup(nil), l.calls...)
}

// hangFirst makes the first attempt hang until the attempt timeout cuts it
// short; the others are accepted.
func hangFirst(ctx context.Context, c call) error {
	if c.at == gather {
		<-ctx.Done()
		return fmt.Errorf("POST /cdn/resources/1/purge: %w", ctx.Err())
	}
	return nil
}

func TestLostAnswerFoundInTheHistoryIsNotSentAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &lookups{found: true}
		h := newHarness(t, fastAccount, Options{Retry: retry.Policy{Rand: halfJitter}, FindLost: l.find})
		h.api.answer = hangFirst
		a := h.enqueue("a", Job{ResourceID: 1, Kind: byPattern, Items: []string{"/img/*"}})
		retryAt := gather + 30*time.Second + 375*time.Millisecond
		sleepUntil(t, retryAt-time.Nanosecond)
		if got := l.recorded(); len(got) != 0 {
			t.Fatalf("looked up before the retry was due: %+v", got)
		}
		sleepUntil(t, retryAt)
		res := normalized(a.succeed(t))

		sent := gcoreapi.AcceptedPurge{ResourceID: 1, Purge: gcoreapi.Purge{Type: gcoreapi.PurgeByPattern, Items: []string{"/img/*"}}, At: t0.Add(gather)}
		if got := l.recorded(); len(got) != 1 || got[0].at != retryAt || !reflect.DeepEqual(normalizedPurge(got[0].sent), sent) {
			t.Fatalf("lookups = %+v, want one at %s of %+v", got, retryAt, sent)
		}
		found := sent
		found.Key = 99
		if res.AcceptedRequests != 1 || !reflect.DeepEqual(res.Purges, []gcoreapi.AcceptedPurge{found}) || len(res.Accepted) != 1 {
			t.Fatalf("result = %+v, want the purge found", res)
		}
		assertCallTimes(t, h, gather) // not sent again
		assertProgress(t, h, "a", "sent request #1 (1 pattern)",
			"request #1 failed (no answer: the attempt timed out after 30s); retrying at 00:00:30 UTC, when the backoff ends (attempt 2 of 5)",
			"request #1, whose answer was lost, is in the purge history: accepted, not sent again", "accepted")
	})
}

func TestLostAnswerNotInTheHistoryIsSentAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &lookups{}
		h := newHarness(t, fastAccount, Options{Retry: retry.Policy{Rand: halfJitter}, FindLost: l.find})
		h.api.answer = hangFirst
		a := h.enqueue("a", Job{ResourceID: 1, Kind: all})
		retryAt := gather + 30*time.Second + 375*time.Millisecond
		sleepUntil(t, retryAt)
		res := a.succeed(t)

		if got := l.recorded(); len(got) != 1 {
			t.Fatalf("lookups = %+v, want one", got)
		}
		assertCallTimes(t, h, gather, retryAt)
		if res.AcceptedRequests != 1 || len(res.Purges) != 1 || res.Purges[0].Key != 1 {
			t.Fatalf("result = %+v, want the purge sent again", res)
		}
		h.assertEvents("log: purge all of CDN resource 1: request #1, whose answer was lost, is not in the purge history: sending it again", 1)
	})
}

// TestOnlyLostAnswersAreLookedUp: a purge the API answered (a 5xx), one that
// never reached it (a refused connection) and a prefetch, which has no
// history, are sent again without a lookup.
func TestOnlyLostAnswersAreLookedUp(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind Kind
		err  func(t *testing.T) error
	}{
		{"answered 503", all, func(t *testing.T) error { return apiError(t, http.StatusServiceUnavailable, "") }},
		{"never reached the API", all, func(*testing.T) error {
			return dialFailure(os.NewSyscallError("connect", syscall.ECONNREFUSED))
		}},
		{"prefetch whose answer was lost", Prefetch, func(*testing.T) error {
			return fmt.Errorf("POST /cdn/resources/1/prefetch: %w", errors.New("connection reset by peer"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l := &lookups{found: true}
				account := fastAccount
				account.PrefetchRequestLimit = "1000/s"
				h := newHarness(t, account, Options{Retry: retry.Policy{Rand: halfJitter}, FindLost: l.find})
				h.api.script(tc.err(t))
				var items []string
				if tc.kind == Prefetch {
					items = []string{"/big.iso"}
				}
				a := h.enqueue("a", Job{ResourceID: 1, Kind: tc.kind, Items: items})
				sleepUntil(t, gather+375*time.Millisecond)
				a.succeed(t)
				if got := l.recorded(); len(got) != 0 {
					t.Fatalf("lookups = %+v, want none", got)
				}
				assertCallTimes(t, h, gather, gather+375*time.Millisecond)
			})
		})
	}
}

func normalizedPurge(p gcoreapi.AcceptedPurge) gcoreapi.AcceptedPurge {
	p.At = p.At.UTC()
	return p
}
