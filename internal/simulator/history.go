package simulator

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// historyKept is how long the API keeps a purge in its history: a month.
const historyKept = 30 * 24 * time.Hour

// maxHistoryLimit is the most purges one page of the history holds.
const maxHistoryLimit = 100

// SetPurgeOutcome changes how purges accepted from now on end: outcome after
// completion (see Config.PurgeCompletion and Config.PurgeOutcome; "" means
// gcoreapi.StatusSuccessful). Purges already accepted keep theirs.
func (s *Simulator) SetPurgeOutcome(outcome gcoreapi.PurgeStatus, completion time.Duration) error {
	if outcome == "" {
		outcome = gcoreapi.StatusSuccessful
	}
	switch outcome {
	case gcoreapi.StatusSuccessful, gcoreapi.StatusFailed, gcoreapi.StatusInProgress, gcoreapi.StatusReportDisabled:
	default:
		return fmt.Errorf("simulator: unknown purge outcome %q", outcome)
	}
	if completion < 0 {
		return fmt.Errorf("simulator: purge completion %s is negative", completion)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outcome, s.completion = outcome, completion
	return nil
}

// historyRecord is an accepted purge as the history keeps it: "In progress"
// until doneAt, then outcome.
type historyRecord struct {
	Purge
	doneAt  time.Time
	outcome gcoreapi.PurgeStatus
}

// recordPurge enters an accepted purge in the history. The caller holds s.mu.
func (s *Simulator) recordPurge(resourceID int64, p gcoreapi.Purge, now time.Time) {
	s.lastPurgeID++
	s.purges = append(s.purges, historyRecord{
		Purge:   Purge{ID: s.lastPurgeID, ResourceID: resourceID, CName: s.cname(resourceID), Type: p.Type, Items: p.Items, At: now},
		doneAt:  now.Add(s.completion),
		outcome: s.outcome,
	})
}

// status is the purge's status in the history at now.
func (r historyRecord) status(now time.Time) gcoreapi.PurgeStatus {
	if r.outcome != gcoreapi.StatusReportDisabled && now.Before(r.doneAt) {
		return gcoreapi.StatusInProgress
	}
	return r.outcome
}

// created is when the history says the purge was created: the API keeps
// times to the microsecond.
func (r historyRecord) created() time.Time {
	return r.At.Truncate(time.Microsecond)
}

// historyFilter is the query of GET /cdn/purge_statuses.
type historyFilter struct {
	cname, status, purgeType string
	from, to                 time.Time
}

func (f historyFilter) matches(r historyRecord, status gcoreapi.PurgeStatus) bool {
	return (f.cname == "" || f.cname == r.CName) &&
		(f.status == "" || f.status == string(status)) &&
		(f.purgeType == "" || f.purgeType == r.Type.HistoryName()) &&
		(f.from.IsZero() || !r.created().Before(f.from)) &&
		(f.to.IsZero() || !r.created().After(f.to))
}

// parseHistoryFilter reads the filters, or returns the 400 body naming the
// first it cannot read. Gcore's API reference does not show these answers;
// they take the form of the purge's 400s.
func parseHistoryFilter(q url.Values) (historyFilter, []byte) {
	f := historyFilter{cname: q.Get("cname"), status: q.Get("status"), purgeType: q.Get("purge_type")}
	choices := []struct {
		field string
		valid []string
	}{
		{"status", []string{string(gcoreapi.StatusInProgress), string(gcoreapi.StatusSuccessful), string(gcoreapi.StatusFailed), string(gcoreapi.StatusReportDisabled)}},
		{"purge_type", []string{gcoreapi.PurgeByURL.HistoryName(), gcoreapi.PurgeByPattern.HistoryName(), gcoreapi.PurgeAll.HistoryName()}},
	}
	for _, c := range choices {
		if v := q.Get(c.field); v != "" && !slices.Contains(c.valid, v) {
			return f, fieldError(c.field, fmt.Sprintf("Select a valid choice. %s is not one of the available choices.", v))
		}
	}
	times := []struct {
		field string
		t     *time.Time
	}{{"from_created", &f.from}, {"to_created", &f.to}}
	for _, c := range times {
		if v := q.Get(c.field); v != "" {
			t, err := gcoreapi.ParseTime(v)
			if err != nil {
				return f, fieldError(c.field, "Enter a valid date/time.")
			}
			*c.t = t
		}
	}
	return f, nil
}

// historyEntry is one purge as GET /cdn/purge_statuses writes it.
type historyEntry struct {
	PurgeID  int64                `json:"purge_id"`
	Status   gcoreapi.PurgeStatus `json:"status"`
	Resource struct {
		ID    int64  `json:"id"`
		CName string `json:"cname"`
	} `json:"resource"`
	Payload   map[string][]string `json:"payload"`
	Created   string              `json:"created"`
	PurgeType string              `json:"purge_type"`
}

// historyPage is the answer when the request gives a limit.
type historyPage struct {
	Count    int            `json:"count"`
	Next     *string        `json:"next"`
	Previous *string        `json:"previous"`
	Results  []historyEntry `json:"results"`
}

// servePurgeStatuses answers the purge history, latest purges first, as a
// plain list or, when the request gives a limit, one page of it.
func (s *Simulator) servePurgeStatuses(r *http.Request) answer {
	if a, ok := s.authorize(r); !ok {
		return a
	}
	if r.Method != http.MethodGet {
		return methodNotAllowed(r.Method, http.MethodGet)
	}
	q := r.URL.Query()
	f, bad := parseHistoryFilter(q)
	if bad != nil {
		return answer{status: http.StatusBadRequest, body: bad}
	}
	entries := s.history(f)
	limit, paged := pageLimit(q.Get("limit"))
	if !paged {
		return jsonAnswer(entries)
	}
	offset := nonNegative(q.Get("offset"))
	start := min(offset, len(entries))
	end := min(start+limit, len(entries))
	page := historyPage{Count: len(entries), Results: entries[start:end]}
	if end < len(entries) {
		page.Next = pageURL(r, limit, end)
	}
	if offset > 0 {
		page.Previous = pageURL(r, limit, max(offset-limit, 0))
	}
	return jsonAnswer(page)
}

// history lists the purges of the last month that match f, latest first.
func (s *Simulator) history(f historyFilter) []historyEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	entries := []historyEntry{}
	for _, r := range slices.Backward(s.purges) {
		status := r.status(now)
		if r.At.Before(now.Add(-historyKept)) || !f.matches(r, status) {
			continue
		}
		e := historyEntry{PurgeID: r.ID, Status: status, Created: s.formatCreated(r.created()), PurgeType: r.Type.HistoryName()}
		e.Resource.ID, e.Resource.CName = r.ResourceID, r.CName
		field := "paths"
		if r.Type == gcoreapi.PurgeByURL {
			field = "urls"
		}
		e.Payload = map[string][]string{field: slices.Clone(r.Items)}
		entries = append(entries, e)
	}
	return entries
}

