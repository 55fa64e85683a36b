// Package gcoreapi is a small, context-aware client for the Gcore CDN
// endpoints the provider needs: purging a CDN resource's cache, reading the
// purge history to see a purge through, prefetching files, reading CDN
// resources and reading the account's limits. It knows nothing of Terraform.
//
// Its wire types follow Gcore's API reference (the OpenAPI document of the
// CDN API); the tests decode fixtures written from that document's examples,
// so that a wrong field name fails here, on the client's side alone.
//
// It is written by hand because Gcore's Go SDK is not served by the Go module
// proxy and the older gcorelabscdn-go has no purge.
package gcoreapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// PurgeType is one of the three kinds of purge the API offers. Each has its
// own rate limit per CDN resource.
type PurgeType int

const (
	// PurgeByURL clears exact URLs (query strings included): {"urls": [...]}.
	PurgeByURL PurgeType = iota + 1
	// PurgeByPattern clears everything under patterns: {"paths": [...]}.
	PurgeByPattern
	// PurgeAll clears the whole cache: {"paths": []}.
	PurgeAll
)

// MaxURLsPerRequest and MaxPatternsPerRequest are the item limits of one
// purge request, as Gcore's API reference for POST
// /cdn/resources/{resource_id}/purge states them. An account's limits
// (AccountLimits) may be lower, never higher: the same reference's example of
// the account limits says 50 patterns, and a request of more than 10 is
// refused.
const (
	MaxURLsPerRequest     = 100
	MaxPatternsPerRequest = 10
)

// MaxItems is the documented item limit of one purge of type t; none for a
// purge of everything, which carries no items.
func (t PurgeType) MaxItems() int {
	switch t {
	case PurgeByURL:
		return MaxURLsPerRequest
	case PurgeByPattern:
		return MaxPatternsPerRequest
	default:
		return 0
	}
}

// DocumentedRate is the documented rate limit of purges of type t on one CDN
// resource: 2/m by URL, 1/m by pattern, 1/m purge all, each type in its own
// window. An account's limits (AccountLimits) may differ; these are what
// holds where the account does not say.
func (t PurgeType) DocumentedRate() Rate {
	if t == PurgeByURL {
		return Rate{Requests: 2, Window: time.Minute}
	}
	return Rate{Requests: 1, Window: time.Minute}
}

// String names the purge type the way the API's documentation does.
func (t PurgeType) String() string {
	switch t {
	case PurgeByURL:
		return "purge by URL"
	case PurgeByPattern:
		return "purge by pattern"
	case PurgeAll:
		return "purge all"
	default:
		return fmt.Sprintf("PurgeType(%d)", int(t))
	}
}

// Purge is one purge request: its type and, for URL and pattern purges, the
// items to clear.
type Purge struct {
	Type  PurgeType
	Items []string
}

// MarshalJSON writes the body exactly as Gcore's API reference for POST
// /cdn/resources/{resource_id}/purge shows it. A purge-all sends an explicit
// empty "paths" array: the API answers {} with 400.
func (p Purge) MarshalJSON() ([]byte, error) {
	items := p.Items
	if items == nil || p.Type == PurgeAll {
		items = []string{}
	}
	switch p.Type {
	case PurgeByURL:
		return json.Marshal(struct {
			URLs []string `json:"urls"`
		}{items})
	case PurgeByPattern, PurgeAll:
		return json.Marshal(struct {
			Paths []string `json:"paths"`
		}{items})
	default:
		return nil, fmt.Errorf("gcoreapi: unknown purge type %d", int(p.Type))
	}
}

// AcceptedPurge is a purge the API accepted, with what finding it in the
// purge history takes: the API's answer carries no ID, so the history knows a
// purge only by its CDN resource, type, payload and creation time.
type AcceptedPurge struct {
	// Key tells apart the purges one Client had accepted: no two share it.
	Key        uint64
	ResourceID int64
	// Purge is the whole payload as sent.
	Purge
	// At is when the API accepted the purge by its own clock (the Date of
	// its 201), so that the skew of the local clock does not matter; by the
	// local clock when the answer had no readable Date.
	At time.Time
}

// Purge asks the API to clear the cache of one CDN resource. It returns the
// accepted purge once the API answered 201, or an *Error.
func (c *Client) Purge(ctx context.Context, resourceID int64, p Purge) (AcceptedPurge, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return AcceptedPurge{}, err
	}
	var header http.Header
	// A 201 has no documented body; one portal guide says it lists the
	// purged URLs. Either is success, so the body is not read.
	if err := c.send(ctx, http.MethodPost, resourcePath(resourceID)+"/purge", nil, body, nil, &header); err != nil {
		return AcceptedPurge{}, err
	}
	at, err := http.ParseTime(header.Get("Date"))
	if err != nil {
		at = time.Now()
	}
	return AcceptedPurge{Key: c.accepted.Add(1), ResourceID: resourceID, Purge: p, At: at.UTC()}, nil
}

// Found is a purge the API may have accepted although its answer was lost,
// to look up in the purge history: sent at the local time at, which it turns
// into the API's time by the Date of the API's latest answer; keyed like the
// purges Purge returns.
func (c *Client) Found(resourceID int64, p Purge, at time.Time) AcceptedPurge {
	at = at.Add(time.Duration(c.clockOffset.Load()))
	return AcceptedPurge{Key: c.accepted.Add(1), ResourceID: resourceID, Purge: p, At: at.UTC()}
}
