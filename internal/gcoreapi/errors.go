package gcoreapi

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The kinds of failure the API reports. Test them with errors.Is on an error
// returned by the client.
var (
	ErrBadRequest   = errors.New("bad request")
	ErrUnauthorized = errors.New("unauthorized")
	ErrForbidden    = errors.New("forbidden")
	ErrNotFound     = errors.New("not found")
	ErrRateLimited  = errors.New("rate limited")
	ErrServer       = errors.New("server error")
	// ErrRedirected is a 3xx: the client follows no redirect.
	ErrRedirected = errors.New("redirected")
	ErrUnexpected = errors.New("unexpected answer")
)

// Error is an answer of the API other than 2xx.
type Error struct {
	StatusCode int
	// Message is the API's own explanation, decoded from every error body
	// Gcore's API reference documents for POST
	// /cdn/resources/{resource_id}/purge; for a body that is not JSON, a
	// readable excerpt.
	Message string
	// RefusedItems are the indexes, in the request's list of URLs or
	// patterns, of the items a 400 names as refused, in the documented form
	// {"errors":{"paths":{"0":["This field may not be blank."]}}}; sorted.
	RefusedItems []int
	// retryAfterMs and retryAfter are the raw headers of a 429, if any.
	retryAfterMs, retryAfter string
	kind                     error
}

func (e *Error) Error() string {
	status := strconv.Itoa(e.StatusCode)
	if text := http.StatusText(e.StatusCode); text != "" {
		status += " " + text
	}
	if e.Message == "" {
		return "the Gcore API answered " + status
	}
	return "the Gcore API answered " + status + ": " + e.Message
}

// Unwrap lets errors.Is match the kind (ErrBadRequest, ErrRateLimited, ...).
func (e *Error) Unwrap() error { return e.kind }

// RetryAfter reads how long a 429 asks to wait, as a delay from now, from
// the first of these that gives a usable wait, in the order of Gcore's own
// SDKs: the Retry-After-Ms header (milliseconds), the Retry-After header
// (seconds or an HTTP date), then the seconds of Django REST Framework's
// throttling message, {"detail": "Request was throttled. Expected available
// in N seconds."}. A negative wait (a date already past included) or an
// unreadable one counts as absent. source quotes what was used, for messages;
// ok is false when nothing gave a wait.
func (e *Error) RetryAfter(now time.Time) (delay time.Duration, source string, ok bool) {
	if ms, ok := nonNegative(e.retryAfterMs); ok {
		return duration(ms, time.Millisecond), "Retry-After-Ms: " + e.retryAfterMs, true
	}
	if secs, ok := nonNegative(e.retryAfter); ok {
		return duration(secs, time.Second), "Retry-After: " + e.retryAfter, true
	}
	if at, err := http.ParseTime(e.retryAfter); err == nil && !at.Before(now) {
		return min(at.Sub(now), longestWait), "Retry-After: " + e.retryAfter, true
	}
	if m := throttled.FindStringSubmatch(e.Message); m != nil {
		if secs, ok := nonNegative(m[1]); ok {
			return duration(secs, time.Second), strconv.Quote(m[0]), true
		}
	}
	return 0, "", false
}

// throttled finds the wait in Django REST Framework's throttling message,
// which writes "second" for one and may write a decimal.
var throttled = regexp.MustCompile(`Expected available in ([0-9]+(?:\.[0-9]+)?) seconds?`)

// nonNegative reads a number of units, decimals allowed as Gcore's SDKs
// allow them; ok is false for anything else or a negative number.
func nonNegative(text string) (float64, bool) {
	n, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
	if err != nil || math.IsNaN(n) || n < 0 {
		return 0, false
	}
	return n, true
}

// longestWait bounds a wait read from an answer: absurdly long still (past
// any deadline), yet a caller can add a margin to it without overflow.
const longestWait = 100 * 365 * 24 * time.Hour

// duration converts n units to a duration of at most longestWait.
func duration(n float64, unit time.Duration) time.Duration {
	if n >= float64(longestWait/unit) {
		return longestWait
	}
	return time.Duration(n * float64(unit))
}

func newError(resp *http.Response, body []byte) *Error {
	e := &Error{StatusCode: resp.StatusCode, Message: DecodeErrorBody(body), kind: kindOf(resp.StatusCode)}
	if e.kind == ErrRedirected {
		e.Message = "a redirect to " + strconv.Quote(excerpt(resp.Header.Get("Location"))) + ", not followed"
	}
	if resp.StatusCode == http.StatusBadRequest {
		e.RefusedItems = refusedItems(body)
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		e.retryAfterMs = resp.Header.Get("Retry-After-Ms")
		e.retryAfter = resp.Header.Get("Retry-After")
	}
	return e
}

// refusedItems reads the item indexes of a 400 body that names items of the
// "urls" or "paths" list one by one.
func refusedItems(body []byte) []int {
	var doc struct {
		Errors map[string]json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return nil
	}
	var indexes []int
	for _, field := range []string{"urls", "paths"} {
		var byIndex map[string]json.RawMessage
		if json.Unmarshal(doc.Errors[field], &byIndex) != nil {
			continue
		}
		for k := range byIndex {
			if i, err := strconv.Atoi(k); err == nil && i >= 0 {
				indexes = append(indexes, i)
			}
		}
	}
	sort.Ints(indexes)
	return indexes
}

