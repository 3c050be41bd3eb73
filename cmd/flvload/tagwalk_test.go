package main

import (
	"math/rand/v2"
	"testing"

	"livestudio/internal/flv"
)

// sampleFLV is a file header, metadata, both sequence headers, audio, then
// a video keyframe at 40 ms and a later audio tag at 63 ms.
func sampleFLV() (data []byte, keyEnd int) {
	data = flv.Header(true, true)
	data = flv.AppendTag(data, flv.TagScript, 0, []byte{2, 0, 10})
	data = flv.AppendTag(data, flv.TagVideo, 0, []byte{0x17, 0, 0, 0, 0, 1, 0x64})
	data = flv.AppendTag(data, flv.TagAudio, 0, []byte{0xaf, 0, 0x12, 0x10})
	data = flv.AppendTag(data, flv.TagVideo, 20, []byte{0x27, 1, 0, 0, 0, 9, 9}) // inter frame
	data = flv.AppendTag(data, flv.TagAudio, 21, []byte{0xaf, 1, 1, 2, 3})
	data = flv.AppendTag(data, flv.TagVideo, 40, make([]byte, 3000))
	copy(data[len(data)-4-3000:], []byte{0x17, 1})
	keyEnd = len(data) - 4
	data = flv.AppendTag(data, flv.TagAudio, 63, []byte{0xaf, 1, 4})
	return data, keyEnd
}

func TestTagWalkerAnySplit(t *testing.T) {
	data, keyEnd := sampleFLV()
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 300 {
		w := newTagWalker()
		at := -1
		for off := 0; off < len(data); {
			n := 1 + rng.IntN(min(len(data)-off, 1+trial*7))
			first, err := w.feed(data[off : off+n])
			if err != nil {
				t.Fatal(err)
			}
			if first {
				if at >= 0 {
					t.Fatal("first keyframe reported twice")
				}
				at = off + n
				if off >= keyEnd || at < keyEnd {
					t.Fatalf("trial %d: keyframe reported in [%d,%d), it ends at %d", trial, off, at, keyEnd)
				}
			}
			off += n
		}
		if at < 0 {
			t.Fatalf("trial %d: keyframe not reported", trial)
		}
		if w.lastTS != 63 || w.tags != 7 {
			t.Fatalf("trial %d: lastTS %d tags %d, want 63 and 7", trial, w.lastTS, w.tags)
		}
	}
}

func TestTagWalkerRejectsNonFLV(t *testing.T) {
	if _, err := newTagWalker().feed([]byte("<html><body>not a stream</body>")); err == nil {
		t.Fatal("no error for a non-FLV body")
	}
}
