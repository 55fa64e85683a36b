package scheduler

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// queueKey names a queue: purges of one type for one CDN resource.
type queueKey struct {
	resourceID int64
	typ        gcoreapi.PurgeType
}

// queue holds the jobs waiting for a request, in arrival order, and the rate
// window of their CDN resource and purge type. Queues are kept after they
// empty, for their windows. Fields are guarded by Scheduler.mu.
type queue struct {
	key     queueKey
	window  window
	jobs    []*job
	running bool // its worker goroutine is alive
	// gatherUntil is when the gather window started by the first job to
	// reach the empty queue ends.
	gatherUntil time.Time
	// roomWait is when the worker expects room for its next request, while
	// it waits for it; zero otherwise.
	roomWait time.Time
	// wake interrupts the worker's wait when jobs leave the queue.
	wake chan struct{}
}

func (q *queue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// retireIfIdle reports whether q has no job waiting and, if so, records that
// its worker ends, so that the next job starts another. Call under s.mu.
func (q *queue) retireIfIdle() bool {
	if len(q.jobs) > 0 {
		return false
	}
	q.running = false
	return true
}

// request is one purge request and the jobs whose items it carries.
type request struct {
	number  int
	key     queueKey
	items   []string
	members []*job
	// carries holds, for each member, the items the request settles for it.
	carries map[*job][]string
	// failures counts its failed attempts, 429s aside.
	failures int
	// acceptedAt is when the API accepted it, by the API's clock when its
	// answer said.
	acceptedAt time.Time
}

// sent describes req, accepted, for the jobs it carried.
func (r *request) sent() SentRequest {
	return SentRequest{Number: r.number, ResourceID: r.key.resourceID, Type: r.key.typ, Items: r.items, AcceptedAt: r.acceptedAt}
}

// abandoned reports, under s.mu, whether none of req's jobs still waits.
func (r *request) abandoned() bool {
	return !slices.ContainsFunc(r.members, (*job).live)
}

func (r *request) describe() string {
	switch r.key.typ {
	case gcoreapi.PurgeByURL:
		return plural(len(r.items), "URL")
	case gcoreapi.PurgeByPattern:
		return plural(len(r.items), "pattern")
	case gcoreapi.Prefetch:
		return plural(len(r.items), "file")
	default:
		return "purge all"
	}
}

func plural(n int, noun string) string {
	switch {
	case n == 1:
		return "1 " + noun
	case strings.HasSuffix(noun, "ch"):
		return fmt.Sprintf("%d %ses", n, noun)
	default:
		return fmt.Sprintf("%d %ss", n, noun)
	}
}

// jobNoun names the jobs of type t in messages.
func jobNoun(t gcoreapi.PurgeType) string {
	if t == gcoreapi.Prefetch {
		return "prefetch"
	}
	return "purge"
}

// enqueue adds a job to its queue, starting the gather window when the queue
// was empty and the queue's worker when it had none.
func (s *Scheduler) enqueue(ctx context.Context, key queueKey, items []string, progress Progress, start time.Time) *job {
	s.mu.Lock()
	defer s.unlock()
	s.jobCount++
	j := &job{
		seq: s.jobCount, ctx: ctx, key: key, start: start, progress: progress,
		items: items, pending: items, queued: true, partners: make(map[uint64]bool),
		done: make(chan struct{}), answered: make(chan struct{}, 1), noted: make(chan struct{}, 1),
	}
	q := s.queue(key)
	now := s.clock.Now()
	if len(q.jobs) == 0 {
		q.gatherUntil = now.Add(s.opts.GatherWindow)
	}
	q.jobs = append(q.jobs, j)
	if q.roomWait.After(now) {
		j.note(s.roomWaitNote(q))
	}
	if !q.running {
		q.running = true
		go s.work(q)
	}
	return j
}

func (s *Scheduler) queue(key queueKey) *queue {
	q := s.queues[key]
	if q == nil {
		rate := s.limits.rate(key.typ).value
		q = &queue{key: key, window: newWindow(rate, s.opts.SkewMargin), wake: make(chan struct{}, 1)}
		s.queues[key] = q
	}
	return q
}

// dequeue withdraws a job from its queue with its unsent items.
func (s *Scheduler) dequeue(j *job) {
	q := s.queues[j.key]
	q.jobs = slices.DeleteFunc(q.jobs, func(other *job) bool { return other == j })
	j.queued = false
	j.pending = nil
	q.poke()
}

// work is the worker of q: it sends requests until q is empty.
func (s *Scheduler) work(q *queue) {
	for s.awaitRoomForNext(q) {
		if req := s.dispatch(q); req != nil {
			s.deliver(q, req)
		}
	}
}

// awaitRoomForNext blocks until q's gather window is over and its rate window
// has room for a new request, and reports true; it tells the waiting jobs when
// they wait for room. It reports false once q is empty: the worker retires.
func (s *Scheduler) awaitRoomForNext(q *queue) bool {
	for {
		s.mu.Lock()
		if q.retireIfIdle() {
			s.unlock()
			return false
		}
		now := s.clock.Now()
		room := q.window.nextRoom(now)
		if room.After(now) && room.After(q.gatherUntil) {
			s.noteRoomWait(q, room)
		}
		at := later(room, q.gatherUntil)
		s.unlock()
		if !at.After(now) {
			return true
		}
		s.sleep(q, at)
	}
}

// awaitRoomForRetry blocks until retryAt and until q's rate window has room,
// and reports true; it reports false once every job of req gave up.
func (s *Scheduler) awaitRoomForRetry(q *queue, req *request, retryAt time.Time) bool {
	for {
		s.mu.Lock()
		if req.abandoned() {
			s.unlock()
			return false
		}
		now := s.clock.Now()
		at := later(q.window.nextRoom(now), retryAt)
		if !at.After(now) {
			s.startAttempt(req)
			s.unlock()
			return true
		}
		s.unlock()
		s.sleep(q, at)
	}
}

// sleep waits until the clock reads at, or until q is poked.
func (s *Scheduler) sleep(q *queue, at time.Time) {
	timer := s.clock.NewTimerAt(at)
	select {
	case <-timer.C():
	case <-q.wake:
		timer.Stop()
	}
}

// noteRoomWait tells q's jobs, and the log, until when they wait for room.
func (s *Scheduler) noteRoomWait(q *queue, at time.Time) {
	if at.Equal(q.roomWait) {
		return
	}
	q.roomWait = at
	msg := s.roomWaitNote(q)
	for _, j := range q.jobs {
		j.note(msg)
	}
	s.log(q.jobs[0].ctx, fmt.Sprintf("%s of CDN resource %d is %s", q.key.typ, q.key.resourceID, msg), map[string]any{
		"resource_id": q.key.resourceID, "purge_type": q.key.typ.String(), "until": at,
		"limit": q.window.rate.String(), "jobs": len(q.jobs),
	})
}

func (s *Scheduler) roomWaitNote(q *queue) string {
	return fmt.Sprintf("waiting for rate-limit room until %s (limit %s)", clockTime(q.roomWait), q.window.rate)
}

func clockTime(t time.Time) string { return t.Format("15:04:05 MST") }

// dispatch builds the next request of q from its waiting jobs, first come
// first served; nil when none waits.
func (s *Scheduler) dispatch(q *queue) *request {
	s.mu.Lock()
	defer s.unlock()
	q.roomWait = time.Time{}
	if len(q.jobs) == 0 {
		return nil
	}
	s.reqCount++
	req := &request{number: s.reqCount, key: q.key, carries: make(map[*job][]string)}
	if q.key.typ == gcoreapi.PurgeAll {
		s.takeAll(q, req)
	} else {
		s.takeItems(q, req)
	}
	for _, j := range req.members {
		j.inFlight++
	}
	s.startAttempt(req)
	s.noteMerge(req)
	return req
}

// takeItems moves into req as many new items as it may carry, in job order;
// items already in req are carried for every job that asked for them.
func (s *Scheduler) takeItems(q *queue, req *request) {
	limit := s.limits.maxItems(q.key.typ)
	inReq := make(map[string]bool)
	waiting := q.jobs[:0]
	for _, j := range q.jobs {
		var carried, left []string
		for _, item := range j.pending {
			switch {
			case inReq[item]:
				carried = append(carried, item)
			case len(req.items) < limit:
				inReq[item] = true
				req.items = append(req.items, item)
				carried = append(carried, item)
			default:
				left = append(left, item)
			}
		}
		j.pending = left
		if len(carried) > 0 {
			req.members = append(req.members, j)
			req.carries[j] = carried
		}
		if len(left) > 0 {
			waiting = append(waiting, j)
		} else {
			j.queued = false
		}
	}
	clear(q.jobs[len(waiting):])
	q.jobs = waiting
}

// takeAll moves into req every purge-all job of q and every URL and pattern
// job of the same CDN resource still waiting: the purge-all settles them. It
// settles no prefetch: a prefetch loads files, which a purge-all does not.
func (s *Scheduler) takeAll(q *queue, req *request) {
	req.members = s.drain(q)
	for _, t := range []gcoreapi.PurgeType{gcoreapi.PurgeByURL, gcoreapi.PurgeByPattern} {
		other := s.queues[queueKey{resourceID: q.key.resourceID, typ: t}]
		if other == nil || len(other.jobs) == 0 {
			continue
		}
		for _, j := range s.drain(other) {
			j.byAll = true
			req.carries[j] = j.pending
			j.pending = nil
			req.members = append(req.members, j)
		}
		other.poke() // its worker may now retire
	}
}

// drain empties q and returns the jobs it held.
func (s *Scheduler) drain(q *queue) []*job {
	jobs := q.jobs
	q.jobs = nil
	for _, j := range jobs {
		j.queued = false
	}
	return jobs
}

// noteMerge tells req's jobs, and the log, which purges req carries.
func (s *Scheduler) noteMerge(req *request) {
	others := len(req.members) - 1
	for _, j := range req.members {
		switch {
		case j.key != req.key:
			j.note(fmt.Sprintf("settled by purge-all request #%d", req.number))
		case others > 0:
			j.note(fmt.Sprintf("merged with %s into request #%d", plural(others, "other "+jobNoun(req.key.typ)), req.number))
		}
	}
	ids := make([]uint64, len(req.members))
	for i, j := range req.members {
		ids[i] = j.seq
	}
	s.log(req.members[0].ctx, fmt.Sprintf("%s of CDN resource %d: request #%d carries %s (%s)",
		req.key.typ, req.key.resourceID, req.number, plural(len(req.members), jobNoun(req.key.typ)), req.describe()), map[string]any{
		"resource_id": req.key.resourceID, "purge_type": req.key.typ.String(), "request": req.number,
		"jobs": len(req.members), "job_ids": ids, "items": len(req.items),
	})
}
