package agent

import (
	"sync"
	"time"

	"livestudio/ingest/whip"
	"livestudio/push/pushurl"
	pushrtmp "livestudio/push/rtmp"
)

// rateMeter turns counters into per-second rates over the last sample.
type rateMeter struct {
	mu                  sync.Mutex
	at                  time.Time
	units, bytes, video uint64
	pushBytes           uint64
	bitIn, bitOut, fps  float64
}

func (m *rateMeter) sample(now time.Time, bytes, video, pushBytes uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.at.IsZero() {
		if dt := now.Sub(m.at).Seconds(); dt > 0 {
			m.bitIn = float64(bytes-m.bytes) * 8 / dt
			m.bitOut = float64(pushBytes-m.pushBytes) * 8 / dt
			m.fps = float64(video-m.video) / dt
		}
	}
	m.at, m.bytes, m.video, m.pushBytes = now, bytes, video, pushBytes
}

func (m *rateMeter) get() (bitIn, bitOut, fps float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bitIn, m.bitOut, m.fps
}

// ChannelStatus is one channel in GET /status.
type ChannelStatus struct {
	Name   string       `json:"name"`
	Source SourceStatus `json:"source"`
	Push   PushStatus   `json:"push"`
}

// SourceStatus is the capture side of a channel.
type SourceStatus struct {
	Type      string      `json:"type"`
	State     SourceState `json:"state"`
	Since     time.Time   `json:"since"`
	Restarts  uint64      `json:"restarts"`
	Units     uint64      `json:"units"`
	BitrateIn float64     `json:"bitrate_in_bps"`
	FPS       float64     `json:"fps"`
	LastError string      `json:"last_error"`
	// WHIP is the publisher's WebRTC session, for a whip source with one.
	WHIP *whip.SessionStatus `json:"whip,omitempty"`
}

// PushStatus is the destination side of a channel.
type PushStatus struct {
	pushrtmp.Status
	Destination string    `json:"destination"` // the URL without its signature
	URLExpiry   time.Time `json:"url_expiry,omitzero"`
	BitrateOut  float64   `json:"bitrate_out_bps"`
	Reconnects  uint64    `json:"reconnects"`
}

func (c *channel) status() ChannelStatus {
	c.mu.Lock()
	src := SourceStatus{Type: c.cfg.Source.Type, State: c.state, Since: c.since, Restarts: c.restarts,
		Units: c.units.Load(), LastError: c.lastError}
	c.mu.Unlock()
	bitIn, bitOut, fps := c.rates.get()
	src.BitrateIn, src.FPS = bitIn, fps
	if b, ok := c.src.(*whip.Inbox); ok {
		src.WHIP = b.Session()
	}
	ps := c.pusher.Status()
	push := PushStatus{Status: ps, BitrateOut: bitOut}
	if ps.Publishes > 1 {
		push.Reconnects = ps.Publishes - 1
	}
	if ps.SessionURL != "" {
		push.Destination = pushurl.Redact(ps.SessionURL)
		push.URLExpiry = pushurl.ExpiryOf(ps.SessionURL)
	}
	return ChannelStatus{Name: c.cfg.Name, Source: src, Push: push}
}

func (c *channel) sampleRates(now time.Time) {
	c.rates.sample(now, c.bytes.Load(), c.videoUnits.Load(), c.pusher.Status().BytesOut)
}
