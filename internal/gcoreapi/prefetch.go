package gcoreapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// MaxPrefetchPathsPerRequest is the number of files one prefetch request may
// name, as Gcore's API reference for POST /cdn/resources/{resource_id}/prefetch
// states it. An account's prefetch_pattern_limit may be lower, never higher.
const MaxPrefetchPathsPerRequest = 100

// DocumentedPrefetchRate is the documented rate limit of prefetches on one
// CDN resource, in a window of their own: one a minute. An account's
// prefetch_request_limit may differ (the API reference's own example of the
// account limits says 2/m).
func DocumentedPrefetchRate() Rate {
	return Rate{Requests: 1, Window: time.Minute}
}

// Prefetch asks the API to load files into the CDN's cache before a visitor
// asks for them. paths are exact files, each starting with "/", without
// scheme or host. It returns nil once the API accepted the request, or an
// *Error as Purge does. A prefetch has no entry in the purge history.
func (c *Client) Prefetch(ctx context.Context, resourceID int64, paths []string) error {
	if paths == nil {
		paths = []string{}
	}
	body, err := json.Marshal(struct {
		Paths []string `json:"paths"`
	}{paths})
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, resourcePath(resourceID)+"/prefetch", body, nil)
}
