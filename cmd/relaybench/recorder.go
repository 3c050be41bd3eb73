package main

import (
	"sync"
	"time"

	"livestudio/internal/stream"
)

// recorder pairs each unit's hand-over by the source with the return of
// the RTMP write that carried it. Units are immutable and shared by
// pointer from the source to the pusher, so the pointer is the key.
//
// Only units handed over after the first write returned are measured:
// the ones before waited for the RTMP connect and the publish, which is
// not the relay's steady-state latency (the first batch is the GOP start
// plus whatever arrived during the connect).
type recorder struct {
	mu      sync.Mutex
	live    bool // a first batch was written: measure from now on
	arrived map[*stream.Unit]time.Time
	video   []time.Duration
	audio   []time.Duration

	in, written, batches, multi uint64
}

func newRecorder() *recorder {
	return &recorder{arrived: make(map[*stream.Unit]time.Time, 256)}
}

// handedOver is called by the source's out callback, before the unit is
// written to the stream.
func (r *recorder) handedOver(u *stream.Unit) {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.in++
	if r.live {
		r.arrived[u] = now
	}
}

// writtenAt is the pusher's OnWritten hook: at is when the write of the
// batch returned.
func (r *recorder) writtenAt(units []*stream.Unit, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.written += uint64(len(units))
	if !r.live {
		r.live = true
		return
	}
	r.batches++
	if len(units) > 1 {
		r.multi++ // a unit waited for the write of the one before
	}
	for _, u := range units {
		t, ok := r.arrived[u]
		if !ok {
			continue
		}
		delete(r.arrived, u)
		if u.IsVideo() {
			r.video = append(r.video, at.Sub(t))
		} else {
			r.audio = append(r.audio, at.Sub(t))
		}
	}
}

// samples is what a run measured.
type samples struct {
	video, audio                []time.Duration
	in, written, batches, multi uint64
	pending                     int // handed over, never written (the run's last units)
}

func (r *recorder) samples() samples {
	r.mu.Lock()
	defer r.mu.Unlock()
	return samples{video: r.video, audio: r.audio, in: r.in, written: r.written,
		batches: r.batches, multi: r.multi, pending: len(r.arrived)}
}
