package gcoreapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
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
	ErrUnexpected   = errors.New("unexpected answer")
)

// Error is an answer of the API other than 2xx.
type Error struct {
	StatusCode int
	// Message is the API's own explanation, decoded from every error body the
	// contract documents; for a body that is not JSON, a readable excerpt.
	Message string
	// retryAfter is the raw Retry-After header of a 429, if any.
	retryAfter string
	kind       error
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

// RetryAfter reads the Retry-After header of a 429, in seconds or as an HTTP
// date, as a delay from now. ok is false when the header was absent or
// unreadable.
func (e *Error) RetryAfter(now time.Time) (delay time.Duration, ok bool) {
	if e.retryAfter == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(e.retryAfter)); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(e.retryAfter); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

func newError(resp *http.Response, body []byte) *Error {
	e := &Error{StatusCode: resp.StatusCode, Message: DecodeErrorBody(body), kind: kindOf(resp.StatusCode)}
	if resp.StatusCode == http.StatusTooManyRequests {
		e.retryAfter = resp.Header.Get("Retry-After")
	}
	return e
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
	case status >= 500:
		return ErrServer
	default:
		return ErrUnexpected
	}
}

// maxExcerpt bounds the part of a non-JSON body quoted in a message.
const maxExcerpt = 200

// DecodeErrorBody turns an error body into one readable line. It knows the
// forms the contract documents:
//
//	{"message": "JSON parse error - ..."}
//	{"errors": {"paths": ["A path should start with /."]}}
//	{"errors": {"paths": {"0": ["This field may not be blank."]}}}
//
// and falls back to an excerpt of anything else, so that an HTML error page
// from a proxy still says something.
func DecodeErrorBody(body []byte) string {
	text := strings.TrimSpace(string(body))
	if text == "" {
		return ""
	}
	var doc struct {
		Message string          `json:"message"`
		Detail  string          `json:"detail"`
		Errors  json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "(not JSON) " + excerpt(text)
	}
	var parts []string
	for _, s := range []string{doc.Message, doc.Detail} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	if len(doc.Errors) > 0 {
		parts = append(parts, flattenFieldErrors("", doc.Errors)...)
	}
	if len(parts) == 0 {
		return excerpt(text)
	}
	return strings.Join(parts, "; ")
}

// flattenFieldErrors walks the nested "errors" object and writes one
// "field: message" (or "field[index]: message") per leaf, sorted for a stable
// diagnostic.
func flattenFieldErrors(field string, raw json.RawMessage) []string {
	var text string
	if json.Unmarshal(raw, &text) == nil {
		return []string{label(field, text)}
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		var out []string
		for _, item := range list {
			out = append(out, flattenFieldErrors(field, item)...)
		}
		return out
	}
	var object map[string]json.RawMessage
	if json.Unmarshal(raw, &object) == nil {
		keys := make([]string, 0, len(object))
		for k := range object {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return lessKey(keys[i], keys[j]) })
		var out []string
		for _, k := range keys {
			out = append(out, flattenFieldErrors(childField(field, k), object[k])...)
		}
		return out
	}
	return []string{label(field, excerpt(string(raw)))}
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

func excerpt(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if len(text) > maxExcerpt {
		cut := maxExcerpt
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "…"
	}
	return text
}
