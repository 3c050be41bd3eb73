package replay

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"livestudio/internal/stream"
)

// errDisk wraps errors of the file system: they end the recording.
var errDisk = errors.New("disk")

// recWriter writes one recording: its segments, playlist and meta.json.
// It is used by one goroutine.
type recWriter struct {
	dir    string
	target time.Duration
	m      meta
	pl     playlist
	seg    *segmentFile
	segPDT time.Time // wall clock of the current segment's first frame
	segGap bool      // the current segment starts after a break
	next   int       // number of the next segment file
	origin time.Duration
	// audio is the newest audio track seen: the next segment's.
	audio *stream.Track
	// frame is the recent frame interval of the leading track: the length
	// of a segment's last frame.
	frame     time.Duration
	lastLead  time.Duration
	gap       bool // a break before the next unit: cut with a discontinuity
	stats     *Metrics
	onSegment func(bytes int64)
	// encodeErrs counts frames the MPEG-TS writer refused (logged at the
	// end of the recording, counted in metrics as they happen).
	encodeErrs int
}

// newRecWriter creates the recording's directory and its first segment,
// for the tracks probed at the start (either may be nil, not both).
func newRecWriter(root, key string, video, audio *stream.Track, first time.Duration, start time.Time, target time.Duration) (*recWriter, error) {
	id := newID(start)
	dir := filepath.Join(root, key, id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%w: %v", errDisk, err)
	}
	w := &recWriter{
		dir: dir, target: target, origin: first, audio: audio,
		m:  meta{Version: metaVersion, Key: key, ID: id, Live: true, Start: start, End: start},
		pl: playlist{Target: target},
	}
	if err := w.open(video, audio, start, false); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return w, nil
}

// open starts the next segment file.
func (w *recWriter) open(video, audio *stream.Track, pdt time.Time, gap bool) error {
	name := segmentName(w.next)
	seg, err := createSegment(filepath.Join(w.dir, name), name, video, audio, w.origin)
	if err != nil {
		if errors.Is(err, errCodec) {
			return err
		}
		return fmt.Errorf("%w: %v", errDisk, err)
	}
	w.next++
	w.seg, w.segPDT, w.segGap = seg, pdt, gap
	// meta.json names the codecs of the newest segments (a track may start
	// late).
	if video != nil {
		w.m.Video = video.Codec.String()
	}
	if audio != nil {
		w.m.Audio, w.m.SampleRate, w.m.Channels = audio.Codec.String(), audio.SampleRate, audio.Channels
	}
	return nil
}

// markGap notes that frames were skipped before the next unit.
func (w *recWriter) markGap() { w.gap = true }

// write adds u, cutting a segment before it when it is a keyframe past the
// target duration or after a break. wall gives the wall clock of a media
// time. Units of tracks the current segment was not made for wait for the
// next cut (audio that starts late, a codec change).
func (w *recWriter) write(u *stream.Unit, wall func(time.Duration) time.Time) error {
	if !u.IsVideo() {
		w.audio = u.Track
	}
	lead := w.seg.leading(u)
	if lead {
		if d := u.DTS - w.lastLead; w.seg.written && d > 0 && d < time.Second {
			w.frame = d
		}
	}
	if cut, disc := w.cutBefore(u); cut {
		if err := w.cut(u, disc, wall); err != nil {
			return err
		}
	}
	if !w.seg.accepts(u) {
		return nil
	}
	if lead {
		w.lastLead = u.DTS
	}
	if err := w.seg.write(u); err != nil {
		if w.seg.cw.err != nil {
			return fmt.Errorf("%w: %v", errDisk, w.seg.cw.err)
		}
		w.encodeErrs++
		if w.stats != nil {
			w.stats.Errors.WithLabelValues("encode").Inc()
		}
	}
	return nil
}

