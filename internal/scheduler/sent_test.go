package scheduler

import (
	"reflect"
	"testing"
	"time"
)

// These tests show what Result.Requests gives a caller that looks its
// requests up in the purge history: each request's whole payload, type and
// the API's own time of acceptance.

func TestSentRequestsCarryTheMergedPayloadAndTheAPITime(t *testing.T) {
	h := newHarness(t, documentedAccount, Options{})
	// The API's clock is 90 s behind and its Date header has whole seconds.
	apiClock := t0.Add(-90 * time.Second)
	h.api.date = func(c call) time.Time { return apiClock.Add(c.at).Truncate(time.Second) }
	a := h.enqueue("a", Job{ResourceID: 1, Type: byURL, Items: urls("a", 150)})
	b := h.enqueue("b", Job{ResourceID: 1, Type: byURL, Items: append([]string{"/a/149"}, urls("b", 29)...)})
	h.advanceTo(gather, 1)
	ra, rb := a.succeed(t), b.succeed(t)

	second := append(urls("a", 150)[100:], urls("b", 29)...)
	wantA := []SentRequest{
		{Number: 1, ResourceID: 1, Type: byURL, Items: urls("a", 100), AcceptedAt: apiClock},
		{Number: 2, ResourceID: 1, Type: byURL, Items: second, AcceptedAt: apiClock},
	}
	if !reflect.DeepEqual(ra.Requests, wantA) {
		t.Fatalf("a rode on %+v\nwant %+v", ra.Requests, wantA)
	}
	// b's request carried a's last 50 URLs too: the history lists them all.
	if !reflect.DeepEqual(rb.Requests, wantA[1:]) {
		t.Fatalf("b rode on %+v\nwant %+v", rb.Requests, wantA[1:])
	}
	if ra.AcceptedAt != t0.Add(gather) {
		t.Fatalf("AcceptedAt = %s, want the scheduler's clock", ra.AcceptedAt)
	}
}

func TestSentRequestTimeFallsBackToTheSchedulerClock(t *testing.T) {
	h := newHarness(t, documentedAccount, Options{})
	h.api.date = func(call) time.Time { return time.Time{} } // an answer without a Date
	a := h.enqueue("a", Job{ResourceID: 1, Type: byPattern, Items: []string{"/img/*"}})
	h.advanceTo(gather, 1)
	res := a.succeed(t)

	want := []SentRequest{{Number: 1, ResourceID: 1, Type: byPattern, Items: []string{"/img/*"}, AcceptedAt: t0.Add(gather)}}
	if !reflect.DeepEqual(res.Requests, want) {
		t.Fatalf("requests = %+v, want %+v", res.Requests, want)
	}
}

func TestSentRequestsOfAJobFailingPartWayAreTheAcceptedOnes(t *testing.T) {
	h := newHarness(t, fastAccount, Options{})
	h.api.script(nil, apiError(t, 400, ""))
	a := h.enqueue("a", Job{ResourceID: 1, Type: byURL, Items: urls("f", 250)})
	h.advanceTo(gather, 1)
	res, err := a.wait(t)

	if err == nil || len(res.Requests) != 1 || !reflect.DeepEqual(res.Requests[0].Items, urls("f", 100)) {
		t.Fatalf("err %v, requests %+v; want the first request only", err, res.Requests)
	}
}
