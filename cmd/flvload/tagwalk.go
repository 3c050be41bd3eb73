package main

import (
	"errors"
	"fmt"
)

// errNotFLV: the response body does not start with an FLV file header.
var errNotFLV = errors.New("response body is not FLV")

// walker states: where the next byte of the FLV byte stream belongs.
const (
	inFileHeader = iota // 9-byte FLV header + 4-byte PreviousTagSize0
	inTagHeader         // 11 bytes
	inBody              // bodyLen bytes; the first two are kept
	inTrailer           // 4-byte PreviousTagSize
)

const fileHeaderLen = 13 // the 9-byte header of version 1 plus PreviousTagSize0

// tagWalker follows FLV tag boundaries across read buffers without copying
// bodies: per tag it looks at the 11 header bytes and the first two body
// bytes, so its cost does not depend on the bitrate.
type tagWalker struct {
	state   int
	need    int      // bytes left in the current state
	hdr     [16]byte // file or tag header being assembled
	hn      int
	typ     byte
	ts      uint32 // timestamp of the tag being read
	bodyLen int
	body2   [2]byte // first two body bytes (codec flags, AVC packet type)
	bn      int

	sawKey bool   // a complete video keyframe tag has been received
	lastTS uint32 // timestamp of the newest complete tag
	tags   int    // complete tags
}

func newTagWalker() *tagWalker { return &tagWalker{state: inFileHeader, need: fileHeaderLen} }

// feed consumes p and reports whether the first complete video keyframe tag
// ended inside it.
func (w *tagWalker) feed(p []byte) (firstKey bool, err error) {
	for len(p) > 0 {
		switch w.state {
		case inFileHeader, inTagHeader:
			n := copy(w.hdr[w.hn:w.hn+w.need], p)
			w.hn += n
			w.need -= n
			p = p[n:]
			if w.need > 0 {
				return firstKey, nil
			}
			if err := w.headerDone(); err != nil {
				return firstKey, err
			}
		case inBody:
			n := min(w.need, len(p))
			if w.bn < 2 {
				w.bn += copy(w.body2[w.bn:], p[:n])
			}
			w.need -= n
			p = p[n:]
			if w.need == 0 {
				w.state, w.need = inTrailer, 4
				if w.tagDone() {
					firstKey = true
				}
			}
		case inTrailer:
			n := min(w.need, len(p))
			w.need -= n
			p = p[n:]
			if w.need == 0 {
				w.state, w.need, w.hn = inTagHeader, 11, 0
			}
		}
	}
	return firstKey, nil
}

func (w *tagWalker) headerDone() error {
	h := w.hdr[:w.hn]
	w.hn = 0
	if w.state == inFileHeader {
		if h[0] != 'F' || h[1] != 'L' || h[2] != 'V' {
			return errNotFLV
		}
		if off := uint32(h[5])<<24 | uint32(h[6])<<16 | uint32(h[7])<<8 | uint32(h[8]); off != 9 {
			return fmt.Errorf("%w: header size %d", errNotFLV, off)
		}
		w.state, w.need = inTagHeader, 11
		return nil
	}
	w.typ = h[0] & 0x1f
	w.bodyLen = int(h[1])<<16 | int(h[2])<<8 | int(h[3])
	w.ts = uint32(h[7])<<24 | uint32(h[4])<<16 | uint32(h[5])<<8 | uint32(h[6])
	w.bn = 0
	w.state, w.need = inBody, w.bodyLen
	if w.bodyLen == 0 {
		w.state, w.need = inTrailer, 4
		w.tagDone()
	}
	return nil
}

// tagDone records a complete tag and tells whether it is the first video
// keyframe: frame type 1 and, for AVC, packet type 1 (a coded picture, not
// the sequence header).
func (w *tagWalker) tagDone() bool {
	w.tags++
	if w.typ != 18 { // script tags carry no media time
		w.lastTS = max(w.lastTS, w.ts)
	}
	if w.sawKey || w.typ != 9 || w.bn < 2 || w.body2[0]>>4 != 1 || w.body2[1] != 1 {
		return false
	}
	w.sawKey = true
	return true
}
