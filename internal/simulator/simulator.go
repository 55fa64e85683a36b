// Package simulator is an in-memory fake of the Gcore CDN purge API, for
// tests and demos. It answers POST /cdn/resources/{resource_id}/purge,
// POST /cdn/resources/{resource_id}/prefetch, GET /cdn/resources/{resource_id},
// GET /cdn/purge_statuses and GET /cdn/clients/me/limits as Gcore's API
// reference documents them: the
// same authentication, the same 400 bodies byte for byte (except that a body
// which is not JSON gets one fixed parse error), and the same per-resource,
// per-type sliding-window rate limits. Accepted purges enter a purge history
// whose status turns from "In progress" to a configured outcome. Faults
// (errors, delays, dropped connections) can be queued to test a client's
// resilience, and every request is recorded for assertions. It knows nothing
// of Terraform.
package simulator

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// Config describes the account the simulator plays.
type Config struct {
	// APIKeys are the accepted keys, sent as "Authorization: APIKey <key>".
	// When empty, any non-empty key is accepted.
	APIKeys []string
	// ForbiddenKeys authenticate but lack permission: every call answers 403.
	ForbiddenKeys []string
	// Resources are the CDN resources that exist, by ID; nil means every
	// positive ID exists, as an ordinary resource.
	Resources map[int64]Resource
	// Limits are the account's limits, rates in any of Django REST
	// Framework's forms ("2/m", "2/minute", "100/day"); a zero field takes
	// the documented default (gcoreapi.DocumentedRate, MaxURLsPerRequest,
	// MaxPatternsPerRequest).
	Limits gcoreapi.AccountLimits
	// WaitHint is how a 429 says how long to wait; by default it does not,
	// as Gcore's API reference documents it.
	WaitHint WaitHint
	// ListPurgedItems answers an accepted purge with a JSON array of its URLs
	// or patterns, as one of Gcore's portal guides says the API does; by
	// default the 201 has no body, as the API reference documents it.
	ListPurgedItems bool
	// PurgeCompletion is how long an accepted purge stays "In progress" in
	// the purge history before it takes PurgeOutcome.
	PurgeCompletion time.Duration
	// PurgeOutcome is the status a purge ends in: gcoreapi.StatusSuccessful
	// (the default), StatusFailed, StatusInProgress (it never ends, to test
	// a timeout) or StatusReportDisabled, which a purge shows from the
	// start: an account without status reports has no progress to show.
	PurgeOutcome gcoreapi.PurgeStatus
	// SpacedCreated writes the history's "created" as
	// 2021-10-29 13:21:01.550849+00:00 instead of 2021-10-29T13:21:01.550849Z:
	// the API has been seen answering both.
	SpacedCreated bool
	// Now is the clock of the rate limits, the purge history and the Date
	// header; nil means time.Now.
	Now func() time.Time
}

// Resource is a CDN resource of the account.
type Resource struct {
	// Cname is its delivery domain; "" answers cdn<ID>.example.com.
	Cname string
	// NoPurgeByURLs plays a resource whose can_purge_by_urls is false (its
	// ignore_vary_header option is off): purges by URL are refused.
	NoPurgeByURLs bool
}

// WaitHint is a way a 429 may say how long to wait: the forms of Gcore's
// guide and SDKs, and of Django REST Framework, which the API is built on.
// The wait given is the true one, rounded up to the unit of the form.
type WaitHint int

const (
	// NoWaitHint answers a bare 429, as Gcore's API reference documents it.
	NoWaitHint WaitHint = iota
	// RetryAfterSeconds sends "Retry-After: N", in whole seconds.
	RetryAfterSeconds
	// RetryAfterDate sends "Retry-After: <HTTP date>".
	RetryAfterDate
	// RetryAfterMs sends "Retry-After-Ms: N", in milliseconds.
	RetryAfterMs
	// ThrottledBody answers DRF's {"detail": "Request was throttled.
	// Expected available in N seconds."}, without a header.
	ThrottledBody
)

// Purge is a purge the simulator accepted (answered 201): an entry of its
// purge history.
type Purge struct {
	ID         int64
	ResourceID int64
	CName      string
	Type       gcoreapi.PurgeType
	Items      []string
	At         time.Time
}

