package scheduler

import (
	"reflect"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// These tests show what Result.Purges gives a caller that looks its purges
// up in the purge history: each request's whole payload, type and key, and
// the API's own time of acceptance, as the client returned them. (That the
// client reads the time from the answer's Date, or falls back to the local
// clock, is gcoreapi's to test.)

func TestPurgesCarryTheMergedPayloadAndTheAPITime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, documentedAccount, Options{})
		// The API's clock is 90 s behind and its Date header has whole seconds.
		apiClock := t0.Add(-90 * time.Second)
		h.api.date = func(c call) time.Time { return apiClock.Add(c.at).Truncate(time.Second) }
		a := h.enqueue("a", Job{ResourceID: 1, Kind: byURL, Items: urls("a", 150)})
		b := h.enqueue("b", Job{ResourceID: 1, Kind: byURL, Items: append([]string{"/a/149"}, urls("b", 29)...)})
		sleepUntil(t, gather)
		ra, rb := normalized(a.succeed(t)), normalized(b.succeed(t))

		second := append(urls("a", 150)[100:], urls("b", 29)...)
		wantA := []gcoreapi.AcceptedPurge{
			{Key: 1, ResourceID: 1, Purge: gcoreapi.Purge{Type: gcoreapi.PurgeByURL, Items: urls("a", 100)}, At: apiClock},
			{Key: 2, ResourceID: 1, Purge: gcoreapi.Purge{Type: gcoreapi.PurgeByURL, Items: second}, At: apiClock},
		}
		if !reflect.DeepEqual(ra.Purges, wantA) {
			t.Fatalf("a rode on %+v\nwant %+v", ra.Purges, wantA)
		}
		// b's request carried a's last 50 URLs too: the history lists them all.
		if !reflect.DeepEqual(rb.Purges, wantA[1:]) {
			t.Fatalf("b rode on %+v\nwant %+v", rb.Purges, wantA[1:])
		}
		if !ra.AcceptedAt.Equal(t0.Add(gather)) {
			t.Fatalf("AcceptedAt = %s, want the scheduler's clock", ra.AcceptedAt)
		}
	})
}

// TestAPurgeRetriedIsTheAcceptedAttempt: a request accepted on a retry is
// the purge of that attempt, at its time.
func TestAPurgeRetriedIsTheAcceptedAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, fastAccount, Options{})
		h.api.script(apiError(t, 429, "2"))
		a := h.enqueue("a", Job{ResourceID: 1, Kind: byPattern, Items: []string{"/img/*"}})
		sleepUntil(t, gather+2*time.Second+50*time.Millisecond)
		res := normalized(a.succeed(t))

		want := []gcoreapi.AcceptedPurge{accepted(1, 1, gcoreapi.PurgeByPattern, gather+2*time.Second+50*time.Millisecond, "/img/*")}
		if !reflect.DeepEqual(res.Purges, want) || res.AcceptedRequests != 1 {
			t.Fatalf("purges = %+v, want %+v", res.Purges, want)
		}
	})
}
