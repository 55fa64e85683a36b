// Package completion waits until purges the API accepted are done, by
// reading the purge history (GET /cdn/purge_statuses, which Gcore's portal
// calls beta). It knows nothing of Terraform.
//
// The purge's answer carries no ID, so a purge is looked up in the history
// by its CDN resource (cname), its type, its payload as a set (the URLs or
// patterns of the whole request, those of the jobs merged into it included;
// none for a purge-all) and its creation time: no earlier than a minute
// before the API accepted the purge by its own clock (the Date of its 201,
// in whole seconds; the minute also absorbs any gap between the clock of the
// answer and that of the history). Payloads are compared as paths (the
// history lists full URLs: gcoreapi drops their scheme and host), each with
// its percent-escapes decoded, so that the history may write a path encoded
// or not. Among the entries that match, a purge takes the one the API most
// likely created for it (see claim), not yet claimed by another purge of
// the same Waiter, so that two purges with one payload find two entries, in
// order.
//
// The history is polled from once a second, doubling to once every 15
// seconds. A failed reading is classified by retry.Classify, as the
// scheduler's are: a 429 is waited out for as long as it asks, or one more
// step when it asks nothing; a transient failure waits one more step;
// anything else ends the wait, unconfirmed.
package completion

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/retry"
)

// HistoryAPI is the part of the Gcore client a Waiter uses: it reads every
// page of the history.
type HistoryAPI interface {
	PurgeStatuses(ctx context.Context, q gcoreapi.PurgeStatusQuery) ([]gcoreapi.PurgeRecord, error)
}

var _ HistoryAPI = (*gcoreapi.Client)(nil)

// dateResolution is the resolution of an HTTP Date header: the API created a
// purge's entry before the second its answer's Date names had ended.
const dateResolution = time.Second

const (
	// GracePeriod is how long a request may be missing from the history
	// before its completion is given up as unconfirmed: the history is beta,
	// and may lag or miss a purge.
	GracePeriod = 2 * time.Minute
	// createdSlack is how long before the API's time of acceptance a
	// matching entry may have been created.
	createdSlack = time.Minute
	// findSlack is how long before a lost purge was sent, by the API's
	// clock, its entry may say it was created: the API's clock is known to
	// the second of a Date header, plus a second of margin.
	findSlack = 2 * time.Second
	firstPoll = time.Second
	maxPoll   = 15 * time.Second
)

// Waiter waits for the purges of one provider instance. Its claims on
// history entries are shared by all its calls, so that two purges never take
// the same entry. It is safe for concurrent use.
type Waiter struct {
	api HistoryAPI

	mu sync.Mutex
	// claims maps a history entry's ID to the key of the purge that took
	// it, and entries the other way round: jobs that rode one request share
	// its entry.
	claims  map[int64]uint64
	entries map[uint64]int64
}

// New returns a Waiter that reads the history through api. The purges it
// waits for must come from one gcoreapi.Client, whose keys tell them apart.
func New(api HistoryAPI) *Waiter {
	return &Waiter{api: api, claims: make(map[int64]uint64), entries: make(map[uint64]int64)}
}

// State is how a request ended, as far as the history tells.
type State int

const (
	// pending: not decided yet. Wait returns no request in this state.
	pending State = iota
	// Succeeded: the history reports "Successful".
	Succeeded
	// Failed: the history reports "Failed".
	Failed
	// TimedOut: the request was still "In progress" when the deadline came;
	// nobody can rely on it having taken effect, as for Failed.
	TimedOut
	// Unconfirmed: its outcome cannot be known; Outcome.Reason says why.
	Unconfirmed
)

func (s State) String() string {
	switch s {
	case Succeeded:
		return "done"
	case Failed:
		return "failed"
	case TimedOut:
		return "timed out"
	case Unconfirmed:
		return "unconfirmed"
	default:
		return "pending"
	}
}

// Outcome is how one purge ended.
type Outcome struct {
	Purge gcoreapi.AcceptedPurge
	State State
	// PurgeID is the ID of the history's entry for the purge; 0 when none
	// was found.
	PurgeID int64
	// Reason says why a purge did not succeed, in words that follow its
	// name: "purge by URL (/a.js): <Reason>".
	Reason string
}

// Report is how the purges of one Wait ended, in the order given.
type Report struct {
	Outcomes []Outcome
}

