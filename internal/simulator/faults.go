package simulator

import (
	"context"
	"net/http"
	"time"
)

// Fault replaces the simulator's normal answer to matching requests, to test
// how a client copes with errors, slow answers and broken connections.
type Fault struct {
	// Path is the exact URL path to match, e.g. "/cdn/resources/7/purge" or
	// "/cdn/clients/me/limits"; "" matches any purge POST.
	Path string
	// Times is how many matching requests the fault applies to; <= 0 means 1.
	Times int
	// After is how many matching requests are handled normally before the
	// fault applies: a failure part-way through a series of requests.
	After int
	// Status, when set, is answered instead of handling the request, with
	// Body as it is (JSON or not, possibly empty). Such a request is not
	// recorded as a purge and takes no place in a rate-limit window.
	Status int
	Body   string
	// Header is added to the answer, faulted or normal (e.g. Retry-After).
	Header http.Header
	// Delay is waited before answering (with Status if set, else normally).
	// A client that gives up meanwhile gets no answer.
	Delay time.Duration
	// Drop closes the connection without answering. Go's HTTP client retries
	// an idempotent request (a GET) on a reused connection that closes, so a
	// dropped GET may need Times: 2 to reach the caller as an error.
	Drop bool
}

type queuedFault struct {
	Fault
	left    int
	skipped int
}

// Fail queues a fault. Each request takes the first queued fault matching it.
func (s *Simulator) Fail(f Fault) {
	f.Header = f.Header.Clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &queuedFault{Fault: f, left: max(f.Times, 1)})
}

func (f *Fault) matches(r *http.Request) bool {
	if f.Path == "" {
		_, isPurge := resourceID(r.URL.Path, "/purge")
		return isPurge && r.Method == http.MethodPost
	}
	return r.URL.Path == f.Path
}

// takeFault uses up one application of the first fault matching r.
func (s *Simulator) takeFault(r *http.Request) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, q := range s.faults {
		if !q.matches(r) {
			continue
		}
		if q.skipped < q.After {
			q.skipped++
			return Fault{}, false
		}
		if q.left--; q.left == 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		return q.Fault, true
	}
	return Fault{}, false
}

// applyFault plays f out. It reports whether the request is settled (answered,
// dropped or abandoned); if not, the request is handled normally.
func (s *Simulator) applyFault(w http.ResponseWriter, r *http.Request, f Fault, rec *Request) bool {
	if f.Delay > 0 && !sleep(r.Context(), f.Delay) {
		s.finish(rec, 0, false) // the client is gone: there is no one to answer
		return true
	}
	switch {
	case f.Drop:
		s.drop(w, rec)
		return true
	case f.Status != 0:
		s.reply(w, rec, answer{status: f.Status, body: []byte(f.Body), header: f.Header})
		return true
	}
	return false
}

// sleep waits d, or less if ctx ends first; it reports whether it waited d.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// drop closes the connection under the request without a word.
func (s *Simulator) drop(w http.ResponseWriter, rec *Request) {
	s.finish(rec, 0, true)
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2, a recorder): aborting the handler makes
		// the server reset the stream or close the connection instead.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
