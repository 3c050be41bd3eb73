package replay

import (
	"testing"
	"time"
)

// BenchmarkRecordMinute writes one minute of a 2 Mbit/s H.264 + AAC stream
// (25 fps, 10 KB pictures, 1 s GOPs) into a recording with 4 s segments:
// the recorder's CPU per minute of media, fsyncs included.
func BenchmarkRecordMinute(b *testing.B) {
	src := &source{video: h264Track(), audio: aacTrack(), gop: 25}
	units := src.units(time.Minute)
	pic := make([]byte, 10_000)
	pic[0] = 0x41
	key := make([]byte, 10_000)
	key[0] = 0x65
	var bytes int64
	for _, u := range units {
		if u.IsVideo() {
			if u.Key {
				u.NALUs = [][]byte{key}
			} else {
				u.NALUs = [][]byte{pic}
			}
		} else {
			u.Frame = make([]byte, 370)
		}
		bytes += int64(u.Size())
	}
	wall := func(time.Duration) time.Time { return time.Now() }
	b.SetBytes(bytes)
	b.ReportAllocs()
	for b.Loop() {
		w, err := newRecWriter(b.TempDir(), "k", units[0].Track, units[1].Track, 0, time.Now(), 4*time.Second)
		if err != nil {
			b.Fatal(err)
		}
		for _, u := range units {
			if err := w.write(u, wall); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.finish(); err != nil {
			b.Fatal(err)
		}
	}
}
