package flv

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/bluenviron/gortmplib/pkg/amf0"

	"livestudio/internal/stream"
)

// remux serialises u as our muxer does (sequence header of its track, then
// its tag body) and parses both with a fresh Demuxer.
func remux(u *stream.Unit) (*stream.Unit, *stream.Track, error) {
	var d Demuxer
	parse := d.Video
	if !u.IsVideo() {
		parse = d.Audio
	}
	if got, err := parse(0, AppendSequenceHeader(nil, u.Track)); got != nil || err != nil {
		return nil, nil, errors.Join(errors.New("sequence header"), err)
	}
	v, a := d.Tracks()
	track := v
	if !u.IsVideo() {
		track = a
	}
	got, err := parse(u.DTS, AppendUnitBody(nil, u))
	return got, track, err
}

func TestUnitBodyRoundTrip(t *testing.T) {
	for _, tc := range demuxCases {
		if tc.want == nil {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			got, track, err := remux(tc.want)
			if err != nil {
				t.Fatal(err)
			}
			if d := diffTrack(track, tc.want.Track); d != "" {
				t.Fatalf("sequence header round trip: %s", d)
			}
			if d := diffUnit(got, tc.want); d != "" {
				t.Fatalf("unit round trip: %s", d)
			}
		})
	}
}

func TestSequenceHeaderRoundTrip(t *testing.T) {
	for _, tr := range []*stream.Track{avcTrack, hevcTrack, aacTrack} {
		var d Demuxer
		parse := d.Video
		if !tr.Codec.IsVideo() {
			parse = d.Audio
		}
		if u, err := parse(0, AppendSequenceHeader(nil, tr)); u != nil || err != nil {
			t.Fatalf("%v: %v, %v", tr.Codec, u, err)
		}
		v, a := d.Tracks()
		got := v
		if !tr.Codec.IsVideo() {
			got = a
		}
		if diff := diffTrack(got, tr); diff != "" {
			t.Errorf("%v: %s", tr.Codec, diff)
		}
	}
}

// A repeated, unchanged sequence header keeps the track (units keep sharing
// it); a changed one replaces it.
func TestRepeatedSequenceHeader(t *testing.T) {
	var d Demuxer
	if _, err := d.Video(0, ffAVCSeq); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Audio(0, ffAACSeq); err != nil {
		t.Fatal(err)
	}
	v1, a1 := d.Tracks()
	if _, err := d.Video(time.Second, avc1Seq); err != nil { // same avcC, enhanced form
		t.Fatal(err)
	}
	if _, err := d.Audio(time.Second, ffAACSeq); err != nil {
		t.Fatal(err)
	}
	if v2, a2 := d.Tracks(); v2 != v1 || a2 != a1 {
		t.Fatal("an unchanged sequence header replaced the track")
	}
	if _, err := d.Video(time.Second, hvc1Seq); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Audio(time.Second, []byte{0xaf, 0, 0x11, 0x90}); err != nil { // 48 kHz stereo
		t.Fatal(err)
	}
	v3, a3 := d.Tracks()
	if v3 == v1 || v3.Codec != stream.CodecH265 || a3 == a1 || a3.SampleRate != 48000 || a3.Channels != 2 {
		t.Fatalf("changed sequence headers: video %+v audio %+v", v3, a3)
	}
}

func TestAVCConfigRoundTrip(t *testing.T) {
	rec := AppendAVCConfig(nil, x264SPS, x264PPS)
	// Ours is ffmpeg's record without the High profile trailer.
	if !bytes.Equal(rec, avcC[:len(rec)]) {
		t.Fatalf("avcC\n%x, ffmpeg wrote\n%x", rec, avcC)
	}
	for _, b := range [][]byte{rec, avcC} {
		c, err := ParseAVCConfig(b)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(c.SPS, x264SPS) || !bytes.Equal(c.PPS, x264PPS) || c.NALULenLength != 4 {
			t.Fatalf("parsed %+v", c)
		}
	}
}

