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
// purge_type field and filter: purge_by_url, purge_by_pattern, purge_all;
// "" for Prefetch, which the history does not list.
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
	// Items are the payload's "urls" or "paths", as the purge sent them.
	Items   []string
	Created time.Time
}

// purgeStatusesPage is the most the API answers at once.
const purgeStatusesPage = 100

// PurgeStatuses reads the purges of the history that match q, all pages of
// them. The history lists the latest purges first, so a purge accepted while
// the pages are read shifts the later ones: a purge seen twice is listed
// once.
func (c *Client) PurgeStatuses(ctx context.Context, q PurgeStatusQuery) ([]PurgeRecord, error) {
	var all []PurgeRecord
	seen := map[int64]bool{}
	for offset := 0; ; {
		page, more, err := c.purgeStatusesPage(ctx, q, offset)
		if err != nil {
			return nil, err
		}
		for _, r := range page {
			if !seen[r.ID] {
				seen[r.ID] = true
				all = append(all, r)
			}
		}
		if !more || len(page) == 0 {
			return all, nil
		}
		offset += len(page)
	}
}

// purgeStatusesPage reads one page, and whether the API says there is more.
// The API wraps a page in {count, next, previous, results} only when asked
// for a limit, but a plain list is read too: it is the whole history.
func (c *Client) purgeStatusesPage(ctx context.Context, q PurgeStatusQuery, offset int) ([]PurgeRecord, bool, error) {
	query := q.values()
	query.Set("limit", strconv.Itoa(purgeStatusesPage))
	query.Set("offset", strconv.Itoa(offset))
	var raw json.RawMessage
	if err := c.send(ctx, http.MethodGet, "/cdn/purge_statuses", query, nil, &raw, nil); err != nil {
		return nil, false, err
	}
	var page struct {
		Next    *string           `json:"next"`
		Results []purgeRecordJSON `json:"results"`
	}
	more := false
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
		if err := json.Unmarshal(raw, &page.Results); err != nil {
			return nil, false, fmt.Errorf("GET /cdn/purge_statuses: %w", err)
		}
	} else {
		if err := json.Unmarshal(raw, &page); err != nil {
			return nil, false, fmt.Errorf("GET /cdn/purge_statuses: %w", err)
		}
		more = page.Next != nil && *page.Next != ""
	}
	records := make([]PurgeRecord, len(page.Results))
	for i, r := range page.Results {
		rec, err := r.record()
		if err != nil {
			return nil, false, fmt.Errorf("GET /cdn/purge_statuses: purge %d: %w", r.PurgeID, err)
		}
		records[i] = rec
	}
	return records, more, nil
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

type purgeRecordJSON struct {
	PurgeID  int64       `json:"purge_id"`
	Status   PurgeStatus `json:"status"`
	Resource struct {
		ID    int64  `json:"id"`
		CName string `json:"cname"`
	} `json:"resource"`
	Payload struct {
		URLs  []string `json:"urls"`
		Paths []string `json:"paths"`
	} `json:"payload"`
	Created   string `json:"created"`
	PurgeType string `json:"purge_type"`
}

func (r purgeRecordJSON) record() (PurgeRecord, error) {
	created, err := ParseTime(r.Created)
	if err != nil {
		return PurgeRecord{}, fmt.Errorf("created: %w", err)
	}
	items := r.Payload.URLs
	if items == nil {
		items = r.Payload.Paths
	}
	return PurgeRecord{
		ID:         r.PurgeID,
		Status:     r.Status,
		ResourceID: r.Resource.ID,
		CName:      r.Resource.CName,
		Type:       purgeTypeNamed(r.PurgeType),
		Items:      items,
		Created:    created,
	}, nil
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
