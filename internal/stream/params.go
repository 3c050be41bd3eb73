package stream

// NAL unit types of the parameter sets.
const (
	h264SPS = 7
	h265VPS = 32
	h265SPS = 33
)

// NALUsWithParams returns the unit's NALUs for an MPEG-TS or HLS muxer
// (player/hls, player/replay): empty NALUs dropped, and a keyframe gets the
// track's parameter sets in front when it does not carry them in band (as
// from RTMP/FLV, where they travel in the sequence header): gohlslib's DTS
// extractor needs an in-band SPS, and MPEG-TS players need the parameter sets
// before every IDR. The unit is shared, so it is never modified.
func (u *Unit) NALUsWithParams() [][]byte {
	empty := false
	for _, n := range u.NALUs {
		if len(n) == 0 {
			empty = true
			break
		}
	}
	var params [][]byte
	if u.Key && !hasParams(u) {
		t := u.Track
		if t.Codec == CodecH265 {
			params = [][]byte{t.VPS, t.SPS, t.PPS}
		} else {
			params = [][]byte{t.SPS, t.PPS}
		}
	}
	if params == nil && !empty {
		return u.NALUs
	}
	out := make([][]byte, 0, len(params)+len(u.NALUs))
	for _, list := range [][][]byte{params, u.NALUs} {
		for _, n := range list {
			if len(n) > 0 {
				out = append(out, n)
			}
		}
	}
	return out
}

// hasParams tells whether the unit carries an SPS in band.
func hasParams(u *Unit) bool {
	for _, n := range u.NALUs {
		if len(n) == 0 {
			continue
		}
		if u.Track.Codec == CodecH265 {
			if typ := (n[0] >> 1) & 0x3f; typ == h265SPS || typ == h265VPS {
				return true
			}
		} else if n[0]&0x1f == h264SPS {
			return true
		}
	}
	return false
}
