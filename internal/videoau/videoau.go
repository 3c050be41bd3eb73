// Package videoau turns complete H.264 and H.265 access units (from an RTP
// depacketizer) into stream units: the track follows in-band parameter
// sets, units wait for a random access point, and the DTS comes from
// mediacommon's extractor (B-frames). ingest/rtsp and ingest/whip share it.
package videoau

import (
	"bytes"
	"errors"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"

	"livestudio/internal/stream"
)

// ErrNotSynced: the access unit was dropped because the video has no
// parameters yet or is waiting for a random access point.
var ErrNotSynced = errors.New("waiting for parameters and a keyframe")

// dtsExtractor is mediacommon's h264/h265 DTSExtractor: it derives the
// decode order timestamp of pictures that B-frames make arrive out of
// presentation order.
type dtsExtractor interface {
	Extract(au [][]byte, pts int64) (int64, error)
}

// Builder turns complete access units of one H.264 or H.265 media into
// units: it keeps the track current with in-band parameter sets, waits for
// a random access point, and computes the DTS. Times are 90 kHz ticks.
type Builder struct {
	track  *stream.Track // nil until the parameters are known
	dts    dtsExtractor
	synced bool // a keyframe went through the current extractor
}

// New returns a builder for codec (CodecH264 or CodecH265) with the
// parameter sets known out of band (nil when none).
func New(codec stream.Codec, vps, sps, pps []byte) *Builder {
	v := &Builder{}
	v.track = v.withParams(&stream.Track{Codec: codec}, vps, sps, pps)
	v.Reset()
	return v
}

// Reset starts a fresh DTS extractor: the next unit must be a keyframe.
func (v *Builder) Reset() {
	if v.track.Codec == stream.CodecH264 {
		var d h264.DTSExtractor
		d.Initialize()
		v.dts = &d
	} else {
		var d h265.DTSExtractor
		d.Initialize()
		v.dts = &d
	}
	v.synced = false
}

// Access returns the unit of an access unit with PTS pts (90 kHz), its DTS
// in ticks, and whether the track changed. The unit's times are left zero:
// the caller places them on the session clock. ErrNotSynced (and DTS
// errors) mean the unit was dropped.
func (v *Builder) Access(au [][]byte, pts int64) (u *stream.Unit, dts int64, changed bool, err error) {
	au = nonEmpty(au)
	if len(au) == 0 {
		return nil, 0, false, ErrNotSynced
	}
	vps, sps, pps := v.paramsIn(au)
	if t := v.withParams(v.track, vps, sps, pps); t != v.track {
		v.track, changed = t, true
	}
	if !v.complete() {
		return nil, 0, changed, ErrNotSynced
	}
	key := v.randomAccess(au)
	if !v.synced && !key {
		return nil, 0, changed, ErrNotSynced
	}
	in := au
	if key && sps == nil {
		// The extractor learns the SPS (and PPS) in band only; a camera
		// that sends them in the SDP alone still needs B-frame timing.
		in = append(v.paramSets(), au...)
	}
	dts, err = v.dts.Extract(in, pts)
	if err != nil {
		v.Reset()
		if !key {
			return nil, 0, changed, err
		}
		if dts, err = v.dts.Extract(in, pts); err != nil {
			v.Reset()
			return nil, 0, changed, err
		}
	}
	v.synced = true
	return &stream.Unit{Track: v.track, Key: key, NALUs: au}, dts, changed, nil
}

// paramsIn returns the last parameter sets present in the access unit.
func (v *Builder) paramsIn(au [][]byte) (vps, sps, pps []byte) {
	for _, n := range au {
		if v.track.Codec == stream.CodecH264 {
			switch h264.NALUType(n[0] & 0x1f) {
			case h264.NALUTypeSPS:
				sps = n
			case h264.NALUTypePPS:
				pps = n
			}
			continue
		}
		switch h265.NALUType((n[0] >> 1) & 0x3f) {
		case h265.NALUType_VPS_NUT:
			vps = n
		case h265.NALUType_SPS_NUT:
			sps = n
		case h265.NALUType_PPS_NUT:
			pps = n
		}
	}
	return vps, sps, pps
}

// withParams returns t, or a new track when a given parameter set differs:
// a published track is immutable, units keep the one they were coded with.
func (v *Builder) withParams(t *stream.Track, vps, sps, pps []byte) *stream.Track {
	same := func(cur, in []byte) bool { return in == nil || bytes.Equal(cur, in) }
	if same(t.VPS, vps) && same(t.SPS, sps) && same(t.PPS, pps) {
		return t
	}
	n := *t
	if vps != nil {
		n.VPS = bytes.Clone(vps)
	}
	if sps != nil {
		n.SPS = bytes.Clone(sps)
	}
	if pps != nil {
		n.PPS = bytes.Clone(pps)
	}
	return &n
}

func (v *Builder) complete() bool {
	t := v.track
	return len(t.SPS) > 0 && len(t.PPS) > 0 && (t.Codec == stream.CodecH264 || len(t.VPS) > 0)
}

func (v *Builder) paramSets() [][]byte {
	if v.track.Codec == stream.CodecH264 {
		return [][]byte{v.track.SPS, v.track.PPS}
	}
	return [][]byte{v.track.VPS, v.track.SPS, v.track.PPS}
}

// randomAccess: an IDR picture (H.264), an IDR or CRA picture (H.265).
func (v *Builder) randomAccess(au [][]byte) bool {
	if v.track.Codec == stream.CodecH264 {
		return h264.IsRandomAccess(au)
	}
	return h265.IsRandomAccess(au)
}

// nonEmpty drops zero-length NALUs, which the NALU type checks would index.
func nonEmpty(au [][]byte) [][]byte {
	for _, n := range au {
		if len(n) == 0 {
			out := make([][]byte, 0, len(au))
			for _, n := range au {
				if len(n) > 0 {
					out = append(out, n)
				}
			}
			return out
		}
	}
	return au
}

// Track is the track in force: the parameters last seen.
func (v *Builder) Track() *stream.Track { return v.track }
