// Command gcore-api-simulator serves a fake Gcore CDN purge API on a loopback
// port, for demos and scripts: point the provider's base_url at the printed
// URL, then read what it purged from /_simulator/purges.
//
//	gcore-api-simulator -url-file /tmp/gcore.url -compressed-limits
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

func main() {
	err := run(os.Args[1:], os.Stdout)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case err != nil:
		fmt.Fprintln(os.Stderr, "gcore-api-simulator:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	flags := flag.NewFlagSet("gcore-api-simulator", flag.ContinueOnError)
	addr := flags.String("addr", "127.0.0.1:0", "address to listen on; loopback only")
	apiKey := flags.String("api-key", os.Getenv("GCORE_API_KEY"), "the accepted API key (default $GCORE_API_KEY); empty accepts any key")
	purgeLimit := flags.String("purge-limit", "",
		"purge_request_limit: purges by pattern, and purges of everything, per resource (default: Gcore's example, 1/m)")
	urlsLimit := flags.String("purge-by-urls-limit", "",
		"purge_by_urls_request_limit: purges by URL per resource (default: Gcore's example, 2/m)")
	urlFile := flags.String("url-file", "", "write the base URL to this file once listening (removed on exit)")
	retryAfter := flags.Bool("retry-after", false, "send Retry-After with 429 answers (the real API does not document it)")
	compressed := flags.Bool("compressed-limits", false, "use simulator.CompressedLimits (the documented limits per second, not per minute) instead of the two limits above")
	completion := flags.Duration("purge-completion", 0, "how long an accepted purge stays \"In progress\" in the purge history")
	outcome := flags.String("purge-outcome", string(simulator.StatusSuccessful),
		"the status a purge ends in: \"Successful\", \"Failed\", \"Status report disabled\", or \"In progress\" (never ends)")
	historyURLs := flags.String("history-urls", "full",
		"how the purge history lists a purge's URLs: \"full\" (http://<host><path>, as Gcore's API reference shows them) or \"paths\" (as sent)")
	historyHost := flags.String("history-host", "", "the host of the history's full URLs (default: the CDN resource's cname)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flags.Args())
	}
	if err := checkLoopback(*addr); err != nil {
		return err
	}

	payloadURLs, ok := map[string]simulator.PayloadURLs{"full": simulator.FullURLs, "paths": simulator.PathsAsSent}[*historyURLs]
	if !ok {
		return fmt.Errorf("-history-urls %q: want full or paths", *historyURLs)
	}
	cfg := simulator.Config{
		Limits:          simulator.Limits{PurgeRequestLimit: *purgeLimit, PurgeByURLsRequestLimit: *urlsLimit},
		PurgeCompletion: *completion,
		PurgeOutcome:    simulator.PurgeStatus(*outcome),
		PayloadURLs:     payloadURLs,
		PayloadHost:     *historyHost,
	}
	if *retryAfter {
		cfg.WaitHint = simulator.RetryAfterSeconds
	}
	if *compressed {
		cfg.Limits = simulator.CompressedLimits
	}
	if *apiKey != "" {
		cfg.APIKeys = []string{*apiKey}
	}
	sim, err := simulator.New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String()
	if *urlFile != "" {
		if err := writeFileAtomically(*urlFile, url+"\n"); err != nil {
			ln.Close()
			return err
		}
		defer os.Remove(*urlFile) // a stale URL would send scripts to a dead port
	}
	fmt.Fprintln(out, "gcore API simulator listening on", url)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, ln, logRequests(sim, out))
}

// checkLoopback refuses any address reachable from another machine: the
// simulator may accept any key, and its control endpoints need none.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr %q: the simulator listens on loopback only (127.0.0.1, [::1] or localhost)", addr)
	}
	return nil
}

// writeFileAtomically writes through a temporary file so that a script
// polling for the file never reads half a URL.
func writeFileAtomically(path, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := tmp.WriteString(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// serve answers on ln until ctx ends, then lets requests in flight finish
// for a moment before cutting them off.
func serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return srv.Close()
	}
	return nil
}

// maxLoggedBody bounds a logged body; purge bodies are a few kilobytes.
const maxLoggedBody = 2000

// maxBody is read ahead for logging; the simulator itself rejects more than
// 1 MiB, so one byte beyond lets it see the excess.
const maxBody = 1<<20 + 1

// logRequests writes "METHOD PATH STATUS BODY" for every request once it has
// been answered ("dropped" when the connection was closed instead, "-" when
// the client left first).
func logRequests(next http.Handler, out io.Writer) http.Handler {
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &statusRecorder{ResponseWriter: w}
		defer func() { // deferred: an aborted handler still gets its line
			mu.Lock()
			defer mu.Unlock()
			line := r.Method + " " + r.URL.Path + " " + rec.outcome()
			if len(body) > 0 {
				line += " " + oneLine(body)
			}
			fmt.Fprintln(out, line)
		}()
		next.ServeHTTP(rec, r)
	})
}

// statusRecorder notes the status written through it. It hijacks itself
// rather than only unwrapping, so that the log can tell a drop apart.
type statusRecorder struct {
	http.ResponseWriter
	status   int
	hijacked bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	s.hijacked = true
	return http.NewResponseController(s.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController reach Flush and deadlines.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) outcome() string {
	switch {
	case s.hijacked:
		return "dropped"
	case s.status == 0:
		return "-"
	default:
		return strconv.Itoa(s.status)
	}
}

// oneLine keeps a body on its log line: JSON compacted, anything else quoted.
func oneLine(body []byte) string {
	var compact bytes.Buffer
	text := strconv.Quote(string(body))
	if json.Compact(&compact, body) == nil {
		text = compact.String()
	}
	return clip(text, maxLoggedBody)
}

// clip cuts text to at most n bytes, at a character boundary, marking the
// cut with "…".
func clip(text string, n int) string {
	if len(text) <= n {
		return text
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut] + "…"
}
