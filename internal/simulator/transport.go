package simulator

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// ErrConnectionDropped is the error RoundTrip returns when a fault drops the
// connection: like a real dropped connection, it wraps io.ErrUnexpectedEOF.
var ErrConnectionDropped = fmt.Errorf("simulator: the connection closed without an answer: %w", io.ErrUnexpectedEOF)

// RoundTrip answers r in memory, as the API would over a connection, so that
// the simulator can be an http.Client's Transport: the client then runs
// against it with no socket, inside a testing/synctest bubble for instance,
// where faults' delays and the simulator's clock (when Config.Now is nil)
// are the bubble's fake time. A dropped connection is ErrConnectionDropped;
// a request whose context ends during a delay gets the context's error.
// Control endpoints answer it, as they answer loopback clients.
func (s *Simulator) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := readAll(r.Body)
	if err != nil {
		return nil, err
	}
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	w := &memoryWriter{header: http.Header{}}
	if aborted := serveAborting(s, w, serverRequest(r, body)); aborted {
		return nil, ErrConnectionDropped
	}
	if w.status == 0 { // the handler gave up during a delay: the context ended
		if err := r.Context().Err(); err != nil {
			return nil, err
		}
		return nil, ErrConnectionDropped
	}
	return w.response(r), nil
}

// readAll reads and closes a request body, as a RoundTripper must close it.
func readAll(body io.ReadCloser) ([]byte, error) {
	if body == nil {
		return nil, nil
	}
	defer body.Close()
	return io.ReadAll(body)
}

// serverRequest is r as a server would receive it, from loopback: the
// process itself is the client.
func serverRequest(r *http.Request, body []byte) *http.Request {
	req := r.Clone(r.Context())
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	req.RequestURI = r.URL.RequestURI()
	req.RemoteAddr = "127.0.0.1:1"
	if req.Host == "" {
		req.Host = r.URL.Host
	}
	if r.URL.Scheme == "https" {
		req.TLS = &tls.ConnectionState{}
	}
	return req
}

// serveAborting serves r, and reports whether the handler aborted with
// http.ErrAbortHandler, as a dropped connection does when there is none to
// close.
func serveAborting(h http.Handler, w http.ResponseWriter, r *http.Request) (aborted bool) {
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				panic(v)
			}
			aborted = true
		}
	}()
	h.ServeHTTP(w, r)
	return false
}

// memoryWriter is the http.ResponseWriter of RoundTrip: it keeps the answer
// whole, to be read once the handler returned.
type memoryWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *memoryWriter) Header() http.Header { return w.header }

func (w *memoryWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *memoryWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

func (w *memoryWriter) response(r *http.Request) *http.Response {
	body := w.body.Bytes()
	header := w.header.Clone()
	header.Set("Content-Length", strconv.Itoa(len(body)))
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", w.status, http.StatusText(w.status)),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       r,
	}
}