// Wait polls the purge history until each of purges, accepted on the CDN
// resource whose delivery domain is cname, is found and no longer "In
// progress", or until ctx ends. A purge not found within GracePeriod, or
// before ctx's deadline when that is nearer, is Unconfirmed. progress, when
// not nil, hears "2 of 5 requests done" each time that changes. The report
// says how each purge ended: Err and Warning turn it into words.
func (w *Waiter) Wait(ctx context.Context, cname string, purges []gcoreapi.AcceptedPurge, progress func(string)) Report {
	p := w.newPoll(ctx, cname, purges)
	shown := ""
	for {
		wait := p.read()
		if msg := p.report.Progress(); progress != nil && msg != shown {
			shown = msg
			progress(msg)
		}
		if p.decided() || !p.sleep(wait) {
			p.finish()
			return p.report
		}
	}
}

// Find reads the purge history once for purge, whose answer was lost (its
// At is when it was sent, by the API's clock as far as known): it reports
// whether an entry matches it, by the rules of Wait, whatever its status
// (the API took the purge in), created no earlier than findSlack before it
// was sent: an earlier entry of the same payload (an earlier run's) must
// never be taken for it, or the purge would not be sent again. A found entry
// is claimed for purge, as Wait claims one, so that a later Wait of purge
// finds it again.
func (w *Waiter) Find(ctx context.Context, cname string, purge gcoreapi.AcceptedPurge) bool {
	from := purge.At.Add(-findSlack)
	records, err := w.api.PurgeStatuses(ctx, gcoreapi.PurgeStatusQuery{CName: cname, Type: purge.Type, From: from})
	if err != nil && !errors.Is(err, gcoreapi.ErrHistoryTruncated) {
		return false
	}
	records = slices.DeleteFunc(records, func(r gcoreapi.PurgeRecord) bool { return r.Created.Before(from) })
	w.mu.Lock()
	defer w.mu.Unlock()
	_, found := w.claim(purge, records)
	return found
}

// poll is one call of Wait.
type poll struct {
	w        *Waiter
	ctx      context.Context
	cname    string
	start    time.Time
	deadline time.Time // zero without one
	graceEnd time.Time
	step     time.Duration // the wait between two readings, doubling
	lastErr  error         // why the latest reading failed, if it did
	report   Report
}

func (w *Waiter) newPoll(ctx context.Context, cname string, purges []gcoreapi.AcceptedPurge) *poll {
	p := &poll{w: w, ctx: ctx, cname: cname, start: time.Now(), step: firstPoll}
	p.graceEnd = p.start.Add(GracePeriod)
	if deadline, ok := ctx.Deadline(); ok {
		p.deadline = deadline
		p.graceEnd = earlier(p.graceEnd, deadline)
	}
	p.report.Outcomes = make([]Outcome, len(purges))
	for i, purge := range purges {
		p.report.Outcomes[i] = Outcome{Purge: purge}
	}
	return p
}

// read reads the history once, decides what it can, and returns how long to
// wait before the next reading.
func (p *poll) read() time.Duration {
	wait := p.step
	p.step = min(2*p.step, maxPoll)
	var records []gcoreapi.PurgeRecord
	var err error
	for _, q := range p.queries() {
		var found []gcoreapi.PurgeRecord
		found, err = p.w.api.PurgeStatuses(p.ctx, q)
		records = append(records, found...)
		if err != nil {
			break
		}
	}
	now := time.Now()
	failure := retry.Classify(err, now)
	switch {
	case err == nil, errors.Is(err, gcoreapi.ErrHistoryTruncated):
		// A history too long to read whole still says what it holds.
		p.lastErr = err
		p.w.match(p.report.Outcomes, records)
	case p.ctx.Err() != nil:
		return 0 // sleep sees the end
	case failure.RateLimited:
		p.lastErr = err
		if failure.Asked != "" {
			wait = failure.Wait
		}
	case failure.Transient:
		p.lastErr = err
	default:
		p.endPending(Unconfirmed, "the purge history could not be read: "+err.Error())
	}
	if !now.Before(p.graceEnd) {
		p.giveUpMissing(now)
	}
	return wait
}

// queries are the readings of the history that cover the pending requests:
// one per purge type, from a minute before the earliest acceptance.
func (p *poll) queries() []gcoreapi.PurgeStatusQuery {
	var qs []gcoreapi.PurgeStatusQuery
	for _, o := range p.report.Outcomes {
		if o.State != pending {
			continue
		}
		from := o.Purge.At.Add(-createdSlack)
		i := slices.IndexFunc(qs, func(q gcoreapi.PurgeStatusQuery) bool { return q.Type == o.Purge.Type })
		if i < 0 {
			qs = append(qs, gcoreapi.PurgeStatusQuery{CName: p.cname, Type: o.Purge.Type, From: from})
		} else {
			qs[i].From = earlier(qs[i].From, from)
		}
	}
	return qs
}

