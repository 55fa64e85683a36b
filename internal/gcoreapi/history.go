package gcoreapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// PurgeStatus is the status of a purge in the purge history
// (GET /cdn/purge_statuses), as Gcore's API reference spells it.
type PurgeStatus string

const (
	StatusInProgress PurgeStatus = "In progress"
	StatusSuccessful PurgeStatus = "Successful"
	StatusFailed     PurgeStatus = "Failed"
	// StatusReportDisabled is what accounts without status reports see
	// instead of a status: the purge's outcome cannot be known.
	StatusReportDisabled PurgeStatus = "Status report disabled"
)

// HistoryName names the purge type as the purge history does, in its
// purge_type field and filter: purge_by_url, purge_by_pattern, purge_all.
func (t PurgeType) HistoryName() string {
	return historyNames[t]
}

var historyNames = map[PurgeType]string{
	PurgeByURL:     "purge_by_url",
	PurgeByPattern: "purge_by_pattern",
	PurgeAll:       "purge_all",
}

func purgeTypeNamed(name string) PurgeType {
	for t, n := range historyNames {
		if n == name {
			return t
		}
	}
	return 0
}

// PurgeStatusQuery filters the purge history. A zero field does not filter.
type PurgeStatusQuery struct {
	CName  string
	Status PurgeStatus
	Type   PurgeType
	// From and To bound the purges' creation time, by the API's clock.
	From, To time.Time
}

// PurgeRecord is one purge in the purge history.
type PurgeRecord struct {
	ID         int64
	Status     PurgeStatus
	ResourceID int64
	CName      string
	// Type is 0 for a purge_type this client does not know.
	Type PurgeType
	// Items are the payload's "urls" or "paths" as paths, the way a purge
	// sends them: Gcore's API reference shows the history listing full URLs
	// (http://example.com/path1/file1.jpg), whose scheme and host are
	// dropped.
	Items   []string
	Created time.Time
}

// purgeStatusesPage is the most the API answers at once.
const purgeStatusesPage = 100

// MaxPurgeStatusPages bounds the pages one PurgeStatuses reads: 1,000
// entries of one delivery domain and purge type since the time asked. At the
// documented limits (at most 2 purges a minute of one type on a CDN
// resource) that is more than 8 hours of purges, longer than any wait for
// one; a history that still has more is not one to page through.
const MaxPurgeStatusPages = 10

// ErrHistoryTruncated is returned with the entries read when the history
// still had more after MaxPurgeStatusPages pages.
var ErrHistoryTruncated = fmt.Errorf("the purge history had more than %d pages of %d entries; the rest was not read",
	MaxPurgeStatusPages, purgeStatusesPage)

// PurgeStatuses reads the purges of the history that match q, up to
// MaxPurgeStatusPages pages of them (then it returns what it read and
// ErrHistoryTruncated). The history lists the latest purges first, so a purge
// accepted while the pages are read shifts the later ones: a purge seen twice
// is listed once. An entry that cannot be read is left out: it can never be
// taken for a purge.
func (c *Client) PurgeStatuses(ctx context.Context, q PurgeStatusQuery) ([]PurgeRecord, error) {
	var all []PurgeRecord
	seen := map[int64]bool{}
	offset := 0
	for range MaxPurgeStatusPages {
		page, read, more, err := c.purgeStatusesPage(ctx, q, offset)
		if err != nil {
			return nil, err
		}
		for _, r := range page {
			if !seen[r.ID] {
				seen[r.ID] = true
				all = append(all, r)
			}
		}
		if !more || read == 0 {
			return all, nil
		}
		offset += read
	}
	return all, ErrHistoryTruncated
}

