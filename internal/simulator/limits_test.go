package simulator

import (
	"net/http"
	"testing"
	"testing/synctest"
	"time"
)

// referenceLimits is the example answer of Gcore's API reference for GET
// /cdn/clients/me/limits, in its order.
const referenceLimits = `{"id":100,"resources_limit":30,"rules_limit":5,"origins_in_group_limit":10,` +
	`"secondary_hostnames_limit":10,"purge_pattern_limit":50,"purge_max_urls_limit":100,"purge_request_limit":"1/m",` +
	`"purge_by_urls_request_limit":"2/m","prefetch_pattern_limit":100,"prefetch_request_limit":"2/m"}`

func TestLimitsAnswer(t *testing.T) {
	tests := []struct {
		name   string
		limits Limits
		want   string
	}{
		{"the reference's example by default", Limits{}, referenceLimits},
		{"field by field", Limits{PurgeRequestLimit: "5/hour", PurgeMaxURLsLimit: 3, ID: 7},
			`{"id":7,"resources_limit":30,"rules_limit":5,"origins_in_group_limit":10,` +
				`"secondary_hostnames_limit":10,"purge_pattern_limit":50,"purge_max_urls_limit":3,"purge_request_limit":"5/hour",` +
				`"purge_by_urls_request_limit":"2/m","prefetch_pattern_limit":100,"prefetch_request_limit":"2/m"}`},
		{"an absurd figure", Limits{PurgeMaxURLsLimit: 1_000_000_000, Omit: []string{"id", "resources_limit", "rules_limit",
			"origins_in_group_limit", "secondary_hostnames_limit", "purge_pattern_limit", "purge_request_limit",
			"purge_by_urls_request_limit", "prefetch_pattern_limit", "prefetch_request_limit"}},
			`{"purge_max_urls_limit":1000000000}`},
		{"every field absent", Limits{Omit: []string{"id", "resources_limit", "rules_limit", "origins_in_group_limit",
			"secondary_hostnames_limit", "purge_pattern_limit", "purge_max_urls_limit", "purge_request_limit",
			"purge_by_urls_request_limit", "prefetch_pattern_limit", "prefetch_request_limit"}}, `{}`},
		{"compressed", CompressedLimits,
			`{"id":100,"resources_limit":30,"rules_limit":5,"origins_in_group_limit":10,` +
				`"secondary_hostnames_limit":10,"purge_pattern_limit":50,"purge_max_urls_limit":100,"purge_request_limit":"1/s",` +
				`"purge_by_urls_request_limit":"2/s","prefetch_pattern_limit":100,"prefetch_request_limit":"1/s"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := get(newSim(t, Config{Limits: tt.limits}), limitsPath)
			expect(t, w, http.StatusOK, tt.want)
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestSetLimits(t *testing.T) {
	s := newSim(t, Config{})
	if err := s.SetLimits(Limits{PurgeMaxURLsLimit: 3}); err != nil {
		t.Fatal(err)
	}
	expect(t, purge(s, 7, `{"urls": ["/a", "/b", "/c", "/d"]}`), 400, `{"errors":{"urls":["Ensure this field has no more than 3 elements."]}}`)
	if err := s.SetLimits(Limits{PurgeRequestLimit: "1/w"}); err == nil {
		t.Error("SetLimits accepted 1/w")
	}
	if err := s.SetLimits(Limits{}); err != nil {
		t.Fatal(err)
	}
	expect(t, get(s, limitsPath), 200, referenceLimits)
}

// TestParseRate: rates read as Django REST Framework reads them.
func TestParseRate(t *testing.T) {
	good := map[string]rate{
		"1/m":      {1, time.Minute},
		"2/s":      {2, time.Second},
		"30/h":     {30, time.Hour},
		" 2/m":     {2, time.Minute},
		"2/min":    {2, time.Minute},
		"2/minute": {2, time.Minute},
		"1/hour":   {1, time.Hour},
		"5/sec":    {5, time.Second},
		"100/d":    {100, 24 * time.Hour},
		"100/day":  {100, 24 * time.Hour},
		"2/mango":  {2, time.Minute}, // only the first letter counts
	}
	for in, want := range good {
		if got, err := parseRate(in); err != nil || got != want {
			t.Errorf("parseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "2", "0/m", "-1/m", "two/m", "1.5/m", "/m", "2/", "2/w", "2/Min", "2/ m", "2/m/s"} {
		if got, err := parseRate(in); err == nil {
			t.Errorf("parseRate(%q) = %v, want an error", in, got)
		}
	}
}

// TestEnforcedRatesFollowTheAnswer: the simulator enforces the rates its
// limits answer gives, in any of DRF's forms, and the operations' documented
// rates where the answer is silent.
func TestEnforcedRatesFollowTheAnswer(t *testing.T) {
	tests := []struct {
		name     string
		limits   Limits
		body     string // of a purge, or of a prefetch when prefetch is set
		prefetch bool
		want     rate
	}{
		{"by URL, the example's 2/m", Limits{}, `{"urls": ["/a"]}`, false, rate{2, time.Minute}},
		{"by pattern, the example's 1/m", Limits{}, `{"paths": ["/a"]}`, false, rate{1, time.Minute}},
		{"purge all, purge_request_limit", Limits{}, `{"paths": []}`, false, rate{1, time.Minute}},
		{"prefetch, the example's 2/m", Limits{}, `{"paths": ["/a"]}`, true, rate{2, time.Minute}},
		{"a day", Limits{PurgeRequestLimit: "1/day"}, `{"paths": []}`, false, rate{1, 24 * time.Hour}},
		{"by URL, 3/hour", Limits{PurgeByURLsRequestLimit: "3/hour"}, `{"urls": ["/a"]}`, false, rate{3, time.Hour}},
		{"prefetch absent: the operation's 1/m", Limits{Omit: []string{"prefetch_request_limit"}}, `{"paths": ["/a"]}`, true, rate{1, time.Minute}},
		{"by URL absent: the operation's 2/m", Limits{Omit: []string{"purge_by_urls_request_limit"}}, `{"urls": ["/a"]}`, false, rate{2, time.Minute}},
		{"by pattern absent: the operation's 1/m", Limits{Omit: []string{"purge_request_limit"}}, `{"paths": ["/a"]}`, false, rate{1, time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSim(t, Config{Limits: tt.limits})
				send := func() int {
					if tt.prefetch {
						return prefetch(s, 7, tt.body).Code
					}
					return purge(s, 7, tt.body).Code
				}
				for i := range tt.want.requests {
					if got := send(); got != 201 {
						t.Fatalf("request %d: %d, want 201", i+1, got)
					}
				}
				time.Sleep(tt.want.window - time.Nanosecond)
				if got := send(); got != 429 {
					t.Fatalf("one more within the window: %d, want 429", got)
				}
				time.Sleep(time.Nanosecond)
				if got := send(); got != 201 {
					t.Fatalf("a window later: %d, want 201", got)
				}
			})
		})
	}
}
