package simulator

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// baseURL is where the tests' clients address the in-memory simulator; no
// name is resolved.
const baseURL = "http://api.gcore.test"

// send sends one request through client, with the test's key, and returns
// the answer's status and body.
func send(t *testing.T, client *http.Client, method, path, body string) (int, string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, baseURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "APIKey "+key)
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func TestRoundTrip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Config{Limits: Limits{PurgeByURLsRequestLimit: "10/s"}})
		client := &http.Client{Transport: s}
		for _, path := range []string{"/a", "/b"} {
			if status, body, err := send(t, client, http.MethodPost, purgePath(7), `{"urls": ["`+path+`"]}`); err != nil || status != 201 || body != "" {
				t.Fatalf("purge: %d %q %v", status, body, err)
			}
		}
		if status, body, err := send(t, client, http.MethodGet, limitsPath, ""); err != nil || status != 200 || !strings.Contains(body, `"purge_by_urls_request_limit":"10/s"`) {
			t.Errorf("limits: %d %s %v", status, body, err)
		}
		// The pages' addresses are the client's.
		status, body, err := send(t, client, http.MethodGet, purgeStatusesPath+"?limit=1", "")
		if err != nil || status != 200 || !strings.Contains(body, `"next":"`+baseURL+`/cdn/purge_statuses?limit=1&offset=1"`) {
			t.Errorf("history: %d %s %v", status, body, err)
		}
		// Control endpoints answer the process itself.
		if status, body, err := send(t, client, http.MethodGet, "/_simulator/purges", ""); err != nil || status != 200 || !strings.Contains(body, `"items":["/b"]`) {
			t.Errorf("control: %d %s %v", status, body, err)
		}
		if got := s.Requests(); len(got) != 4 || got[3].Query != "limit=1" {
			t.Errorf("Requests() = %+v", got)
		}
	})
}

// TestRoundTripFaults: through RoundTrip, a dropped connection is a
// transport error; an answer lost after the API acted is one too, the
// purge standing; delays are fake time, and a client's timeout ends them.
func TestRoundTripFaults(t *testing.T) {
	tests := []struct {
		name     string
		fault    Fault
		err      error
		accepted bool
		elapsed  time.Duration
	}{
		{"dropped", Fault{Drop: true}, ErrConnectionDropped, false, 0},
		{"dropped after a delay", Fault{Drop: true, Delay: 5 * time.Second}, ErrConnectionDropped, false, 5 * time.Second},
		{"answer lost", Fault{DropAnswer: true}, ErrConnectionDropped, true, 0},
		{"slow answer", Fault{DelayAnswer: 5 * time.Second}, nil, true, 5 * time.Second},
		{"answer later than the client waits", Fault{DelayAnswer: time.Hour}, context.DeadlineExceeded, true, 10 * time.Second},
		{"delay longer than the client waits", Fault{Delay: time.Hour}, context.DeadlineExceeded, false, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSim(t, Config{})
				s.Fail(tt.fault)
				client := &http.Client{Transport: s, Timeout: 10 * time.Second}
				start := time.Now()
				status, _, err := send(t, client, http.MethodPost, purgePath(7), `{"paths": []}`)
				if elapsed := time.Since(start); !errors.Is(err, tt.err) || elapsed != tt.elapsed || (err == nil && status != 201) {
					t.Fatalf("got %d, %v after %v; want %v after %v", status, err, elapsed, tt.err, tt.elapsed)
				}
				if errors.Is(tt.err, ErrConnectionDropped) && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("%v does not wrap io.ErrUnexpectedEOF", err)
				}
				if got := len(s.Purges()); (got == 1) != tt.accepted {
					t.Errorf("%d purges recorded, want accepted %v", got, tt.accepted)
				}
				// An accepted purge took its place in the window, answered
				// or not.
				want := 201
				if tt.accepted {
					want = 429
				}
				if status, _, err := send(t, client, http.MethodPost, purgePath(7), `{"paths": []}`); err != nil || status != want {
					t.Errorf("the next purge: %d %v, want %d", status, err, want)
				}
			})
		})
	}
}

func TestRoundTripRecordsADrop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Config{})
		s.Fail(Fault{Path: limitsPath, Drop: true})
		// Without a socket nothing retries the GET: the first drop reaches
		// the caller.
		if _, _, err := send(t, &http.Client{Transport: s}, http.MethodGet, limitsPath, ""); !errors.Is(err, ErrConnectionDropped) {
			t.Fatalf("got %v", err)
		}
		if got := s.Requests(); len(got) != 1 || !got[0].Dropped || got[0].Status != 0 {
			t.Errorf("Requests() = %+v", got)
		}
	})
}

func TestRoundTripHonoursACancelledContext(t *testing.T) {
	s := newSim(t, Config{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+purgePath(7), strings.NewReader(`{"paths": []}`))
	if _, err := s.RoundTrip(req); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if len(s.Requests()) != 0 {
		t.Error("a cancelled request reached the API")
	}
}

// TestRedirect: a 3xx fault with a Location redirects the client, which
// sends the purge again, key and body, where it is told.
func TestRedirect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Config{})
		s.Fail(Fault{Status: http.StatusTemporaryRedirect, Header: http.Header{"Location": {purgePath(8)}}})
		status, _, err := send(t, &http.Client{Transport: s}, http.MethodPost, purgePath(7), `{"urls": ["/a"]}`)
		if err != nil || status != 201 {
			t.Fatalf("got %d, %v", status, err)
		}
		if p := s.Purges(); len(p) != 1 || p[0].ResourceID != 8 || p[0].Items[0] != "/a" {
			t.Errorf("Purges() = %+v, want the purge on resource 8", p)
		}
		if r := s.Requests(); len(r) != 2 || r[0].Status != 307 || r[1].Path != purgePath(8) || r[1].Status != 201 {
			t.Errorf("Requests() = %+v", r)
		}
	})
}
