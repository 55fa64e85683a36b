package gcoreapi_test

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/scheduler"
)

// unknownHost is a host that never resolves (RFC 2606 reserves .invalid);
// the tests resolve it with nxdomainResolver, so no query leaves the machine.
const unknownHost = "api.gcore-purge-test.invalid"

// nxdomainResolver is a DNS resolver that asks a server on loopback which
// answers every query "no such name" (NXDOMAIN), as any DNS server answers
// for a host that does not exist.
func nxdomainResolver(t *testing.T) *net.Resolver {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := conn.ReadFrom(buf)
			if err != nil {
				return // closed
			}
			if reply := nxdomain(buf[:n]); reply != nil {
				_, _ = conn.WriteTo(reply, from)
			}
		}
	}()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", conn.LocalAddr().String())
	}}
}

// nxdomain answers a DNS query (RFC 1035 4.1) with its header and question
// only, flagged as an answer with the code "name error".
func nxdomain(query []byte) []byte {
	const header = 12
	end := header
	for end < len(query) && query[end] != 0 { // the question's name, label by label
		end += int(query[end]) + 1
	}
	end += 1 + 4 // the name's final 0, then its type and class
	if end > len(query) {
		return nil
	}
	reply := append([]byte(nil), query[:end]...)
	reply[2] = 0x80 | query[2]&0x01 // an answer, recursion desired as asked
	reply[3] = 0x80 | 3             // recursion available, NXDOMAIN
	clear(reply[6:header])          // no answer, authority or additional records
	return reply
}

// untrustedServer is an HTTPS server on loopback whose certificate no client
// trusts (httptest's own authority). It counts the connections made to it.
func untrustedServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusCreated)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, &conns
}

// newClient returns a client of baseURL whose names resolve with resolver
// (the system's when nil), on a transport of its own.
func newClient(t *testing.T, baseURL string, resolver *net.Resolver) *gcoreapi.Client {
	t.Helper()
	transport := &http.Transport{DialContext: (&net.Dialer{Resolver: resolver}).DialContext}
	t.Cleanup(transport.CloseIdleConnections)
	c, err := gcoreapi.New(gcoreapi.Config{BaseURL: baseURL, APIKey: testKey, HTTPClient: &http.Client{Transport: transport}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTransportFailures: each way a call can fail without an answer is told
// apart: whether it may have reached the API (and been counted), whether a
// retry may help, and, for those that cannot heal, the cause in plain words.
func TestTransportFailures(t *testing.T) {
	refused := httptest.NewServer(http.NotFoundHandler())
	refused.Close() // nothing listens any more
	untrusted, _ := untrustedServer(t)
	reset := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // the request arrived whole
		conn, _, _ := http.NewResponseController(w).Hijack()
		if tcp, ok := conn.(*net.TCPConn); ok {
			_ = tcp.SetLinger(0) // close with a reset
		}
		_ = conn.Close()
	}))
	defer reset.Close()

	for _, tc := range []struct {
		name                    string
		client                  *gcoreapi.Client
		neverReached, transient bool
		cannotHeal              bool
		message                 string
	}{
		{"connection refused", newClient(t, refused.URL, nil), true, true, false, "connection refused"},
		{"unknown host", newClient(t, "https://"+unknownHost, nxdomainResolver(t)), true, false, true,
			"POST /cdn/resources/1/purge: the host " + unknownHost + " does not exist (its name does not resolve): "},
		{"certificate not trusted", newClient(t, untrusted.URL, nil), true, false, true,
			"POST /cdn/resources/1/purge: the TLS certificate of " + strings.TrimPrefix(untrusted.URL, "https://") + " does not verify: "},
		{"connection reset once sent", newClient(t, reset.URL, nil), false, true, false, "POST /cdn/resources/1/purge: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.client.Purge(context.Background(), 1, gcoreapi.Purge{Type: gcoreapi.PurgeAll})
			if err == nil || !strings.Contains(err.Error(), tc.message) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.message)
			}
			if got := gcoreapi.NeverReachedAPI(err); got != tc.neverReached {
				t.Errorf("NeverReachedAPI = %v", got)
			}
			if got := gcoreapi.IsTransient(err); got != tc.transient {
				t.Errorf("IsTransient = %v", got)
			}
			if got := gcoreapi.CannotHeal(err); got != tc.cannotHeal {
				t.Errorf("CannotHeal = %v", got)
			}
		})
	}

	// An answer is never a transport failure, whatever its status.
	answered := &gcoreapi.Error{StatusCode: http.StatusBadGateway}
	if gcoreapi.NeverReachedAPI(answered) || gcoreapi.CannotHeal(answered) || gcoreapi.NeverReachedAPI(nil) {
		t.Error("an answer was taken for a transport failure")
	}
	if gcoreapi.IsTransient(context.Canceled) {
		t.Error("a cancelled context must not be retried")
	}
}

// TestUnknownHostAndBadCertificateFailFast: a mistyped base_url, whose host
// does not exist or whose certificate does not verify, fails a purge within
// seconds, naming the cause, instead of being retried for minutes; each call
// is made once.
func TestUnknownHostAndBadCertificateFailFast(t *testing.T) {
	untrusted, conns := untrustedServer(t)
	for _, tc := range []struct {
		name   string
		client *gcoreapi.Client
		cause  string
	}{
		{"unknown host", newClient(t, "https://"+unknownHost, nxdomainResolver(t)), "the host " + unknownHost + " does not exist"},
		{"bad certificate", newClient(t, untrusted.URL, nil), "the TLS certificate of " + strings.TrimPrefix(untrusted.URL, "https://") + " does not verify"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute) // the provider's default
			defer cancel()
			start := time.Now()
			_, err := scheduler.New(tc.client, scheduler.Options{}).Send(ctx, scheduler.Job{ResourceID: 1, Kind: scheduler.PurgeAll})
			took := time.Since(start)
			t.Logf("failed after %v: %v", took, err)
			if err == nil || !strings.Contains(err.Error(), tc.cause) || strings.Contains(err.Error(), "giving up") {
				t.Errorf("err = %v, want a first failure naming %q", err, tc.cause)
			}
			if took >= 5*time.Second {
				t.Errorf("failed after %v, want under 5s", took)
			}
		})
	}
	// The limits call and the purge: neither retried.
	if got := conns.Load(); got != 2 {
		t.Errorf("the server with the bad certificate saw %d connections, want 2", got)
	}
}
