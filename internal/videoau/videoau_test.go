package videoau

import (
	"bytes"
	"errors"
	"testing"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"

	"livestudio/internal/stream"
	"livestudio/internal/testpeer"
)

func TestVideoInBandParameters(t *testing.T) {
	aus := testpeer.ParamsChangeAUs(t)
	v := New(stream.CodecH264, nil, nil, nil)
	var tracks []*stream.Track
	var lastDTS int64 = -1 << 62
	for i, a := range aus {
		u, dts, changed, err := v.Access(a.AU, a.PTS)
		if err != nil {
			t.Fatalf("AU %d: %v", i, err)
		}
		if changed != (i == 0 || i == 12) {
			t.Errorf("AU %d: changed=%v", i, changed)
		}
		if u.Track != v.track || (len(tracks) > 0 && !changed && u.Track != tracks[len(tracks)-1]) {
			t.Errorf("AU %d: track pointer not kept", i)
		}
		if changed {
			tracks = append(tracks, u.Track)
		}
		if want := h264.IsRandomAccess(a.AU); u.Key != want || u.Key != (i%6 == 0) {
			t.Errorf("AU %d: key=%v, IDR=%v", i, u.Key, want)
		}
		if dts <= lastDTS || dts > a.PTS {
			t.Errorf("AU %d: DTS %d after %d, PTS %d", i, dts, lastDTS, a.PTS)
		}
		lastDTS = dts
	}
	if len(tracks) != 2 || bytes.Equal(tracks[0].SPS, tracks[1].SPS) {
		t.Fatalf("want two tracks with different SPS, got %d", len(tracks))
	}
}

// A camera that sends the parameters in the SDP only: the DTS extractor
// still gets them, the track stays the SDP's, pictures before the first
// IDR are dropped.
func TestVideoSDPParameters(t *testing.T) {
	aus := testpeer.ParamsChangeAUs(t)
	var sps, pps []byte
	strip := func(au [][]byte) [][]byte {
		var out [][]byte
		for _, n := range au {
			switch h264.NALUType(n[0] & 0x1f) {
			case h264.NALUTypeSPS:
				sps = n
			case h264.NALUTypePPS:
				pps = n
			default:
				out = append(out, n)
			}
		}
		return out
	}
	first := strip(aus[0].AU)
	v := New(stream.CodecH264, nil, sps, pps)
	sdp := v.track
	if _, _, _, err := v.Access(strip(aus[1].AU), aus[1].PTS); !errors.Is(err, ErrNotSynced) {
		t.Fatalf("picture before the IDR: err=%v, want ErrNotSynced", err)
	}
	u, dts, changed, err := v.Access(first, aus[0].PTS)
	if err != nil || changed || u.Track != sdp || !u.Key || dts != aus[0].PTS {
		t.Fatalf("IDR: err=%v changed=%v key=%v dts=%d", err, changed, u != nil && u.Key, dts)
	}
	reordered := 0
	for i := 1; i < 12; i++ {
		u, dts, _, err := v.Access(strip(aus[i].AU), aus[i].PTS)
		if err != nil {
			t.Fatalf("AU %d: %v", i, err)
		}
		if u.Track != sdp || dts > aus[i].PTS {
			t.Fatalf("AU %d: track changed or DTS %d > PTS %d", i, dts, aus[i].PTS)
		}
		if dts < aus[i].PTS {
			reordered++
		}
	}
	if reordered == 0 {
		t.Error("no picture had DTS < PTS: B-frames not seen")
	}
}
