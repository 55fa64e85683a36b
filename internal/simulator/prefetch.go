package simulator

import (
	"net/http"
	"slices"
	"time"
)

// Prefetch is a prefetch the simulator accepted.
type Prefetch struct {
	ResourceID int64
	Paths      []string
	At         time.Time
}

// Prefetches returns the accepted prefetches in arrival order.
func (s *Simulator) Prefetches() []Prefetch {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Prefetch, len(s.prefetches))
	for i, p := range s.prefetches {
		p.Paths = slices.Clone(p.Paths)
		out[i] = p
	}
	return out
}

// servePrefetch checks a prefetch in the order servePurge checks a purge.
// Prefetches of a CDN resource have a window of their own
// (prefetch_request_limit) and a cap of their own (prefetch_pattern_limit,
// at most the documented 100).
func (s *Simulator) servePrefetch(r *http.Request, id int64, body []byte) answer {
	if _, a, ok := s.checkResourcePost(r, id); !ok {
		return a
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	paths, bad := parsePrefetch(body, s.limits.maxPrefetchPaths)
	if bad != nil {
		return badRequest(bad)
	}
	now := s.now()
	if wait, ok := s.take(windowKey{resourceID: id}, now); !ok {
		return s.tooManyRequests(now, wait)
	}
	s.prefetches = append(s.prefetches, Prefetch{ResourceID: id, Paths: paths, At: now})
	return answer{status: http.StatusCreated}
}

// parsePrefetch reads a prefetch body, {"paths": [...]} naming files
// without a domain name (Gcore's API reference for POST
// /cdn/resources/{resource_id}/prefetch). It returns the paths, or the 400
// body to answer instead.
func parsePrefetch(body []byte, limit int) ([]string, []byte) {
	doc, bad := decodeObject(body)
	if bad != nil {
		return nil, bad
	}
	paths, ok := doc["paths"]
	if !ok {
		return nil, fieldError("paths", msgRequired)
	}
	return checkList(paths, listRule{field: "paths", limit: limit, itemProblem: namesDomain})
}
