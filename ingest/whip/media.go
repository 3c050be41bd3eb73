package whip

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph264"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph265"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"livestudio/internal/stream"
	"livestudio/internal/transcode"
	"livestudio/internal/videoau"
)

// reorderWait is how long a packet after a hole waits for the hole to
// fill: a reordered packet comes within milliseconds, a retransmission
// after the NACK's round trip. The relay is seconds behind live anyway, so
// this costs viewers nothing.
const reorderWait = 200 * time.Millisecond

// readRTCP drains a receiver's RTCP (the interceptors need it read) and
// feeds sender reports to the clock.
func (s *Session) readRTCP(r *webrtc.RTPReceiver, track int) {
	for {
		pkts, _, err := r.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			if sr, ok := p.(*rtcp.SenderReport); ok {
				s.clock.senderReport(track, sr.NTPTime, sr.RTPTime)
			}
		}
	}
}

// videoPath depacketizes one video track into units.
type videoPath struct {
	s       *Session
	newDec  func() (func(*rtp.Packet) ([][]byte, error), error)
	decode  func(*rtp.Packet) ([][]byte, error)
	builder *videoau.Builder
	broken  bool // a loss hit the unit being assembled
}

func newVideoPath(s *Session, c webrtc.RTPCodecParameters) (*videoPath, string, error) {
	v := &videoPath{s: s}
	fmtp := fmtpMap(c.SDPFmtpLine)
	pt := uint8(c.PayloadType)
	var label string
	switch strings.ToLower(c.MimeType) {
	case strings.ToLower(webrtc.MimeTypeH264):
		if fmtp["packetization-mode"] != "1" {
			return nil, "", fmt.Errorf("%w: H264 packetization-mode %q", ErrNoCodec, fmtp["packetization-mode"])
		}
		var sps, pps []byte
		if sp := strings.Split(fmtp["sprop-parameter-sets"], ","); len(sp) >= 2 {
			sps, _ = base64.StdEncoding.DecodeString(sp[0])
			pps, _ = base64.StdEncoding.DecodeString(sp[1])
		}
		v.builder = videoau.New(stream.CodecH264, nil, sps, pps)
		v.newDec = func() (func(*rtp.Packet) ([][]byte, error), error) {
			d, err := (&format.H264{PayloadTyp: pt, PacketizationMode: 1}).CreateDecoder()
			if err != nil {
				return nil, err
			}
			return d.Decode, nil
		}
		label = "H264"
	case strings.ToLower(webrtc.MimeTypeH265):
		b64 := func(k string) []byte { b, _ := base64.StdEncoding.DecodeString(fmtp[k]); return b }
		v.builder = videoau.New(stream.CodecH265, b64("sprop-vps"), b64("sprop-sps"), b64("sprop-pps"))
		v.newDec = func() (func(*rtp.Packet) ([][]byte, error), error) {
			d, err := (&format.H265{PayloadTyp: pt}).CreateDecoder()
			if err != nil {
				return nil, err
			}
			return d.Decode, nil
		}
		label = "H265"
	default:
		return nil, "", fmt.Errorf("%w: video %s", ErrNoCodec, c.MimeType)
	}
	var err error
	if v.decode, err = v.newDec(); err != nil {
		return nil, "", err
	}
	return v, label, nil
}

// packet takes the next packet in sequence order; gap: packets before it
// were lost.
func (v *videoPath) packet(p *rtp.Packet, gap bool, at time.Time) {
	s := v.s
	if gap {
		// The unit being assembled is broken and the pictures after it
		// reference it: restart at the next keyframe, and ask for one.
		if d, err := v.newDec(); err == nil {
			v.decode = d
		}
		v.builder.Reset()
		s.RequestKeyframe()
	}
	au, err := v.decode(p)
	switch {
	case errors.Is(err, rtph264.ErrMorePacketsNeeded), errors.Is(err, rtph265.ErrMorePacketsNeeded):
		return
	case errors.Is(err, rtph264.ErrNonStartingPacketAndNoPrevious), errors.Is(err, rtph265.ErrNonStartingPacketAndNoPrevious):
		return
	case err != nil:
		s.stats.dropped.Add(1)
		return
	}
	pts := s.clock.ticks(videoTrack, p.Timestamp, at)
	u, dts, _, err := v.builder.Access(au, pts)
	if err != nil {
		s.stats.dropped.Add(1)
		s.RequestKeyframe() // waiting for a keyframe (or timing lost)
		return
	}
	if u.Key {
		s.keyframeArrived()
	}
	s.emitVideo(u, dts, pts)
}

