package flv

import (
	"bytes"
	"fmt"
	"time"

	"livestudio/internal/stream"
)

// Enhanced RTMP video packet types (veovera enhanced-rtmp v2).
const (
	exSequenceStart = 0
	exCodedFrames   = 1
	exSequenceEnd   = 2
	exCodedFramesX  = 3
	exMetadata      = 4
)

// frameTypeCommand is the FLV "video info/command frame" type.
const frameTypeCommand = 5

// Legacy FLV video codec ids; 12 is the HEVC id used by Chinese CDNs.
const (
	codecAVC     = 7
	codecHEVCOld = 12
	soundAAC     = 10
)

var (
	fourCCAVC  = [4]byte{'a', 'v', 'c', '1'}
	fourCCHEVC = [4]byte{'h', 'v', 'c', '1'}
)

// Demuxer turns the audio and video tag bodies of one publish into units.
// Sequence headers update its tracks and yield no unit; an unchanged
// repeated sequence header keeps the same track. Units and tracks reference
// the body they came from (no copy): the caller must not reuse it.
type Demuxer struct {
	video, audio *stream.Track
	naluLen      int
}

// Tracks returns the current tracks (nil until their sequence header).
func (d *Demuxer) Tracks() (video, audio *stream.Track) { return d.video, d.audio }

// Video parses a video tag body with its DTS. It returns nil, nil for
// sequence headers, end-of-sequence and metadata packets.
func (d *Demuxer) Video(dts time.Duration, b []byte) (*stream.Unit, error) {
	if len(b) < 1 {
		return nil, fmt.Errorf("video tag: %w", ErrShort)
	}
	if (b[0]>>4)&7 == frameTypeCommand {
		// Video info/command frames (seek markers) carry no picture.
		return nil, nil
	}
	if b[0]&0x80 != 0 {
		return d.enhancedVideo(dts, b)
	}
	if len(b) < 5 {
		return nil, fmt.Errorf("video tag: %w", ErrShort)
	}
	key := b[0]>>4 == 1
	codec := b[0] & 0x0f
	if codec != codecAVC && codec != codecHEVCOld {
		return nil, fmt.Errorf("video codec id %d: %w", codec, ErrUnsupported)
	}
	cts := time.Duration(int32(uint32(b[2])<<24|uint32(b[3])<<16|uint32(b[4])<<8)>>8) * time.Millisecond
	switch b[1] {
	case 0:
		if codec == codecAVC {
			return nil, d.avcConfig(b[5:])
		}
		return nil, d.hevcConfig(b[5:])
	case 1:
		if codec == codecAVC {
			return d.frames(stream.CodecH264, dts, cts, key, b[5:])
		}
		return d.frames(stream.CodecH265, dts, cts, key, b[5:])
	case 2:
		return nil, nil
	}
	return nil, fmt.Errorf("video packet type %d: %w", b[1], ErrUnsupported)
}

func (d *Demuxer) enhancedVideo(dts time.Duration, b []byte) (*stream.Unit, error) {
	if len(b) < 5 {
		return nil, fmt.Errorf("enhanced video tag: %w", ErrShort)
	}
	frameType := (b[0] >> 4) & 7
	pkt := b[0] & 0x0f
	var fourCC [4]byte
	copy(fourCC[:], b[1:5])
	if fourCC != fourCCAVC && fourCC != fourCCHEVC {
		return nil, fmt.Errorf("video fourcc %q: %w", fourCC[:], ErrUnsupported)
	}
	body := b[5:]
	codec := stream.CodecH264
	if fourCC == fourCCHEVC {
		codec = stream.CodecH265
	}
	switch pkt {
	case exSequenceStart:
		if fourCC == fourCCAVC {
			return nil, d.avcConfig(body)
		}
		return nil, d.hevcConfig(body)
	case exCodedFrames:
		if len(body) < 3 {
			return nil, fmt.Errorf("enhanced coded frames: %w", ErrShort)
		}
		cts := time.Duration(int32(uint32(body[0])<<24|uint32(body[1])<<16|uint32(body[2])<<8)>>8) * time.Millisecond
		return d.frames(codec, dts, cts, frameType == 1, body[3:])
	case exCodedFramesX:
		return d.frames(codec, dts, 0, frameType == 1, body)
	case exSequenceEnd, exMetadata:
		return nil, nil
	}
	return nil, fmt.Errorf("enhanced video packet type %d: %w", pkt, ErrUnsupported)
}

func (d *Demuxer) avcConfig(b []byte) error {
	c, err := ParseAVCConfig(b)
	if err != nil {
		return err
	}
	if v := d.video; v == nil || v.Codec != stream.CodecH264 || !bytes.Equal(v.SPS, c.SPS) || !bytes.Equal(v.PPS, c.PPS) {
		d.video = &stream.Track{Codec: stream.CodecH264, SPS: c.SPS, PPS: c.PPS}
	}
	d.naluLen = c.NALULenLength
	return nil
}

