package scheduler

import (
	"fmt"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// Kind is what a job asks of a CDN resource: one of the API's three purge
// types, or a prefetch. Each kind of each CDN resource has a queue and a rate
// window of its own.
type Kind int

const (
	// PurgeByURL, PurgeByPattern and PurgeAll are the purge types of
	// gcoreapi.PurgeType.
	PurgeByURL Kind = iota + 1
	PurgeByPattern
	PurgeAll
	// Prefetch loads files into the cache (gcoreapi.Client.Prefetch).
	Prefetch
)

// PurgeKind is the kind of a purge of type t.
func PurgeKind(t gcoreapi.PurgeType) Kind {
	switch t {
	case gcoreapi.PurgeByURL:
		return PurgeByURL
	case gcoreapi.PurgeByPattern:
		return PurgeByPattern
	case gcoreapi.PurgeAll:
		return PurgeAll
	default:
		return 0
	}
}

// purgeType is the purge type of k; ok is false for a prefetch.
func (k Kind) purgeType() (t gcoreapi.PurgeType, ok bool) {
	switch k {
	case PurgeByURL:
		return gcoreapi.PurgeByURL, true
	case PurgeByPattern:
		return gcoreapi.PurgeByPattern, true
	case PurgeAll:
		return gcoreapi.PurgeAll, true
	default:
		return 0, false
	}
}

func (k Kind) String() string {
	if t, ok := k.purgeType(); ok {
		return t.String()
	}
	if k == Prefetch {
		return "prefetch"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Noun names one job of kind k in messages: "purge" or "prefetch".
func (k Kind) Noun() string {
	if k == Prefetch {
		return "prefetch"
	}
	return "purge"
}

// itemNoun names one item of a job of kind k in messages.
func (k Kind) itemNoun() string {
	switch k {
	case PurgeByURL:
		return "URL"
	case PurgeByPattern:
		return "pattern"
	default:
		return "file"
	}
}

// documentedRate and documentedMaxItems are the documented limits of k.
func (k Kind) documentedRate() gcoreapi.Rate {
	if t, ok := k.purgeType(); ok {
		return t.DocumentedRate()
	}
	return gcoreapi.DocumentedPrefetchRate()
}

func (k Kind) documentedMaxItems() int {
	if t, ok := k.purgeType(); ok {
		return t.MaxItems()
	}
	return gcoreapi.MaxPrefetchPathsPerRequest
}

// kinds are every kind, in the order messages list them.
var kinds = []Kind{PurgeByURL, PurgeByPattern, PurgeAll, Prefetch}
