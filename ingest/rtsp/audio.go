package rtsp

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtpfragmented"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtpmpeg4audio"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
	"github.com/pion/rtp"

	"livestudio/internal/stream"
)

// aacFrame is one raw AAC frame and its PTS in the ticks of its path's
// clock.
type aacFrame struct {
	data []byte
	pts  int64
}

// audioPath turns the RTP packets of the audio media into AAC frames: the
// AAC of the camera (aac) or AAC transcoded from G.711 or Opus
// (transcoded).
type audioPath interface {
	// frames returns the frames a packet with PTS pts (media clock
	// ticks) completes; a nil result with a nil error means none yet.
	frames(pkt *rtp.Packet, pts int64) ([]aacFrame, error)
	// aacTrack is the track of the frames, nil until it is known.
	aacTrack() *stream.Track
	// clock is the rate of the frames' PTSs.
	clock() int64
}

// aac turns the RTP packets of an AAC media, RFC 3640 (mpeg4-generic,
// AAC-hbr) or RFC 3016 (MP4A-LATM), into raw frames.
type aac struct {
	track     *stream.Track // nil until the config is known (LATM cpresent=1)
	clockRate int64
	generic   *rtpmpeg4audio.Decoder
	latm      *rtpfragmented.Decoder
	latmCfg   *mpeg4audio.StreamMuxConfig
	latmInBnd bool // cpresent=1: the StreamMuxConfig rides in band
}

// newAAC returns the AAC path of a format, or nil when the format is not
// AAC.
func newAAC(f format.Format) (*aac, error) {
	a := &aac{clockRate: int64(f.ClockRate())}
	switch f := f.(type) {
	case *format.MPEG4Audio:
		d, err := f.CreateDecoder()
		if err != nil {
			return nil, err
		}
		a.generic = d
		return a, a.setConfig(f.Config)
	case *format.MPEG4AudioLATM:
		d, err := f.CreateDecoder()
		if err != nil {
			return nil, err
		}
		a.latm, a.latmInBnd = d, f.CPresent
		if !f.CPresent {
			a.latmCfg = f.StreamMuxConfig
			return a, a.setConfig(latmConfig(f.StreamMuxConfig))
		}
		return a, nil
	}
	return nil, nil
}

func (a *aac) aacTrack() *stream.Track { return a.track }
func (a *aac) clock() int64            { return a.clockRate }

// setConfig makes the track of an AudioSpecificConfig, keeping the current
// one when the config did not change.
func (a *aac) setConfig(c *mpeg4audio.AudioSpecificConfig) error {
	if c == nil {
		return fmt.Errorf("AAC without AudioSpecificConfig")
	}
	b, err := c.Marshal()
	if err != nil {
		return fmt.Errorf("AudioSpecificConfig: %w", err)
	}
	if a.track != nil && bytes.Equal(a.track.Config, b) {
		return nil
	}
	ch := int(c.ChannelConfig)
	switch {
	case ch == 7:
		ch = 8
	case ch == 0 || ch > 7:
		// Layout in a program config element: stereo is the usual case.
		ch = 2
	}
	a.track = &stream.Track{Codec: stream.CodecAAC, Config: b, SampleRate: c.SampleRate, Channels: ch}
	return nil
}

// frames returns the frames of a packet with PTS pts (clock ticks). A nil
// result with a nil error means the packet was a fragment.
func (a *aac) frames(pkt *rtp.Packet, pts int64) ([]aacFrame, error) {
	var aus [][]byte
	if a.generic != nil {
		var err error
		aus, err = a.generic.Decode(pkt)
		if errors.Is(err, rtpmpeg4audio.ErrMorePacketsNeeded) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
	} else {
		el, err := a.latm.Decode(pkt)
		if errors.Is(err, rtpfragmented.ErrMorePacketsNeeded) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if aus, err = a.latmFrames(el); err != nil {
			return nil, err
		}
	}
	if a.track == nil || a.track.SampleRate <= 0 {
		return nil, nil
	}
	// Frames of one packet follow each other: 1024 samples each.
	step := int64(mpeg4audio.SamplesPerAccessUnit) * a.clockRate / int64(a.track.SampleRate)
	out := make([]aacFrame, 0, len(aus))
	for i, au := range aus {
		if len(au) > 0 {
			out = append(out, aacFrame{data: au, pts: pts + int64(i)*step})
		}
	}
	return out, nil
}

// latmFrames splits an AudioMuxElement into its subframes (first program
// and layer: cameras carry one).
func (a *aac) latmFrames(el []byte) ([][]byte, error) {
	e := mpeg4audio.AudioMuxElement{MuxConfigPresent: a.latmInBnd, StreamMuxConfig: a.latmCfg}
	if err := e.Unmarshal(el); err != nil {
		return nil, fmt.Errorf("LATM: %w", err)
	}
	if a.latmInBnd && e.StreamMuxConfig != nil {
		a.latmCfg = e.StreamMuxConfig
		if err := a.setConfig(latmConfig(e.StreamMuxConfig)); err != nil {
			return nil, err
		}
	}
	var aus [][]byte
	for _, sub := range e.Payloads {
		if len(sub) > 0 && len(sub[0]) > 0 {
			aus = append(aus, sub[0][0])
		}
	}
	return aus, nil
}

// latmConfig is the AudioSpecificConfig of the first layer, or nil.
func latmConfig(c *mpeg4audio.StreamMuxConfig) *mpeg4audio.AudioSpecificConfig {
	if c == nil || len(c.Programs) == 0 || c.Programs[0] == nil || len(c.Programs[0].Layers) == 0 ||
		c.Programs[0].Layers[0] == nil {
		return nil
	}
	return c.Programs[0].Layers[0].AudioSpecificConfig
}
