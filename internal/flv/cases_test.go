package flv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
	"time"

	"livestudio/internal/stream"
)

// demuxCase is one tag body fed to a Demuxer. The same table feeds
// TestDemuxCases, the fuzz seeds and the benchmarks.
type demuxCase struct {
	name  string
	audio bool
	setup [][]byte // bodies fed first (sequence headers); each must succeed
	dts   time.Duration
	body  []byte
	want  *stream.Unit  // the unit the body yields; nil for none
	track *stream.Track // the track in force afterwards; nil: not checked
	err   error         // the sentinel the error wraps; nil for success
}

// Body builders.

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// lp length-prefixes NALUs with 4-byte lengths.
func lp(nalus ...[]byte) []byte {
	var b []byte
	for _, n := range nalus {
		b = binary.BigEndian.AppendUint32(b, uint32(len(n)))
		b = append(b, n...)
	}
	return b
}

// lp2 length-prefixes NALUs with 2-byte lengths.
func lp2(nalus ...[]byte) []byte {
	var b []byte
	for _, n := range nalus {
		b = binary.BigEndian.AppendUint16(b, uint16(len(n)))
		b = append(b, n...)
	}
	return b
}

func si24(ms int) []byte { return []byte{byte(ms >> 16), byte(ms >> 8), byte(ms)} }

// legacyVideo builds a legacy FLV video tag body.
func legacyVideo(frameType, codecID, pkt byte, ctsMS int, payload []byte) []byte {
	return cat([]byte{frameType<<4 | codecID, pkt}, si24(ctsMS), payload)
}

// exVideo builds an Enhanced RTMP video tag body.
func exVideo(frameType, pkt byte, fourCC string, payload []byte) []byte {
	return cat([]byte{0x80 | frameType<<4 | pkt}, []byte(fourCC), payload)
}

var (
	avcTrack  = &stream.Track{Codec: stream.CodecH264, SPS: x264SPS, PPS: x264PPS}
	hevcTrack = &stream.Track{Codec: stream.CodecH265, VPS: x265VPS, SPS: x265SPS, PPS: x265PPS}
	aacTrack  = &stream.Track{Codec: stream.CodecAAC, Config: []byte{0x12, 0x08}, SampleRate: 44100, Channels: 1}

	avcC          = ffAVCSeq[5:]
	hevcLegacySeq = legacyVideo(1, codecHEVCOld, 0, 0, ffHVCC)
	hvc1Seq       = exVideo(1, exSequenceStart, "hvc1", ffHVCC)
	avc1Seq       = exVideo(1, exSequenceStart, "avc1", avcC)
	// hvc1Seq2 announces 2-byte NALU lengths (lengthSizeMinusOne = 1).
	hvc1Seq2 = exVideo(1, exSequenceStart, "hvc1", cat(ffHVCC[:21], []byte{0x0d}, ffHVCC[22:]))
	// hvcCNoVPS keeps only the SPS and PPS arrays.
	hvcCNoVPS = cat(ffHVCC[:22], []byte{2}, ffHVCC[23+3+2+len(x265VPS):])
)

func vunit(t *stream.Track, dts, pts time.Duration, key bool, nalus ...[]byte) *stream.Unit {
	return &stream.Unit{Track: t, DTS: dts, PTS: pts, Key: key, NALUs: nalus}
}

const msec = time.Millisecond

