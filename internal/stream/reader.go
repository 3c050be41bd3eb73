package stream

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Errors a reader gets.
var (
	// ErrEnded: the publisher ended the stream and the reader has read all.
	ErrEnded = errors.New("stream ended")
	// ErrSlowReader: the reader lagged behind the live edge too often.
	ErrSlowReader = errors.New("reader too slow: closed")
	// ErrReaderClosed: Close was called.
	ErrReaderClosed = errors.New("reader closed")
)

// Reader follows a stream from its own cursor. It is used by one goroutine.
type Reader struct {
	s         *Stream
	cursor    uint64
	waitKey   bool
	skips     []time.Time
	closed    chan struct{}
	closeOnce sync.Once
	gop       bool
	skipped   uint64 // units this reader skipped; only its goroutine uses it
}

// NewReader attaches a reader. It starts at the cached GOP when there is one
// (so the first unit it reads is a keyframe), else at the next keyframe.
func (s *Stream) NewReader() *Reader {
	s.mu.RLock()
	start, gop := s.gopStartLocked()
	s.mu.RUnlock()
	s.readers.Add(1)
	return &Reader{s: s, cursor: start, waitKey: !gop, closed: make(chan struct{}), gop: gop}
}

// StartedAtGOP tells whether the reader started from the cached GOP.
func (r *Reader) StartedAtGOP() bool { return r.gop }

// Skipped returns how many units this reader skipped because it lagged:
// a recorder compares it across Reads to mark the gaps. Call it from the
// reader's goroutine.
func (r *Reader) Skipped() uint64 { return r.skipped }

// Stream returns the stream the reader follows.
func (r *Reader) Stream() *Stream { return r.s }

// Close detaches the reader; a blocked Read returns ErrReaderClosed.
// Close may be called from any goroutine, more than once, and concurrently
// with the reader's own slow-reader close.
func (r *Reader) Close() {
	r.closeOnce.Do(func() {
		close(r.closed)
		r.s.readers.Add(-1)
	})
}

// Read appends to buf the units available after the reader's cursor, at
// most cap(buf)-len(buf) of them (all when buf has no spare capacity),
// blocking until there is at least one. It returns ErrEnded once the stream
// ended and everything was read, ErrSlowReader when the reader was dropped.
func (r *Reader) Read(ctx context.Context, buf []*Unit) ([]*Unit, error) {
	for {
		out, wake, err := r.collect(buf)
		if err != nil || len(out) > len(buf) {
			return out, err
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return buf, ctx.Err()
		case <-r.closed:
			return buf, ErrReaderClosed
		}
	}
}

func (r *Reader) collect(buf []*Unit) ([]*Unit, chan struct{}, error) {
	s := r.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	select {
	case <-r.closed:
		return buf, nil, ErrReaderClosed
	default:
	}
	n0 := len(buf)
	// A reader lagging in media time skips only when there is a newer
	// keyframe to go to: a reader inside the newest GOP (one that joined a
	// GOP longer than ReaderMaxLag) has nothing to gain from a skip.
	if r.cursor < s.tail || (r.cursor < s.head && s.hasKey && s.lastKey > r.cursor &&
		s.lastDTS-s.ring[r.cursor&s.mask].DTS > s.cfg.ReaderMaxLag) {
		if err := r.skipLocked(); err != nil {
			return buf, nil, err
		}
	}
	limit := s.head
	if room := uint64(cap(buf) - len(buf)); room > 0 && r.cursor+room < limit {
		limit = r.cursor + room
	}
	for ; r.cursor < limit; r.cursor++ {
		u := s.ring[r.cursor&s.mask]
		if r.waitKey {
			if !u.Key || (!u.IsVideo() && s.video != nil) {
				continue
			}
			r.waitKey = false
		}
		buf = append(buf, u)
	}
	if s.ended && r.cursor >= s.head && len(buf) == n0 {
		return buf, nil, ErrEnded
	}
	return buf, s.wake, nil
}

// skipLocked moves a lagging reader to the newest keyframe (or the live
// edge) and closes it when it lags too often.
func (r *Reader) skipLocked() error {
	s := r.s
	now := time.Now()
	keep := r.skips[:0]
	for _, t := range r.skips {
		if now.Sub(t) < s.cfg.SkipWindow {
			keep = append(keep, t)
		}
	}
	r.skips = append(keep, now)
	if len(r.skips) > s.cfg.ReaderMaxSkips {
		s.slowClosed.Add(1)
		r.Close()
		return ErrSlowReader
	}
	from := max(r.cursor, s.tail)
	next, ok := s.newestKeyAfterLocked(from)
	if !ok {
		next = s.head
		r.waitKey = true
	}
	s.skipped.Add(next - r.cursor)
	r.skipped += next - r.cursor
	r.cursor = next
	return nil
}
