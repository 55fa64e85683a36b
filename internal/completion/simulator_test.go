package completion

import (
	"context"
	"net/http"
	"reflect"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

// TestWaitsForPurgesOfTheSimulator waits, through the real client, for two
// purges of one payload that the simulator completes 20 s and 5 s after
// accepting them: the first successfully, the second failing. The simulator
// answers as Gcore's API reference documents: full URLs in payload.urls, a
// Date with whole seconds, a history with microseconds.
func TestWaitsForPurgesOfTheSimulator(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim, err := simulator.New(simulator.Config{
			APIKeys: []string{"key"}, PurgeCompletion: 20 * time.Second, Resources: map[int64]simulator.Resource{5: {CName: cname}},
		})
		if err != nil {
			t.Fatal(err)
		}
		client, err := gcoreapi.New(gcoreapi.Config{BaseURL: "https://api.test", APIKey: "key", HTTPClient: &http.Client{Transport: sim}})
		if err != nil {
			t.Fatal(err)
		}
		accept := func() gcoreapi.AcceptedPurge {
			t.Helper()
			accepted, err := client.Purge(context.Background(), 5, gcoreapi.Purge{Type: byURL, Items: []string{"/a", "/b"}})
			if err != nil {
				t.Fatalf("Purge: %v", err)
			}
			return accepted
		}
		start := time.Now()
		time.Sleep(350 * time.Millisecond)
		first := accept()
		if err := sim.SetPurgeOutcome(simulator.StatusFailed, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		second := accept()

		r := New(client).Wait(context.Background(), cname, []gcoreapi.AcceptedPurge{second, first}, nil)

		want := []Outcome{
			{Purge: second, State: Failed, PurgeID: 2, Reason: "the API accepted it, but the purge history reports it failed"},
			{Purge: first, State: Succeeded, PurgeID: 1},
		}
		if !reflect.DeepEqual(r.Outcomes, want) {
			t.Fatalf("outcomes:\n got %+v\nwant %+v", r.Outcomes, want)
		}
		// Read at 1.35 s, then 1, 2, 4, 8 and 15 s later: the first purge,
		// done at 20.35 s, is seen at 31.35 s.
		if got := time.Since(start); got != 31350*time.Millisecond {
			t.Fatalf("done at %s, want 31.35s", got)
		}
	})
}