func TestHEVCConfigRoundTrip(t *testing.T) {
	rec := AppendHEVCConfig(nil, x265VPS, x265SPS, x265PPS)
	// Profile, tier, level, chroma format and bit depths come from the SPS:
	// the record matches ffmpeg's byte for byte.
	if !bytes.Equal(rec, ffHVCC) {
		t.Fatalf("hvcC\n%x, ffmpeg wrote\n%x", rec, ffHVCC)
	}
	c, err := ParseHEVCConfig(rec)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.VPS, x265VPS) || !bytes.Equal(c.SPS, x265SPS) || !bytes.Equal(c.PPS, x265PPS) || c.NALULenLength != 4 {
		t.Fatalf("parsed %+v", c)
	}
}

// tagCases are the FLV tags of the table: each case body as a tag.
func tagCases() []Tag {
	var tags []Tag
	for i, tc := range demuxCases {
		typ := byte(TagVideo)
		if tc.audio {
			typ = TagAudio
		}
		// Timestamps cover the extended byte (past 2^24 ms, about 4.7 h).
		tags = append(tags, Tag{Type: typ, MS: uint32(i) * 0x01234567, Body: tc.body})
	}
	return tags
}

func TestTagRoundTrip(t *testing.T) {
	file := Header(true, true)
	tags := tagCases()
	for _, tag := range tags {
		file = AppendTag(file, tag.Type, tag.MS, tag.Body)
	}
	if !bytes.Equal(file[:13], []byte{'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0}) {
		t.Fatalf("header %x", file[:13])
	}
	rest := file[13:]
	for i, want := range tags {
		got, next, err := ParseTag(rest)
		if err != nil {
			t.Fatalf("tag %d: %v", i, err)
		}
		if got.Type != want.Type || got.MS != want.MS || !bytes.Equal(got.Body, want.Body) {
			t.Fatalf("tag %d: type %d ms %d body %d bytes, want %d %d %d",
				i, got.Type, got.MS, len(got.Body), want.Type, want.MS, len(want.Body))
		}
		if len(next) != len(rest)-TagSize-len(want.Body) {
			t.Fatalf("tag %d: %d bytes left", i, len(next))
		}
		// Appending to a parsed body must not overwrite the next tag.
		_ = append(got.Body, 0xee)
		rest = next
	}
	if len(rest) != 0 {
		t.Fatalf("%d bytes after the last tag", len(rest))
	}
	if _, _, err := ParseTag(file[13:]); err != nil {
		t.Fatalf("first tag damaged by an append to a parsed body: %v", err)
	}
}

func TestParseTagErrors(t *testing.T) {
	tag := AppendTag(nil, TagVideo, 1000, ffAVCInter)
	for _, tc := range []struct {
		name string
		buf  []byte
		err  error
	}{
		{"empty", nil, ErrShort},
		{"header only", tag[:11], ErrShort},
		{"body truncated", tag[:len(tag)-5], ErrShort},
		{"no PreviousTagSize", tag[:len(tag)-4], ErrShort},
		{"bad PreviousTagSize", append(tag[:len(tag)-1:len(tag)-1], 0), ErrMalformed},
	} {
		if _, rest, err := ParseTag(tc.buf); !errors.Is(err, tc.err) || len(rest) != len(tc.buf) {
			t.Errorf("%s: %v with %d bytes left, want %v and the input back", tc.name, err, len(rest), tc.err)
		}
	}
}

func TestUnitTag(t *testing.T) {
	for _, tc := range demuxCases {
		if tc.want == nil {
			continue
		}
		b := tc.want.Encoded(stream.EncodingFLV, UnitTag)
		tag, rest, err := ParseTag(b)
		if err != nil || len(rest) != 0 {
			t.Fatalf("%s: %v, %d bytes left", tc.name, err, len(rest))
		}
		if tag.Type != TagType(tc.want) || time.Duration(tag.MS)*time.Millisecond != tc.want.DTS {
			t.Fatalf("%s: tag type %d at %d ms", tc.name, tag.Type, tag.MS)
		}
		if !bytes.Equal(tag.Body, AppendUnitBody(nil, tc.want)) {
			t.Fatalf("%s: tag body is not the unit body", tc.name)
		}
		if again := tc.want.Encoded(stream.EncodingFLV, UnitTag); &again[0] != &b[0] {
			t.Fatalf("%s: unit encoded twice", tc.name)
		}
	}
}

func TestSequenceHeaderTag(t *testing.T) {
	for _, tr := range []*stream.Track{avcTrack, hevcTrack, aacTrack} {
		tag, _, err := ParseTag(SequenceHeaderTag(tr, 1500*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		wantType := byte(TagVideo)
		if !tr.Codec.IsVideo() {
			wantType = TagAudio
		}
		if tag.Type != wantType || tag.MS != 1500 || !bytes.Equal(tag.Body, AppendSequenceHeader(nil, tr)) {
			t.Fatalf("%v: type %d ms %d", tr.Codec, tag.Type, tag.MS)
		}
	}
	// Negative media times (before the stream's origin) clamp to 0.
	if tag, _, _ := ParseTag(SequenceHeaderTag(aacTrack, -time.Second)); tag.MS != 0 {
		t.Fatalf("negative time gave %d ms", tag.MS)
	}
}

func TestMetadataTag(t *testing.T) {
	for _, tc := range []struct {
		name         string
		video, audio *stream.Track
		want         map[string]any
	}{
		{"h264+aac", avcTrack, aacTrack, map[string]any{"videocodecid": 7.0, "audiocodecid": 10.0,
			"audiosamplerate": 44100.0, "audiochannels": 1.0, "stereo": false, "encoder": "livestudio"}},
		{"h265", hevcTrack, nil, map[string]any{"videocodecid": float64(0x68766331)}},
		{"audio only", nil, &stream.Track{Codec: stream.CodecAAC, SampleRate: 48000, Channels: 2},
			map[string]any{"audiosamplerate": 48000.0, "stereo": true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tag, rest, err := ParseTag(MetadataTag(tc.video, tc.audio))
			if err != nil || len(rest) != 0 || tag.Type != TagScript || tag.MS != 0 {
				t.Fatalf("tag %+v, %d bytes left, %v", tag, len(rest), err)
			}
			data, err := amf0.Unmarshal(tag.Body)
			if err != nil {
				t.Fatal(err)
			}
			if len(data) != 2 || data[0] != "onMetaData" {
				t.Fatalf("data %v", data)
			}
			arr, ok := data[1].(amf0.ECMAArray)
			if !ok {
				t.Fatalf("metadata is a %T", data[1])
			}
			got := map[string]any{}
			for _, e := range arr {
				got[e.Key] = e.Value
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
			if _, has := got["videocodecid"]; has != (tc.video != nil) {
				t.Errorf("videocodecid present %v with video %v", has, tc.video != nil)
			}
			if _, has := got["audiocodecid"]; has != (tc.audio != nil) {
				t.Errorf("audiocodecid present %v with audio %v", has, tc.audio != nil)
			}
		})
	}
}

func TestHeader(t *testing.T) {
	for _, tc := range []struct {
		video, audio bool
		flags        byte
	}{{true, true, 5}, {true, false, 1}, {false, true, 4}, {false, false, 0}} {
		if h := Header(tc.video, tc.audio); len(h) != 13 || h[4] != tc.flags {
			t.Errorf("Header(%v, %v) = %x", tc.video, tc.audio, h)
		}
	}
}

// TestMetadataTagAt: the time base rides in onMetaData as a number of ms,
// beside the usual fields.
func TestMetadataTagAt(t *testing.T) {
	tag, _, err := ParseTag(MetadataTagAt(avcTrack, aacTrack, 81234567*time.Microsecond))
	if err != nil {
		t.Fatal(err)
	}
	data, err := amf0.Unmarshal(tag.Body)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for _, e := range data[1].(amf0.ECMAArray) {
		got[e.Key] = e.Value
	}
	if got["livestudioTimeBase"] != 81234.0 || got["videocodecid"] != 7.0 {
		t.Errorf("metadata %v: want livestudioTimeBase 81234 and videocodecid 7", got)
	}
}
