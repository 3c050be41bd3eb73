// Package rtsp is the agent's RTSP camera source: a gortsplib client that
// plays one camera and turns its H.264 or H.265 video and its audio into
// stream units: AAC as it comes, G.711 and Opus transcoded to AAC-LC
// (internal/transcode). It translates only: it does not reconnect (the caller
// restarts Run with backoff) and holds no business rules.
package rtsp

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v5"

	"livestudio/internal/stream"
)

// Source plays one RTSP camera. Run may be called again after it returned
// (the caller's reconnect loop); counters accumulate across runs.
type Source struct {
	cfg Config
	url string // redacted: safe to log
	log *slog.Logger

	running                     atomic.Bool
	units, bytes, dropped, lost atomic.Uint64
	mu                          sync.Mutex
	client                      *gortsplib.Client // of the active Run
	lastErr                     error
	lastErrAt                   time.Time
}

// Stats are a source's counters, read with Stats().
type Stats struct {
	Units       uint64 // units handed to out
	Bytes       uint64 // their payload bytes (stream.Unit.Size)
	Dropped     uint64 // access units dropped: before a keyframe, damaged, out of order, unsupported
	PacketsLost uint64 // RTP packets that never arrived
	// Transport is "UDP" or "TCP" while a session is set up, else "".
	Transport   string
	LastError   string // the last error Run returned, "" if none
	LastErrorAt time.Time
}

// New checks the config and returns a source; it does not connect.
func New(cfg Config, log *slog.Logger) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	return &Source{cfg: cfg, url: redact(cfg.URL), log: log}, nil
}

// Stats returns a snapshot of the counters.
func (s *Source) Stats() Stats {
	st := Stats{
		Units:       s.units.Load(),
		Bytes:       s.bytes.Load(),
		Dropped:     s.dropped.Load(),
		PacketsLost: s.lost.Load(),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client != nil {
		if tr := s.client.Transport(); tr != nil && tr.Session != nil {
			st.Transport = tr.Session.Protocol.String()
		}
	}
	if s.lastErr != nil {
		st.LastError, st.LastErrorAt = s.lastErr.Error(), s.lastErrAt
	}
	return st
}

// Run connects, describes, sets up the video (and audio) media, plays,
// and calls out with each complete access unit until ctx is cancelled
// (it returns nil) or the session fails (a wrapped error: see ErrAuth,
// ErrUnreachable, ErrNotFound, ErrNoVideo, ErrTimeout).
//
// Units start at the first video keyframe: its DTS is time 0, and video and
// audio share that clock. out is called by one goroutine at a time, never
// after Run returned; it must not block for long (the packet readers wait).
// Each unit is fresh and out may keep it (stream.Publisher.Write does).
func (s *Source) Run(ctx context.Context, out func(*stream.Unit)) error {
	if !s.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer s.running.Store(false)
	err := s.play(ctx, out)
	if ctx.Err() != nil {
		return nil
	}
	s.mu.Lock()
	s.lastErr, s.lastErrAt = err, time.Now()
	s.mu.Unlock()
	return err
}

func (s *Source) setClient(c *gortsplib.Client) {
	s.mu.Lock()
	s.client = c
	s.mu.Unlock()
}
