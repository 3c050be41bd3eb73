package replay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"livestudio/internal/stream"
)

// Errors of the recorder's API.
var (
	// ErrInvalidName: a key or recording id that the recorder never
	// writes (and that must not name a path).
	ErrInvalidName = errors.New("invalid replay key or recording id")
	// ErrNotFound: no such recording.
	ErrNotFound = errors.New("recording not found")
	// ErrLive: the recording is being written; stop it first.
	ErrLive = errors.New("recording is live")
)

// scanInterval is how often the recorder looks for new publish sessions of
// the keys it records. A reader starts at the stream's cached GOP, so a
// session found a little late loses nothing.
const scanInterval = 250 * time.Millisecond

// Recorder records the streams of a registry to disk and serves the
// recordings.
type Recorder struct {
	cfg Config
	reg *stream.Registry
	log *slog.Logger
	m   *Metrics

	mu       sync.Mutex
	ctx      context.Context // Run's; nil until Run starts
	wanted   map[string]bool
	sessions map[string]*session
	// stopped remembers the stream a Stop ended the recording of, so that
	// record_all does not start it again: the next publish session is
	// recorded.
	stopped map[string]*stream.Stream
	badKeys map[string]bool // invalid keys already logged
	wg      sync.WaitGroup
	kick    chan struct{}
}

// New checks the config and closes the recordings a
// crash left unfinished. metrics may be nil.
func New(cfg Config, reg *stream.Registry, log *slog.Logger, metrics prometheus.Registerer) (*Recorder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	cfg = cfg.withDefaults()
	if cfg.Dir == "" {
		return nil, errors.New("replay: dir must be set")
	}
	// The directory is created with the first recording, not here: a
	// gateway that records nothing leaves no trace on disk.
	if st, err := os.Stat(cfg.Dir); err == nil && !st.IsDir() {
		return nil, fmt.Errorf("replay: dir %s is not a directory", cfg.Dir)
	}
	r := &Recorder{
		cfg: cfg, reg: reg, log: log, m: NewMetrics(metrics),
		wanted: map[string]bool{}, sessions: map[string]*session{},
		stopped: map[string]*stream.Stream{}, badKeys: map[string]bool{},
		kick: make(chan struct{}, 1),
	}
	if err := r.repairAll(); err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	return r, nil
}

// Run records until ctx ends, then finishes every recording (their
// playlists get EXT-X-ENDLIST) and returns when all are written.
func (r *Recorder) Run(ctx context.Context) error {
	r.mu.Lock()
	r.ctx = ctx
	r.mu.Unlock()
	scan := time.NewTicker(scanInterval)
	defer scan.Stop()
	var expire <-chan time.Time
	if r.cfg.MaxAge > 0 {
		t := time.NewTicker(min(r.cfg.MaxAge/10, time.Minute))
		defer t.Stop()
		expire = t.C
		r.expire(time.Now())
	}
	r.scan()
	for {
		select {
		case <-ctx.Done():
			r.wg.Wait()
			return nil
		case <-scan.C:
			r.scan()
		case <-r.kick:
			r.scan()
		case now := <-expire:
			r.expire(now)
		}
	}
}

// Start records key from now on: its current publish session at once, and
// every later one, until Stop. A reconnect within the stream's reconnect
// grace continues the same recording.
func (r *Recorder) Start(key string) error {
	if !validKey(key) {
		return fmt.Errorf("record %q: %w", key, ErrInvalidName)
	}
	r.mu.Lock()
	r.wanted[key] = true
	delete(r.stopped, key)
	r.mu.Unlock()
	r.wake()
	return nil
}

// Stop finishes the key's current recording (its playlist gets
// EXT-X-ENDLIST before Stop returns) and stops recording the key. With
// record_all on, the key's next publish session is recorded again.
func (r *Recorder) Stop(key string) {
	r.mu.Lock()
	delete(r.wanted, key)
	s := r.sessions[key]
	if s != nil {
		r.stopped[key] = s.st
	}
	r.mu.Unlock()
	if s != nil {
		s.cancel()
		<-s.done
	}
}

// Recording returns whether key is being recorded now.
func (r *Recorder) Recording(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sessions[key] != nil
}

func (r *Recorder) wake() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// scan starts a session for every recorded key whose stream has a publish
// session not recorded yet.
func (r *Recorder) scan() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ctx == nil || r.ctx.Err() != nil {
		return
	}
	keys := make([]string, 0, len(r.wanted))
	for k := range r.wanted {
		keys = append(keys, k)
	}
	if r.cfg.RecordAll {
		keys = append(keys, r.reg.Keys()...)
	}
	for _, key := range keys {
		if r.sessions[key] != nil {
			continue // the previous session ends with its stream
		}
		st := r.reg.Get(key)
		if st == nil || r.stopped[key] == st || ended(st) {
			continue
		}
		if !validKey(key) {
			if !r.badKeys[key] {
				r.badKeys[key] = true
				r.m.Errors.WithLabelValues("invalid_key").Inc()
				r.log.Warn("replay: key cannot be recorded (not a valid directory name)", "key", key)
			}
			continue
		}
		delete(r.stopped, key)
		r.startSessionLocked(key, st)
	}
}

func ended(st *stream.Stream) bool {
	select {
	case <-st.Done():
		return true
	default:
		return false
	}
}