// giveUpMissing gives up on the pending requests not found in the history.
func (p *poll) giveUpMissing(now time.Time) {
	reason := "not found in the purge history within " + now.Sub(p.start).Round(time.Second).String()
	if p.lastErr != nil {
		reason += "; its latest reading failed: " + p.lastErr.Error()
	}
	for i := range p.report.Outcomes {
		if o := &p.report.Outcomes[i]; missing(*o) {
			o.State, o.Reason = Unconfirmed, reason
		}
	}
}

// endPending ends every pending request in state, for reason.
func (p *poll) endPending(state State, reason string) {
	for i := range p.report.Outcomes {
		if o := &p.report.Outcomes[i]; o.State == pending {
			o.State, o.Reason = state, reason
		}
	}
}

func (p *poll) decided() bool {
	return !slices.ContainsFunc(p.report.Outcomes, func(o Outcome) bool { return o.State == pending })
}

// sleep waits wait, but not past the deadline, nor past the end of the grace
// period while a request is missing; it reports false once ctx ended or its
// deadline came.
func (p *poll) sleep(wait time.Duration) bool {
	now := time.Now()
	at := now.Add(wait)
	if !p.deadline.IsZero() {
		at = earlier(at, p.deadline)
	}
	if p.graceEnd.After(now) && slices.ContainsFunc(p.report.Outcomes, missing) {
		at = earlier(at, p.graceEnd)
	}
	if p.ctx.Err() != nil {
		return false
	}
	timer := time.NewTimer(time.Until(at))
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-p.ctx.Done():
		return false
	}
	return p.deadline.IsZero() || time.Now().Before(p.deadline)
}

// missing reports whether o waits for a history entry not found yet.
func missing(o Outcome) bool { return o.State == pending && o.PurgeID == 0 }

// finish ends the requests still pending when ctx ended or its deadline
// came: in progress is timed out (cancelled: unconfirmed), missing is
// unconfirmed.
func (p *poll) finish() {
	waited := time.Since(p.start).Round(time.Second)
	p.giveUpMissing(time.Now())
	if errors.Is(p.ctx.Err(), context.Canceled) {
		p.endPending(Unconfirmed, fmt.Sprintf("still in progress when waiting was cancelled after %s", waited))
	} else {
		p.endPending(TimedOut, fmt.Sprintf("timed out while in progress, after waiting %s", waited))
	}
}

// match finds the history's entries for the pending outcomes among records
// and decides those whose entry is no longer in progress. Purges claim in
// the order the API accepted them, so that of two with one payload, the
// earlier takes the earlier entry.
func (w *Waiter) match(outcomes []Outcome, records []gcoreapi.PurgeRecord) {
	var waiting []*Outcome
	for i := range outcomes {
		if outcomes[i].State == pending {
			waiting = append(waiting, &outcomes[i])
		}
	}
	slices.SortStableFunc(waiting, func(a, b *Outcome) int { return a.Purge.At.Compare(b.Purge.At) })
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, o := range waiting {
		id, ok := w.entries[o.Purge.Key]
		if !ok {
			if id, ok = w.claim(o.Purge, records); !ok {
				continue
			}
		}
		o.PurgeID = id
		if i := slices.IndexFunc(records, func(r gcoreapi.PurgeRecord) bool { return r.ID == id }); i >= 0 {
			o.State, o.Reason = stateOf(records[i].Status)
		}
	}
}

// claim takes for purge the entry of records that matches it, that no other
// purge claimed, and that the API most likely created for it: the latest
// created by the time the API answered (its Date header has whole seconds,
// hence dateResolution), else the earliest after. The history searched
// reaches a minute back for clock skew between the API's servers, where an
// earlier run's purge of the same files may stand: it is older, so it is not
// taken. Purges claim in the order of acceptance, so that of two with one
// payload, the earlier takes the earlier entry. Call under w.mu.
func (w *Waiter) claim(purge gcoreapi.AcceptedPurge, records []gcoreapi.PurgeRecord) (int64, bool) {
	answered := purge.At.Add(dateResolution)
	better := func(r, than *gcoreapi.PurgeRecord) bool {
		rBefore, thanBefore := !r.Created.After(answered), !than.Created.After(answered)
		switch {
		case rBefore != thanBefore:
			return rBefore
		case !r.Created.Equal(than.Created):
			return r.Created.After(than.Created) == rBefore
		default:
			return r.ID < than.ID
		}
	}
	var best *gcoreapi.PurgeRecord
	for i := range records {
		r := &records[i]
		if _, taken := w.claims[r.ID]; taken || !matches(purge, *r) {
			continue
		}
		if best == nil || better(r, best) {
			best = r
		}
	}
	if best == nil {
		return 0, false
	}
	w.claims[best.ID] = purge.Key
	w.entries[purge.Key] = best.ID
	return best.ID, true
}

