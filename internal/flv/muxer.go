package flv

import (
	"encoding/binary"

	"github.com/bluenviron/gortmplib/pkg/amf0"

	"livestudio/internal/stream"
)

// ms converts a media time to an FLV timestamp, clamping negatives to 0.
func ms(d interface{ Milliseconds() int64 }) uint32 {
	v := d.Milliseconds()
	if v < 0 {
		return 0
	}
	return uint32(v)
}

// AppendUnitBody appends the tag body of a unit: legacy AVC/AAC tags for
// H.264 and AAC, Enhanced RTMP (hvc1) for H.265.
func AppendUnitBody(dst []byte, u *stream.Unit) []byte {
	switch u.Track.Codec {
	case stream.CodecAAC:
		dst = append(dst, 0xaf, 1)
		return append(dst, u.Frame...)
	case stream.CodecH264:
		ft := byte(0x27)
		if u.Key {
			ft = 0x17
		}
		cts := int32((u.PTS - u.DTS).Milliseconds())
		dst = append(dst, ft, 1, byte(cts>>16), byte(cts>>8), byte(cts))
	case stream.CodecH265:
		ft := byte(2)
		if u.Key {
			ft = 1
		}
		cts := int32((u.PTS - u.DTS).Milliseconds())
		if cts == 0 {
			dst = append(dst, 0x80|ft<<4|exCodedFramesX)
			dst = append(dst, fourCCHEVC[:]...)
		} else {
			dst = append(dst, 0x80|ft<<4|exCodedFrames)
			dst = append(dst, fourCCHEVC[:]...)
			dst = append(dst, byte(cts>>16), byte(cts>>8), byte(cts))
		}
	}
	for _, nalu := range u.NALUs {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(nalu)))
		dst = append(dst, nalu...)
	}
	return dst
}

// AppendSequenceHeader appends the sequence header tag body of a track.
func AppendSequenceHeader(dst []byte, t *stream.Track) []byte {
	switch t.Codec {
	case stream.CodecAAC:
		dst = append(dst, 0xaf, 0)
		return append(dst, t.Config...)
	case stream.CodecH264:
		dst = append(dst, 0x17, 0, 0, 0, 0)
		return AppendAVCConfig(dst, t.SPS, t.PPS)
	case stream.CodecH265:
		dst = append(dst, 0x80|1<<4|exSequenceStart)
		dst = append(dst, fourCCHEVC[:]...)
		return AppendHEVCConfig(dst, t.VPS, t.SPS, t.PPS)
	}
	return dst
}

// TagType returns the FLV tag type of a unit.
func TagType(u *stream.Unit) byte {
	if u.IsVideo() {
		return TagVideo
	}
	return TagAudio
}

// UnitTag returns a unit as a complete FLV tag. Use it with
// Unit.Encoded(stream.EncodingFLV, UnitTag) so it is built once per unit.
func UnitTag(u *stream.Unit) []byte {
	// Header, body and trailer in one buffer: one copy of the payload.
	buf := AppendUnitBody(make([]byte, 11, u.Size()+TagSize+16), u)
	n, t := len(buf)-11, ms(u.DTS)
	copy(buf, []byte{TagType(u), byte(n >> 16), byte(n >> 8), byte(n), byte(t >> 16), byte(t >> 8), byte(t), byte(t >> 24), 0, 0, 0})
	return binary.BigEndian.AppendUint32(buf, uint32(n+11))
}

// SequenceHeaderTag returns the sequence header of a track as an FLV tag.
func SequenceHeaderTag(t *stream.Track, at interface{ Milliseconds() int64 }) []byte {
	typ := byte(TagVideo)
	if !t.Codec.IsVideo() {
		typ = TagAudio
	}
	return AppendTag(nil, typ, ms(at), AppendSequenceHeader(nil, t))
}

// MetadataTag returns an onMetaData script tag describing the tracks.
func MetadataTag(video, audio *stream.Track) []byte { return metadataTag(video, audio, nil) }

// MetadataTagAt is MetadataTag with `livestudioTimeBase`: the timestamp (ms)
// of the first audio or video tag that follows. Players that count time
// from their first tag (mpegts.js) add it back to know the stream's media
// time, which chat messages and product cards are stamped with.
func MetadataTagAt(video, audio *stream.Track, base interface{ Milliseconds() int64 }) []byte {
	return metadataTag(video, audio, &amf0.ObjectEntry{Key: "livestudioTimeBase", Value: float64(ms(base))})
}

func metadataTag(video, audio *stream.Track, extra *amf0.ObjectEntry) []byte {
	meta := amf0.ECMAArray{}
	if video != nil {
		id := float64(codecAVC)
		if video.Codec == stream.CodecH265 {
			id = float64(binary.BigEndian.Uint32(fourCCHEVC[:]))
		}
		meta = append(meta, amf0.ObjectEntry{Key: "videocodecid", Value: id})
	}
	if audio != nil {
		meta = append(meta,
			amf0.ObjectEntry{Key: "audiocodecid", Value: float64(soundAAC)},
			amf0.ObjectEntry{Key: "audiosamplerate", Value: float64(audio.SampleRate)},
			amf0.ObjectEntry{Key: "audiochannels", Value: float64(audio.Channels)},
			amf0.ObjectEntry{Key: "stereo", Value: audio.Channels > 1})
	}
	meta = append(meta, amf0.ObjectEntry{Key: "encoder", Value: "livestudio"})
	if extra != nil {
		meta = append(meta, *extra)
	}
	body, err := amf0.Data{"onMetaData", meta}.Marshal()
	if err != nil { // only on types amf0 cannot encode, which we never pass
		return nil
	}
	return AppendTag(nil, TagScript, 0, body)
}
