package simulator

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// PurgeType is a kind of purge, named as the purge history's purge_type
// names it.
type PurgeType string

const (
	// PurgeByURL clears exact URLs: {"urls": [...]}.
	PurgeByURL PurgeType = "purge_by_url"
	// PurgeByPattern clears what matches patterns: {"paths": [...]}.
	PurgeByPattern PurgeType = "purge_by_pattern"
	// PurgeAll clears the whole cache: {"paths": []}.
	PurgeAll PurgeType = "purge_all"
)

// Purge is a purge the simulator accepted (answered 201, or would have but
// for a fault that lost the answer): an entry of its purge history.
type Purge struct {
	ID         int64
	ResourceID int64
	CName      string
	Type       PurgeType
	// Items are the URLs or patterns as sent; empty for PurgeAll.
	Items []string
	At    time.Time
}

// purgeRequest is a purge body the simulator read.
type purgeRequest struct {
	purgeType PurgeType
	items     []string
}

// Purges returns the accepted purges in arrival order.
func (s *Simulator) Purges() []Purge {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Purge, len(s.purges))
	for i, r := range s.purges {
		out[i] = r.Purge
		out[i].Items = slices.Clone(r.Items)
	}
	return out
}

// servePurge checks a purge in the API's order: authentication, permission,
// resource, body, rate limit. The lock is held from the body on, so that two
// concurrent purges cannot both take the last place in a window.
func (s *Simulator) servePurge(r *http.Request, id int64, body []byte) answer {
	res, a, ok := s.checkResourcePost(r, id)
	if !ok {
		return a
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, bad := parsePurge(body, s.limits)
	if bad != nil {
		return badRequest(bad)
	}
	if p.purgeType == PurgeByURL && res.NoPurgeByURLs {
		// Gcore does not document how the API refuses a purge by URL on a
		// resource whose can_purge_by_urls is false; this 400 in the form of
		// its other field errors stands for it.
		return badRequest(fieldError("urls", "Purge by URL is not available for this CDN resource."))
	}
	now := s.now()
	if wait, ok := s.take(windowKey{id, p.purgeType}, now); !ok {
		return s.tooManyRequests(now, wait)
	}
	s.recordPurge(id, res.cname(id), p, now)
	return s.purgeAccepted(p)
}

// parsePurge reads a purge body by the rules of Gcore's API reference: one
// of {"urls": [...]} (at most 100), {"paths": [...]} (patterns, at most 10,
// "*" only at the end) and {"paths": []} (everything), each item a path
// starting with "/"; or lower caps when the account's limits say so. It
// returns the purge, or the 400 body to answer instead.
func parsePurge(body []byte, lim limits) (purgeRequest, []byte) {
	doc, bad := decodeObject(body)
	if bad != nil {
		return purgeRequest{}, bad
	}
	urls, hasURLs := doc["urls"]
	paths, hasPaths := doc["paths"]
	switch {
	case hasURLs && hasPaths:
		return purgeRequest{}, fieldError("non_field_errors", "Specify either urls or paths, not both.")
	case hasURLs:
		items, bad := checkList(urls, listRule{field: "urls", limit: lim.maxURLs, listProblem: notAPath})
		return purgeRequest{PurgeByURL, items}, bad
	case hasPaths:
		items, bad := checkList(paths, listRule{field: "paths", limit: lim.maxPatterns, mayBeEmpty: true,
			itemProblem: innerWildcard, listProblem: notAPath})
		if bad == nil && len(items) == 0 {
			return purgeRequest{PurgeAll, []string{}}, nil
		}
		return purgeRequest{PurgeByPattern, items}, bad
	default:
		// A body without "urls" reads as a purge by pattern, so it is "paths"
		// that is missing: the reference's PathsNotProvidedPurgeError.
		return purgeRequest{}, fieldError("paths", msgRequired)
	}
}

// purgeAccepted is the 201 of an accepted purge: no body, as Gcore's API
// reference documents it, or the list of what it purged when configured so.
func (s *Simulator) purgeAccepted(p purgeRequest) answer {
	if !s.listPurged {
		return answer{status: http.StatusCreated}
	}
	quoted := make([]string, len(p.items))
	for i, item := range p.items {
		quoted[i] = jsonString(item)
	}
	return answer{status: http.StatusCreated, body: []byte("[" + strings.Join(quoted, ",") + "]")}
}

// checkResourcePost checks what comes before the body of a POST to a CDN
// resource: authentication, permission, method, the resource. A deleted
// resource is not found, as one that never existed.
func (s *Simulator) checkResourcePost(r *http.Request, id int64) (Resource, answer, bool) {
	if a, ok := s.checkCall(r, http.MethodPost); !ok {
		return Resource{}, a, false
	}
	res, ok := s.resource(id)
	if !ok || res.deleted() {
		return Resource{}, notFound(), false
	}
	return res, answer{}, true
}
