package simulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config describes the account the simulator plays.
type Config struct {
	// APIKeys are the accepted keys, sent as "Authorization: APIKey <key>".
	// When empty, any non-empty key is accepted.
	APIKeys []string
	// ForbiddenKeys authenticate but lack permission: every call answers 403.
	ForbiddenKeys []string
	// Resources are the CDN resources of the account, by ID; nil means every
	// positive ID exists, as an ordinary resource.
	Resources map[int64]Resource
	// Limits are the account's limits, as GET /cdn/clients/me/limits answers
	// them; the zero value answers the example of Gcore's API reference.
	Limits Limits
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
	// PurgeOutcome is the status a purge ends in: StatusSuccessful (the
	// default), StatusFailed, StatusInProgress (it never ends, to test a
	// timeout) or StatusReportDisabled, which a purge shows from the start:
	// an account without status reports has no progress to show.
	PurgeOutcome PurgeStatus
	// PayloadURLs is how the purge history lists the URLs of a purge by URL:
	// full URLs by default, as Gcore's API reference's example does.
	PayloadURLs PayloadURLs
	// PayloadHost is the host of those full URLs; "" is the CDN resource's
	// cname. The reference's example shows other hosts (example.com), as a
	// secondary hostname would give.
	PayloadHost string
	// SpacedCreated writes the history's "created" as
	// 2021-10-29 13:21:01.550849+00:00 instead of 2021-10-29T13:21:01.550849Z:
	// the API has been seen answering both.
	SpacedCreated bool
	// Now is the clock of the rate limits, the purge history and the Date
	// header; nil means time.Now (the fake clock inside a testing/synctest
	// bubble).
	Now func() time.Time
}

// Request is a request the simulator received, with the status it answered:
// 0 when it answered nothing (a dropped connection, or a client that gave up
// during a delay). Headers are not kept, so no API key is ever stored.
type Request struct {
	Method string
	Path   string
	// Query is the raw query string, e.g. "cname=cdn.example.com&limit=100".
	Query   string
	Body    string
	Status  int
	At      time.Time
	Dropped bool
}

// Simulator plays the Gcore CDN API, as an http.Handler and as an
// http.RoundTripper (RoundTrip). It is safe for concurrent use.
type Simulator struct {
	now         func() time.Time
	keys        map[string]bool
	forbidden   map[string]bool
	resources   map[int64]Resource // nil: every positive ID exists
	created     time.Time          // when the account's resources were created
	waitHint    WaitHint
	listPurged  bool
	payloadURLs PayloadURLs
	payloadHost string
	spaced      bool

	mu          sync.Mutex
	limits      limits
	completion  time.Duration
	outcome     PurgeStatus
	lastPurgeID int64
	purges      []historyRecord
	prefetches  []Prefetch
	requests    []*Request
	windows     map[windowKey][]time.Time
	faults      []*queuedFault
	rateLimited int
}

// maxBody bounds a request body: real purge bodies are a few kilobytes.
const maxBody = 1 << 20

// New returns a simulator, or an error when cfg cannot be played (an
// unreadable rate, an unknown status...).
func New(cfg Config) (*Simulator, error) {
	lim, err := cfg.Limits.resolve()
	if err != nil {
		return nil, err
	}
	if err := checkResources(cfg.Resources); err != nil {
		return nil, err
	}
	if cfg.PayloadURLs != FullURLs && cfg.PayloadURLs != PathsAsSent {
		return nil, fmt.Errorf("simulator: unknown PayloadURLs %d", cfg.PayloadURLs)
	}
	s := &Simulator{
		now:         cfg.Now,
		keys:        set(cfg.APIKeys),
		forbidden:   set(cfg.ForbiddenKeys),
		resources:   cloneResources(cfg.Resources),
		waitHint:    cfg.WaitHint,
		listPurged:  cfg.ListPurgedItems,
		payloadURLs: cfg.PayloadURLs,
		payloadHost: cfg.PayloadHost,
		spaced:      cfg.SpacedCreated,
		limits:      lim,
		windows:     map[windowKey][]time.Time{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.created = s.now()
	if err := s.SetPurgeOutcome(cfg.PurgeOutcome, cfg.PurgeCompletion); err != nil {
		return nil, err
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

// ServeHTTP answers one request: the queued fault that matches it, if any,
// around the API itself.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, controlPrefix) {
		s.serveControl(w, r)
		return
	}
	body, tooLarge := readBody(w, r)
	rec := s.record(r, body)
	fault := s.takeFault(r)
	if s.answeredBefore(fault, w, r, rec) {
		return
	}
	a := message(http.StatusRequestEntityTooLarge, "Request body is too large.")
	if !tooLarge {
		a = s.handle(r, body)
	}
	a.header = mergeHeaders(fault.Header, a.header)
	if s.answeredAfter(fault, w, r, rec) {
		return
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
	rec := &Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body), At: s.now()}
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

func badRequest(body []byte) answer { return answer{status: http.StatusBadRequest, body: body} }

func methodNotAllowed(method, allow string) answer {
	a := message(http.StatusMethodNotAllowed, fmt.Sprintf("Method %q not allowed.", method))
	a.header = http.Header{"Allow": {allow}}
	return a
}

// jsonAnswer is a 200 with v as JSON, written as the API's Python service
// writes it: "&" and "<" stay as they are.
func jsonAnswer(v any) answer {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return message(http.StatusInternalServerError, err.Error())
	}
	return answer{status: http.StatusOK, body: bytes.TrimSuffix(b.Bytes(), []byte("\n"))}
}

// jsonString quotes s as jsonAnswer writes strings.
func jsonString(s string) string {
	return string(jsonAnswer(s).body)
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
	if len(extra) == 0 {
		return base
	}
	out := base.Clone()
	if out == nil {
		out = http.Header{}
	}
	for k, vs := range extra {
		out[k] = append(out[k], vs...)
	}
	return out
}

const (
	resourcesPath     = "/cdn/resources"
	limitsPath        = "/cdn/clients/me/limits"
	purgeStatusesPath = "/cdn/purge_statuses"
)

func (s *Simulator) handle(r *http.Request, body []byte) answer {
	switch r.URL.Path {
	case limitsPath:
		return s.serveLimits(r)
	case purgeStatusesPath:
		return s.servePurgeStatuses(r)
	case resourcesPath:
		return s.serveResourceList(r)
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
	rest, ok := strings.CutPrefix(path, resourcesPath+"/")
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
