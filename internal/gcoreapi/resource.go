package gcoreapi

import (
	"context"
	"net/http"
)

// CDNResource is what the provider reads of a CDN resource, from GET
// /cdn/resources/{resource_id}.
type CDNResource struct {
	ID     int64  `json:"id"`
	Cname  string `json:"cname"`
	Active bool   `json:"active"`
	// CanPurgeByURLs is whether purge by URL works on the resource (Gcore's
	// API reference: only with its ignore_vary_header option); nil when the
	// answer does not say, which must not be read as false.
	CanPurgeByURLs *bool `json:"can_purge_by_urls"`
}

// CDNResource reads one CDN resource of the account: an *Error wrapping
// ErrNotFound when it does not exist, ErrUnauthorized for a rejected key, and
// so on, as for a purge.
func (c *Client) CDNResource(ctx context.Context, resourceID int64) (CDNResource, error) {
	var res CDNResource
	err := c.do(ctx, http.MethodGet, resourcePath(resourceID), nil, &res)
	return res, err
}
