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
// cut to whole TS packets, then before the frame of the leading track
// (video, else audio) that was being written, which may be cut short; what
// remains is demuxed (mediacommon's reader) to find its duration. It
// returns false when nothing playable is in it.
func salvage(path string) (time.Duration, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	b = b[:len(b)-len(b)%tsPacket]
	pid, dts, err := leadingDTS(b)
	if err != nil || len(dts) < 3 {
		return 0, false
	}
	b = b[:lastUnitStart(b, pid)]
	if pid, dts, err = leadingDTS(b); err != nil || len(dts) < 2 {
		return 0, false
	}
	n := len(dts)
	d := time.Duration(dts[n-1]-dts[0]+dts[n-1]-dts[n-2]) * time.Second / tsClock
	if d <= 0 {
		return 0, false
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return 0, false
	}
	return d, true
}

// lastUnitStart returns the offset of the last TS packet that starts a PES
// packet (a frame) of pid: where the last frame written begins.
func lastUnitStart(b []byte, pid uint16) int {
	for off := len(b) - tsPacket; off >= 0; off -= tsPacket {
		p := b[off:]
		if p[0] == 0x47 && p[1]&0x40 != 0 && uint16(p[1]&0x1f)<<8|uint16(p[2]) == pid {
			return off
		}
	}
	return 0
}

// leadingDTS demuxes a segment and returns the PID and the timestamps
// (90 kHz) of its video frames, or of its audio frames when it has no
// video, in order.
func leadingDTS(b []byte) (uint16, []int64, error) {
	r := &mpegts.Reader{R: bytes.NewReader(b)}
	if err := r.Initialize(); err != nil {
		return 0, nil, err
	}
	var video, audio []int64
	var videoPID, audioPID uint16
	hasVideo := false
	for _, tr := range r.Tracks() {
		switch tr.Codec.(type) {
		case *mcodecs.H264:
			hasVideo, videoPID = true, tr.PID
			r.OnDataH264(tr, func(_, dts int64, _ [][]byte) error { video = append(video, dts); return nil })
		case *mcodecs.H265:
			hasVideo, videoPID = true, tr.PID
			r.OnDataH265(tr, func(_, dts int64, _ [][]byte) error { video = append(video, dts); return nil })
		case *mcodecs.MPEG4Audio:
			audioPID = tr.PID
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
			return 0, nil, err
		}
	}
	if hasVideo {
		return videoPID, video, nil
	}
	return audioPID, audio, nil
}
