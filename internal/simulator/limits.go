package simulator

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Limits sets the account's limits, field for field as GET
// /cdn/clients/me/limits answers them. A zero field keeps the value of the
// example answer in Gcore's API reference; Omit leaves fields out. The
// simulator enforces the rates the answer gives, and item caps no higher
// than the documented ones (see the package documentation).
type Limits struct {
	ID                      int64
	ResourcesLimit          int
	RulesLimit              int
	OriginsInGroupLimit     int
	SecondaryHostnamesLimit int
	PurgePatternLimit       int
	PurgeMaxURLsLimit       int
	// The rates are in Django REST Framework's "num/period" form: "2/m",
	// "2/min" and "2/minute" are the same.
	PurgeRequestLimit       string
	PurgeByURLsRequestLimit string
	PrefetchPatternLimit    int
	PrefetchRequestLimit    string
	// Omit names fields the answer leaves out, by their JSON names (e.g.
	// "purge_pattern_limit"): the reference makes every field optional.
	Omit []string
}

// CompressedLimits are the documented purge and prefetch rates compressed
// from minutes to seconds: 2 purges by URL, 1 by pattern or of everything,
// and 1 prefetch a second and CDN resource; the other fields are the
// reference's example. The provider's live tests, make bench and make demo
// run against them, so that rate-limit waits take seconds, not minutes.
var CompressedLimits = Limits{PurgeByURLsRequestLimit: "2/s", PurgeRequestLimit: "1/s", PrefetchRequestLimit: "1/s"}

// exampleLimits is the example answer of Gcore's API reference for GET
// /cdn/clients/me/limits.
var exampleLimits = Limits{
	ID: 100, ResourcesLimit: 30, RulesLimit: 5, OriginsInGroupLimit: 10, SecondaryHostnamesLimit: 10,
	PurgePatternLimit: 50, PurgeMaxURLsLimit: 100, PurgeRequestLimit: "1/m", PurgeByURLsRequestLimit: "2/m",
	PrefetchPatternLimit: 100, PrefetchRequestLimit: "2/m",
}

// What the reference's purge and prefetch operations state, which holds
// where the limits answer says nothing, and caps the item counts it gives.
const (
	maxURLsPerPurge     = 100
	maxPatternsPerPurge = 10
	maxPathsPerPrefetch = 100
)

var (
	documentedURLRate      = rate{requests: 2, window: time.Minute}
	documentedPatternRate  = rate{requests: 1, window: time.Minute} // and purge all
	documentedPrefetchRate = rate{requests: 1, window: time.Minute}
)

// clientsMeLimitsResponse is the reference's ClientsMeLimitsResponse, in its
// order. Every field is optional: nil is left out.
type clientsMeLimitsResponse struct {
	ID                      *int64  `json:"id,omitempty"`
	ResourcesLimit          *int    `json:"resources_limit,omitempty"`
	RulesLimit              *int    `json:"rules_limit,omitempty"`
	OriginsInGroupLimit     *int    `json:"origins_in_group_limit,omitempty"`
	SecondaryHostnamesLimit *int    `json:"secondary_hostnames_limit,omitempty"`
	PurgePatternLimit       *int    `json:"purge_pattern_limit,omitempty"`
	PurgeMaxURLsLimit       *int    `json:"purge_max_urls_limit,omitempty"`
	PurgeRequestLimit       *string `json:"purge_request_limit,omitempty"`
	PurgeByURLsRequestLimit *string `json:"purge_by_urls_request_limit,omitempty"`
	PrefetchPatternLimit    *int    `json:"prefetch_pattern_limit,omitempty"`
	PrefetchRequestLimit    *string `json:"prefetch_request_limit,omitempty"`
}

// limits are the limits in force: the answer, and what it makes the
// simulator enforce.
type limits struct {
	answer                                 clientsMeLimitsResponse
	byURL, byPattern, prefetch             rate // byPattern is purge all's too
	maxURLs, maxPatterns, maxPrefetchPaths int
}

func (l limits) rate(t PurgeType) rate {
	switch t {
	case PurgeByURL:
		return l.byURL
	case "": // a prefetch
		return l.prefetch
	default:
		return l.byPattern
	}
}

