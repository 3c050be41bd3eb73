// Package rtmp is the RTMP ingest: publishers (ffmpeg, OBS, the agent)
// connect, are authorised before any media is taken, and their tags become
// units of a stream. It translates only; who may publish is decided by the
// Authorize function the caller provides.
package rtmp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	"livestudio/internal/stream"
)

// Authorize decides whether a publish may start. app is the RTMP app
// ("live"), name the stream name and query its raw query string. It returns
// the registry key to publish to, or an error shown to the publisher; the
// error's reason label for metrics comes from ReasonOf.
type Authorize func(app, name, query string) (key string, err error)

// Publishers admits publishers: the gateway's stream registry (see
// RegistryPublishers), or the agent's channels.
type Publishers interface {
	// Publish makes the caller the writer of key, or refuses (busy).
	Publish(key string) (Publisher, error)
}

// Publisher receives one connection's units.
type Publisher interface {
	Write(u *stream.Unit)
	// Close detaches: clean for an unpublish, not for a dropped connection.
	Close(clean bool)
	// Kicked is closed when the publisher must stop (taken over, shutdown).
	Kicked() <-chan struct{}
}

// RegistryPublishers publishes into a stream registry.
type RegistryPublishers struct{ *stream.Registry }

// Publish implements Publishers.
func (r RegistryPublishers) Publish(key string) (Publisher, error) {
	p, err := r.Registry.Publish(key)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Server accepts RTMP publishers.
type Server struct {
	cfg       Config
	log       *slog.Logger
	pubs      Publishers
	authorize Authorize
	reason    func(error) string
	metrics   *Metrics
	ln        net.Listener

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// Options are the collaborators of a Server.
type Options struct {
	Publishers Publishers
	Authorize  Authorize
	// Reason maps an Authorize error to a metrics label.
	Reason  func(error) string
	Metrics *Metrics
	Log     *slog.Logger
}

// New binds the listener: a bad address fails here, not in Run.
func New(cfg Config, o Options) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("rtmp listen %s: %w", cfg.Listen, err)
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics(nil)
	}
	if o.Reason == nil {
		o.Reason = func(error) string { return "refused" }
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: cfg, log: o.Log, pubs: o.Publishers, authorize: o.Authorize, reason: o.Reason,
		metrics: o.Metrics, ln: ln, conns: make(map[net.Conn]struct{})}, nil
}

// Addr is the bound address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Run accepts connections until ctx ends, then closes every connection and
// returns once all connection goroutines have ended.
func (s *Server) Run(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { s.ln.Close() })
	defer stop()
	var err error
	for {
		var nc net.Conn
		nc, err = s.ln.Accept()
		if err != nil {
			break
		}
		if !s.track(nc) {
			s.metrics.ConnErrors.WithLabelValues("too_many_connections").Inc()
			nc.Close()
			continue
		}
		s.metrics.Conns.Inc()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(nc)
			s.serve(ctx, nc)
		}()
	}
	s.mu.Lock()
	for nc := range s.conns {
		nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return fmt.Errorf("rtmp accept: %w", err)
}

func (s *Server) track(nc net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.conns) >= s.cfg.MaxConns {
		return false
	}
	s.conns[nc] = struct{}{}
	return true
}

func (s *Server) untrack(nc net.Conn) {
	s.mu.Lock()
	delete(s.conns, nc)
	s.mu.Unlock()
	nc.Close()
}

// Close closes the listener of a server that will not Run.
func (s *Server) Close() error { return s.ln.Close() }
