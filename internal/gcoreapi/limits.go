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
// the API's "num/period" form, e.g. "2/m"; ParseRate reads them.
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

// periods are the periods of a rate, by the letter that names them. The CDN
// API is built on Django REST Framework, whose throttling reads only the
// first letter of the period: "2/m", "2/min" and "2/minute" are the same.
var periods = []struct {
	letter byte
	window time.Duration
}{{'s', time.Second}, {'m', time.Minute}, {'h', time.Hour}, {'d', 24 * time.Hour}}

// String writes the rate back in the API's shortest form, e.g. "2/m".
func (r Rate) String() string {
	for _, p := range periods {
		if p.window == r.Window {
			return fmt.Sprintf("%d/%c", r.Requests, p.letter)
		}
	}
	return fmt.Sprintf("%d/%s", r.Requests, r.Window)
}

// ParseRate reads a limit in Django REST Framework's "num/period" form, which
// Gcore's API reference uses: "2/m" is two requests a minute. As in DRF, only
// the period's first letter counts, and it is s, m, h or d; the count must be
// a positive integer.
func ParseRate(s string) (Rate, error) {
	count, period, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Rate{}, fmt.Errorf("rate %q: want num/period, e.g. 2/m", s)
	}
	n, err := strconv.Atoi(count)
	if err != nil || n < 1 {
		return Rate{}, fmt.Errorf("rate %q: the count must be a positive integer", s)
	}
	for _, p := range periods {
		if period != "" && period[0] == p.letter {
			return Rate{Requests: n, Window: p.window}, nil
		}
	}
	return Rate{}, fmt.Errorf("rate %q: the period must start with s, m, h or d", s)
}

// AccountLimits reads the purge limits that apply to this account.
func (c *Client) AccountLimits(ctx context.Context) (AccountLimits, error) {
	var limits AccountLimits
	err := c.do(ctx, http.MethodGet, "/cdn/clients/me/limits", nil, &limits)
	return limits, err
}
