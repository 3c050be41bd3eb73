package hls

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"livestudio/internal/stream"
	"livestudio/player/audience"
)

// Server serves the streams of a registry over HLS. It is an http.Handler;
// its muxers run under Run.
type Server struct {
	reg *stream.Registry
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	ctx     context.Context // Run's context; nil before Run
	stopped bool            // Run is ending or ended: no new muxers
	muxers  map[muxerKey]*muxer
	wg      sync.WaitGroup

	bytesSent, requests, started atomic.Uint64

	// audience counts HLS sessions per key on playlist requests (nil: not
	// counted).
	audience *audience.Counter
}

// CountIn makes the server count its viewers (HLS sessions) per stream
// key in c; call it before serving.
func (s *Server) CountIn(c *audience.Counter) { s.audience = c }

type muxerKey struct {
	key     string
	variant variant
}

// Stats are the server's counters, for the gateway's metrics.
type Stats struct {
	Muxers        int    // muxers running now
	MuxersStarted uint64 // muxers started since New
	Requests      uint64 // HTTP requests served
	BytesSent     uint64 // playlist and segment bytes sent
}

// New returns a server for the streams of reg. Zero fields of cfg take the
// defaults of DefaultConfig. It serves requests once Run is running.
func New(reg *stream.Registry, cfg Config, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{
		reg:    reg,
		cfg:    cfg.withDefaults(),
		log:    log,
		muxers: make(map[muxerKey]*muxer),
	}
}

// Run runs the idle janitor and owns the muxers. When ctx is cancelled it
// closes every muxer and returns once all their goroutines have ended.
func (s *Server) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.ctx != nil || s.stopped {
		s.mu.Unlock()
		return errors.New("hls server: Run called twice")
	}
	s.ctx = ctx
	s.mu.Unlock()

	tick := time.NewTicker(min(max(s.cfg.IdleTimeout/4, 10*time.Millisecond), 5*time.Second))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			s.mu.Lock()
			s.stopped = true
			for _, m := range s.muxers {
				m.stop(errShutdown)
			}
			s.mu.Unlock()
			s.wg.Wait()
			return nil
		case now := <-tick.C:
			s.closeIdle(now)
		}
	}
}

// closeIdle stops the muxers that got no request for IdleTimeout.
func (s *Server) closeIdle(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, m := range s.muxers {
		if m.idleFor(now) >= s.cfg.IdleTimeout {
			delete(s.muxers, k)
			m.stop(errIdle)
		}
	}
}

// Stats returns a snapshot of the server's counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	n := len(s.muxers)
	s.mu.Unlock()
	return Stats{
		Muxers:        n,
		MuxersStarted: s.started.Load(),
		Requests:      s.requests.Load(),
		BytesSent:     s.bytesSent.Load(),
	}
}

// errNotRunning: a request came before Run or after it ended.
var errNotRunning = errors.New("hls server not running")

// muxerFor returns the running muxer of (key, variant) for st, starting one
// when start is set. It returns nil, nil when there is none and start is
// not set.
func (s *Server) muxerFor(key string, v variant, st *stream.Stream, start bool) (*muxer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx == nil || s.stopped {
		return nil, errNotRunning
	}
	k := muxerKey{key, v}
	if m := s.muxers[k]; m != nil {
		if m.stream == st && !m.ended() {
			return m, nil
		}
		// The muxer ended but is not forgotten yet, or its stream ended
		// and a new one is live on the key: make sure it stops, forget it.
		delete(s.muxers, k)
		m.stop(errStale)
	}
	if !start {
		return nil, nil
	}
	m := newMuxer(s.ctx, key, v, st, s.cfg, s.log)
	s.muxers[k] = m
	s.started.Add(1)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		m.run()
		s.forget(k, m)
	}()
	return m, nil
}

// forget removes m from the running muxers if it is still listed.
func (s *Server) forget(k muxerKey, m *muxer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.muxers[k] == m {
		delete(s.muxers, k)
	}
}