// purgeStatusesPage reads one page: the entries it could read, how many it
// held, and whether the API says there is more. The API wraps a page in
// {count, next, previous, results} only when asked for a limit, but a plain
// list is read too: it is the whole history. The next page is asked for by
// offset, never at the address the answer gives.
func (c *Client) purgeStatusesPage(ctx context.Context, q PurgeStatusQuery, offset int) (records []PurgeRecord, read int, more bool, err error) {
	query := q.values()
	query.Set("limit", strconv.Itoa(purgeStatusesPage))
	query.Set("offset", strconv.Itoa(offset))
	var raw json.RawMessage
	if err := c.send(ctx, http.MethodGet, "/cdn/purge_statuses", query, nil, &raw, nil); err != nil {
		return nil, 0, false, err
	}
	var page struct {
		Next    *string           `json:"next"`
		Results []json.RawMessage `json:"results"`
	}
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
		err = json.Unmarshal(raw, &page.Results)
	} else {
		err = json.Unmarshal(raw, &page)
	}
	if err != nil {
		return nil, 0, false, fmt.Errorf("GET /cdn/purge_statuses: %w", err)
	}
	for _, entry := range page.Results {
		if r, ok := readPurgeRecord(entry); ok {
			records = append(records, r)
		}
	}
	return records, len(page.Results), page.Next != nil && *page.Next != "", nil
}

func (q PurgeStatusQuery) values() url.Values {
	v := url.Values{}
	set := func(key, value string) {
		if value != "" {
			v.Set(key, value)
		}
	}
	set("cname", q.CName)
	set("status", string(q.Status))
	set("purge_type", q.Type.HistoryName())
	set("from_created", formatTime(q.From))
	set("to_created", formatTime(q.To))
	return v
}

// purgeStatusJSON is an entry of the history, PurgeStatusResponse in Gcore's
// API reference for GET /cdn/purge_statuses.
type purgeStatusJSON struct {
	PurgeID  int64       `json:"purge_id"`
	Status   PurgeStatus `json:"status"`
	Resource struct {
		ID    int64  `json:"id"`
		CName string `json:"cname"`
	} `json:"resource"`
	// Payload holds "urls" for a purge by URL, "paths" for the others.
	Payload struct {
		URLs  []string `json:"urls"`
		Paths []string `json:"paths"`
	} `json:"payload"`
	Created   string `json:"created"`
	PurgeType string `json:"purge_type"`
}

// readPurgeRecord reads one entry; ok is false for one that cannot be read
// (not the documented object, no ID, an unreadable creation time).
func readPurgeRecord(raw json.RawMessage) (PurgeRecord, bool) {
	var r purgeStatusJSON
	if json.Unmarshal(raw, &r) != nil || r.PurgeID == 0 {
		return PurgeRecord{}, false
	}
	created, err := ParseTime(r.Created)
	if err != nil {
		return PurgeRecord{}, false
	}
	items := r.Payload.URLs
	if items == nil {
		items = r.Payload.Paths
	}
	paths := make([]string, len(items))
	for i, item := range items {
		paths[i] = pathOf(item)
	}
	return PurgeRecord{
		ID:         r.PurgeID,
		Status:     r.Status,
		ResourceID: r.Resource.ID,
		CName:      r.Resource.CName,
		Type:       purgeTypeNamed(r.PurgeType),
		Items:      paths,
		Created:    created,
	}, true
}

// pathOf is item without the scheme and host of a full URL
// ("http://example.com/a.jpg?v=1" is "/a.jpg?v=1"), or item itself.
func pathOf(item string) string {
	_, rest, full := strings.Cut(item, "://")
	if !full {
		return item
	}
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		if rest[i] == '?' {
			return "/" + rest[i:]
		}
		return rest[i:]
	}
	return "/"
}

// ParseTime reads a time as the API writes it. "created" is seen both as
// 2021-10-29T13:21:01.550849Z and as 2021-10-29 13:21:01.550849+00:00; the
// fraction is absent when it is zero. A time without a zone is UTC, the zone
// Gcore's API reference gives for all its times.
func ParseTime(s string) (time.Time, error) {
	iso := strings.Replace(strings.TrimSpace(s), " ", "T", 1)
	t, err := time.Parse(time.RFC3339Nano, iso)
	if err != nil {
		t, err = time.Parse("2006-01-02T15:04:05.999999999", iso)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an ISO 8601 time", s)
	}
	return t.UTC(), nil
}

// formatTime writes t for a filter of the API: ISO 8601 in UTC, to the
// microsecond the API keeps; "" for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}