var demuxCases = []demuxCase{
	// H.264, legacy FLV.
	{name: "avc/sequence header (ffmpeg)", body: ffAVCSeq, track: avcTrack},
	{name: "avc/idr cts 80ms", setup: [][]byte{ffAVCSeq}, dts: time.Second,
		body: legacyVideo(1, codecAVC, 1, 80, lp(x264IDR)),
		want: vunit(avcTrack, time.Second, time.Second+80*msec, true, x264IDR)},
	{name: "avc/inter (ffmpeg)", setup: [][]byte{ffAVCSeq}, dts: 40 * msec, body: ffAVCInter,
		want: vunit(avcTrack, 40*msec, 40*msec, false, x264P)},
	{name: "avc/negative cts", setup: [][]byte{ffAVCSeq}, dts: 200 * msec,
		body: legacyVideo(2, codecAVC, 1, -40, lp(x264P)),
		want: vunit(avcTrack, 200*msec, 160*msec, false, x264P)},
	{name: "avc/in-band parameter sets", setup: [][]byte{ffAVCSeq}, dts: 2 * time.Second,
		body: legacyVideo(1, codecAVC, 1, 0, lp(x264SPS, x264PPS, x264IDR)),
		want: vunit(avcTrack, 2*time.Second, 2*time.Second, true, x264SPS, x264PPS, x264IDR)},
	{name: "avc/empty NALUs skipped", setup: [][]byte{ffAVCSeq}, dts: 80 * msec,
		body: legacyVideo(2, codecAVC, 1, 0, cat(lp(nil), lp(x264P), lp(nil))),
		want: vunit(avcTrack, 80*msec, 80*msec, false, x264P)},
	{name: "avc/end of sequence", setup: [][]byte{ffAVCSeq}, body: legacyVideo(1, codecAVC, 2, 0, nil), track: avcTrack},
	{name: "avc/empty picture", setup: [][]byte{ffAVCSeq}, body: legacyVideo(2, codecAVC, 1, 0, nil)},

	// H.265, legacy codec id 12 (Chinese CDNs).
	{name: "hevc12/sequence header", body: hevcLegacySeq, track: hevcTrack},
	{name: "hevc12/idr cts 40ms", setup: [][]byte{hevcLegacySeq}, dts: 500 * msec,
		body: legacyVideo(1, codecHEVCOld, 1, 40, lp(x265IDR)),
		want: vunit(hevcTrack, 500*msec, 540*msec, true, x265IDR)},

	// H.265, Enhanced RTMP.
	{name: "hvc1/SequenceStart", body: hvc1Seq, track: hevcTrack},
	{name: "hvc1/CodedFrames key cts 80ms", setup: [][]byte{hvc1Seq}, dts: time.Second,
		body: exVideo(1, exCodedFrames, "hvc1", cat(si24(80), lp(x265VPS, x265SPS, x265PPS, x265IDR))),
		want: vunit(hevcTrack, time.Second, time.Second+80*msec, true, x265VPS, x265SPS, x265PPS, x265IDR)},
	{name: "hvc1/CodedFrames negative cts", setup: [][]byte{hvc1Seq}, dts: time.Second,
		body: exVideo(2, exCodedFrames, "hvc1", cat(si24(-80), lp(x265P))),
		want: vunit(hevcTrack, time.Second, time.Second-80*msec, false, x265P)},
	{name: "hvc1/CodedFramesX", setup: [][]byte{hvc1Seq}, dts: 40 * msec,
		body: exVideo(2, exCodedFramesX, "hvc1", lp(x265P)),
		want: vunit(hevcTrack, 40*msec, 40*msec, false, x265P)},
	{name: "hvc1/2-byte NALU lengths", setup: [][]byte{hvc1Seq2}, dts: 40 * msec,
		body: exVideo(1, exCodedFramesX, "hvc1", lp2(x265IDR, x265P)),
		want: vunit(hevcTrack, 40*msec, 40*msec, true, x265IDR, x265P)},
	{name: "hvc1/SequenceEnd", setup: [][]byte{hvc1Seq}, body: exVideo(1, exSequenceEnd, "hvc1", nil), track: hevcTrack},
	{name: "hvc1/Metadata", setup: [][]byte{hvc1Seq},
		body: exVideo(1, exMetadata, "hvc1", unhex("020009636f6c6f72496e666f03000009")), track: hevcTrack},
	{name: "hvc1/after avc1 switches codec", setup: [][]byte{avc1Seq}, body: hvc1Seq, track: hevcTrack},

	// H.264, Enhanced RTMP.
	{name: "avc1/SequenceStart", body: avc1Seq, track: avcTrack},
	{name: "avc1/CodedFrames cts 40ms", setup: [][]byte{avc1Seq}, dts: 3 * time.Second,
		body: exVideo(1, exCodedFrames, "avc1", cat(si24(40), lp(x264IDR))),
		want: vunit(avcTrack, 3*time.Second, 3*time.Second+40*msec, true, x264IDR)},
	{name: "avc1/CodedFramesX", setup: [][]byte{avc1Seq}, dts: 40 * msec,
		body: exVideo(2, exCodedFramesX, "avc1", lp(x264P)),
		want: vunit(avcTrack, 40*msec, 40*msec, false, x264P)},
	{name: "avc1/legacy frames after enhanced header", setup: [][]byte{avc1Seq}, dts: 40 * msec,
		body: ffAVCInter, want: vunit(avcTrack, 40*msec, 40*msec, false, x264P)},

	// AAC.
	{name: "aac/sequence header (ffmpeg)", audio: true, body: ffAACSeq, track: aacTrack},
	{name: "aac/frame (ffmpeg)", audio: true, setup: [][]byte{ffAACSeq}, dts: 46 * msec, body: ffAACFrame,
		want: &stream.Unit{Track: aacTrack, DTS: 46 * msec, PTS: 46 * msec, Key: true, Frame: ffAACFrame[2:]}},
	{name: "aac/empty sequence header (ffmpeg)", audio: true, setup: [][]byte{ffAACSeq}, body: ffAACSeqEmpty, track: aacTrack},
	{name: "aac/empty frame", audio: true, setup: [][]byte{ffAACSeq}, body: []byte{0xaf, 1}},

	// Malformed and unsupported video.
	{name: "video info/command frame is ignored", body: []byte{0x57, 0x00}},
	{name: "bad/empty video", body: nil, err: ErrShort},
	{name: "bad/legacy header truncated", setup: [][]byte{ffAVCSeq}, body: []byte{0x17, 1, 0}, err: ErrShort},
	{name: "bad/enhanced fourcc truncated", body: []byte{0x91, 'h', 'v'}, err: ErrShort},
	{name: "bad/CodedFrames without cts", setup: [][]byte{hvc1Seq}, body: exVideo(1, exCodedFrames, "hvc1", []byte{0}), err: ErrShort},
	{name: "bad/NALU length past end", setup: [][]byte{ffAVCSeq},
		body: legacyVideo(2, codecAVC, 1, 0, cat([]byte{0, 0, 0, 0x10}, x264P[:4])), err: ErrMalformed},
	{name: "bad/NALU length 2^32-1", setup: [][]byte{ffAVCSeq}, // negative as a 32-bit int
		body: legacyVideo(2, codecAVC, 1, 0, cat([]byte{0xff, 0xff, 0xff, 0xff}, x264P)), err: ErrMalformed},
	{name: "bad/NALU length truncated", setup: [][]byte{ffAVCSeq},
		body: legacyVideo(2, codecAVC, 1, 0, cat(lp(x264P), []byte{0, 0})), err: ErrShort},
	{name: "bad/hvc1 NALU length past end", setup: [][]byte{hvc1Seq},
		body: exVideo(1, exCodedFramesX, "hvc1", lp(x265IDR)[:100]), err: ErrMalformed},
	{name: "bad/avc frame before sequence header", body: ffAVCInter, err: ErrNoConfig},
	{name: "bad/hvc1 frame before sequence header", body: exVideo(1, exCodedFramesX, "hvc1", lp(x265IDR)), err: ErrNoConfig},
	{name: "bad/hevc frame after avc header", setup: [][]byte{ffAVCSeq},
		body: exVideo(1, exCodedFramesX, "hvc1", lp(x265IDR)), err: ErrNoConfig},
	{name: "bad/avc frame after hevc header", setup: [][]byte{hevcLegacySeq},
		body: legacyVideo(1, codecAVC, 1, 0, lp(x264IDR)), err: ErrNoConfig},
	{name: "bad/unknown codec id (VP6)", body: legacyVideo(1, 4, 1, 0, []byte{1, 2, 3}), err: ErrUnsupported},
	{name: "bad/unknown fourcc (av01)", body: exVideo(1, exCodedFramesX, "av01", []byte{1, 2, 3}), err: ErrUnsupported},
	{name: "bad/legacy packet type 3", setup: [][]byte{ffAVCSeq}, body: legacyVideo(1, codecAVC, 3, 0, nil), err: ErrUnsupported},
	{name: "bad/enhanced multitrack", body: exVideo(1, 6, "hvc1", []byte{0}), err: ErrUnsupported},
	{name: "bad/avcC truncated", body: ffAVCSeq[:20], err: ErrShort},
	{name: "bad/avcC version 2", body: cat(ffAVCSeq[:5], []byte{2}, avcC[1:]), err: ErrMalformed},
	{name: "bad/avcC without PPS", body: cat(ffAVCSeq[:5], avcC[:6+2+len(x264SPS)], []byte{0}), err: ErrMalformed},
	{name: "bad/avcC PPS count missing", body: cat(ffAVCSeq[:5], avcC[:6+2+len(x264SPS)]), err: ErrShort},
	{name: "bad/hvcC truncated", body: exVideo(1, exSequenceStart, "hvc1", ffHVCC[:50]), err: ErrShort},
	{name: "bad/hvcC header truncated", body: exVideo(1, exSequenceStart, "hvc1", ffHVCC[:22]), err: ErrShort},
	{name: "bad/hvcC without VPS", body: exVideo(1, exSequenceStart, "hvc1", hvcCNoVPS), err: ErrMalformed},

	// Malformed and unsupported audio.
	{name: "bad/audio truncated", audio: true, body: []byte{0xaf}, err: ErrShort},
	{name: "bad/mp3", audio: true, body: []byte{0x2f, 0xff, 0xfb}, err: ErrUnsupported},
	{name: "bad/aac frame before sequence header", audio: true, body: ffAACFrame, err: ErrNoConfig},
	{name: "bad/aac config truncated", audio: true, body: []byte{0xaf, 0, 0x12}, err: ErrMalformed},
	{name: "bad/aac packet type 2", audio: true, setup: [][]byte{ffAACSeq}, body: []byte{0xaf, 2, 0}, err: ErrUnsupported},
}