// Request is a request the simulator received, with the status it answered:
// 0 when it answered nothing (a dropped connection, or a client that gave up
// during a delay). Headers are not kept, so no API key is ever stored.
type Request struct {
	Method  string
	Path    string
	Body    string
	Status  int
	At      time.Time
	Dropped bool
}

// Simulator is an http.Handler playing the Gcore CDN purge API. It is safe
// for concurrent use.
type Simulator struct {
	now        func() time.Time
	keys       map[string]bool
	forbidden  map[string]bool
	resources  map[int64]Resource // nil: every positive ID exists
	waitHint   WaitHint
	listPurged bool
	spaced     bool

	mu          sync.Mutex
	limits      limits
	completion  time.Duration
	outcome     gcoreapi.PurgeStatus
	lastPurgeID int64
	purges      []historyRecord
	prefetches  []Prefetch
	requests    []*Request
	windows     map[windowKey][]time.Time
	faults      []*queuedFault
	rateLimited int
}

// limits are the effective account limits and the rates parsed from them.
type limits struct {
	account  gcoreapi.AccountLimits
	all      gcoreapi.Rate // purge by pattern and purge all, each its own window
	urls     gcoreapi.Rate
	prefetch gcoreapi.Rate
}

// windowKey names one sliding window: the API limits each purge type of each
// CDN resource separately, and its prefetches apart from its purges.
type windowKey struct {
	resourceID int64
	purgeType  gcoreapi.PurgeType // 0 for a prefetch
}

func (l limits) rate(key windowKey) gcoreapi.Rate {
	switch key.purgeType {
	case 0:
		return l.prefetch
	case gcoreapi.PurgeByURL:
		return l.urls
	default:
		return l.all
	}
}

const (
	limitsPath        = "/cdn/clients/me/limits"
	purgeStatusesPath = "/cdn/purge_statuses"
	// maxBody bounds a request body: real purge bodies are a few kilobytes.
	maxBody = 1 << 20
)

// New returns a simulator, or an error when cfg.Limits cannot be read.
func New(cfg Config) (*Simulator, error) {
	lim, err := effectiveLimits(cfg.Limits)
	if err != nil {
		return nil, err
	}
	s := &Simulator{
		now:        cfg.Now,
		keys:       set(cfg.APIKeys),
		forbidden:  set(cfg.ForbiddenKeys),
		resources:  maps.Clone(cfg.Resources),
		waitHint:   cfg.WaitHint,
		listPurged: cfg.ListPurgedItems,
		spaced:     cfg.SpacedCreated,
		limits:     lim,
		windows:    map[windowKey][]time.Time{},
	}
	if err := s.SetPurgeOutcome(cfg.PurgeOutcome, cfg.PurgeCompletion); err != nil {
		return nil, err
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

func set(keys []string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// effectiveLimits fills the documented defaults into l and parses its rates.
// Purges by pattern and purges of everything share purge_request_limit.
func effectiveLimits(l gcoreapi.AccountLimits) (limits, error) {
	l.PurgeRequestLimit = cmp.Or(l.PurgeRequestLimit, gcoreapi.DocumentedRate(gcoreapi.PurgeByPattern).String())
	l.PurgeByURLsRequestLimit = cmp.Or(l.PurgeByURLsRequestLimit, gcoreapi.DocumentedRate(gcoreapi.PurgeByURL).String())
	l.PrefetchRequestLimit = cmp.Or(l.PrefetchRequestLimit, gcoreapi.DocumentedPrefetchRate().String())
	l.PurgeMaxURLsLimit = cmp.Or(l.PurgeMaxURLsLimit, gcoreapi.MaxURLsPerRequest)
	l.PurgePatternLimit = cmp.Or(l.PurgePatternLimit, gcoreapi.MaxPatternsPerRequest)
	l.PrefetchPatternLimit = cmp.Or(l.PrefetchPatternLimit, gcoreapi.MaxPrefetchPathsPerRequest)
	if l.PurgeMaxURLsLimit < 0 || l.PurgePatternLimit < 0 || l.PrefetchPatternLimit < 0 {
		return limits{}, errors.New("simulator: item limits must not be negative")
	}
	all, err := gcoreapi.ParseRate(l.PurgeRequestLimit)
	if err != nil {
		return limits{}, fmt.Errorf("simulator: purge_request_limit: %w", err)
	}
	urls, err := gcoreapi.ParseRate(l.PurgeByURLsRequestLimit)
	if err != nil {
		return limits{}, fmt.Errorf("simulator: purge_by_urls_request_limit: %w", err)
	}
	prefetch, err := gcoreapi.ParseRate(l.PrefetchRequestLimit)
	if err != nil {
		return limits{}, fmt.Errorf("simulator: prefetch_request_limit: %w", err)
	}
	return limits{account: l, all: all, urls: urls, prefetch: prefetch}, nil
}

// SetLimits changes the account's limits from now on; purges already
// accepted stay in their windows.
func (s *Simulator) SetLimits(l gcoreapi.AccountLimits) error {
	lim, err := effectiveLimits(l)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = lim
	return nil
}

// Reset forgets purges (the purge history), prefetches, requests, rate-limit
// windows and queued faults. The configuration, limits and purge outcome
// stay.
func (s *Simulator) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.purges = nil
	s.prefetches = nil
	s.requests = nil
	s.windows = map[windowKey][]time.Time{}
	s.faults = nil
	s.rateLimited = 0
}

// Purges returns the accepted purges in arrival order.
func (s *Simulator) Purges() []Purge {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Purge, len(s.purges))
	for i, r := range s.purges {
		out[i] = r.Purge
		out[i].Items = slices.Clone(r.Items)
	}
	return out
}

// Requests returns every request received on the API's paths, in arrival
// order. Requests to the control endpoints (/_simulator/...) are not listed:
// they observe the simulator rather than use it.
func (s *Simulator) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
	}
	return out
}

