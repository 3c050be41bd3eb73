package stream

import (
	"bytes"
	"testing"
)

func TestNALUsWithParams(t *testing.T) {
	h264 := &Track{Codec: CodecH264, SPS: []byte{0x67, 1}, PPS: []byte{0x68, 2}}
	h265 := &Track{Codec: CodecH265, VPS: []byte{0x40, 1}, SPS: []byte{0x42, 1}, PPS: []byte{0x44, 1}}
	idr, slice := []byte{0x65, 9}, []byte{0x41, 9}
	irap := []byte{0x26, 1, 9} // H.265 IDR_W_RADL
	cases := []struct {
		name string
		u    *Unit
		want [][]byte
	}{
		{"h264 keyframe gets SPS and PPS", &Unit{Track: h264, Key: true, NALUs: [][]byte{idr}},
			[][]byte{h264.SPS, h264.PPS, idr}},
		{"h264 keyframe with SPS in band unchanged", &Unit{Track: h264, Key: true, NALUs: [][]byte{{0x67, 7}, {0x68, 8}, idr}},
			[][]byte{{0x67, 7}, {0x68, 8}, idr}},
		{"h264 other picture unchanged", &Unit{Track: h264, NALUs: [][]byte{slice}}, [][]byte{slice}},
		{"empty NALUs dropped", &Unit{Track: h264, NALUs: [][]byte{{}, slice, nil}}, [][]byte{slice}},
		{"h265 keyframe gets VPS, SPS and PPS", &Unit{Track: h265, Key: true, NALUs: [][]byte{irap}},
			[][]byte{h265.VPS, h265.SPS, h265.PPS, irap}},
	}
	for _, c := range cases {
		before := len(c.u.NALUs)
		got := c.u.NALUsWithParams()
		if len(got) != len(c.want) {
			t.Fatalf("%s: %d NALUs %x, want %x", c.name, len(got), got, c.want)
		}
		for i := range got {
			if !bytes.Equal(got[i], c.want[i]) {
				t.Errorf("%s: NALU %d is %x, want %x", c.name, i, got[i], c.want[i])
			}
		}
		if len(c.u.NALUs) != before {
			t.Errorf("%s: the shared unit was modified", c.name)
		}
	}
}
