package rtsp

import (
	"errors"
	"sync"
	"time"

	"github.com/bluenviron/gortsplib/v5/pkg/description"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/pion/rtp"

	"livestudio/internal/stream"
	"livestudio/internal/videoau"
)

// session is the state of one Run between the packet callbacks (one
// goroutine per media over UDP, one for all over TCP) and out. Its lock
// serialises out and keeps the shared clock consistent.
type session struct {
	s   *Source
	out func(*stream.Unit)

	vMedia  *description.Media
	vFormat format.Format
	vDecode func(*rtp.Packet) ([][]byte, error)
	aMedia  *description.Media
	aFormat format.Format

	mu     sync.Mutex
	closed bool
	video  *videoau.Builder
	audio  audioPath
	// pend is the PTS of the access unit being assembled: the H.264
	// depacketizer completes a unit when the next one's first packet
	// arrives (cameras without the marker bit), and that unit's time is
	// the previous packet's, not the current one's.
	pend struct {
		ts  uint32
		pts int64
		ok  bool
	}
	// The clock: the first video keyframe's DTS is time 0; audio before it
	// is dropped. gortsplib's PacketPTS already puts every media on one
	// timeline (each starts where the first one is when its first packet
	// arrives).
	started      bool
	vOrigin      int64         // in video ticks
	origin       time.Duration // the same, for the audio clock
	lastV, lastA time.Duration
	hasA         bool
	timingLost   bool
	audioBad     bool // warned (once a session) that audio fails to decode
}

// close stops calls to out: after it, late packets are ignored.
func (ss *session) close() {
	ss.mu.Lock()
	ss.closed = true
	ss.mu.Unlock()
}

func (ss *session) onVideo(pkt *rtp.Packet, pts int64) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		return
	}
	au, err := ss.vDecode(pkt)
	switch {
	case needMore(err):
		ss.pend.ts, ss.pend.pts, ss.pend.ok = pkt.Timestamp, pts, true
		return
	case midUnit(err):
		return
	case err != nil:
		ss.s.dropped.Add(1)
		return
	}
	if ss.pend.ok && ss.pend.ts != pkt.Timestamp {
		// The unit returned is the previous one; this packet starts the next.
		pts, ss.pend.ts, ss.pend.pts = ss.pend.pts, pkt.Timestamp, pts
	} else {
		ss.pend.ok = false
	}
	u, dts, changed, err := ss.video.Access(au, pts)
	if changed {
		t := ss.video.Track()
		ss.s.log.Info("rtsp video parameters", "url", ss.s.url, "codec", t.Codec.String(),
			"sps_bytes", len(t.SPS), "pps_bytes", len(t.PPS))
	}
	if err != nil {
		ss.s.dropped.Add(1)
		if !errors.Is(err, videoau.ErrNotSynced) && !ss.timingLost {
			ss.timingLost = true
			ss.s.log.Warn("rtsp video timing lost: waiting for a keyframe", "url", ss.s.url, "err", err.Error())
		}
		return
	}
	ss.timingLost = false
	rate := int64(ss.vFormat.ClockRate())
	if !ss.started {
		ss.started, ss.vOrigin, ss.origin = true, dts, ticks(dts, rate)
	}
	// Differences in ticks first: no rounding jitter between DTS and PTS.
	u.DTS, u.PTS = ticks(dts-ss.vOrigin, rate), ticks(pts-ss.vOrigin, rate)
	// The extractor is monotonic; after its reset (damage) the new
	// timeline may start a hair earlier than the last unit.
	u.DTS = max(u.DTS, ss.lastV)
	u.PTS = max(u.PTS, u.DTS)
	ss.lastV = u.DTS
	ss.emit(u)
}

// onAudio is called by one goroutine at a time (the media's reader), so
// the audio path runs outside the lock: transcoding a packet does not hold
// up the video's reader.
func (ss *session) onAudio(pkt *rtp.Packet, pts int64) {
	frames, err := ss.audio.frames(pkt, pts)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		return
	}
	if err != nil {
		ss.s.dropped.Add(1)
		if !ss.audioBad {
			ss.audioBad = true
			ss.s.log.Warn("rtsp audio undecodable: dropping it", "url", ss.s.url, "err", err.Error())
		}
		return
	}
	rate := ss.audio.clock()
	for _, f := range frames {
		t := ticks(f.pts, rate) - ss.origin
		// Strictly increasing: servers repeat a timestamp (GStreamer does
		// on its first AAC packets) and muxers want no zero-length frame.
		if !ss.started || t < 0 || (ss.hasA && t <= ss.lastA) {
			ss.s.dropped.Add(1)
			continue
		}
		ss.lastA, ss.hasA = t, true
		ss.emit(&stream.Unit{Track: ss.audio.aacTrack(), DTS: t, PTS: t, Key: true, Frame: f.data})
	}
}

func (ss *session) emit(u *stream.Unit) {
	ss.s.units.Add(1)
	ss.s.bytes.Add(uint64(u.Size()))
	ss.out(u)
}

// ticks converts a time in clock-rate ticks to a duration without the
// int64 overflow of v*1e9 (28 hours at 90 kHz).
func ticks(v, rate int64) time.Duration {
	return time.Duration(v/rate*int64(time.Second) + v%rate*int64(time.Second)/rate)
}
