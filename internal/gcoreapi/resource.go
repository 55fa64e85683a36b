package gcoreapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// CDNResource is what the provider reads of a CDN resource: a few fields of
// ResourceResponse in Gcore's API reference for GET
// /cdn/resources/{resource_id}. A field the answer leaves out keeps its zero
// value, or nil where zero would say something the answer did not.
type CDNResource struct {
	ID int64 `json:"id"`
	// CName is the delivery domain; SecondaryHostnames are the others.
	CName              string   `json:"cname"`
	SecondaryHostnames []string `json:"secondaryHostnames"`
	// Active is false for a CDN resource that delivers no content.
	Active *bool `json:"active"`
	// Status is one of the ResourceStatus values, or "" when not said.
	Status ResourceStatus `json:"status"`
	// Deleted is true for a CDN resource that was deleted: the API may still
	// answer for it.
	Deleted bool `json:"deleted"`
	// CanPurgeByURLs is whether purge by URL works on the resource (only with
	// its ignore_vary_header option, says the API reference).
	CanPurgeByURLs *bool `json:"can_purge_by_urls"`
}

// ResourceStatus is the status of a CDN resource, as Gcore's API reference
// spells it.
type ResourceStatus string

const (
	// ResourceActive delivers content.
	ResourceActive ResourceStatus = "active"
	// ResourceSuspended delivers no content: Gcore suspends a CDN resource
	// after 90 days without traffic.
	ResourceSuspended ResourceStatus = "suspended"
	// ResourceProcessed was created recently and takes about fifteen
	// minutes to reach every location.
	ResourceProcessed ResourceStatus = "processed"
	// ResourceDeleted was deleted.
	ResourceDeleted ResourceStatus = "deleted"
)

// Gone reports whether the CDN resource was deleted, by either field.
func (r CDNResource) Gone() bool { return r.Deleted || r.Status == ResourceDeleted }

func resourcePath(resourceID int64) string {
	return "/cdn/resources/" + strconv.FormatInt(resourceID, 10)
}

// CDNResource reads one CDN resource of the account: an *Error wrapping
// ErrNotFound when it does not exist, ErrUnauthorized for a rejected key, and
// so on, as for a purge.
func (c *Client) CDNResource(ctx context.Context, resourceID int64) (CDNResource, error) {
	var res CDNResource
	err := c.do(ctx, http.MethodGet, resourcePath(resourceID), nil, &res)
	return res, err
}

// CDNResourcesNamed lists the CDN resources of the account whose delivery
// domain (cname) is cname, deleted ones left out, in one call of GET
// /cdn/resources with its cname filter. Gcore's API reference answers a
// plain list, or a page when asked for a limit; both are read. A secondary
// hostname does not count: the API's cname filter names the delivery domain.
func (c *Client) CDNResourcesNamed(ctx context.Context, cname string) ([]CDNResource, error) {
	var raw json.RawMessage
	query := url.Values{"cname": {cname}}
	if err := c.send(ctx, http.MethodGet, "/cdn/resources", query, nil, &raw, nil); err != nil {
		return nil, err
	}
	var listed []CDNResource
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
		if err := json.Unmarshal(raw, &listed); err != nil {
			return nil, fmt.Errorf("GET /cdn/resources: %w", err)
		}
	} else {
		var page struct {
			Results []CDNResource `json:"results"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			return nil, fmt.Errorf("GET /cdn/resources: %w", err)
		}
		listed = page.Results
	}
	var named []CDNResource
	for _, r := range listed {
		// The filter is the API's; the match is checked here too, so that an
		// API that ignored it never gets another resource chosen.
		if !r.Gone() && strings.EqualFold(r.CName, cname) {
			named = append(named, r)
		}
	}
	return named, nil
}
