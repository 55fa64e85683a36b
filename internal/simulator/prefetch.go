package simulator

import (
	"net/http"
	"slices"
	"time"
)

// Prefetch is a prefetch the simulator accepted (answered 201).
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
// (prefetch_request_limit) and a count of their own (prefetch_pattern_limit).
func (s *Simulator) servePrefetch(r *http.Request, id int64, body []byte) answer {
	if _, a, ok := s.checkResourcePost(r, id); !ok {
		return a
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	paths, bad := parsePrefetch(body, s.limits.account.PrefetchPatternLimit)
	if bad != nil {
		return answer{status: http.StatusBadRequest, body: bad}
	}
	now := s.now()
	if wait, ok := s.take(windowKey{resourceID: id}, now); !ok {
		return s.tooManyRequests(now, wait)
	}
	s.prefetches = append(s.prefetches, Prefetch{ResourceID: id, Paths: paths, At: now})
	return answer{status: http.StatusCreated}
}
