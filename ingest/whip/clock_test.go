package whip

import (
	"testing"
	"time"
)

// ntpOf is the NTP timestamp of a duration since 1900.
func ntpOf(d time.Duration) uint64 {
	return uint64(d/time.Second)<<32 | uint64(d%time.Second)<<32/uint64(time.Second)
}

// Audio whose first packet arrives 80 ms after the video's, though both
// were captured at the same instant: arrival times alone put it 80 ms
// late; the sender reports put it back in step with the video.
func TestClockSenderReports(t *testing.T) {
	c := newClock(90000, 48000)
	t0 := time.Unix(5000, 0)
	var vBase, aBase uint32 = 4294900000, 123456 // random RTP origins; video wraps soon
	if got := c.ticks(videoTrack, vBase, t0); got != 0 {
		t.Fatalf("first video tick %d", got)
	}
	if got := c.ticks(audioTrack, aBase, t0.Add(80*time.Millisecond)); got != 80*48 {
		t.Fatalf("first audio tick %d, want 3840 (arrival)", got)
	}
	// 1 s into the capture: video across its wrap, audio.
	v1 := vBase + 90000
	a1 := aBase + 48000
	if got := c.ticks(videoTrack, v1, t0.Add(time.Second)); got != 90000 {
		t.Fatalf("video at 1 s: %d", got)
	}
	wall := 3900 * time.Hour
	c.senderReport(videoTrack, ntpOf(wall+time.Second), v1)
	if c.senderSynced() {
		t.Fatal("synced on one report")
	}
	c.senderReport(audioTrack, ntpOf(wall+time.Second), a1)
	if !c.senderSynced() {
		t.Fatal("not synced after both reports")
	}
	if got := c.ticks(audioTrack, a1, t0.Add(time.Second+80*time.Millisecond)); got < 48000-1 || got > 48000+1 {
		t.Fatalf("audio at 1 s after the reports: %d ticks, want 48000", got)
	}
}
