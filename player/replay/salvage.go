package replay

import (
	"bytes"
	"errors"
	"io"
	"os"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/mpegts"
	mcodecs "github.com/bluenviron/mediacommon/v2/pkg/formats/mpegts/codecs"
)

// tsPacket is the MPEG-TS packet size.
const tsPacket = 188

// salvage keeps what a crash left of the segment being written: the file is
// cut to whole TS packets and demuxed (mediacommon's reader); its duration
// runs from the first to the last complete frame of the leading track
// (video, else audio; the frame being written when the process died is
// left out). It returns false when nothing playable is in it.
func salvage(path string) (time.Duration, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	b = b[:len(b)-len(b)%tsPacket]
	dts, err := leadingDTS(b)
	if err != nil || len(dts) < 3 {
		return 0, false
	}
	// The last frame may be cut short: end the segment where it starts.
	dts = dts[:len(dts)-1]
	d := time.Duration(dts[len(dts)-1]-dts[0]) * time.Second / tsClock
	if d <= 0 {
		return 0, false
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return 0, false
	}
	return d, true
}

// leadingDTS demuxes a segment and returns the timestamps (90 kHz) of its
// video frames, or of its audio frames when it has no video, in order.
func leadingDTS(b []byte) ([]int64, error) {
	r := &mpegts.Reader{R: bytes.NewReader(b)}
	if err := r.Initialize(); err != nil {
		return nil, err
	}
	var video, audio []int64
	hasVideo := false
	for _, tr := range r.Tracks() {
		switch tr.Codec.(type) {
		case *mcodecs.H264:
			hasVideo = true
			r.OnDataH264(tr, func(_, dts int64, _ [][]byte) error { video = append(video, dts); return nil })
		case *mcodecs.H265:
			hasVideo = true
			r.OnDataH265(tr, func(_, dts int64, _ [][]byte) error { video = append(video, dts); return nil })
		case *mcodecs.MPEG4Audio:
			r.OnDataMPEG4Audio(tr, func(pts int64, aus [][]byte) error { audio = append(audio, pts); return nil })
		}
	}
	r.OnDecodeError(func(error) {})
	for {
		err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if hasVideo {
		return video, nil
	}
	return audio, nil
}