func kindOf(status int) error {
	switch {
	case status == http.StatusBadRequest:
		return ErrBadRequest
	case status == http.StatusUnauthorized:
		return ErrUnauthorized
	case status == http.StatusForbidden:
		return ErrForbidden
	case status == http.StatusNotFound:
		return ErrNotFound
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status >= 300 && status <= 399:
		return ErrRedirected
	case status >= 500:
		return ErrServer
	default:
		return ErrUnexpected
	}
}

// Bounds on what an error body can put in a message. The documented bodies
// are a line or two and nest three levels deep; a misbehaving server or proxy
// must not fill the user's screen, nor make the decoding slow.
const (
	// maxExcerpt bounds the part of a body quoted as it is.
	maxExcerpt = 200
	// maxMessage bounds the whole decoded message.
	maxMessage = 2048
	// maxDepth bounds how deep the "errors" tree is walked; deeper parts are
	// quoted as an excerpt.
	maxDepth = 8
)

// DecodeErrorBody turns an error body into one readable line. It knows the
// forms Gcore's API reference documents for POST
// /cdn/resources/{resource_id}/purge:
//
//	{"message": "JSON parse error - ..."}
//	{"errors": {"paths": ["A path should start with /."]}}
//	{"errors": {"paths": {"0": ["This field may not be blank."]}}}
//
// and falls back to an excerpt of anything else, so that an HTML error page
// from a proxy still says something. The line is valid UTF-8 without control
// characters (each becomes U+FFFD, so that a terminal never interprets what a
// server sent) and at most maxMessage bytes.
func DecodeErrorBody(body []byte) string {
	text := strings.TrimSpace(string(body))
	if text == "" {
		return ""
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		if json.Valid(body) {
			return excerpt(text) // JSON, but not an object
		}
		return "(not JSON) " + excerpt(text)
	}
	var f flattener
	for _, key := range []string{"message", "detail"} {
		var s string
		if json.Unmarshal(doc[key], &s) == nil {
			f.add("", s)
		}
	}
	if errs, ok := doc["errors"]; ok {
		f.walk("", errs, 0)
	}
	if len(f.parts) == 0 {
		return excerpt(text)
	}
	return Clip(strings.Join(f.parts, "; "), maxMessage)
}

// flattener walks the nested "errors" object and writes one "field: message"
// (or "field[index]: message") per leaf, sorted for a stable diagnostic. It
// stops once it has written more than a message can hold.
type flattener struct {
	parts []string
	size  int
}

func (f *flattener) add(field, message string) {
	if message = oneLine(message); message != "" && f.size <= maxMessage {
		part := label(field, message)
		f.parts = append(f.parts, part)
		f.size += len(part) + len("; ")
	}
}

func (f *flattener) walk(field string, raw json.RawMessage, depth int) {
	if f.size > maxMessage {
		return
	}
	var text string
	if json.Unmarshal(raw, &text) == nil {
		f.add(field, text)
		return
	}
	if depth >= maxDepth {
		f.add(field, excerpt(string(raw)))
		return
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		for _, item := range list {
			f.walk(field, item, depth+1)
		}
		return
	}
	var object map[string]json.RawMessage
	if json.Unmarshal(raw, &object) == nil {
		keys := make([]string, 0, len(object))
		for k := range object {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return lessKey(keys[i], keys[j]) })
		for _, k := range keys {
			f.walk(childField(field, oneLine(k)), object[k], depth+1)
		}
		return
	}
	if s := string(raw); s != "null" {
		f.add(field, excerpt(s))
	}
}

func childField(parent, key string) string {
	if _, err := strconv.Atoi(key); err == nil && parent != "" {
		return parent + "[" + key + "]"
	}
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// lessKey orders numeric keys (list indexes) as numbers, others as text.
func lessKey(a, b string) bool {
	na, errA := strconv.Atoi(a)
	nb, errB := strconv.Atoi(b)
	if errA == nil && errB == nil {
		return na < nb
	}
	return a < b
}

func label(field, message string) string {
	if field == "" {
		return message
	}
	return field + ": " + message
}

// excerpt quotes text as one line of at most maxExcerpt bytes.
func excerpt(text string) string {
	return Clip(oneLine(text), maxExcerpt)
}

// oneLine folds runs of white space into one space and replaces invalid
// UTF-8, control characters and bidirectional controls with U+FFFD.
func oneLine(text string) string {
	text = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r):
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(text, string(utf8.RuneError)))
	return strings.Join(strings.Fields(text), " ")
}

// Clip cuts text to at most limit bytes, at a character boundary, marking the
// cut with "…" (which the limit does not count). Besides the error messages
// here, the simulator's command clips what it logs with it.
func Clip(text string, limit int) string {
	if len(text) <= limit {
		return text
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return strings.TrimRight(text[:cut], " ") + "…"
}