// resolve fills the example's values into l, leaves out what it omits, and
// reads what the answer makes the simulator enforce.
func (l Limits) resolve() (limits, error) {
	ints := []int{l.ResourcesLimit, l.RulesLimit, l.OriginsInGroupLimit, l.SecondaryHostnamesLimit,
		l.PurgePatternLimit, l.PurgeMaxURLsLimit, l.PrefetchPatternLimit}
	if l.ID < 0 || slices.Min(ints) < 0 {
		return limits{}, fmt.Errorf("simulator: limits must not be negative")
	}
	e := exampleLimits
	a := clientsMeLimitsResponse{
		ID:                      ptr(cmp.Or(l.ID, e.ID)),
		ResourcesLimit:          ptr(cmp.Or(l.ResourcesLimit, e.ResourcesLimit)),
		RulesLimit:              ptr(cmp.Or(l.RulesLimit, e.RulesLimit)),
		OriginsInGroupLimit:     ptr(cmp.Or(l.OriginsInGroupLimit, e.OriginsInGroupLimit)),
		SecondaryHostnamesLimit: ptr(cmp.Or(l.SecondaryHostnamesLimit, e.SecondaryHostnamesLimit)),
		PurgePatternLimit:       ptr(cmp.Or(l.PurgePatternLimit, e.PurgePatternLimit)),
		PurgeMaxURLsLimit:       ptr(cmp.Or(l.PurgeMaxURLsLimit, e.PurgeMaxURLsLimit)),
		PurgeRequestLimit:       ptr(cmp.Or(l.PurgeRequestLimit, e.PurgeRequestLimit)),
		PurgeByURLsRequestLimit: ptr(cmp.Or(l.PurgeByURLsRequestLimit, e.PurgeByURLsRequestLimit)),
		PrefetchPatternLimit:    ptr(cmp.Or(l.PrefetchPatternLimit, e.PrefetchPatternLimit)),
		PrefetchRequestLimit:    ptr(cmp.Or(l.PrefetchRequestLimit, e.PrefetchRequestLimit)),
	}
	for _, name := range l.Omit {
		if !omitField(&a, name) {
			return limits{}, fmt.Errorf("simulator: Limits.Omit: the limits answer has no field %q", name)
		}
	}
	return a.enforced()
}

// enforced reads the rates and caps the answer a makes the simulator
// enforce.
func (a clientsMeLimitsResponse) enforced() (limits, error) {
	lim := limits{
		answer:           a,
		maxURLs:          capped(a.PurgeMaxURLsLimit, maxURLsPerPurge),
		maxPatterns:      capped(a.PurgePatternLimit, maxPatternsPerPurge),
		maxPrefetchPaths: capped(a.PrefetchPatternLimit, maxPathsPerPrefetch),
	}
	var errs [3]error
	lim.byURL, errs[0] = answeredRate("purge_by_urls_request_limit", a.PurgeByURLsRequestLimit, documentedURLRate)
	lim.byPattern, errs[1] = answeredRate("purge_request_limit", a.PurgeRequestLimit, documentedPatternRate)
	lim.prefetch, errs[2] = answeredRate("prefetch_request_limit", a.PrefetchRequestLimit, documentedPrefetchRate)
	return lim, errors.Join(errs[:]...)
}

// answeredRate is the rate the answer's field gives, or the operation's
// documented one when the answer leaves the field out.
func answeredRate(field string, raw *string, documented rate) (rate, error) {
	if raw == nil {
		return documented, nil
	}
	r, err := parseRate(*raw)
	if err != nil {
		return rate{}, fmt.Errorf("simulator: %s: %w", field, err)
	}
	return r, nil
}

// capped is the account's item cap when it gives one below the documented
// cap, else the documented cap.
func capped(account *int, documented int) int {
	if account == nil || *account <= 0 {
		return documented
	}
	return min(*account, documented)
}

// omitField sets the field of a whose JSON name is name to nil, and reports
// whether there was one.
func omitField(a *clientsMeLimitsResponse, name string) bool {
	v := reflect.ValueOf(a).Elem()
	for i := range v.NumField() {
		tag, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		if tag == name {
			v.Field(i).SetZero()
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }

// SetLimits changes the account's limits from now on; purges already
// accepted stay in their windows.
func (s *Simulator) SetLimits(l Limits) error {
	lim, err := l.resolve()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = lim
	return nil
}

func (s *Simulator) serveLimits(r *http.Request) answer {
	if a, ok := s.checkCall(r, http.MethodGet); !ok {
		return a
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return jsonAnswer(s.limits.answer)
}

// accountID is the account's ID, as the limits answer gives it (and each
// CDN resource's "client").
func (s *Simulator) accountID() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id := s.limits.answer.ID; id != nil {
		return *id
	}
	return exampleLimits.ID
}

// rate is a number of requests allowed in a sliding window.
type rate struct {
	requests int
	window   time.Duration
}

// parseRate reads a rate as Django REST Framework, which the CDN API is
// built on, reads its throttle rates: "num/period", where only the period's
// first letter counts and is s, m, h or d, so that "2/m", "2/min" and
// "2/minute" are the same. The count must be a positive integer.
func parseRate(s string) (rate, error) {
	count, period, ok := strings.Cut(s, "/")
	if !ok || strings.Contains(period, "/") {
		return rate{}, fmt.Errorf("rate %q: want num/period, e.g. 2/m", s)
	}
	n, err := strconv.Atoi(strings.TrimSpace(count))
	if err != nil || n < 1 {
		return rate{}, fmt.Errorf("rate %q: the count must be a positive integer", s)
	}
	windows := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}
	if period == "" || windows[period[0]] == 0 {
		return rate{}, fmt.Errorf("rate %q: the period must start with s, m, h or d", s)
	}
	return rate{requests: n, window: windows[period[0]]}, nil
}
