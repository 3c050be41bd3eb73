// Package stream is the heart of the media path: one Stream per live key with
// one writer and many readers, a shared ring of immutable units, and a GOP
// start for readers that join a live stream.
package stream

import (
	"sync"
	"time"
)

// Codec names the codec of a track.
type Codec uint8

// Codecs carried by a stream.
const (
	CodecH264 Codec = iota + 1
	CodecH265
	CodecAAC
)

// String returns the codec name used in logs and metrics.
func (c Codec) String() string {
	switch c {
	case CodecH264:
		return "H264"
	case CodecH265:
		return "H265"
	case CodecAAC:
		return "AAC"
	}
	return "unknown"
}

// IsVideo tells whether the codec is a video codec.
func (c Codec) IsVideo() bool { return c == CodecH264 || c == CodecH265 }

// Track describes one track and the codec parameters in force. A Track is
// immutable once published: a parameter change in band creates a new Track,
// and units carry a pointer to the one they were coded with.
type Track struct {
	Codec Codec
	// Video parameter sets, without start codes or length prefixes.
	VPS, SPS, PPS []byte
	// Audio: the AudioSpecificConfig and what it says.
	Config     []byte
	SampleRate int
	Channels   int
}

// Unit is one access unit: a video picture (its NALUs) or an audio frame.
// Units are immutable once written and shared by pointer between readers.
type Unit struct {
	Track *Track
	// DTS and PTS are durations since the stream's time origin.
	DTS, PTS time.Duration
	// Key marks a random access point (IDR / IRAP picture).
	Key bool
	// NALUs of a video unit, without start codes or length prefixes.
	NALUs [][]byte
	// Frame is the raw audio frame of an audio unit.
	Frame []byte

	memo memo
}

// IsVideo tells whether the unit is a video picture.
func (u *Unit) IsVideo() bool { return u.Track.Codec.IsVideo() }

// Size is the payload size in bytes, used for cache and lag accounting.
func (u *Unit) Size() int {
	n := len(u.Frame)
	for _, nalu := range u.NALUs {
		n += len(nalu) + 4
	}
	return n
}

// Encoding slots: each output format serialises a unit once and every viewer
// of that format shares the bytes.
const (
	EncodingFLV = iota
	numEncodings
)

type memo struct {
	once [numEncodings]sync.Once
	val  [numEncodings][]byte
}

// Encoded returns the unit serialised for the given encoding slot, calling
// encode at most once per unit however many viewers ask.
func (u *Unit) Encoded(slot int, encode func(*Unit) []byte) []byte {
	u.memo.once[slot].Do(func() { u.memo.val[slot] = encode(u) })
	return u.memo.val[slot]
}
