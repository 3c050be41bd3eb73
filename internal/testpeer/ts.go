package testpeer

import (
	"bytes"
	_ "embed"
	"errors"
	"io"
	"testing"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/mpegts"
)

// paramsChangeTS is an ffmpeg-made MPEG-TS clip (libx264, 2 B-frames, GOP
// 6): 12 frames at 64x64 then 12 at 96x64, so the SPS changes at the 13th
// picture.
//
//go:embed testdata/params_change.ts
var paramsChangeTS []byte

// TSAccessUnit is one H.264 access unit of an MPEG-TS file, with its
// 90 kHz times.
type TSAccessUnit struct {
	PTS, DTS int64
	AU       [][]byte
}

// ParamsChangeAUs returns the 24 access units of the params-change clip,
// for tests of the video access-unit path (internal/videoau, ingest/rtsp).
func ParamsChangeAUs(t *testing.T) []TSAccessUnit {
	t.Helper()
	r := &mpegts.Reader{R: bytes.NewReader(paramsChangeTS)}
	if err := r.Initialize(); err != nil {
		t.Fatal(err)
	}
	var aus []TSAccessUnit
	r.OnDataH264(r.Tracks()[0], func(pts, dts int64, au [][]byte) error {
		aus = append(aus, TSAccessUnit{pts, dts, au})
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
		t.Fatalf("params-change clip: read %d access units, want 24", len(aus))
	}
	return aus
}
