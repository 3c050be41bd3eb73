package rtsp

import (
	"bytes"
	"errors"
	"sync/atomic"

	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/pion/rtp"

	"livestudio/internal/stream"
	"livestudio/internal/transcode"
)

// transcoded is the audio path of a G.711 (PCMU, PCMA) or Opus media: the
// RTP payload is the codec's packet (RFC 3551, RFC 7587), which
// transcode.ToAAC turns into AAC-LC at 48 kHz (44.1 kHz for G.711 rates
// that divide only that).
type transcoded struct {
	tr    *transcode.ToAAC
	track *stream.Track
	out   []aacFrame // reused: the session consumes it before the next packet
	late  uint64     // tr.Stats().Late already counted
	drops *atomic.Uint64
	emit  func(au []byte, pts int64) // keep, bound once
}

// transcodable returns the ToAAC config of a format, or false when the
// format is not G.711 or Opus.
func transcodable(f format.Format) (transcode.Config, bool) {
	switch f := f.(type) {
	case *format.G711:
		c := transcode.Config{Codec: transcode.PCMA, ClockRate: f.SampleRate, Channels: f.ChannelCount}
		if f.MULaw {
			c.Codec = transcode.PCMU
		}
		return c, true
	case *format.Opus:
		// Multiopus (more than 2 channels) fails in NewToAAC.
		return transcode.Config{Codec: transcode.Opus, ClockRate: f.ClockRate(), Channels: f.ChannelCount}, true
	}
	return transcode.Config{}, false
}

// newTranscoded returns the path of a G.711 or Opus format (see
// transcodable); late input packets are counted in drops.
func newTranscoded(cfg transcode.Config, drops *atomic.Uint64) (*transcoded, error) {
	tr, err := transcode.NewToAAC(cfg)
	if err != nil {
		return nil, err
	}
	t := &transcoded{
		tr: tr,
		track: &stream.Track{Codec: stream.CodecAAC, Config: tr.AudioSpecificConfig(),
			SampleRate: tr.SampleRate(), Channels: tr.Channels()},
		drops: drops,
	}
	t.emit = t.keep
	return t, nil
}

func (t *transcoded) aacTrack() *stream.Track { return t.track }
func (t *transcoded) clock() int64            { return int64(t.tr.SampleRate()) }

func (t *transcoded) frames(pkt *rtp.Packet, pts int64) ([]aacFrame, error) {
	if len(pkt.Payload) == 0 {
		return nil, errors.New("empty audio packet")
	}
	t.out = t.out[:0]
	err := t.tr.Write(pkt.Payload, pts, t.emit)
	if late := t.tr.Stats().Late; late != t.late {
		t.drops.Add(late - t.late)
		t.late = late
	}
	return t.out, err
}

// keep keeps a copy of the frame: units are immutable and outlive the
// encoder's buffer.
func (t *transcoded) keep(au []byte, pts int64) {
	t.out = append(t.out, aacFrame{data: bytes.Clone(au), pts: pts})
}
