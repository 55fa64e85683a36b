package gcoreapi

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// AccountLimits is the answer of GET /cdn/clients/me/limits. Rate fields keep
// the API's "N/s", "N/m" or "N/h" form; ParseRate reads them.
type AccountLimits struct {
	PurgeRequestLimit       string `json:"purge_request_limit"`
	PurgeByURLsRequestLimit string `json:"purge_by_urls_request_limit"`
	PurgeMaxURLsLimit       int    `json:"purge_max_urls_limit,omitempty"`
	PurgePatternLimit       int    `json:"purge_pattern_limit,omitempty"`
	PrefetchRequestLimit    string `json:"prefetch_request_limit,omitempty"`
	PrefetchPatternLimit    int    `json:"prefetch_pattern_limit,omitempty"`
}

// Rate is a number of requests allowed in a sliding window.
type Rate struct {
	Requests int
	Window   time.Duration
}

// String writes the rate back in the API's form, e.g. "2/m".
func (r Rate) String() string {
	unit := map[time.Duration]string{time.Second: "s", time.Minute: "m", time.Hour: "h"}[r.Window]
	if unit == "" {
		return fmt.Sprintf("%d/%s", r.Requests, r.Window)
	}
	return fmt.Sprintf("%d/%s", r.Requests, unit)
}

// ParseRate reads a limit such as "2/m" (two requests a minute). The unit is
// one of s, m or h; the count must be a positive integer.
func ParseRate(s string) (Rate, error) {
	count, unit, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Rate{}, fmt.Errorf("rate %q: want N/s, N/m or N/h", s)
	}
	n, err := strconv.Atoi(count)
	if err != nil || n < 1 {
		return Rate{}, fmt.Errorf("rate %q: the count must be a positive integer", s)
	}
	window, ok := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}[unit]
	if !ok {
		return Rate{}, fmt.Errorf("rate %q: the unit must be s, m or h", s)
	}
	return Rate{Requests: n, Window: window}, nil
}

// AccountLimits reads the purge limits that apply to this account.
func (c *Client) AccountLimits(ctx context.Context) (AccountLimits, error) {
	var limits AccountLimits
	err := c.do(ctx, http.MethodGet, "/cdn/clients/me/limits", nil, &limits)
	return limits, err
}