// RateLimited returns how many 429 answers the simulator gave.
func (s *Simulator) RateLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rateLimited
}

// ServeHTTP answers one request: a queued fault first, then the API itself.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, controlPrefix) {
		s.serveControl(w, r)
		return
	}
	body, tooLarge := readBody(w, r)
	rec := s.record(r, body)
	fault, faulted := s.takeFault(r)
	if faulted && s.applyFault(w, r, fault, rec) {
		return
	}
	a := message(http.StatusRequestEntityTooLarge, "Request body is too large.")
	if !tooLarge {
		a = s.handle(r, body)
	}
	if faulted {
		a.header = mergeHeaders(fault.Header, a.header)
	}
	s.reply(w, rec, a)
}

func readBody(w http.ResponseWriter, r *http.Request) (body []byte, tooLarge bool) {
	if r.Body == nil {
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var maxErr *http.MaxBytesError
	return body, errors.As(err, &maxErr)
}

// record notes a request on arrival, so that Requests lists them in that
// order; its status is filled in when answered.
func (s *Simulator) record(r *http.Request, body []byte) *Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := &Request{Method: r.Method, Path: r.URL.Path, Body: string(body), At: s.now()}
	s.requests = append(s.requests, rec)
	return rec
}

// finish stores the outcome of a request before the client can see it, so
// that a test reading Requests after its call returns sees the status.
func (s *Simulator) finish(rec *Request, status int, dropped bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.Status, rec.Dropped = status, dropped
	if status == http.StatusTooManyRequests {
		s.rateLimited++
	}
}

// answer is a response to write.
type answer struct {
	status int
	body   []byte
	header http.Header
}

// message is the API's usual error form, {"message": "..."}.
func message(status int, msg string) answer {
	return answer{status: status, body: []byte(`{"message":` + jsonString(msg) + `}`)}
}

func notFound() answer { return message(http.StatusNotFound, "Not found.") }

func methodNotAllowed(method, allow string) answer {
	a := message(http.StatusMethodNotAllowed, fmt.Sprintf("Method %q not allowed.", method))
	a.header = http.Header{"Allow": {allow}}
	return a
}

// reply records the answer to rec, then writes it. Its Date header is the
// simulator's clock, as the API's is its own: a client reads from it when the
// API accepted a purge, and the purge history's times are by that clock too.
func (s *Simulator) reply(w http.ResponseWriter, rec *Request, a answer) {
	s.finish(rec, a.status, false)
	w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
	writeAnswer(w, a)
}

func writeAnswer(w http.ResponseWriter, a answer) {
	for k, vs := range a.header {
		w.Header()[k] = slices.Clone(vs)
	}
	if len(a.body) > 0 && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", contentType(a.body))
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body) // a client that went away is not the simulator's problem
}

