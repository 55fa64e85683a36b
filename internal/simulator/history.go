package simulator

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// PurgeStatus is the status of a purge in the purge history, as the
// reference's status filter lists them.
type PurgeStatus string

const (
	StatusInProgress PurgeStatus = "In progress"
	StatusSuccessful PurgeStatus = "Successful"
	StatusFailed     PurgeStatus = "Failed"
	// StatusReportDisabled is what accounts without status reports see
	// instead of a status.
	StatusReportDisabled PurgeStatus = "Status report disabled"
)

var purgeStatuses = []PurgeStatus{StatusInProgress, StatusSuccessful, StatusFailed, StatusReportDisabled}

// PayloadURLs is how the purge history lists the URLs of a purge by URL.
type PayloadURLs int

const (
	// FullURLs lists http://<host><path as sent>, as the example of Gcore's
	// API reference does; the host is Config.PayloadHost, or the CDN
	// resource's cname.
	FullURLs PayloadURLs = iota
	// PathsAsSent lists the paths as the purge sent them.
	PathsAsSent
)

// historyKept is how long the API keeps a purge in its history: a month.
const historyKept = 30 * 24 * time.Hour

// maxHistoryLimit is the most purges one page of the history holds.
const maxHistoryLimit = 100

// SetPurgeOutcome changes how purges accepted from now on end: outcome after
// completion (see Config.PurgeCompletion and Config.PurgeOutcome; "" means
// StatusSuccessful). Purges already accepted keep theirs.
func (s *Simulator) SetPurgeOutcome(outcome PurgeStatus, completion time.Duration) error {
	if outcome == "" {
		outcome = StatusSuccessful
	}
	if !slices.Contains(purgeStatuses, outcome) {
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
	outcome PurgeStatus
}

// recordPurge enters an accepted purge in the history. The caller holds s.mu.
func (s *Simulator) recordPurge(resourceID int64, cname string, p purgeRequest, now time.Time) {
	s.lastPurgeID++
	s.purges = append(s.purges, historyRecord{
		Purge:   Purge{ID: s.lastPurgeID, ResourceID: resourceID, CName: cname, Type: p.purgeType, Items: p.items, At: now},
		doneAt:  now.Add(s.completion),
		outcome: s.outcome,
	})
}

// status is the purge's status in the history at now.
func (r historyRecord) status(now time.Time) PurgeStatus {
	if r.outcome != StatusReportDisabled && now.Before(r.doneAt) {
		return StatusInProgress
	}
	return r.outcome
}

// created is when the history says the purge was created: the API keeps
// times to the microsecond.
func (r historyRecord) created() time.Time {
	return r.At.Truncate(time.Microsecond)
}

// purgeStatusResponse is the reference's PurgeStatusResponse.
type purgeStatusResponse struct {
	PurgeID  int64         `json:"purge_id"`
	Status   PurgeStatus   `json:"status"`
	Resource purgeResource `json:"resource"`
	// Payload is {"urls": [...]} for a purge by URL, {"paths": [...]} for
	// the others.
	Payload   map[string][]string `json:"payload"`
	Created   string              `json:"created"`
	PurgeType PurgeType           `json:"purge_type"`
}

// purgeResource is the reference's "resource" of a PurgeStatusResponse.
type purgeResource struct {
	ID    int64  `json:"id"`
	CName string `json:"cname"`
}

// historyFilter is the query of GET /cdn/purge_statuses.
type historyFilter struct {
	cname     string
	status    PurgeStatus
	purgeType PurgeType
	from, to  time.Time
}

func (f historyFilter) matches(r historyRecord, status PurgeStatus) bool {
	return (f.cname == "" || f.cname == r.CName) &&
		(f.status == "" || f.status == status) &&
		(f.purgeType == "" || f.purgeType == r.Type) &&
		(f.from.IsZero() || !r.created().Before(f.from)) &&
		(f.to.IsZero() || !r.created().After(f.to))
}

// parseHistoryFilter reads the filters, or returns the 400 body naming the
// first it cannot read. Gcore's API reference does not show these answers;
// they take the form of the purge's field errors, in Django's words.
func parseHistoryFilter(q url.Values) (historyFilter, []byte) {
	f := historyFilter{cname: q.Get("cname"), status: PurgeStatus(q.Get("status")), purgeType: PurgeType(q.Get("purge_type"))}
	if bad := checkChoice("status", string(f.status), names(purgeStatuses)); bad != nil {
		return f, bad
	}
	if bad := checkChoice("purge_type", string(f.purgeType), names([]PurgeType{PurgeByURL, PurgeByPattern, PurgeAll})); bad != nil {
		return f, bad
	}
	for _, c := range []struct {
		field string
		into  *time.Time
	}{{"from_created", &f.from}, {"to_created", &f.to}} {
		raw := q.Get(c.field)
		if raw == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, raw)
		if err != nil {
			return f, fieldError(c.field, "Enter a valid date/time.")
		}
		*c.into = t
	}
	return f, nil
}

func names[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// servePurgeStatuses answers the purge history, latest purges first, as a
// plain list or, when the request gives a limit, one page of it.
func (s *Simulator) servePurgeStatuses(r *http.Request) answer {
	if a, ok := s.checkCall(r, http.MethodGet); !ok {
		return a
	}
	f, bad := parseHistoryFilter(r.URL.Query())
	if bad != nil {
		return badRequest(bad)
	}
	return listAnswer(r, s.history(f), maxHistoryLimit)
}

// history lists the purges of the last month that match f, latest first.
func (s *Simulator) history(f historyFilter) []purgeStatusResponse {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	entries := []purgeStatusResponse{}
	for _, r := range slices.Backward(s.purges) {
		status := r.status(now)
		if r.At.Before(now.Add(-historyKept)) || !f.matches(r, status) {
			continue
		}
		entries = append(entries, purgeStatusResponse{
			PurgeID:   r.ID,
			Status:    status,
			Resource:  purgeResource{ID: r.ResourceID, CName: r.CName},
			Payload:   s.payload(r.Purge),
			Created:   formatTime(r.created(), s.spaced),
			PurgeType: r.Type,
		})
	}
	return entries
}

// payload is what the history says p purged.
func (s *Simulator) payload(p Purge) map[string][]string {
	if p.Type != PurgeByURL {
		return map[string][]string{"paths": slices.Clone(p.Items)}
	}
	urls := slices.Clone(p.Items)
	if s.payloadURLs == FullURLs {
		host := s.payloadHost
		if host == "" {
			host = p.CName
		}
		for i, path := range urls {
			urls[i] = "http://" + host + path
		}
	}
	return map[string][]string{"urls": urls}
}

// formatTime writes a time as the API's Python service does, in UTC: the
// fraction only when there is one, and then six digits of it; spaced, with
// " " and "+00:00" instead of "T" and "Z".
func formatTime(t time.Time, spaced bool) string {
	t = t.UTC()
	layout := "2006-01-02T15:04:05"
	if spaced {
		layout = "2006-01-02 15:04:05"
	}
	text := t.Format(layout)
	if micro := t.Nanosecond() / 1000; micro != 0 {
		text += fmt.Sprintf(".%06d", micro)
	}
	if spaced {
		return text + "+00:00"
	}
	return text + "Z"
}
