package agent

import (
	"context"
	"sync"
	"time"

	"livestudio/ingest/demo"
	"livestudio/internal/stream"
)

// switchGap separates the last unit before a switch from the first after.
const switchGap = 20 * time.Millisecond

// switcher feeds a channel's stream from its source or, while the source is
// away, from the slate. It switches back to the source at the source's next
// keyframe, and maps every input's timestamps so the stream's stay
// monotonic across every switch and every source restart. New parameters
// reach the push in band (a new Track pointer makes it send new sequence
// headers before the first unit that uses them).
type switcher struct {
	mu        sync.Mutex
	pub       *stream.Publisher
	onSlate   bool
	armed     bool          // the next accepted unit sets offset
	offset    time.Duration // added to the current input's timestamps
	lastVideo time.Duration
	lastAudio time.Duration
	written   bool
	slateWant chan struct{} // signalled when the slate should start
	stopSlate context.CancelFunc
}

func newSwitcher(pub *stream.Publisher) *switcher {
	return &switcher{pub: pub, armed: true, slateWant: make(chan struct{}, 1)}
}

// sourceStarted re-arms the mapping: a new source session restarts its clock.
func (s *switcher) sourceStarted() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.onSlate {
		s.armed = true
	}
}

// sourceLost switches to the slate.
func (s *switcher) sourceLost() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.onSlate {
		s.onSlate, s.armed = true, true
		select {
		case s.slateWant <- struct{}{}:
		default:
		}
	}
}

// fromSource takes a unit of the source. While the slate plays, the source
// takes over at its first video keyframe.
func (s *switcher) fromSource(u *stream.Unit) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.onSlate {
		if !u.IsVideo() || !u.Key {
			return false
		}
		s.onSlate, s.armed = false, true
		if s.stopSlate != nil {
			s.stopSlate()
			s.stopSlate = nil
		}
	}
	return s.writeLocked(u)
}

// fromSlate takes a unit of the slate; it is dropped once the source is back.
func (s *switcher) fromSlate(u *stream.Unit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.onSlate {
		s.writeLocked(u)
	}
}

func (s *switcher) writeLocked(u *stream.Unit) bool {
	if s.armed {
		s.offset = max(s.lastVideo, s.lastAudio) + switchGap - u.DTS
		if !s.written {
			s.offset = -u.DTS
		}
		s.armed = false
	}
	u.DTS += s.offset
	u.PTS += s.offset
	last := &s.lastAudio
	if u.IsVideo() {
		last = &s.lastVideo
	}
	if s.written && u.DTS <= *last {
		return false // from before the switch point
	}
	*last, s.written = u.DTS, true
	s.pub.Write(u)
	return true
}

// runSlate plays the slate whenever the switcher asks for it, until ctx ends.
func (s *switcher) runSlate(ctx context.Context, clip *demo.Clip) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.slateWant:
		}
		sctx, cancel := context.WithCancel(ctx)
		s.mu.Lock()
		if !s.onSlate { // the source came back first
			s.mu.Unlock()
			cancel()
			continue
		}
		s.stopSlate = cancel
		s.mu.Unlock()
		demo.Source{Clip: clip}.Run(sctx, s.fromSlate)
		cancel()
	}
}
