package rtsp

import (
	"log/slog"
	"testing"

	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph264"

	"livestudio/internal/stream"
	"livestudio/internal/testpeer"
	"livestudio/internal/videoau"
)

// Cameras that do not set the RTP marker bit: the depacketizer completes an
// access unit when the next one starts, and the unit must keep its own PTS.
func TestSessionUnitWithoutMarker(t *testing.T) {
	aus := testpeer.ParamsChangeAUs(t)
	f := &format.H264{PayloadTyp: 96, PacketizationMode: 1}
	dec, err := f.CreateDecoder()
	if err != nil {
		t.Fatal(err)
	}
	enc := &rtph264.Encoder{PayloadType: 96, PacketizationMode: 1, PayloadMaxSize: 300}
	if err := enc.Init(); err != nil {
		t.Fatal(err)
	}
	src, err := New(Config{URL: "rtsp://cam/x"}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var got []*stream.Unit
	ss := &session{s: src, out: func(u *stream.Unit) { got = append(got, u) },
		vFormat: f, vDecode: dec.Decode, video: videoau.New(stream.CodecH264, nil, nil, nil)}
	for _, a := range aus[:12] {
		pkts, err := enc.Encode(a.AU)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkts {
			p.Timestamp = uint32(a.PTS)
			p.Marker = false
			ss.onVideo(p, a.PTS)
		}
	}
	// The last unit stays buffered until a next one starts.
	if len(got) != 11 {
		t.Fatalf("got %d units, want 11", len(got))
	}
	for i, u := range got {
		want := ticks(aus[i].PTS-aus[0].PTS, 90000)
		if u.PTS != want || len(u.NALUs) != len(aus[i].AU) {
			t.Errorf("unit %d: PTS %v want %v, %d NALUs want %d", i, u.PTS, want, len(u.NALUs), len(aus[i].AU))
		}
	}
}
