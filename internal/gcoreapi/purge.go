// Package gcoreapi is a small, context-aware client for the Gcore CDN
// endpoints the provider needs: purging a CDN resource's cache, reading the
// purge history to see a purge through, prefetching files, reading a CDN
// resource and reading the account's limits. It knows nothing of Terraform.
//
// It is written by hand because Gcore's Go SDK is not served by the Go module
// proxy and the older gcorelabscdn-go has no purge.
package gcoreapi

import (
	"encoding/json"
	"fmt"
	"time"
)

// PurgeType is one of the three kinds of purge the API offers, or Prefetch.
// Each has its own rate limit per CDN resource.
type PurgeType int

const (
	// PurgeByURL clears exact URLs (query strings included): {"urls": [...]}.
	PurgeByURL PurgeType = iota + 1
	// PurgeByPattern clears everything under patterns: {"paths": [...]}.
	PurgeByPattern
	// PurgeAll clears the whole cache: {"paths": []}.
	PurgeAll
	// Prefetch is not a purge: it loads files into the cache (Client.Prefetch).
	// It is a PurgeType because, to the rate limits, it is one more kind of
	// request on a CDN resource's cache, with a window and an item cap of
	// its own: one type lets queues, limits, estimates and errors name any
	// of the four, instead of a second type beside this one for every use.
	// It has no entry in the purge history (HistoryName is "").
	Prefetch
)

// MaxURLsPerRequest and MaxPatternsPerRequest are the documented item limits
// of one purge request. An account's limits (AccountLimits) may differ.
const (
	MaxURLsPerRequest     = 100
	MaxPatternsPerRequest = 10
)

// DocumentedRate is the documented rate limit of requests of type t on one
// CDN resource: 2/m by URL, 1/m by pattern, 1/m purge all, 1/m prefetch
// (DocumentedPrefetchRate), each type in its own window. An account's limits
// (AccountLimits) may differ; these are what holds where the account does not
// say.
func DocumentedRate(t PurgeType) Rate {
	switch t {
	case PurgeByURL:
		return Rate{Requests: 2, Window: time.Minute}
	case Prefetch:
		return DocumentedPrefetchRate()
	default:
		return Rate{Requests: 1, Window: time.Minute}
	}
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
	case Prefetch:
		return "prefetch"
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
	case Prefetch:
		return nil, fmt.Errorf("gcoreapi: a prefetch is not a purge: send it with Client.Prefetch")
	default:
		return nil, fmt.Errorf("gcoreapi: unknown purge type %d", int(p.Type))
	}
}