// matches reports whether r may be the history's entry for purge.
func matches(purge gcoreapi.AcceptedPurge, r gcoreapi.PurgeRecord) bool {
	return r.Type == purge.Type &&
		(r.ResourceID == 0 || r.ResourceID == purge.ResourceID) &&
		!r.Created.Before(purge.At.Add(-createdSlack)) &&
		samePaths(r.Items, purge.Items)
}

// samePaths reports whether a and b list the same paths, as sets, once their
// percent-escapes are decoded.
func samePaths(a, b []string) bool {
	in := func(set []string) map[string]bool {
		m := make(map[string]bool, len(set))
		for _, s := range set {
			m[decoded(s)] = true
		}
		return m
	}
	sa, sb := in(a), in(b)
	if len(sa) != len(sb) {
		return false
	}
	for s := range sa {
		if !sb[s] {
			return false
		}
	}
	return true
}

// decoded is path with its percent-escapes decoded, or path itself when one
// is malformed.
func decoded(path string) string {
	if d, err := url.PathUnescape(path); err == nil {
		return d
	}
	return path
}

// stateOf is what a status of the history means for a request: pending while
// it is in progress.
func stateOf(status gcoreapi.PurgeStatus) (State, string) {
	switch status {
	case gcoreapi.StatusInProgress:
		return pending, ""
	case gcoreapi.StatusSuccessful:
		return Succeeded, ""
	case gcoreapi.StatusFailed:
		return Failed, "the API accepted it, but the purge history reports it failed"
	case gcoreapi.StatusReportDisabled:
		return Unconfirmed, `status reports are disabled for this account (the purge history says "Status report disabled")`
	default:
		return Unconfirmed, fmt.Sprintf("the purge history reports a status this provider does not know: %q", status)
	}
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// Progress says how far the requests are: "3 of 5 requests done", followed
// by how many failed, timed out or are unconfirmed, when any.
func (r Report) Progress() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d requests done", r.count(Succeeded), len(r.Outcomes))
	for _, s := range []State{Failed, TimedOut, Unconfirmed} {
		if n := r.count(s); n > 0 {
			fmt.Fprintf(&b, ", %d %s", n, s)
		}
	}
	return b.String()
}

func (r Report) count(s State) int {
	n := 0
	for _, o := range r.Outcomes {
		if o.State == s {
			n++
		}
	}
	return n
}

// Err is nil unless a purge failed or timed out: then it cannot be relied
// on, and the error names each such purge and why.
func (r Report) Err() error {
	lines := r.lines(Failed, TimedOut)
	if lines == "" {
		return nil
	}
	return errors.New("the API accepted the purge, but it did not complete:\n" + lines)
}

// Warning is "" unless the completion of a purge could not be confirmed:
// then it names each such purge and why. The purge was accepted.
func (r Report) Warning() string {
	lines := r.lines(Unconfirmed)
	if lines == "" {
		return ""
	}
	return "the API accepted the purge, but its completion could not be confirmed:\n" + lines
}

// lines names the purges in states and why they are there, one a line.
func (r Report) lines(states ...State) string {
	var b strings.Builder
	for _, o := range r.Outcomes {
		if slices.Contains(states, o.State) {
			fmt.Fprintf(&b, "- %s: %s\n", name(o.Purge.Purge), o.Reason)
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// name names a purge in messages: its type and its first items, e.g. "purge
// by URL (/a.js, /b.js and 98 more)".
func name(p gcoreapi.Purge) string {
	const shown = 3
	switch n := len(p.Items); {
	case n == 0:
		return p.Type.String()
	case n <= shown:
		return fmt.Sprintf("%s (%s)", p.Type, strings.Join(p.Items, ", "))
	default:
		return fmt.Sprintf("%s (%s and %d more)", p.Type, strings.Join(p.Items[:shown], ", "), n-shown)
	}
}
