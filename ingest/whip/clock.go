package whip

import (
	"sync"
	"time"
)

// Track indices of a session's clock.
const (
	videoTrack = iota
	audioTrack
)

// clock puts a session's tracks on one timeline. Each track's RTP clock
// starts at a random offset, so it is anchored first where its first
// packet arrived (arrival time since the session's first packet). When
// both tracks have had an RTCP sender report, which ties RTP time to the
// sender's wall clock (NTP), the audio is re-anchored so that audio and
// video captured at the same instant get the same time: the sender's
// clock, not the network's delays, decides A/V sync. The video stays on
// its first anchor, so its timestamps never jump.
type clock struct {
	mu     sync.Mutex
	t0     time.Time // arrival of the session's first packet
	tracks [2]trackClock
	synced bool // the audio follows the sender reports
}

type trackClock struct {
	rate    int64
	ext     extender
	first   int64         // extended RTP time of the first packet
	base    time.Duration // session time of first
	started bool
	sr      struct { // the last sender report
		ok  bool
		ntp time.Duration // NTP time as a duration since 1900
		rtp int64         // extended
	}
}

func newClock(videoRate, audioRate int64) *clock {
	c := &clock{}
	c.tracks[videoTrack].rate, c.tracks[audioTrack].rate = videoRate, audioRate
	return c
}

// ticks returns a packet's time in its track's clock ticks since the
// session's start (negative before it); at is its arrival.
func (c *clock) ticks(track int, rtpTS uint32, at time.Time) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &c.tracks[track]
	e := t.ext.extend(rtpTS)
	if !t.started {
		if c.t0.IsZero() {
			c.t0 = at
		}
		t.started, t.first, t.base = true, e, at.Sub(c.t0)
	}
	return durTicks(t.base, t.rate) + e - t.first
}

// senderReport records an RTCP sender report of a track and, once both
// tracks have one, re-anchors the audio on the sender's clock.
func (c *clock) senderReport(track int, ntp uint64, rtpTS uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &c.tracks[track]
	if !t.started {
		return // no anchor yet: the report cannot be placed
	}
	t.sr.ok, t.sr.ntp, t.sr.rtp = true, ntpDuration(ntp), t.ext.peek(rtpTS)
	v, a := &c.tracks[videoTrack], &c.tracks[audioTrack]
	if !v.sr.ok || !a.sr.ok {
		return
	}
	// The session time of the video report's instant, then the audio's
	// RTP time at that same instant.
	vAt := v.base + tickDur(v.sr.rtp-v.first, v.rate)
	aAt := vAt + a.sr.ntp - v.sr.ntp
	a.base = aAt - tickDur(a.sr.rtp-a.first, a.rate)
	c.synced = true
}

// senderSynced reports whether the audio follows the sender reports.
func (c *clock) senderSynced() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.synced
}

// extender unwraps 32-bit RTP timestamps into a monotonic-ish int64.
type extender struct {
	last int64
	ok   bool
}

func (e *extender) extend(ts uint32) int64 {
	v := e.peek(ts)
	if !e.ok || v > e.last {
		e.last = v
	}
	e.ok = true
	return v
}

// peek unwraps ts next to the last value without moving it.
func (e *extender) peek(ts uint32) int64 {
	if !e.ok {
		return int64(ts)
	}
	return e.last + int64(int32(ts-uint32(e.last)))
}

// ntpDuration converts a 64-bit NTP timestamp to a duration since 1900.
func ntpDuration(ntp uint64) time.Duration {
	sec, frac := ntp>>32, ntp&0xffffffff
	return time.Duration(sec)*time.Second + time.Duration(frac*uint64(time.Second)>>32)
}

func tickDur(v, rate int64) time.Duration {
	return time.Duration(v/rate*int64(time.Second) + v%rate*int64(time.Second)/rate)
}

func durTicks(d time.Duration, rate int64) int64 {
	return int64(d/time.Second)*rate + int64(d%time.Second)*rate/int64(time.Second)
}
