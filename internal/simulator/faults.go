package simulator

import (
	"context"
	"net/http"
	"time"
)

// Fault changes how the simulator answers matching requests, to test how a
// client copes with errors, slow answers and broken connections. Its steps
// play in the order of its fields: Delay, Drop, Status (else the API handles
// the request), Header, DelayAnswer, DropAnswer.
type Fault struct {
	// Path is the exact URL path to match, e.g. "/cdn/resources/7/purge" or
	// "/cdn/clients/me/limits"; "" matches any purge POST.
	Path string
	// Times is how many matching requests the fault applies to; <= 0 means 1.
	Times int
	// After is how many matching requests are handled normally before the
	// fault applies: a failure part-way through a series of requests.
	After int

	// Delay is waited before the request is handled (or refused with
	// Status). A client that gives up meanwhile gets no answer, and its
	// request is not handled.
	Delay time.Duration
	// Drop closes the connection without handling the request or answering.
	// Go's HTTP transport retries an idempotent request (a GET) on a reused
	// connection that closes, so a dropped GET to a loopback Server may need
	// Times: 2 to reach the caller as an error; through RoundTrip it does not.
	Drop bool
	// Status, when set, is answered instead of handling the request, with
	// Body as it is (JSON or not, possibly empty). Such a request is not
	// recorded as a purge and takes no place in a rate-limit window. With a
	// Location header, a 3xx Status redirects the client.
	Status int
	Body   string
	// Header is added to the answer, faulted or normal (e.g. Retry-After).
	Header http.Header

	// DelayAnswer is waited after the API handled the request and before it
	// answers: a slow answer to a purge already accepted. A client that
	// gives up meanwhile gets no answer, but the purge stands.
	DelayAnswer time.Duration
	// DropAnswer closes the connection after the API handled the request,
	// without answering: the purge is accepted, recorded and counted in its
	// window, and the answer is lost.
	DropAnswer bool
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

// takeFault uses up one application of the first fault matching r; the zero
// Fault, which changes nothing, when none applies.
func (s *Simulator) takeFault(r *http.Request) Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, q := range s.faults {
		if !q.matches(r) {
			continue
		}
		if q.skipped < q.After {
			q.skipped++
			return Fault{}
		}
		if q.left--; q.left == 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		return q.Fault
	}
	return Fault{}
}

// answeredBefore plays the steps of f that come before the API handles the
// request, and reports whether they ended it (answered, dropped or
// abandoned).
func (s *Simulator) answeredBefore(f Fault, w http.ResponseWriter, r *http.Request, rec *Request) bool {
	switch {
	case !wait(r.Context(), f.Delay):
		s.finish(rec, 0, false) // the client is gone: there is no one to answer
		return true
	case f.Drop:
		s.drop(w, rec)
		return true
	case f.Status != 0:
		s.reply(w, rec, answer{status: f.Status, body: []byte(f.Body), header: f.Header})
		return true
	}
	return false
}

// answeredAfter plays the steps of f that come once the API has handled the
// request, and reports whether they ended it.
func (s *Simulator) answeredAfter(f Fault, w http.ResponseWriter, r *http.Request, rec *Request) bool {
	switch {
	case !wait(r.Context(), f.DelayAnswer):
		s.finish(rec, 0, false)
		return true
	case f.DropAnswer:
		s.drop(w, rec)
		return true
	}
	return false
}

// wait waits d, or less if ctx ends first; it reports whether it waited d.
// Its timer is the time package's: fake time inside a testing/synctest
// bubble.
func wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
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
		// Not hijackable (HTTP/2, RoundTrip, a recorder): aborting the
		// handler makes the server reset the stream or close the
		// connection, and RoundTrip fail, instead.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
