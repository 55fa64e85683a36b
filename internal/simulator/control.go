package simulator

import (
	"net"
	"net/http"
	"time"
)

// controlPrefix is where scripts and other processes inspect and reset the
// simulator. It needs no key, so it answers loopback clients only.
const controlPrefix = "/_simulator/"

func (s *Simulator) serveControl(w http.ResponseWriter, r *http.Request) {
	if !fromLoopback(r) {
		writeAnswer(w, message(http.StatusForbidden, "The simulator's control endpoints answer loopback clients only."))
		return
	}
	route := map[string]struct {
		method string
		serve  func() answer
	}{
		controlPrefix + "purges":     {http.MethodGet, s.purgesAnswer},
		controlPrefix + "prefetches": {http.MethodGet, s.prefetchesAnswer},
		controlPrefix + "requests":   {http.MethodGet, s.requestsAnswer},
		controlPrefix + "reset":      {http.MethodPost, func() answer { s.Reset(); return answer{status: http.StatusNoContent} }},
	}[r.URL.Path]
	switch {
	case route.serve == nil:
		writeAnswer(w, notFound())
	case r.Method != route.method:
		writeAnswer(w, methodNotAllowed(r.Method, route.method))
	default:
		writeAnswer(w, route.serve())
	}
}

func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

type purgeJSON struct {
	ResourceID int64    `json:"resource_id"`
	Type       string   `json:"type"`
	Items      []string `json:"items"`
	At         string   `json:"at"`
}

// bodyKey names a purge type by the body that asks for it: "urls", "paths"
// or "all".
var bodyKey = map[PurgeType]string{PurgeByURL: "urls", PurgeByPattern: "paths", PurgeAll: "all"}

func (s *Simulator) purgesAnswer() answer {
	purges := s.Purges()
	out := make([]purgeJSON, len(purges))
	for i, p := range purges {
		out[i] = purgeJSON{p.ResourceID, bodyKey[p.Type], append([]string{}, p.Items...), p.At.Format(time.RFC3339Nano)}
	}
	return jsonAnswer(out)
}

type prefetchJSON struct {
	ResourceID int64    `json:"resource_id"`
	Paths      []string `json:"paths"`
	At         string   `json:"at"`
}

func (s *Simulator) prefetchesAnswer() answer {
	prefetches := s.Prefetches()
	out := make([]prefetchJSON, len(prefetches))
	for i, p := range prefetches {
		out[i] = prefetchJSON{p.ResourceID, p.Paths, p.At.Format(time.RFC3339Nano)}
	}
	return jsonAnswer(out)
}

type requestJSON struct {
	Method  string `json:"method"`
	Path    string `json:"path"`
	Query   string `json:"query"`
	Body    string `json:"body"`
	Status  int    `json:"status"`
	At      string `json:"at"`
	Dropped bool   `json:"dropped"`
}

func (s *Simulator) requestsAnswer() answer {
	requests := s.Requests()
	out := make([]requestJSON, len(requests))
	for i, r := range requests {
		out[i] = requestJSON{r.Method, r.Path, r.Query, r.Body, r.Status, r.At.Format(time.RFC3339Nano), r.Dropped}
	}
	return jsonAnswer(out)
}
