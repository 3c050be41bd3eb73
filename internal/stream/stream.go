package stream

import (
	"sync"
	"sync/atomic"
	"time"
)

// Stats are a stream's counters, read with Stats().
type Stats struct {
	Units        uint64 // units written
	Bytes        uint64 // payload bytes written
	Readers      int64  // readers attached now
	SkippedUnits uint64 // units readers skipped because they lagged
	SlowClosed   uint64 // readers closed for lagging too often
}

// Stream is one live key: a single writer appends units to a shared ring and
// any number of readers follow it with their own cursor. The writer does the
// same constant work per unit whatever the number of readers, and never
// waits for one.
type Stream struct {
	key string
	cfg Config

	mu       sync.RWMutex
	ring     []*Unit
	mask     uint64
	head     uint64 // sequence number of the next unit
	tail     uint64 // oldest sequence still in the ring
	bytes    int    // payload bytes between tail and head
	lastKey  uint64 // sequence of the newest keyframe, valid if hasKey
	hasKey   bool
	gopBytes int // bytes since lastKey
	lastDTS  time.Duration
	wakeDTS  time.Duration
	video    *Track
	audio    *Track
	wake     chan struct{}
	ended    bool
	done     chan struct{}

	// rebase keeps timestamps monotonic when a publisher reconnects.
	offset   time.Duration
	rebasing bool

	units, bytesIn, skipped, slowClosed atomic.Uint64
	readers                             atomic.Int64
}

func newStream(key string, cfg Config) *Stream {
	return &Stream{
		key:  key,
		cfg:  cfg,
		ring: make([]*Unit, cfg.RingUnits),
		mask: uint64(cfg.RingUnits - 1),
		wake: make(chan struct{}),
		done: make(chan struct{}),
	}
}

// Key returns the stream's live key.
func (s *Stream) Key() string { return s.key }

// Done is closed when the stream has ended.
func (s *Stream) Done() <-chan struct{} { return s.done }

// Tracks returns the current video and audio tracks (nil when absent).
func (s *Stream) Tracks() (video, audio *Track) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.video, s.audio
}

// LastDTS returns the media time of the newest unit: the stream's "now".
func (s *Stream) LastDTS() time.Duration {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.lastDTS
}

// Stats returns a snapshot of the stream's counters.
func (s *Stream) Stats() Stats {
	return Stats{
		Units:        s.units.Load(),
		Bytes:        s.bytesIn.Load(),
		Readers:      s.readers.Load(),
		SkippedUnits: s.skipped.Load(),
		SlowClosed:   s.slowClosed.Load(),
	}
}

// write appends a unit. Only the stream's current publisher calls it.
func (s *Stream) write(u *Unit) {
	size := u.Size()
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	if s.rebasing {
		// First unit of a new publisher session: continue the timeline just
		// after the last unit viewers saw.
		s.offset = s.lastDTS + time.Millisecond - u.DTS
		if s.head == 0 {
			s.offset = 0
		}
		s.rebasing = false
	}
	if s.offset != 0 {
		u.DTS += s.offset
		u.PTS += s.offset
	}
	for s.head-s.tail >= uint64(len(s.ring)) || (s.bytes+size > s.cfg.RingBytes && s.tail < s.head) {
		s.evictLocked()
	}
	s.ring[s.head&s.mask] = u
	if u.Key && (u.IsVideo() || s.video == nil) {
		s.lastKey, s.hasKey, s.gopBytes = s.head, true, 0
	}
	s.head++
	s.bytes += size
	s.gopBytes += size
	if u.DTS > s.lastDTS {
		s.lastDTS = u.DTS
	}
	if u.IsVideo() {
		s.video = u.Track
	} else {
		s.audio = u.Track
	}
	var w chan struct{}
	if s.wakeDue(u) {
		w, s.wake, s.wakeDTS = s.wake, make(chan struct{}), u.DTS
	}
	s.mu.Unlock()
	s.units.Add(1)
	s.bytesIn.Add(uint64(size))
	if w != nil {
		close(w)
	}
}

// wakeDue tells whether writing u should wake the readers: with merged
// writes once per MergeWrite of media time, else on every video unit and on
// audio that waited AudioWake (or always, for a stream without video).
func (s *Stream) wakeDue(u *Unit) bool {
	since := u.DTS - s.wakeDTS
	if since < 0 { // a timeline that restarted: wake and start over
		return true
	}
	if s.cfg.MergeWrite > 0 {
		return since >= s.cfg.MergeWrite
	}
	return u.IsVideo() || s.video == nil || since >= s.cfg.AudioWake
}

func (s *Stream) evictLocked() {
	i := s.tail & s.mask
	s.bytes -= s.ring[i].Size()
	s.ring[i] = nil
	s.tail++
	if s.hasKey && s.lastKey < s.tail {
		s.hasKey = false
	}
}

// end marks the stream ended: readers drain what they have, then get ErrEnded.
func (s *Stream) end() {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	s.ended = true
	w := s.wake
	s.mu.Unlock()
	close(w)
	close(s.done)
}

// gopStartLocked returns where a new reader starts: the newest keyframe if
// the GOP since it is within the cache bounds, else the live edge.
func (s *Stream) gopStartLocked() (uint64, bool) {
	if !s.hasKey || s.gopBytes > s.cfg.GOPMaxBytes {
		return s.head, false
	}
	if s.lastDTS-s.ring[s.lastKey&s.mask].DTS > s.cfg.GOPMaxDuration {
		return s.head, false
	}
	return s.lastKey, true
}

// newestKeyAfterLocked finds the newest keyframe at or after seq.
func (s *Stream) newestKeyAfterLocked(seq uint64) (uint64, bool) {
	if s.hasKey && s.lastKey >= seq {
		return s.lastKey, true
	}
	return 0, false
}