// readVideo runs the video track until it ends.
func (s *Session) readVideo(tr *webrtc.TrackRemote) {
	v, label, err := newVideoPath(s, tr.Codec())
	if err != nil {
		s.log.Warn("whip video track refused", "err", err)
		s.close(err)
		return
	}
	s.addCodec(label, true)
	s.videoSSRC.Store(uint32(tr.SSRC()))
	s.RequestKeyframe() // the first picture may have been lost in the handshake
	rb := newReorder(reorderWait)
	s.readTrack(tr, rb, v.packet)
}

// audioPath transcodes one Opus track to AAC.
type audioPath struct {
	s     *Session
	tr    *transcode.ToAAC
	track *stream.Track
	rate  int64
	at    time.Time
	emit  func(au []byte, pts int64)
}

// readAudio runs the Opus track until it ends.
func (s *Session) readAudio(tr *webrtc.TrackRemote) {
	if !strings.EqualFold(tr.Codec().MimeType, webrtc.MimeTypeOpus) {
		s.log.Warn("whip audio not Opus: dropped", "codec", tr.Codec().MimeType)
		s.drain(tr)
		return
	}
	ch := 1
	if s.offer.stereo {
		ch = 2
	}
	t, err := transcode.NewToAAC(transcode.Config{Codec: transcode.Opus, ClockRate: 48000, Channels: ch})
	if err != nil {
		s.log.Warn("whip audio dropped", "err", err)
		s.drain(tr)
		return
	}
	a := &audioPath{s: s, tr: t, rate: int64(t.SampleRate()),
		track: &stream.Track{Codec: stream.CodecAAC, Config: t.AudioSpecificConfig(), SampleRate: t.SampleRate(), Channels: t.Channels()}}
	a.emit = a.frame
	s.addCodec(fmt.Sprintf("Opus 48000/%d -> AAC-LC %d/%d", ch, t.SampleRate(), t.Channels()), false)
	s.readTrack(tr, newReorder(reorderWait), a.packet)
}

func (a *audioPath) packet(p *rtp.Packet, _ bool, at time.Time) {
	if len(p.Payload) == 0 {
		return
	}
	pts := a.s.clock.ticks(audioTrack, p.Timestamp, at)
	if err := a.tr.Write(p.Payload, pts, a.emit); err != nil {
		a.s.stats.dropped.Add(1)
	}
}

// frame takes an AAC frame of the transcoder: borrowed bytes, PTS in
// the AAC rate's ticks since the session's start.
func (a *audioPath) frame(au []byte, pts int64) {
	u := &stream.Unit{Track: a.track, Key: true, Frame: append([]byte(nil), au...)}
	a.s.emitAudio(u, tickDur(pts, a.rate))
}

// readTrack reads a track's packets through a reorder buffer into handle
// until the track ends.
func (s *Session) readTrack(tr *webrtc.TrackRemote, rb *reorder, handle func(*rtp.Packet, bool, time.Time)) {
	var lost, late uint64
	for {
		p, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		now := time.Now()
		s.stats.packets.Add(1)
		s.stats.bytes.Add(uint64(len(p.Payload)))
		rb.push(p, now, func(p *rtp.Packet, gap bool) { handle(p, gap, now) })
		if rb.lost != lost || rb.late != late {
			s.stats.lost.Add(rb.lost - lost)
			s.stats.late.Add(rb.late - late)
			lost, late = rb.lost, rb.late
		}
	}
}

// drain reads a track we do not relay, so its buffers do not fill.
func (s *Session) drain(tr *webrtc.TrackRemote) {
	for {
		if _, _, err := tr.ReadRTP(); err != nil {
			return
		}
	}
}

// fmtpMap parses an fmtp line ("a=1;b=2").
func fmtpMap(line string) map[string]string {
	m := map[string]string{}
	for _, kv := range strings.Split(line, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		if k != "" {
			m[strings.ToLower(k)] = v
		}
	}
	return m
}