// formatCreated writes a time as the API's Python service does: the
// fraction only when there is one, and always six digits of it.
func (s *Simulator) formatCreated(t time.Time) string {
	t = t.UTC()
	layout := "2006-01-02T15:04:05"
	if s.spaced {
		layout = "2006-01-02 15:04:05"
	}
	text := t.Format(layout)
	if micro := t.Nanosecond() / 1000; micro != 0 {
		text += fmt.Sprintf(".%06d", micro)
	}
	if s.spaced {
		return text + "+00:00"
	}
	return text + "Z"
}

// pageLimit reads the limit as the API's framework does: one that is not a
// positive integer is no limit (the whole list, unwrapped), and a larger one
// than the most a page holds is cut to it.
func pageLimit(raw string) (int, bool) {
	n, err := strconv.Atoi(raw)
	if err != nil || n <= 0 {
		return 0, false
	}
	return min(n, maxHistoryLimit), true
}

// nonNegative reads an offset; one that cannot be read is 0.
func nonNegative(raw string) int {
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// pageURL is the address of another page of the same query, absolute, as the
// API writes next and previous. Like the API's framework, the first page's
// address has no offset.
func pageURL(r *http.Request, limit, offset int) *string {
	q := r.URL.Query()
	q.Set("limit", strconv.Itoa(limit))
	q.Set("offset", strconv.Itoa(offset))
	if offset == 0 {
		q.Del("offset")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u := url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
	text := u.String()
	return &text
}