func contentType(body []byte) string {
	if json.Valid(body) {
		return "application/json"
	}
	return http.DetectContentType(body)
}

// mergeHeaders returns base with extra's values added, for a fault that only
// decorates a normal answer (e.g. with Retry-After).
func mergeHeaders(extra, base http.Header) http.Header {
	out := base.Clone()
	if out == nil {
		out = http.Header{}
	}
	for k, vs := range extra {
		out[k] = append(out[k], vs...)
	}
	return out
}

func (s *Simulator) handle(r *http.Request, body []byte) answer {
	switch r.URL.Path {
	case limitsPath:
		return s.serveLimits(r)
	case purgeStatusesPath:
		return s.servePurgeStatuses(r)
	}
	if id, ok := resourceID(r.URL.Path, "/purge"); ok {
		return s.servePurge(r, id, body)
	}
	if id, ok := resourceID(r.URL.Path, "/prefetch"); ok {
		return s.servePrefetch(r, id, body)
	}
	if id, ok := resourceID(r.URL.Path, ""); ok {
		return s.serveResource(r, id)
	}
	return notFound()
}

// resourceID reads {id} from /cdn/resources/{id} followed by suffix. An ID
// that is not a positive integer does not match the route at all, as on the
// API.
func resourceID(path, suffix string) (int64, bool) {
	rest, ok := strings.CutPrefix(path, "/cdn/resources/")
	if !ok {
		return 0, false
	}
	digits, ok := strings.CutSuffix(rest, suffix)
	if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, false
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	return id, err == nil && id > 0
}

// cname is the delivery domain of CDN resource id: configured, or
// cdn<ID>.example.com.
func (s *Simulator) cname(id int64) string {
	res, _ := s.resource(id)
	return cmp.Or(res.Cname, fmt.Sprintf("cdn%d.example.com", id))
}

// resource returns the CDN resource id, if the account has it.
func (s *Simulator) resource(id int64) (Resource, bool) {
	if s.resources == nil {
		return Resource{}, true
	}
	res, ok := s.resources[id]
	return res, ok
}

// serveResource answers GET /cdn/resources/{id} with the fields the provider
// reads; the real answer has many more.
func (s *Simulator) serveResource(r *http.Request, id int64) answer {
	if a, ok := s.checkCall(r, http.MethodGet); !ok {
		return a
	}
	res, ok := s.resource(id)
	if !ok {
		return notFound()
	}
	canPurgeByURLs := !res.NoPurgeByURLs
	return jsonAnswer(gcoreapi.CDNResource{ID: id, Cname: s.cname(id), Active: true, CanPurgeByURLs: &canPurgeByURLs})
}

func (s *Simulator) serveLimits(r *http.Request) answer {
	if a, ok := s.checkCall(r, http.MethodGet); !ok {
		return a
	}
	s.mu.Lock()
	body, err := json.Marshal(s.limits.account)
	s.mu.Unlock()
	if err != nil {
		return message(http.StatusInternalServerError, err.Error())
	}
	return answer{status: http.StatusOK, body: body}
}

