package retry_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/retry"
)

// answer returns the error the real client returns for an answer with this
// status and header.
func answer(t *testing.T, status int, header http.Header) error {
	t.Helper()
	client, err := gcoreapi.New(gcoreapi.Config{BaseURL: "https://api.test", HTTPClient: &http.Client{
		Transport: roundTrip(func(*http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(strings.NewReader(""))}, nil
		}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.Purge(context.Background(), 1, gcoreapi.Purge{Type: gcoreapi.PurgeAll})
	return err
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestDecide(t *testing.T) {
	p := retry.Policy{Base: time.Second, Cap: 8 * time.Second, MaxAttempts: 3, Rand: func() float64 { return 1 }}.WithDefaults()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		err      error
		failures int
		want     retry.Decision
	}{
		{"429 asking 7 s", answer(t, 429, http.Header{"Retry-After": {"7"}}), 9,
			retry.Decision{Retry: true, Failure: retry.Failure{RateLimited: true, Asked: "Retry-After: 7", Wait: 7 * time.Second}}},
		{"429 asking nothing", answer(t, 429, nil), 0, retry.Decision{Retry: true, Failure: retry.Failure{RateLimited: true}}},
		{"first 502", answer(t, 502, nil), 1, retry.Decision{Retry: true, Failure: retry.Failure{Transient: true, Wait: time.Second}}},
		{"second 502 doubles", answer(t, 502, nil), 2, retry.Decision{Retry: true, Failure: retry.Failure{Transient: true, Wait: 2 * time.Second}}},
		{"502 past MaxAttempts", answer(t, 502, nil), 3, retry.Decision{Failure: retry.Failure{Transient: true}}},
		{"lost connection", errors.New("connection reset by peer"), 1,
			retry.Decision{Retry: true, Failure: retry.Failure{Transient: true, Wait: time.Second}}},
		{"400 never", answer(t, 400, nil), 1, retry.Decision{}},
		{"redirect never", answer(t, 307, http.Header{"Location": {"https://elsewhere.test/"}}), 1, retry.Decision{}},
		{"cancelled never", context.Canceled, 1, retry.Decision{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := p.Decide(tc.err, tc.failures, now); got != tc.want {
				t.Fatalf("Decide = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestDelayIsCappedWithEqualJitter(t *testing.T) {
	p := retry.Policy{Base: time.Second, Cap: 4 * time.Second, Rand: func() float64 { return 0 }}.WithDefaults()
	var got []time.Duration
	for n := 1; n <= 5; n++ {
		got = append(got, p.Delay(n))
	}
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("delays with no jitter = %v, want %v (half of min(base*2^(n-1), cap))", got, want)
		}
	}
}
