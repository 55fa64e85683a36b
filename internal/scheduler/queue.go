package scheduler

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// queueKey names a queue: jobs of one kind for one CDN resource.
type queueKey struct {
	resourceID int64
	kind       Kind
}

// queue holds the jobs waiting for a request, in arrival order, and the rate
// window of their CDN resource and kind. Queues are kept after they empty,
// for their windows. Fields are guarded by Scheduler.mu.
type queue struct {
	key    queueKey
	window window
	jobs   []*job
	// waiting indexes the jobs by the items they still wait for, so that a
	// request finds the other jobs it carries an item for without scanning
	// what every job has left.
	waiting map[string][]*job
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

func (q *queue) poke() { signal(q.wake) }

// retireIfIdle reports whether q has no job waiting and, if so, records that
// its worker ends, so that the next job starts another. Call under s.mu.
func (q *queue) retireIfIdle() bool {
	if len(q.jobs) > 0 {
		return false
	}
	q.running = false
	return true
}

// request is one request and the jobs whose items it carries.
type request struct {
	number  int
	key     queueKey
	items   []string
	members []*job
	// carries holds, for each member, the items the request settles for it.
	carries map[*job][]string
	// failures counts its failed attempts, 429s aside.
	failures int
	// accepted is the purge as the API accepted it; zero until then, and
	// for a prefetch.
	accepted gcoreapi.AcceptedPurge
	// sentAt is when its latest attempt was sent, by the local clock.
	sentAt time.Time
}

// abandoned reports, under s.mu, whether none of req's jobs still waits.
func (r *request) abandoned() bool {
	return !slices.ContainsFunc(r.members, (*job).live)
}

func (r *request) describe() string {
	if r.key.kind == PurgeAll {
		return "purge all"
	}
	return plural(len(r.items), r.key.kind.itemNoun())
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

// enqueue adds a job to its queue, starting the gather window when the queue
// was empty and the queue's worker when it had none.
func (s *Scheduler) enqueue(ctx context.Context, key queueKey, items []string, progress Progress, start time.Time) *job {
	var j *job
	s.withLock(func() {
		s.jobCount++
		j = &job{
			seq: s.jobCount, ctx: ctx, key: key, start: start, progress: progress,
			items: items, pending: items, untaken: len(items), state: queued, partners: make(map[uint64]bool),
			done: make(chan struct{}), answered: make(chan struct{}, 1), noted: make(chan struct{}, 1),
		}
		q := s.queue(key)
		for _, item := range items {
			q.waiting[item] = append(q.waiting[item], j)
		}
		now := time.Now()
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
	})
	return j
}

// queue returns the queue of key, made on first use; the limits are known.
func (s *Scheduler) queue(key queueKey) *queue {
	q := s.queues[key]
	if q == nil {
		l, _ := s.knownLimits()
		rate, _ := l.Rate(key.kind)
		q = &queue{key: key, window: newWindow(rate, s.opts.SkewMargin), waiting: make(map[string][]*job), wake: make(chan struct{}, 1)}
		s.queues[key] = q
	}
	return q
}

// dequeue withdraws a job from its queue with its unsent items.
func (s *Scheduler) dequeue(j *job) {
	q := s.queues[j.key]
	q.jobs = slices.DeleteFunc(q.jobs, func(other *job) bool { return other == j })
	for _, item := range j.untakenItems() {
		q.stopWaiting(item, j)
	}
	j.withdraw()
	q.poke()
}

// stopWaiting records that j no longer waits for item.
func (q *queue) stopWaiting(item string, j *job) {
	jobs := slices.DeleteFunc(q.waiting[item], func(other *job) bool { return other == j })
	if len(jobs) == 0 {
		delete(q.waiting, item)
		return
	}
	q.waiting[item] = jobs
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
		var at time.Time
		retired := false
		s.withLock(func() {
			if retired = q.retireIfIdle(); retired {
				return
			}
			now := time.Now()
			room := q.window.nextRoom(now)
			if room.After(now) && room.After(q.gatherUntil) {
				s.noteRoomWait(q, room)
			}
			at = later(room, q.gatherUntil)
		})
		switch {
		case retired:
			return false
		case !at.After(time.Now()):
			return true
		}
		s.sleep(q, at)
	}
}

// awaitRoomForRetry blocks until retryAt and until q's rate window has room,
// and reports true; it reports false once every job of req gave up.
func (s *Scheduler) awaitRoomForRetry(q *queue, req *request, retryAt time.Time) bool {
	for {
		var at time.Time
		abandoned, ready := false, false
		s.withLock(func() {
			if abandoned = req.abandoned(); abandoned {
				return
			}
			now := time.Now()
			if at = later(q.window.nextRoom(now), retryAt); !at.After(now) {
				ready = true
				s.startAttempt(req)
			}
		})
		switch {
		case abandoned:
			return false
		case ready:
			return true
		}
		s.sleep(q, at)
	}
}

// sleep waits until at, or until q is poked.
func (s *Scheduler) sleep(q *queue, at time.Time) {
	timer := time.NewTimer(time.Until(at))
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-q.wake:
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
	s.log(q.jobs[0].ctx, fmt.Sprintf("%s of CDN resource %d is %s", q.key.kind, q.key.resourceID, msg), map[string]any{
		"resource_id": q.key.resourceID, "kind": q.key.kind.String(), "until": at,
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
	var req *request
	s.withLock(func() {
		q.roomWait = time.Time{}
		if len(q.jobs) == 0 {
			return
		}
		s.reqCount++
		req = &request{number: s.reqCount, key: q.key, carries: make(map[*job][]string)}
		if q.key.kind == PurgeAll {
			s.takeAll(q, req)
		} else {
			s.takeItems(q, req)
		}
		for _, j := range req.members {
			j.inFlight++
		}
		s.startAttempt(req)
		s.noteMerge(req)
	})
	return req
}

// takeItems moves into req as many new items as it may carry, in job order;
// items already in req are carried for every job that asked for them. Each
// job's items are taken from the head of its pending tail, and the other
// jobs waiting for an item of req are found through q.waiting, so that a
// request costs what it carries, not what the jobs have left.
func (s *Scheduler) takeItems(q *queue, req *request) {
	l, _ := s.knownLimits()
	limit, _ := l.MaxItems(q.key.kind)
	inReq := make(map[string]bool, limit)
	carry := func(j *job, item string) {
		if len(req.carries[j]) == 0 {
			req.members = append(req.members, j)
		}
		req.carries[j] = append(req.carries[j], item)
		j.untaken--
	}
	// New items, from the head of each job's tail in job order, until req is
	// full.
	for _, j := range q.jobs {
		for len(req.items) < limit && len(j.pending) > 0 {
			item := j.pending[0]
			j.pending = j.pending[1:]
			if j.ahead[item] {
				delete(j.ahead, item) // carried already, for an earlier job's request
				continue
			}
			if !inReq[item] {
				inReq[item] = true
				req.items = append(req.items, item)
			}
			q.stopWaiting(item, j)
			carry(j, item)
		}
		if len(req.items) == limit {
			break
		}
	}
	// The other jobs waiting for an item of req, further down their tails.
	for _, item := range req.items {
		for _, j := range q.waiting[item] {
			carry(j, item)
			if j.ahead == nil {
				j.ahead = make(map[string]bool)
			}
			j.ahead[item] = true
		}
		delete(q.waiting, item)
	}
	slices.SortFunc(req.members, func(a, b *job) int { return cmp.Compare(a.seq, b.seq) })
	waiting := q.jobs[:0]
	for _, j := range q.jobs {
		if j.untaken > 0 {
			waiting = append(waiting, j)
			continue
		}
		j.pending, j.ahead = nil, nil
		j.taken()
	}
	clear(q.jobs[len(waiting):])
	q.jobs = waiting
}

// takeAll moves into req every purge-all job of q and every URL and pattern
// job of the same CDN resource still waiting: the purge of everything
// settles them. It settles no prefetch, which loads files rather than clears
// them.
func (s *Scheduler) takeAll(q *queue, req *request) {
	req.members = s.drain(q)
	for _, k := range []Kind{PurgeByURL, PurgeByPattern} {
		other := s.queues[queueKey{resourceID: q.key.resourceID, kind: k}]
		if other == nil || len(other.jobs) == 0 {
			continue
		}
		for _, j := range s.drain(other) {
			j.byAll = true
			req.carries[j] = j.untakenItems()
			j.pending, j.ahead, j.untaken = nil, nil, 0
			req.members = append(req.members, j)
		}
		clear(other.waiting)
		other.poke() // its worker may now retire
	}
}

// drain empties q and returns the jobs it held.
func (s *Scheduler) drain(q *queue) []*job {
	jobs := q.jobs
	q.jobs = nil
	for _, j := range jobs {
		j.taken()
	}
	return jobs
}

// noteMerge tells req's jobs, and the log, which jobs req carries.
func (s *Scheduler) noteMerge(req *request) {
	others := len(req.members) - 1
	for _, j := range req.members {
		switch {
		case j.key != req.key:
			j.note(fmt.Sprintf("settled by purge-all request #%d", req.number))
		case others > 0:
			j.note(fmt.Sprintf("merged with %s into request #%d", plural(others, "other "+req.key.kind.Noun()), req.number))
		}
	}
	ids := make([]uint64, len(req.members))
	for i, j := range req.members {
		ids[i] = j.seq
	}
	s.log(req.members[0].ctx, fmt.Sprintf("%s of CDN resource %d: request #%d carries %s (%s)",
		req.key.kind, req.key.resourceID, req.number, plural(len(req.members), req.key.kind.Noun()), req.describe()), map[string]any{
		"resource_id": req.key.resourceID, "kind": req.key.kind.String(), "request": req.number,
		"jobs": len(req.members), "job_ids": ids, "items": len(req.items),
	})
}
