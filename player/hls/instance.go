package hls

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gohlslib/v2"
	"github.com/bluenviron/gohlslib/v2/pkg/codecs"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"

	"livestudio/internal/stream"
)

// videoClockRate is the clock of H.264 and H.265 tracks in HLS.
const videoClockRate = 90000

// errUnsupported: the stream's codec cannot go into the variant asked for.
var errUnsupported = errors.New("codec not supported by this HLS variant")

// instance is one gohlslib muxer made for one pair of tracks. When the
// stream's tracks change the muxer replaces its instance.
type instance struct {
	hm           *gohlslib.Muxer
	video, audio *stream.Track // the tracks it was made for
	vt, at       *gohlslib.Track
	ntpBase      time.Time // wall clock of media time zero
	// epochMs is ntpBase in Unix ms once set, for X-Livestudio-Media-Epoch.
	epochMs atomic.Int64
	log     *slog.Logger

	// ready is closed once the multivariant playlist can be served without
	// blocking: gohlslib has its first segment.
	ready     chan struct{}
	probeDone chan struct{}

	writeErrs, encodeErrs atomic.Uint64
}

// newInstance starts a gohlslib muxer for the given tracks (audio may be
// nil) and the readiness probe that waits for its first segment.
func newInstance(v variant, cfg Config, video, audio *stream.Track, log *slog.Logger) (*instance, error) {
	in := &instance{
		video: video, audio: audio, log: log,
		ready: make(chan struct{}), probeDone: make(chan struct{}),
	}
	var err error
	if in.vt, err = videoTrack(v, video); err != nil {
		return nil, err
	}
	tracks := []*gohlslib.Track{in.vt}
	if audio != nil {
		if in.at, err = audioTrack(audio); err != nil {
			return nil, err
		}
		tracks = append(tracks, in.at)
	}
	segments := cfg.SegmentCount
	if v == variantLL {
		segments = max(segments, minLLSegments)
	}
	in.hm = &gohlslib.Muxer{
		Tracks:             tracks,
		Variant:            v.gohlslib(),
		SegmentCount:       segments,
		SegmentMinDuration: cfg.SegmentMinDuration,
		PartMinDuration:    cfg.PartMinDuration,
		OnEncodeError:      in.onEncodeError,
	}
	if err := in.hm.Start(); err != nil {
		return nil, fmt.Errorf("start %s muxer: %w", v, err)
	}
	go in.probe()
	return in, nil
}

func videoTrack(v variant, t *stream.Track) (*gohlslib.Track, error) {
	switch t.Codec {
	case stream.CodecH264:
		return &gohlslib.Track{Codec: &codecs.H264{SPS: t.SPS, PPS: t.PPS}, ClockRate: videoClockRate}, nil
	case stream.CodecH265:
		if v == variantTS {
			return nil, fmt.Errorf("%s video: %w", t.Codec, errUnsupported)
		}
		return &gohlslib.Track{Codec: &codecs.H265{VPS: t.VPS, SPS: t.SPS, PPS: t.PPS}, ClockRate: videoClockRate}, nil
	}
	return nil, fmt.Errorf("%s video: %w", t.Codec, errUnsupported)
}

func audioTrack(t *stream.Track) (*gohlslib.Track, error) {
	if t.Codec != stream.CodecAAC {
		return nil, fmt.Errorf("%s audio: %w", t.Codec, errUnsupported)
	}
	var asc mpeg4audio.AudioSpecificConfig
	if err := asc.Unmarshal(t.Config); err != nil {
		return nil, fmt.Errorf("AAC AudioSpecificConfig: %w", err)
	}
	// gohlslib wants the AAC clock to be the sample rate it reads from the
	// config, so take it from there rather than from the Track.
	return &gohlslib.Track{Codec: &codecs.MPEG4Audio{Config: asc}, ClockRate: asc.SampleRate}, nil
}

// probe asks gohlslib for the multivariant playlist, which blocks until the
// first segment exists or the muxer is closed, and marks the instance ready.
func (in *instance) probe() {
	defer close(in.probeDone)
	req, err := http.NewRequest(http.MethodGet, "/index.m3u8", nil)
	if err != nil {
		return
	}
	w := newBufferWriter()
	in.hm.Handle(w, req)
	if w.status == http.StatusOK {
		close(in.ready)
	}
}

// isReady tells whether the first segment exists.
func (in *instance) isReady() bool {
	select {
	case <-in.ready:
		return true
	default:
		return false
	}
}

// owns tells whether u belongs to the tracks the instance was made for.
func (in *instance) owns(u *stream.Unit) bool {
	if u.IsVideo() {
		return u.Track == in.video
	}
	return u.Track == in.audio
}

// write hands one unit to gohlslib. Errors are counted, the first logged:
// they are per frame and a bad frame must not stop the muxer.
func (in *instance) write(u *stream.Unit) {
	if in.ntpBase.IsZero() {
		in.ntpBase = time.Now().Add(-u.PTS)
		in.epochMs.Store(in.ntpBase.UnixMilli())
	}
	ntp := in.ntpBase.Add(u.PTS)
	var err error
	switch u.Track.Codec {
	case stream.CodecH264:
		if au := u.NALUsWithParams(); len(au) > 0 {
			err = in.hm.WriteH264(in.vt, ntp, ticks(u.PTS, videoClockRate), au)
		}
	case stream.CodecH265:
		if au := u.NALUsWithParams(); len(au) > 0 {
			err = in.hm.WriteH265(in.vt, ntp, ticks(u.PTS, videoClockRate), au)
		}
	case stream.CodecAAC:
		if len(u.Frame) > 0 {
			err = in.hm.WriteMPEG4Audio(in.at, ntp, ticks(u.PTS, in.at.ClockRate), [][]byte{u.Frame})
		}
	}
	if err != nil && in.writeErrs.Add(1) == 1 {
		in.log.Warn("hls write failed; further write errors are counted", "codec", u.Track.Codec, "err", err)
	}
}

func (in *instance) onEncodeError(err error) {
	if in.encodeErrs.Add(1) == 1 {
		in.log.Warn("hls encode warning; further warnings are counted", "err", err)
	}
}

// close closes the gohlslib muxer (blocked requests get an error) and waits
// for the probe.
func (in *instance) close() {
	in.hm.Close()
	<-in.probeDone
}

// ticks converts a media time to a clock-rate timestamp without overflow.
func ticks(d time.Duration, rate int) int64 {
	sec, frac := int64(d/time.Second), int64(d%time.Second)
	return sec*int64(rate) + frac*int64(rate)/int64(time.Second)
}
