package completion

import (
	"context"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/clock/clocktest"
	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/scheduler"
	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

// TestWaitsForPurgesOfTheSimulator waits, through the real client, for two
// purges of one payload that the simulator completes 20 s and 5 s after
// accepting them: the first successfully, the second failing. The Date of
// its answers has whole seconds, its history microseconds.
func TestWaitsForPurgesOfTheSimulator(t *testing.T) {
	clk := clocktest.NewFake(t0.Add(350 * time.Millisecond))
	sim, err := simulator.New(simulator.Config{
		Now: clk.Now, PurgeCompletion: 20 * time.Second, Resources: map[int64]simulator.Resource{5: {Cname: cname}},
		// The wait does not yet read the full URLs of Gcore's API reference
		// in payload.urls.
		PayloadURLs: simulator.PathsAsSent,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	client, err := gcoreapi.New(gcoreapi.Config{BaseURL: srv.URL, APIKey: "key"})
	if err != nil {
		t.Fatal(err)
	}
	accept := func(number int) scheduler.SentRequest {
		t.Helper()
		p := gcoreapi.Purge{Type: byURL, Items: []string{"/a", "/b"}}
		at, err := client.PurgeAt(context.Background(), 5, p)
		if err != nil || at.IsZero() {
			t.Fatalf("PurgeAt: %v, %v", at, err)
		}
		return scheduler.SentRequest{Number: number, ResourceID: 5, Type: byURL, Items: p.Items, AcceptedAt: at}
	}
	first := accept(1)
	if err := sim.SetPurgeOutcome(simulator.StatusFailed, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	second := accept(2)

	w := New(client, clk)
	r := drive(t, clk, func() Report { return w.Wait(context.Background(), cname, []scheduler.SentRequest{second, first}, nil) })

	want := []Outcome{
		{Request: second, State: Failed, PurgeID: 2, Reason: "the API accepted it, but the purge history reports it failed"},
		{Request: first, State: Succeeded, PurgeID: 1},
	}
	if !reflect.DeepEqual(r.Outcomes, want) {
		t.Fatalf("outcomes:\n got %+v\nwant %+v", r.Outcomes, want)
	}
	// Read at 1.35 s, then 1, 2, 4, 8 and 15 s later: the first purge,
	// done at 20.35 s, is seen at 31.35 s.
	if got := clk.Now().Sub(t0); got != 31350*time.Millisecond {
		t.Fatalf("done at %s, want 31.35s", got)
	}
}
