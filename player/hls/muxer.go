package hls

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"livestudio/internal/stream"
)

// Reasons a muxer closes, besides the reader's own errors.
var (
	errIdle     = errors.New("idle: no request within the idle timeout")
	errShutdown = errors.New("server shutting down")
	errStale    = errors.New("stream replaced by a new one")
)

// audioProbe is how much video the muxer reads, at most, waiting for the
// first audio unit before it starts video-only. Units of a cached GOP arrive
// at once, so this only delays streams that really have no audio.
const audioProbe = time.Second

// readBatch is how many units a muxer takes from its reader per Read.
const readBatch = 64

// muxer serves one variant of one stream: it owns a stream.Reader and the
// gohlslib instance it feeds, recreated when the tracks change.
type muxer struct {
	key     string
	variant variant
	stream  *stream.Stream
	cfg     Config
	log     *slog.Logger

	ctx    context.Context
	cancel context.CancelCauseFunc

	lastUse atomic.Int64 // unix nanoseconds of the last request

	mu      sync.Mutex
	inst    *instance     // nil while waiting for a keyframe
	changed chan struct{} // closed and replaced when inst or err changes
	err     error         // why the muxer ended; nil while it runs
}

func newMuxer(ctx context.Context, key string, v variant, st *stream.Stream, cfg Config, log *slog.Logger) *muxer {
	m := &muxer{
		key: key, variant: v, stream: st, cfg: cfg,
		log:     log.With("key", key, "variant", v.String()),
		changed: make(chan struct{}),
	}
	// Detached from Run's context: Run stops every muxer with errShutdown,
	// so the reason logged is ours rather than a bare "context canceled".
	m.ctx, m.cancel = context.WithCancelCause(context.WithoutCancel(ctx))
	m.touch()
	return m
}

// touch records a request, which keeps the muxer from idling out.
func (m *muxer) touch() { m.lastUse.Store(time.Now().UnixNano()) }

// idleFor returns how long ago the last request came.
func (m *muxer) idleFor(now time.Time) time.Duration {
	return now.Sub(time.Unix(0, m.lastUse.Load()))
}

// ended tells whether the muxer's goroutine is done feeding.
func (m *muxer) ended() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err != nil
}

// stop asks the muxer to close for the given reason.
func (m *muxer) stop(reason error) { m.cancel(reason) }

// run feeds the muxer until its stream ends or it is stopped, and records
// why it ended. It returns that reason.
func (m *muxer) run() error {
	m.log.Info("hls muxer started")
	err := m.feed()
	m.mu.Lock()
	m.err = err
	close(m.changed)
	m.mu.Unlock()
	m.cancel(err)
	m.log.Info("hls muxer closed", "reason", err.Error())
	return err
}

func (m *muxer) setInstance(in *instance) {
	m.mu.Lock()
	m.inst = in
	close(m.changed)
	m.changed = make(chan struct{})
	m.mu.Unlock()
}

// current returns the running instance, or nil.
func (m *muxer) current() *instance {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.inst
}

// feed reads units and writes them into the current instance, starting one
// at the first video keyframe and restarting it when the tracks change.
func (m *muxer) feed() error {
	r := m.stream.NewReader()
	defer r.Close()
	var cur *instance
	defer func() {
		if cur != nil {
			m.setInstance(nil)
			cur.close()
			m.logErrors(cur)
		}
	}()
	var pending []*stream.Unit
	buf := make([]*stream.Unit, 0, readBatch)
	for {
		units, err := r.Read(m.ctx, buf[:0])
		if err != nil {
			if m.ctx.Err() != nil {
				return context.Cause(m.ctx)
			}
			return fmt.Errorf("read stream: %w", err)
		}
		for _, u := range units {
			if cur != nil && !cur.owns(u) {
				m.log.Info("hls muxer restarting: tracks changed", "codec", u.Track.Codec)
				m.setInstance(nil)
				cur.close()
				m.logErrors(cur)
				cur = nil
			}
			if cur != nil {
				cur.write(u)
				continue
			}
			pending = gather(pending, u)
			video, audio, ok := probeTracks(pending)
			if !ok {
				continue
			}
			if cur, err = newInstance(m.variant, m.cfg, video, audio, m.log); err != nil {
				return err
			}
			m.setInstance(cur)
			for _, p := range pending {
				cur.write(p)
			}
			pending = nil
		}
	}
}

func (m *muxer) logErrors(in *instance) {
	if w, e := in.writeErrs.Load(), in.encodeErrs.Load(); w+e > 0 {
		m.log.Warn("hls muxer instance had errors", "write_errors", w, "encode_warnings", e)
	}
}

// gather collects the units a new instance starts with: from a video
// keyframe on, restarting when the video track changes.
func gather(pending []*stream.Unit, u *stream.Unit) []*stream.Unit {
	if len(pending) > 0 && u.IsVideo() && u.Track != pending[0].Track {
		pending = nil
	}
	if len(pending) == 0 && (!u.IsVideo() || !u.Key) {
		return nil
	}
	return append(pending, u)
}

// probeTracks decides the tracks of a new instance from the gathered units:
// the keyframe's video track and the first audio unit's track, or no audio
// once audioProbe of video went by without any.
func probeTracks(pending []*stream.Unit) (video, audio *stream.Track, ok bool) {
	if len(pending) == 0 {
		return nil, nil, false
	}
	first, last := pending[0], pending[len(pending)-1]
	for _, u := range pending {
		if !u.IsVideo() {
			return first.Track, u.Track, true
		}
	}
	return first.Track, nil, last.DTS-first.DTS >= audioProbe
}

// errNotReady: the muxer did not get its first segment in time.
var errNotReady = errors.New("stream not ready: no HLS segment yet")

// waitReady waits until the muxer has an instance with a first segment, the
// muxer ended (its reason is returned) or ctx is done.
func (m *muxer) waitReady(ctx context.Context) (*instance, error) {
	for {
		m.mu.Lock()
		inst, changed, err := m.inst, m.changed, m.err
		m.mu.Unlock()
		if err != nil {
			return nil, err
		}
		var ready chan struct{}
		if inst != nil {
			if inst.isReady() {
				return inst, nil
			}
			ready = inst.ready
		}
		select {
		case <-ready:
		case <-changed:
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil, errNotReady
			}
			return nil, ctx.Err()
		}
	}
}
