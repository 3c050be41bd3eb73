package chat

import (
	"testing"
	"time"
)

// viewerFrames has alice send n messages at a steady pace (one every
// 20 ms: a busy room, not a burst) and returns how many frames a viewer
// needed to receive them.
func viewerFrames(t *testing.T, flush time.Duration, n int) int64 {
	h := newHarness(t, func(c *Config) { c.FlushDelay = flush })
	viewer := h.dial("?room=r1")
	viewer.waitType("joined")
	alice := h.user("alice", "r1")
	before := viewer.frames.Load()
	tick := time.NewTicker(20 * time.Millisecond) // the room's message rate
	defer tick.Stop()
	for i := 0; i < n; i++ {
		alice.request(map[string]any{"type": "send", "kind": "text", "text": "paced"})
		<-tick.C
	}
	for got := 0; got < n; {
		if f := viewer.next(); f.Type == "message" {
			got++
		}
	}
	return viewer.frames.Load() - before
}

// TestFlushDelayCoalesces: with a flush delay a viewer of a busy room gets
// several messages per frame; without it, about one per message.
func TestFlushDelayCoalesces(t *testing.T) {
	const n = 15
	without := viewerFrames(t, 0, n)
	with := viewerFrames(t, 200*time.Millisecond, n)
	if with*2 > without || with > 5 {
		t.Errorf("%d messages: %d frames with a 200 ms flush delay, %d without", n, with, without)
	}
}
