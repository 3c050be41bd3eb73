package replay

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mpegts"
	mcodecs "github.com/bluenviron/mediacommon/v2/pkg/formats/mpegts/codecs"

	"livestudio/internal/stream"
)

// tsClock is the MPEG-TS clock rate.
const tsClock = 90000

// tsOffset is added to every timestamp: the PCR runs ahead of the first
// DTS by 100 ms and audio may start just before the first video frame, and
// neither may go below zero.
const tsOffset = time.Second

// errCodec: a track the recorder cannot write into MPEG-TS.
var errCodec = errors.New("codec not supported in MPEG-TS")

// segmentFile is one MPEG-TS segment being written. It is self-contained:
// it starts with PAT/PMT and a keyframe (audio-only: any frame), and has its
// own writer, so that any segment can be played on its own.
type segmentFile struct {
	name  string
	path  string
	f     *os.File
	bw    *bufio.Writer
	cw    countWriter
	w     *mpegts.Writer
	vt    *mpegts.Track
	at    *mpegts.Track
	video *stream.Track // the tracks the writer was made for (nil: absent)
	audio *stream.Track
	// first and last are the DTS of the first and newest unit of the
	// leading track (video, else audio); origin is the recording's.
	first, last time.Duration
	origin      time.Duration
	written     bool
}

// countWriter counts the bytes of a segment and keeps the first write
// error, which tells a failing disk from a frame the writer refused.
type countWriter struct {
	w   *bufio.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

// createSegment opens path for a segment with the given tracks (either may
// be nil, not both).
func createSegment(path, name string, video, audio *stream.Track, origin time.Duration) (*segmentFile, error) {
	s := &segmentFile{name: name, path: path, video: video, audio: audio, origin: origin}
	var tracks []*mpegts.Track
	if video != nil {
		switch video.Codec {
		case stream.CodecH264:
			s.vt = &mpegts.Track{Codec: &mcodecs.H264{}}
		case stream.CodecH265:
			s.vt = &mpegts.Track{Codec: &mcodecs.H265{}}
		default:
			return nil, fmt.Errorf("%s video: %w", video.Codec, errCodec)
		}
		tracks = append(tracks, s.vt)
	}
	if audio != nil {
		if audio.Codec != stream.CodecAAC {
			return nil, fmt.Errorf("%s audio: %w", audio.Codec, errCodec)
		}
		var asc mpeg4audio.AudioSpecificConfig
		if err := asc.Unmarshal(audio.Config); err != nil {
			return nil, fmt.Errorf("AAC AudioSpecificConfig: %w", err)
		}
		s.at = &mpegts.Track{Codec: &mcodecs.MPEG4Audio{Config: asc}}
		tracks = append(tracks, s.at)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	s.f = f
	s.bw = bufio.NewWriterSize(f, 64<<10)
	s.cw.w = s.bw
	s.w = &mpegts.Writer{W: &s.cw, Tracks: tracks}
	if err := s.w.Initialize(); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("mpeg-ts writer: %w", err)
	}
	return s, nil
}

// accepts tells whether u belongs to a track the segment was made for.
// A video unit whose parameters changed (a new Track of the same codec)
// is fine: the parameter sets travel in band before each keyframe.
func (s *segmentFile) accepts(u *stream.Unit) bool {
	if u.IsVideo() {
		return s.video != nil && u.Track.Codec == s.video.Codec
	}
	return s.audio != nil && u.Track.Codec == s.audio.Codec && sameAudio(u.Track, s.audio)
}

// leading tells whether u is of the track that times the segment.
func (s *segmentFile) leading(u *stream.Unit) bool { return u.IsVideo() || s.video == nil }

// write adds one unit. Frame-level encode errors are returned to be
// counted; file errors surface in flush/close too.
func (s *segmentFile) write(u *stream.Unit) error {
	if s.leading(u) {
		if !s.written {
			s.first = u.DTS
		}
		s.last = max(s.last, u.DTS)
		s.written = true
	}
	pts := ticks(u.PTS - s.origin + tsOffset)
	switch u.Track.Codec {
	case stream.CodecH264:
		if au := u.NALUsWithParams(); len(au) > 0 {
			return s.w.WriteH264(s.vt, pts, ticks(u.DTS-s.origin+tsOffset), au)
		}
	case stream.CodecH265:
		if au := u.NALUsWithParams(); len(au) > 0 {
			return s.w.WriteH265(s.vt, pts, ticks(u.DTS-s.origin+tsOffset), au)
		}
	case stream.CodecAAC:
		if len(u.Frame) > 0 {
			return s.w.WriteMPEG4Audio(s.at, pts, [][]byte{u.Frame})
		}
	}
	return nil
}

// size is the bytes written so far.
func (s *segmentFile) size() int64 { return s.cw.n }

// close flushes and syncs the file, so that the playlist never lists a
// segment that is not on disk.
func (s *segmentFile) close() error {
	err := s.bw.Flush()
	if err == nil {
		err = s.f.Sync()
	}
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("segment %s: %w", s.path, err)
	}
	return nil
}

// abort closes and removes a segment that will not be listed.
func (s *segmentFile) abort() {
	s.f.Close()
	os.Remove(s.path)
}

// sameAudio tells whether two AAC tracks can share a segment's writer (the
// ADTS headers carry the config of the writer's track).
func sameAudio(a, b *stream.Track) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a == b || (a.Codec == b.Codec && a.SampleRate == b.SampleRate && a.Channels == b.Channels && string(a.Config) == string(b.Config))
}

// ticks converts a media time to 90 kHz without overflow.
func ticks(d time.Duration) int64 {
	sec, frac := int64(d/time.Second), int64(d%time.Second)
	return sec*tsClock + frac*tsClock/int64(time.Second)
}
