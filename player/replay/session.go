package replay

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"livestudio/internal/stream"
)

// audioProbe is how much media the recorder reads, at most, waiting for the
// second track before it starts a recording with one.
const audioProbe = time.Second

// readBatch is how many units a session takes from its reader per Read.
const readBatch = 64

// session records one publish session of a key: it owns a reader of the
// stream and the recording it writes.
type session struct {
	key    string
	st     *stream.Stream
	cancel context.CancelFunc
	done   chan struct{}
}

func (r *Recorder) startSessionLocked(key string, st *stream.Stream) {
	ctx, cancel := context.WithCancel(r.ctx)
	s := &session{key: key, st: st, cancel: cancel, done: make(chan struct{})}
	// Attached here, not in the goroutine: the recording starts from what
	// the stream holds now (its cached GOP), whenever the goroutine runs.
	rd := st.NewReader()
	r.sessions[key] = s
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer close(s.done)
		defer cancel()
		failed := r.record(ctx, rd, key, r.log.With("key", key))
		r.mu.Lock()
		delete(r.sessions, key)
		if failed {
			r.stopped[key] = st // a disk error: not again for this session
		}
		r.mu.Unlock()
		r.wake() // a new publish session may be waiting
	}()
}

// record writes the stream into a new recording until the stream ends or
// ctx is done. It reports whether it stopped on an error.
func (r *Recorder) record(ctx context.Context, rd *stream.Reader, key string, log *slog.Logger) (failed bool) {
	st := rd.Stream()
	defer func() { rd.Close() }()
	wall := func(dts time.Duration) time.Time { return time.Now().Add(-(st.LastDTS() - dts)) }
	var (
		w       *recWriter
		pending []*stream.Unit
		skipped = rd.Skipped()
		buf     = make([]*stream.Unit, 0, readBatch)
	)
	fail := func(err error) bool {
		r.m.Errors.WithLabelValues(errKind(err)).Inc()
		log.Error("replay: recording stopped; the live stream is not affected", "err", err)
		return true
	}
	defer func() {
		if w == nil {
			return
		}
		r.m.Active.Dec()
		var err error
		if failed {
			err = w.abandon()
		} else {
			err = w.finish()
		}
		if err != nil && !failed {
			failed = fail(err)
		}
		log.Info("replay: recording finished", "id", w.m.ID, "duration", time.Duration(w.m.DurationMS)*time.Millisecond,
			"segments", w.m.Segments, "bytes", w.m.Bytes, "gaps", w.m.Gaps, "encode_errors", w.encodeErrs)
	}()
	for {
		units, err := rd.Read(ctx, buf[:0])
		if n := rd.Skipped(); n != skipped {
			skipped = n
			if w != nil {
				w.markGap()
			}
		}
		for _, u := range units {
			if w != nil {
				if werr := w.write(u, wall); werr != nil {
					return fail(werr)
				}
				continue
			}
			pending = gather(pending, u)
			video, audio, ok := probeTracks(pending)
			if !ok {
				continue
			}
			first := pending[0].DTS
			var werr error
			if w, werr = newRecWriter(r.cfg.Dir, key, video, audio, first, wall(first), r.cfg.SegmentDuration); werr != nil {
				return fail(werr)
			}
			w.onSegment = func(n int64) {
				r.m.Segments.Inc()
				r.m.Bytes.Add(float64(n))
				if r.segmentHook != nil {
					r.segmentHook()
				}
			}
			w.stats = r.m
			r.m.Active.Inc()
			log.Info("replay: recording started", "id", w.m.ID, "video", w.m.Video, "audio", w.m.Audio)
			for _, p := range pending {
				if werr := w.write(p, wall); werr != nil {
					return fail(werr)
				}
			}
			pending = nil
		}
		switch {
		case err == nil:
		case errors.Is(err, stream.ErrSlowReader) && ctx.Err() == nil && !ended(st):
			// Too slow too often (a stalling disk): keep recording from
			// the live edge rather than stop.
			log.Warn("replay: recorder fell behind; continuing after a gap")
			rd = st.NewReader()
			skipped = rd.Skipped()
			if w != nil {
				w.markGap()
			}
		default:
			return false // the stream ended, or Stop / shutdown
		}
	}
}

func errKind(err error) string {
	switch {
	case errors.Is(err, errCodec):
		return "codec"
	case errors.Is(err, errDisk):
		return "disk"
	}
	return "encode"
}

// gather collects the units a recording starts with: from a video keyframe
// on (restarting when the video track changes), or from any audio frame
// while no video keyframe came.
func gather(pending []*stream.Unit, u *stream.Unit) []*stream.Unit {
	if u.IsVideo() {
		if !u.Key && (len(pending) == 0 || !pending[0].IsVideo()) {
			return pending
		}
		if u.Key && (len(pending) == 0 || !pending[0].IsVideo() || u.Track != pending[0].Track) {
			pending = pending[:0]
		}
	}
	return append(pending, u)
}

// probeTracks decides the tracks of a recording from the gathered units:
// the keyframe's video track and the newest audio track, or one of them
// alone once audioProbe of it went by without the other.
func probeTracks(pending []*stream.Unit) (video, audio *stream.Track, ok bool) {
	if len(pending) == 0 {
		return nil, nil, false
	}
	first, last := pending[0], pending[len(pending)-1]
	if first.IsVideo() {
		for i := len(pending) - 1; i > 0; i-- {
			if !pending[i].IsVideo() {
				return first.Track, pending[i].Track, true
			}
		}
		return first.Track, nil, last.DTS-first.DTS >= audioProbe
	}
	return nil, last.Track, last.DTS-first.DTS >= audioProbe
}
