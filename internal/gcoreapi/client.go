package gcoreapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
)

// DefaultBaseURL is Gcore's public API.
const DefaultBaseURL = "https://api.gcore.com"

// maxBodyBytes bounds how much of a response is read, so that a misbehaving
// proxy cannot make the provider buffer without end. The largest answer is a
// page of the purge history: 100 purges of up to 100 URLs each, a megabyte or
// two.
const maxBodyBytes = 8 << 20

// Config holds what a Client needs. HTTPClient may be nil for
// http.DefaultClient; tests pass a recording or simulated one.
type Config struct {
	BaseURL    string
	APIKey     string
	UserAgent  string
	HTTPClient *http.Client
}

// Client talks to the Gcore CDN API. It is safe for concurrent use.
type Client struct {
	baseURL   *url.URL
	apiKey    string
	userAgent string
	http      *http.Client
	// accepted counts the purges the API accepted, to key them.
	accepted atomic.Uint64
	// clockOffset is how far the API's clock runs ahead of the local one,
	// by the Date of its latest answer (to the second).
	clockOffset atomic.Int64
}

// New checks the configuration and returns a client.
func New(cfg Config) (*Client, error) {
	base, err := ParseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if err := CheckAPIKey(cfg.APIKey); err != nil {
		return nil, err
	}
	httpClient := &http.Client{}
	if cfg.HTTPClient != nil {
		*httpClient = *cfg.HTTPClient //nolint:govet // a copy of its settings, not of a lock: http.Client has none
	}
	// No redirect is followed: Go would send a POST again to wherever the
	// Location points, without the key, and the API documents none. A 3xx
	// is returned as an *Error naming where it pointed.
	httpClient.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{baseURL: base, apiKey: cfg.APIKey, userAgent: cfg.UserAgent, http: httpClient}, nil
}

// ParseBaseURL accepts an absolute https URL, or an http one to a loopback
// host (localhost, 127.0.0.0/8, [::1]: a local simulator), with or without a
// trailing slash, and returns it without the slash. Every request carries the
// API key, which must never cross a network in cleartext.
func ParseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an absolute https URL; use the form %s", raw, DefaultBaseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("%q must not carry credentials, a query or a fragment; use the form %s", raw, DefaultBaseURL)
	}
	if u.Scheme == "http" && !IsLoopback(u.Hostname()) {
		return nil, fmt.Errorf("%q would send the API key in cleartext: use https (%s), or http only to a loopback "+
			"host (localhost, 127.0.0.1, [::1]) such as a local simulator", raw, "https://"+u.Host+strings.TrimRight(u.Path, "/"))
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// IsLoopback reports whether host names this machine: localhost, an address
// of 127.0.0.0/8 or ::1.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CheckAPIKey refuses a key that cannot go in an Authorization header as it
// is: one with white space or control characters, such as the newline that
// file("key.txt") keeps. The error never quotes the key.
func CheckAPIKey(key string) error {
	for i, r := range key {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return fmt.Errorf("the API key contains white space or a control character (%U at byte %d of %d); "+
				"a key read from a file usually ends with a newline: use trimspace(file(...))", r, i, len(key))
		}
	}
	return nil
}

// do sends one request and decodes a JSON answer into out when out is not nil.
// Transport failures are returned as they are (wrapped); HTTP failures as *Error.
func (c *Client) do(ctx context.Context, method, path string, body []byte, out any) error {
	return c.send(ctx, method, path, nil, body, out, nil)
}

// send is do with a query string, and with the answer's header stored in
// header when it is not nil.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, body []byte, out any, header *http.Header) error {
	endpoint := c.baseURL.JoinPath(path)
	endpoint.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, method, endpoint.String(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "APIKey "+c.apiKey)
	req.Header.Set("Accept", "application/json")
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := c.http.Do(req)
	if err != nil {
		if cause := transportCause(err, endpoint.Host); cause != "" {
			return fmt.Errorf("%s %s: %s: %w", method, path, cause, err)
		}
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if date, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		c.clockOffset.Store(int64(date.Sub(time.Now().Truncate(time.Second))))
	}
	if header != nil {
		*header = resp.Header
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	if err != nil && resp.StatusCode < 300 {
		return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := newError(resp, raw)
		e.Message = c.redact(e.Message)
		return e
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: the API answered %d with a body that is not the expected JSON: %w",
			method, path, resp.StatusCode, err)
	}
	return nil
}

// redacted stands for the API key wherever an answer quotes it.
const redacted = "[API key redacted]"

// redact removes the API key from text taken from an answer: a proxy or an
// API error that echoes the Authorization header must not put the key in a
// diagnostic. A key too short to be a real one is left alone, so as not to
// mangle the message.
func (c *Client) redact(text string) string {
	if len(c.apiKey) < 8 {
		return text
	}
	return strings.ReplaceAll(text, c.apiKey, redacted)
}

// IsTransient reports whether err is worth retrying as it is: a server error,
// or a failure of the transport (connection refused or dropped, a timed-out
// attempt). Client errors (4xx) are never transient, nor failures that
// CannotHeal; a 429 is handled apart because it says how long to wait.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || CannotHeal(err) {
		return false
	}
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return errors.Is(apiErr, ErrServer)
	}
	return true
}
