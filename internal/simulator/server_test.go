package simulator

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.APIKeys == nil {
		cfg.APIKeys = []string{key}
	}
	srv, err := Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return srv
}

// do sends one request to srv over the loopback network, with the test's
// key, and returns the answer's status and body.
func do(ctx context.Context, srv *Server, method, path, body string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "APIKey "+key)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func TestStartListensOnLoopback(t *testing.T) {
	srv := start(t, Config{})
	u, err := url.Parse(srv.URL)
	if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Port() == "" {
		t.Fatalf("URL %q (%v), want http://127.0.0.1:PORT", srv.URL, err)
	}
	if status, body, err := do(t.Context(), srv, http.MethodGet, limitsPath, ""); err != nil || status != 200 || body != referenceLimits {
		t.Errorf("limits: %d %s %v", status, body, err)
	}
}

// TestFaultsOverTheWire: a dropped connection and a lost answer are
// transport errors over a socket too; the lost answer's purge stands.
func TestFaultsOverTheWire(t *testing.T) {
	srv := start(t, Config{Limits: roomy})
	for _, tt := range []struct {
		fault    Fault
		accepted int
	}{
		{Fault{Drop: true}, 0},
		{Fault{DropAnswer: true}, 1},
	} {
		srv.Reset()
		srv.Fail(tt.fault)
		if _, _, err := do(t.Context(), srv, http.MethodPost, purgePath(7), `{"paths": []}`); err == nil {
			t.Errorf("%+v: no error", tt.fault)
		}
		if got := len(srv.Purges()); got != tt.accepted {
			t.Errorf("%+v: %d purges accepted, want %d", tt.fault, got, tt.accepted)
		}
		if r := srv.Requests(); len(r) != 1 || !r[0].Dropped {
			t.Errorf("%+v: Requests() = %+v", tt.fault, r)
		}
	}
}

// roomy limits never refuse the tests' purges for their rate.
var roomy = Limits{PurgeByURLsRequestLimit: "1000/s", PurgeRequestLimit: "1000/s", PrefetchRequestLimit: "1000/s"}

func TestControlEndpoints(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	srv := start(t, Config{Now: func() time.Time { return at }, Limits: roomy})
	ctx := t.Context()
	for _, body := range []string{`{"urls":["/a"]}`, `{"paths":[]}`, `{"paths":["/img/*"]}`} {
		if status, _, err := do(ctx, srv, http.MethodPost, purgePath(7), body); err != nil || status != 201 {
			t.Fatalf("%s: %d %v", body, status, err)
		}
	}
	if status, _, err := do(ctx, srv, http.MethodPost, prefetchPath(7), `{"paths":["/a.mp4"]}`); err != nil || status != 201 {
		t.Fatalf("prefetch: %d %v", status, err)
	}
	if _, _, err := do(ctx, srv, http.MethodGet, purgeStatusesPath+"?cname=cdn7.example.com", ""); err != nil {
		t.Fatalf("purge history: %v", err)
	}

	const stamp = `"at":"2026-01-02T03:04:05.000000006Z"`
	tests := []struct{ path, want string }{
		{"/_simulator/purges", `[{"resource_id":7,"type":"urls","items":["/a"],` + stamp + `},` +
			`{"resource_id":7,"type":"all","items":[],` + stamp + `},` +
			`{"resource_id":7,"type":"paths","items":["/img/*"],` + stamp + `}]`},
		{"/_simulator/prefetches", `[{"resource_id":7,"paths":["/a.mp4"],` + stamp + `}]`},
		{"/_simulator/requests", `[{"method":"POST","path":"/cdn/resources/7/purge","query":"","body":"{\"urls\":[\"/a\"]}","status":201,` + stamp + `,"dropped":false},` +
			`{"method":"POST","path":"/cdn/resources/7/purge","query":"","body":"{\"paths\":[]}","status":201,` + stamp + `,"dropped":false},` +
			`{"method":"POST","path":"/cdn/resources/7/purge","query":"","body":"{\"paths\":[\"/img/*\"]}","status":201,` + stamp + `,"dropped":false},` +
			`{"method":"POST","path":"/cdn/resources/7/prefetch","query":"","body":"{\"paths\":[\"/a.mp4\"]}","status":201,` + stamp + `,"dropped":false},` +
			`{"method":"GET","path":"/cdn/purge_statuses","query":"cname=cdn7.example.com","body":"","status":200,` + stamp + `,"dropped":false}]`},
	}
	for _, tt := range tests {
		if status, body, err := do(ctx, srv, http.MethodGet, tt.path, ""); err != nil || status != 200 || body != tt.want {
			t.Errorf("%s: %d %s %v\nwant %s", tt.path, status, body, err, tt.want)
		}
	}

	if status, _, _ := do(ctx, srv, http.MethodGet, "/_simulator/reset", ""); status != 405 {
		t.Errorf("GET reset: %d", status)
	}
	if status, _, _ := do(ctx, srv, http.MethodGet, "/_simulator/nothing", ""); status != 404 {
		t.Errorf("unknown control path: %d", status)
	}
	if status, body, err := do(ctx, srv, http.MethodPost, "/_simulator/reset", ""); err != nil || status != 204 || body != "" {
		t.Errorf("reset: %d %q %v", status, body, err)
	}
	if p, r := srv.Purges(), srv.Requests(); len(p) != 0 || len(r) != 0 {
		t.Errorf("after reset (control calls are not recorded): %d purges, %d requests", len(p), len(r))
	}
	if status, body, _ := do(ctx, srv, http.MethodGet, "/_simulator/purges", ""); status != 200 || body != "[]" {
		t.Errorf("purges after reset: %d %s", status, body)
	}
}

func TestControlEndpointsRefuseRemoteClients(t *testing.T) {
	w := call(newSim(t, Config{}), http.MethodPost, "/_simulator/reset", "", "") // httptest's RemoteAddr is 192.0.2.1
	if w.Code != http.StatusForbidden {
		t.Errorf("remote reset: %d", w.Code)
	}
}

func TestConcurrentPurgesShareTheWindow(t *testing.T) {
	srv := start(t, Config{})
	const n = 20
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			status, _, err := do(t.Context(), srv, http.MethodPost, purgePath(7), `{"urls": ["/a"]}`)
			if err != nil {
				t.Error(err)
			}
			statuses <- status
		})
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[201] != 2 || count[429] != n-2 || srv.RateLimited() != n-2 || len(srv.Purges()) != 2 {
		t.Errorf("answers %v, RateLimited() %d, Purges() %d; want two 201s", count, srv.RateLimited(), len(srv.Purges()))
	}
}

func TestCloseDoesNotWaitForDelayedAnswers(t *testing.T) {
	srv, err := Start(Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv.Fail(Fault{Delay: time.Hour})
	done := make(chan error, 1)
	go func() {
		_, _, err := do(context.Background(), srv, http.MethodPost, purgePath(7), `{"paths": []}`)
		done <- err
	}()
	for deadline := time.Now().Add(5 * time.Second); len(srv.Requests()) == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the request never arrived")
		}
	}
	start := time.Now()
	if err := srv.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("Close took %v", elapsed)
	}
	if err := <-done; err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the held request: %v, want the connection closed", err)
	}
}
