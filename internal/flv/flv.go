// Package flv converts between FLV/RTMP tag bodies and stream units, and
// frames FLV files for HTTP-FLV. It is shared by the RTMP ingest, the RTMP
// push and the HTTP-FLV player; it holds no business rules.
package flv

import (
	"encoding/binary"
	"errors"
)

// Tag types, as in the FLV header of a tag and in RTMP message types.
const (
	TagAudio  = 8
	TagVideo  = 9
	TagScript = 18
)

// Errors of the tag body parsers.
var (
	ErrShort       = errors.New("flv: body too short")
	ErrUnsupported = errors.New("flv: unsupported codec or packet type")
	ErrNoConfig    = errors.New("flv: coded frame before its sequence header")
	ErrMalformed   = errors.New("flv: malformed body")
)

// Header returns the 13-byte FLV file header followed by PreviousTagSize0.
func Header(hasVideo, hasAudio bool) []byte {
	var flags byte
	if hasAudio {
		flags |= 4
	}
	if hasVideo {
		flags |= 1
	}
	return []byte{'F', 'L', 'V', 1, flags, 0, 0, 0, 9, 0, 0, 0, 0}
}

// TagSize is the bytes an FLV tag adds around its body: the 11-byte header
// and the 4-byte PreviousTagSize trailer.
const TagSize = 15

// AppendTag appends a complete FLV tag (header, body, PreviousTagSize) with
// a timestamp in milliseconds.
func AppendTag(dst []byte, typ byte, ms uint32, body []byte) []byte {
	n := len(body)
	dst = append(dst, typ, byte(n>>16), byte(n>>8), byte(n),
		byte(ms>>16), byte(ms>>8), byte(ms), byte(ms>>24), 0, 0, 0)
	dst = append(dst, body...)
	return binary.BigEndian.AppendUint32(dst, uint32(n+11))
}

// Tag is one parsed FLV file tag.
type Tag struct {
	Type byte
	MS   uint32
	Body []byte
}

// ParseTag parses one FLV tag with its PreviousTagSize trailer from buf and
// returns the rest. It is what an FLV reader (tests, load tools) uses.
func ParseTag(buf []byte) (Tag, []byte, error) {
	if len(buf) < TagSize {
		return Tag{}, buf, ErrShort
	}
	n := int(buf[1])<<16 | int(buf[2])<<8 | int(buf[3])
	if len(buf) < TagSize+n {
		return Tag{}, buf, ErrShort
	}
	t := Tag{
		Type: buf[0],
		MS:   uint32(buf[7])<<24 | uint32(buf[4])<<16 | uint32(buf[5])<<8 | uint32(buf[6]),
		Body: buf[11 : 11+n : 11+n], // an append to Body must not overwrite the next tag
	}
	if binary.BigEndian.Uint32(buf[11+n:]) != uint32(n+11) {
		return Tag{}, buf, ErrMalformed
	}
	return t, buf[TagSize+n:], nil
}
