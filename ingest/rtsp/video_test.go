package rtsp

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph264"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mpegts"

	"livestudio/internal/stream"
	"livestudio/internal/videoau"
)

// tsAU is an access unit of testdata/params_change.ts with its times.
type tsAU struct {
	pts, dts int64
	au       [][]byte
}

// readTS returns the H.264 access units of testdata/params_change.ts: two
// 12-frame clips made by ffmpeg (libx264, 2 B-frames, GOP 6), 64x64 then
// 96x64, so the SPS changes at the 13th picture.
func readTS(t *testing.T) []tsAU {
	t.Helper()
	f, err := os.Open("testdata/params_change.ts")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := &mpegts.Reader{R: f}
	if err := r.Initialize(); err != nil {
		t.Fatal(err)
	}
	var aus []tsAU
	r.OnDataH264(r.Tracks()[0], func(pts, dts int64, au [][]byte) error {
		aus = append(aus, tsAU{pts, dts, au})
		return nil
	})
	for {
		if err := r.Read(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if len(aus) != 24 {
		t.Fatalf("read %d access units, want 24", len(aus))
	}
	return aus
}

// Cameras that do not set the RTP marker bit: the depacketizer completes an
// access unit when the next one starts, and the unit must keep its own PTS.
func TestSessionUnitWithoutMarker(t *testing.T) {
	aus := readTS(t)
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
		pkts, err := enc.Encode(a.au)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkts {
			p.Timestamp = uint32(a.pts)
			p.Marker = false
			ss.onVideo(p, a.pts)
		}
	}
	// The last unit stays buffered until a next one starts.
	if len(got) != 11 {
		t.Fatalf("got %d units, want 11", len(got))
	}
	for i, u := range got {
		want := ticks(aus[i].pts-aus[0].pts, 90000)
		if u.PTS != want || len(u.NALUs) != len(aus[i].au) {
			t.Errorf("unit %d: PTS %v want %v, %d NALUs want %d", i, u.PTS, want, len(u.NALUs), len(aus[i].au))
		}
	}
}