// cutBefore decides whether u starts a new segment, and whether that
// segment follows a break (EXT-X-DISCONTINUITY).
func (w *recWriter) cutBefore(u *stream.Unit) (cut, disc bool) {
	s := w.seg
	// A new Track is new parameters in band or a new publisher (a
	// reconnect, whose timestamps the stream rebased to follow on): the
	// player should reset its decoder, and the wall clock moved on.
	switch {
	case u.IsVideo():
		if !u.Key {
			return false, false
		}
		if u.Track != s.video || !sameAudio(w.audio, s.audio) {
			return true, true // video or audio started or changed
		}
	case s.video != nil:
		return false, false // audio cuts only audio-only recordings
	case u.Track != s.audio:
		return true, true
	}
	if !s.written {
		return false, false
	}
	if w.gap {
		return true, true
	}
	return u.DTS-s.first >= w.target, false
}

// cut closes the current segment, lists it, and opens the next one at u:
// a video keyframe (with the newest audio track), or an audio frame of an
// audio-only recording.
func (w *recWriter) cut(u *stream.Unit, disc bool, wall func(time.Duration) time.Time) error {
	var end time.Duration
	if disc {
		end = w.seg.last + w.frame
	} else {
		end = u.DTS
	}
	if err := w.closeSegment(end); err != nil {
		return err
	}
	pdt := w.segPDT.Add(end - w.seg.first)
	if disc {
		pdt = wall(u.DTS)
		w.m.Gaps++
		if w.stats != nil {
			w.stats.Gaps.Inc()
		}
	}
	w.gap = false
	if u.IsVideo() {
		return w.open(u.Track, w.audio, pdt, disc)
	}
	return w.open(nil, u.Track, pdt, disc)
}

// closeSegment finishes the current segment as ending at media time end
// and rewrites the playlist and meta.json to list it. A segment without
// frames of its leading track is dropped.
func (w *recWriter) closeSegment(end time.Duration) error {
	s := w.seg
	if !s.written {
		s.abort()
		w.next--
		return nil
	}
	if err := s.close(); err != nil {
		return fmt.Errorf("%w: %v", errDisk, err)
	}
	dur := max(end-s.first, time.Millisecond)
	w.pl.Segments = append(w.pl.Segments, segment{
		Name: s.name, Duration: dur, Time: w.segPDT, Discontinuity: w.segGap && len(w.pl.Segments) > 0,
	})
	w.m.Segments++
	w.m.Bytes += s.size()
	w.m.DurationMS = w.pl.Duration().Milliseconds()
	w.m.End = w.segPDT.Add(dur)
	if w.onSegment != nil {
		w.onSegment(s.size())
	}
	return w.flush()
}

// flush rewrites the playlist, then meta.json, each atomically.
func (w *recWriter) flush() error {
	if err := writeAtomic(filepath.Join(w.dir, playlistName), w.pl.Marshal()); err != nil {
		return fmt.Errorf("%w: %v", errDisk, err)
	}
	if err := writeMeta(w.dir, &w.m); err != nil {
		return fmt.Errorf("%w: %v", errDisk, err)
	}
	return nil
}

// finish closes the last segment and marks the recording finished: VOD
// playlist with EXT-X-ENDLIST, meta.json not live. A recording that got no
// segment at all is removed.
func (w *recWriter) finish() error {
	err := w.closeSegment(w.seg.last + w.frame)
	if len(w.pl.Segments) == 0 {
		os.RemoveAll(w.dir)
		return err
	}
	w.pl.Ended, w.m.Live = true, false
	return errors.Join(err, w.flush())
}

// abandon ends a recording after a disk error: the current segment is
// dropped and what was listed is closed if the disk still lets us (else
// the repair at the next start does it).
func (w *recWriter) abandon() error {
	w.seg.abort()
	if len(w.pl.Segments) == 0 {
		os.RemoveAll(w.dir)
		return nil
	}
	w.pl.Ended, w.m.Live = true, false
	return w.flush()
}