func (d *Demuxer) hevcConfig(b []byte) error {
	c, err := ParseHEVCConfig(b)
	if err != nil {
		return err
	}
	if v := d.video; v == nil || v.Codec != stream.CodecH265 || !bytes.Equal(v.VPS, c.VPS) ||
		!bytes.Equal(v.SPS, c.SPS) || !bytes.Equal(v.PPS, c.PPS) {
		d.video = &stream.Track{Codec: stream.CodecH265, VPS: c.VPS, SPS: c.SPS, PPS: c.PPS}
	}
	d.naluLen = c.NALULenLength
	return nil
}

// frames splits coded pictures of the given codec. Pictures of a codec
// other than the current track's have no sequence header in force: read
// with the other codec's NALU syntax they would reach viewers as garbage.
func (d *Demuxer) frames(codec stream.Codec, dts, cts time.Duration, key bool, b []byte) (*stream.Unit, error) {
	if d.video == nil || d.video.Codec != codec {
		return nil, fmt.Errorf("%v video: %w", codec, ErrNoConfig)
	}
	nalus, err := splitLengthPrefixed(b, d.naluLen)
	if err != nil {
		return nil, err
	}
	if len(nalus) == 0 {
		return nil, nil
	}
	// Publishers get the FLV frame type wrong (gortmplib sends 0 on every
	// Enhanced RTMP HEVC frame): the NAL unit types are the authority.
	key = key || randomAccess(d.video.Codec, nalus)
	return &stream.Unit{Track: d.video, DTS: dts, PTS: dts + cts, Key: key, NALUs: nalus}, nil
}

// Audio parses an audio tag body. It returns nil, nil for sequence headers.
func (d *Demuxer) Audio(dts time.Duration, b []byte) (*stream.Unit, error) {
	if len(b) < 2 {
		return nil, fmt.Errorf("audio tag: %w", ErrShort)
	}
	if format := b[0] >> 4; format != soundAAC {
		return nil, fmt.Errorf("sound format %d: %w", format, ErrUnsupported)
	}
	switch b[1] {
	case 0:
		if len(b) == 2 {
			// ffmpeg sends an empty sequence header before the real one
			// when its input had no AudioSpecificConfig yet (-c:a copy
			// from MPEG-TS or ADTS): nothing to configure, not an error.
			return nil, nil
		}
		asc, err := ParseAudioSpecificConfig(b[2:])
		if err != nil {
			return nil, err
		}
		if a := d.audio; a == nil || !bytes.Equal(a.Config, b[2:]) {
			d.audio = &stream.Track{Codec: stream.CodecAAC, Config: b[2:],
				SampleRate: asc.SampleRate, Channels: asc.Channels}
		}
		return nil, nil
	case 1:
		if d.audio == nil {
			return nil, fmt.Errorf("audio: %w", ErrNoConfig)
		}
		if len(b) == 2 {
			return nil, nil
		}
		return &stream.Unit{Track: d.audio, DTS: dts, PTS: dts, Key: true, Frame: b[2:]}, nil
	}
	return nil, fmt.Errorf("AAC packet type %d: %w", b[1], ErrUnsupported)
}

func splitLengthPrefixed(b []byte, lenSize int) ([][]byte, error) {
	if lenSize < 1 || lenSize > 4 {
		lenSize = 4
	}
	var out [][]byte
	for len(b) > 0 {
		if len(b) < lenSize {
			return nil, fmt.Errorf("NALU length: %w", ErrShort)
		}
		// uint64, not int: a 4-byte length past 2^31 is negative in a 32-bit
		// int (GOARCH=arm boards) and would pass the bounds check.
		var n uint64
		for i := 0; i < lenSize; i++ {
			n = n<<8 | uint64(b[i])
		}
		b = b[lenSize:]
		if n > uint64(len(b)) {
			return nil, fmt.Errorf("NALU of %d bytes with %d left: %w", n, len(b), ErrMalformed)
		}
		if n > 0 {
			out = append(out, b[:n:n])
		}
		b = b[n:]
	}
	return out, nil
}

// randomAccess tells whether an access unit holds an IDR (H.264) or IRAP
// (H.265: BLA, IDR, CRA) picture.
func randomAccess(c stream.Codec, nalus [][]byte) bool {
	for _, n := range nalus {
		switch c {
		case stream.CodecH264:
			if n[0]&0x1f == 5 {
				return true
			}
		case stream.CodecH265:
			if t := (n[0] >> 1) & 0x3f; t >= 16 && t <= 21 {
				return true
			}
		}
	}
	return false
}