// demux feeds a case to d: setup first, then the body.
func (tc *demuxCase) demux(d *Demuxer) (*stream.Unit, error) {
	parse := d.Video
	if tc.audio {
		parse = d.Audio
	}
	for i, b := range tc.setup {
		if u, err := parse(0, b); u != nil || err != nil {
			return nil, fmt.Errorf("setup body %d: unit %v, %w", i, u, err)
		}
	}
	return parse(tc.dts, tc.body)
}

func TestDemuxCases(t *testing.T) {
	for _, tc := range demuxCases {
		t.Run(tc.name, func(t *testing.T) {
			var d Demuxer
			u, err := tc.demux(&d)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				if u != nil {
					t.Fatalf("unit %+v with an error", u)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if diff := diffUnit(u, tc.want); diff != "" {
				t.Fatal(diff)
			}
			if tc.track != nil {
				v, a := d.Tracks()
				got := v
				if tc.audio {
					got = a
				}
				if diff := diffTrack(got, tc.track); diff != "" {
					t.Fatalf("track after the body: %s", diff)
				}
			}
		})
	}
}

// diffUnit describes how got differs from want ("" when equal).
func diffUnit(got, want *stream.Unit) string {
	switch {
	case got == nil && want == nil:
		return ""
	case got == nil || want == nil:
		return fmt.Sprintf("unit %v, want %v", got, want)
	}
	if d := diffTrack(got.Track, want.Track); d != "" {
		return "track: " + d
	}
	if got.DTS != want.DTS || got.PTS != want.PTS || got.Key != want.Key {
		return fmt.Sprintf("DTS/PTS/key %v/%v/%v, want %v/%v/%v", got.DTS, got.PTS, got.Key, want.DTS, want.PTS, want.Key)
	}
	if len(got.NALUs) != len(want.NALUs) {
		return fmt.Sprintf("%d NALUs, want %d", len(got.NALUs), len(want.NALUs))
	}
	for i := range got.NALUs {
		if !bytes.Equal(got.NALUs[i], want.NALUs[i]) {
			return fmt.Sprintf("NALU %d differs", i)
		}
	}
	if !bytes.Equal(got.Frame, want.Frame) {
		return "audio frame differs"
	}
	return ""
}

func diffTrack(got, want *stream.Track) string {
	switch {
	case got == nil && want == nil:
		return ""
	case got == nil || want == nil:
		return fmt.Sprintf("track %v, want %v", got, want)
	}
	if got.Codec != want.Codec || got.SampleRate != want.SampleRate || got.Channels != want.Channels {
		return fmt.Sprintf("%v %d Hz %d ch, want %v %d Hz %d ch",
			got.Codec, got.SampleRate, got.Channels, want.Codec, want.SampleRate, want.Channels)
	}
	for _, f := range []struct {
		name      string
		got, want []byte
	}{{"VPS", got.VPS, want.VPS}, {"SPS", got.SPS, want.SPS}, {"PPS", got.PPS, want.PPS}, {"Config", got.Config, want.Config}} {
		if !bytes.Equal(f.got, f.want) {
			return fmt.Sprintf("%s %x, want %x", f.name, f.got, f.want)
		}
	}
	return ""
}