// servePurge checks a purge in the API's order: authentication, permission,
// resource, body, rate limit. The lock is held throughout so that two
// concurrent purges cannot both take the last place in a window.
func (s *Simulator) servePurge(r *http.Request, id int64, body []byte) answer {
	res, a, ok := s.checkResourcePost(r, id)
	if !ok {
		return a
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, bad := parsePurge(body, s.limits.account.PurgeMaxURLsLimit, s.limits.account.PurgePatternLimit)
	if bad != nil {
		return answer{status: http.StatusBadRequest, body: bad}
	}
	if p.Type == gcoreapi.PurgeByURL && res.NoPurgeByURLs {
		// Gcore does not document how the API refuses a purge by URL on a
		// resource whose can_purge_by_urls is false; this 400 in the form of
		// its other field errors stands for it.
		return answer{status: http.StatusBadRequest, body: fieldError("urls", "Purge by URL is not available for this CDN resource.")}
	}
	now := s.now()
	if wait, ok := s.take(windowKey{id, p.Type}, now); !ok {
		return s.tooManyRequests(now, wait)
	}
	s.recordPurge(id, p, now)
	if !s.listPurged {
		return answer{status: http.StatusCreated}
	}
	quoted := make([]string, len(p.Items))
	for i, item := range p.Items {
		quoted[i] = jsonString(item)
	}
	return answer{status: http.StatusCreated, body: []byte("[" + strings.Join(quoted, ",") + "]")}
}

// checkCall checks what the API checks first on every route, in its order:
// the key, its permission, then the method. It returns the answer to give
// when one fails.
func (s *Simulator) checkCall(r *http.Request, method string) (answer, bool) {
	if a, ok := s.authorize(r); !ok {
		return a, false
	}
	if r.Method != method {
		return methodNotAllowed(r.Method, method), false
	}
	return answer{}, true
}

// checkResourcePost checks what comes before the body of a POST to a CDN
// resource: authentication, permission, method, the resource's existence.
func (s *Simulator) checkResourcePost(r *http.Request, id int64) (Resource, answer, bool) {
	if a, ok := s.checkCall(r, http.MethodPost); !ok {
		return Resource{}, a, false
	}
	res, ok := s.resource(id)
	if !ok {
		return Resource{}, notFound(), false
	}
	return res, answer{}, true
}

// authorize checks "Authorization: APIKey <key>" (the scheme word in any
// case, one space) and the key's permission.
func (s *Simulator) authorize(r *http.Request) (answer, bool) {
	header := r.Header.Get("Authorization")
	if header == "" {
		return message(http.StatusUnauthorized, "Authentication credentials were not provided."), false
	}
	scheme, key, _ := strings.Cut(header, " ")
	valid := strings.EqualFold(scheme, "APIKey") && key != "" && strings.TrimSpace(key) == key
	switch {
	case valid && s.forbidden[key]:
		return message(http.StatusForbidden, "You do not have permission to perform this action."), false
	case !valid || (len(s.keys) > 0 && !s.keys[key]):
		return message(http.StatusUnauthorized, "Invalid authentication credentials."), false
	}
	return answer{}, true
}

// take adds a request to the window of key at now if it fits, and
// reports whether it did and, when not, how long until it would. A request
// counts while At > now-window; only accepted requests are in a window.
func (s *Simulator) take(key windowKey, now time.Time) (time.Duration, bool) {
	rate := s.limits.rate(key)
	start := now.Add(-rate.Window)
	inWindow := slices.DeleteFunc(s.windows[key], func(at time.Time) bool { return !at.After(start) })
	s.windows[key] = inWindow
	if len(inWindow) < rate.Requests {
		s.windows[key] = append(inWindow, now)
		return 0, true
	}
	sorted := slices.SortedFunc(slices.Values(inWindow), time.Time.Compare)
	// Room appears when enough of the oldest purges have left the window.
	return sorted[len(sorted)-rate.Requests].Add(rate.Window).Sub(now), false
}

// tooManyRequests is the API's 429, answered at now to a purge that fits the
// window after wait: bare unless the configuration asks for a wait hint.
func (s *Simulator) tooManyRequests(now time.Time, wait time.Duration) answer {
	a := answer{status: http.StatusTooManyRequests}
	secs := max(roundUp(wait, time.Second), 1)
	switch s.waitHint {
	case RetryAfterSeconds:
		a.header = http.Header{"Retry-After": {strconv.FormatInt(secs, 10)}}
	case RetryAfterDate:
		// A date has whole seconds: the next one at or after the wait.
		at := now.Add(wait)
		if truncated := at.Truncate(time.Second); !truncated.Equal(at) {
			at = truncated.Add(time.Second)
		}
		a.header = http.Header{"Retry-After": {at.UTC().Format(http.TimeFormat)}}
	case RetryAfterMs:
		a.header = http.Header{"Retry-After-Ms": {strconv.FormatInt(max(roundUp(wait, time.Millisecond), 1), 10)}}
	case ThrottledBody:
		unit := "seconds"
		if secs == 1 {
			unit = "second"
		}
		a.body = []byte(fmt.Sprintf(`{"detail":"Request was throttled. Expected available in %d %s."}`, secs, unit))
	}
	return a
}

// roundUp is d in whole units, rounded up.
func roundUp(d, unit time.Duration) int64 {
	return int64((d + unit - 1) / unit)
}
