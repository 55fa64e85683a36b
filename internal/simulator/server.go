package simulator

import (
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server is a Simulator listening on a loopback port.
type Server struct {
	// URL is the base URL to give a client, e.g. http://127.0.0.1:41234.
	URL string
	*Simulator

	http   *http.Server
	served chan struct{}  // closed when Serve has returned
	conns  sync.WaitGroup // open connections, so Close can wait for handlers
}

// Start serves a new simulator on 127.0.0.1 at a free port, in the
// background. It never listens beyond loopback: the simulator accepts any
// key when told to and its control endpoints need none.
func Start(cfg Config) (*Server, error) {
	sim, err := New(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + ln.Addr().String(), Simulator: sim, served: make(chan struct{})}
	s.http = &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second, ConnState: s.track}
	go func() {
		defer close(s.served)
		_ = s.http.Serve(ln) // returns ErrServerClosed on Close
	}()
	return s, nil
}

// track counts connections the way httptest.Server does: StateNew is
// reported by Serve's own goroutine, so none can start once Serve returned.
func (s *Server) track(_ net.Conn, state http.ConnState) {
	switch state {
	case http.StateNew:
		s.conns.Add(1)
	case http.StateHijacked, http.StateClosed:
		s.conns.Done()
	}
}

// closeWait bounds how long Close waits for handlers. They return promptly
// once their connection is closed (a Delay fault watches the request's
// context), so this only guards against a hang.
const closeWait = 5 * time.Second

// Close stops listening and closes every connection, including those a Delay
// fault is holding, then waits briefly for the handlers to return.
func (s *Server) Close() error {
	err := s.http.Close()
	<-s.served
	done := make(chan struct{})
	go func() {
		s.conns.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(closeWait):
		err = errors.Join(err, errors.New("simulator: handlers still running after close"))
	}
	return err
}
