package flv

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"livestudio/internal/stream"
)

// The fuzzers are seeded from the case table and from testdata/fuzz/<Name>/.
// Invariants: no panic; every error wraps one of the package's sentinels;
// what parses re-serialises (with our muxer) to something that parses back
// to the same unit, track or record.

func isSentinel(err error) bool {
	return errors.Is(err, ErrShort) || errors.Is(err, ErrMalformed) ||
		errors.Is(err, ErrUnsupported) || errors.Is(err, ErrNoConfig)
}

// seedBodies adds the table's bodies of one kind, setup bodies included.
func seedBodies(f *testing.F, audio bool) {
	for _, tc := range demuxCases {
		if tc.audio != audio {
			continue
		}
		for _, b := range tc.setup {
			f.Add(b)
		}
		f.Add(tc.body)
	}
}

// checkUnit asserts a demuxed unit survives our muxer and demuxer.
func checkUnit(t *testing.T, u *stream.Unit) {
	t.Helper()
	got, track, err := remux(u)
	if err != nil {
		t.Fatalf("re-serialised unit does not parse: %v", err)
	}
	if d := diffTrack(track, u.Track); d != "" {
		t.Fatalf("track round trip: %s", d)
	}
	if d := diffUnit(got, u); d != "" {
		t.Fatalf("unit round trip: %s", d)
	}
}

// checkTrack asserts a track survives AppendSequenceHeader and the demuxer.
func checkTrack(t *testing.T, tr *stream.Track) {
	t.Helper()
	var d Demuxer
	parse := d.Video
	if !tr.Codec.IsVideo() {
		parse = d.Audio
	}
	if u, err := parse(0, AppendSequenceHeader(nil, tr)); u != nil || err != nil {
		t.Fatalf("re-serialised %v sequence header: %v, %v", tr.Codec, u, err)
	}
	v, a := d.Tracks()
	got := v
	if !tr.Codec.IsVideo() {
		got = a
	}
	if diff := diffTrack(got, tr); diff != "" {
		t.Fatalf("sequence header round trip: %s", diff)
	}
}

// fuzzBody runs body through a fresh demuxer and through demuxers already
// configured by each of primers, so frames are reached for every codec.
func fuzzBody(t *testing.T, audio bool, primers [][]byte, body []byte) {
	for _, primer := range append([][]byte{nil}, primers...) {
		var d Demuxer
		parse := d.Video
		if audio {
			parse = d.Audio
		}
		if primer != nil {
			if _, err := parse(0, primer); err != nil {
				t.Fatalf("primer: %v", err)
			}
		}
		v0, a0 := d.Tracks()
		u, err := parse(time.Second, body)
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			if u != nil {
				t.Fatal("unit with an error")
			}
			continue
		}
		if u != nil {
			checkUnit(t, u)
		}
		if v, a := d.Tracks(); v != v0 && v != nil {
			checkTrack(t, v)
		} else if a != a0 && a != nil {
			checkTrack(t, a)
		}
	}
}

func FuzzDemuxerVideo(f *testing.F) {
	seedBodies(f, false)
	primers := [][]byte{ffAVCSeq, hvc1Seq, hvc1Seq2}
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzBody(t, false, primers, body)
	})
}

func FuzzDemuxerAudio(f *testing.F) {
	seedBodies(f, true)
	primers := [][]byte{ffAACSeq}
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzBody(t, true, primers, body)
	})
}

// configRecords returns the avcC and hvcC records inside the table's
// sequence header bodies (well-formed and broken).
func configRecords() (avc, hevc [][]byte) {
	for _, tc := range demuxCases {
		for _, b := range append(append([][]byte{}, tc.setup...), tc.body) {
			switch {
			case tc.audio || len(b) < 5:
			case b[0]&0x80 == 0 && b[1] == 0 && b[0]&0x0f == codecAVC:
				avc = append(avc, b[5:])
			case b[0]&0x80 == 0 && b[1] == 0 && b[0]&0x0f == codecHEVCOld:
				hevc = append(hevc, b[5:])
			case b[0]&0x80 != 0 && b[0]&0x0f == exSequenceStart && string(b[1:5]) == "avc1":
				avc = append(avc, b[5:])
			case b[0]&0x80 != 0 && b[0]&0x0f == exSequenceStart && string(b[1:5]) == "hvc1":
				hevc = append(hevc, b[5:])
			}
		}
	}
	return avc, hevc
}

func FuzzParseAVCConfig(f *testing.F) {
	avc, _ := configRecords()
	for _, b := range avc {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseAVCConfig(b)
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		c2, err := ParseAVCConfig(AppendAVCConfig(nil, c.SPS, c.PPS))
		if err != nil {
			t.Fatalf("re-serialised record: %v", err)
		}
		if !bytes.Equal(c2.SPS, c.SPS) || !bytes.Equal(c2.PPS, c.PPS) || c2.NALULenLength != 4 {
			t.Fatalf("round trip %+v, want %+v", c2, c)
		}
	})
}

func FuzzParseHEVCConfig(f *testing.F) {
	_, hevc := configRecords()
	for _, b := range hevc {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseHEVCConfig(b)
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		c2, err := ParseHEVCConfig(AppendHEVCConfig(nil, c.VPS, c.SPS, c.PPS))
		if err != nil {
			t.Fatalf("re-serialised record: %v", err)
		}
		if !bytes.Equal(c2.VPS, c.VPS) || !bytes.Equal(c2.SPS, c.SPS) || !bytes.Equal(c2.PPS, c.PPS) ||
			c2.NALULenLength != 4 {
			t.Fatalf("round trip %+v, want %+v", c2, c)
		}
	})
}

func FuzzParseTag(f *testing.F) {
	var file []byte
	for _, tag := range tagCases() {
		one := AppendTag(nil, tag.Type, tag.MS, tag.Body)
		f.Add(one)
		file = append(file, one...)
	}
	f.Add(file)
	f.Add(MetadataTag(avcTrack, aacTrack))
	f.Fuzz(func(t *testing.T, buf []byte) {
		for n := 0; n < 64 && len(buf) > 0; n++ {
			tag, rest, err := ParseTag(buf)
			if err != nil {
				if !isSentinel(err) {
					t.Fatalf("error wraps no sentinel: %v", err)
				}
				if len(rest) != len(buf) {
					t.Fatal("input consumed on error")
				}
				return
			}
			used := len(buf) - len(rest)
			if used != TagSize+len(tag.Body) {
				t.Fatalf("consumed %d bytes for a %d-byte body", used, len(tag.Body))
			}
			// Re-serialised, the tag is the input with its stream id zeroed.
			again := AppendTag(nil, tag.Type, tag.MS, tag.Body)
			want := bytes.Clone(buf[:used])
			want[8], want[9], want[10] = 0, 0, 0
			if !bytes.Equal(again, want) {
				t.Fatalf("re-serialised tag\n%x, want\n%x", again, want)
			}
			buf = rest
		}
	})
}
