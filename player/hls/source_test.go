package hls

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mpegts"
	tscodecs "github.com/bluenviron/mediacommon/v2/pkg/formats/mpegts/codecs"

	"livestudio/internal/flv"
	"livestudio/internal/stream"
)

// source is a recorded stream: its units and the length of one loop.
type source struct {
	units []*stream.Unit
	dur   time.Duration
}

func needFFmpeg(t *testing.T) {
	t.Helper()
	for _, bin := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not installed: %v", bin, err)
		}
	}
}

// runFFmpeg runs ffmpeg with args and fails the test with its output.
func runFFmpeg(t *testing.T, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ffmpeg", append([]string{"-hide_banner", "-loglevel", "error", "-y"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
	}
}

// lavfiInputs is a 4s test picture (25 fps) and a 440 Hz tone.
var lavfiInputs = []string{
	"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
	"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
	"-t", "4",
}

// sources caches the encoded sources: encoding is the slow part of a test
// and units are immutable, so tests share them.
var sources = struct {
	sync.Mutex
	m map[string]source
}{m: map[string]source{}}

func cachedSource(t *testing.T, name string, build func(*testing.T) source) source {
	t.Helper()
	sources.Lock()
	defer sources.Unlock()
	src, ok := sources.m[name]
	if !ok {
		src = build(t)
		sources.m[name] = src
	}
	return src
}

// h264Source is H.264 + AAC encoded into FLV by ffmpeg and demuxed by
// internal/flv, as the RTMP ingest would.
func h264Source(t *testing.T) source { return cachedSource(t, "h264", buildH264Source) }

// h265Source is H.265 + AAC encoded into MPEG-TS by ffmpeg (Debian's ffmpeg
// 5.1 has no enhanced FLV) and demuxed by mediacommon.
func h265Source(t *testing.T) source { return cachedSource(t, "h265", buildH265Source) }

func buildH264Source(t *testing.T) source {
	t.Helper()
	path := filepath.Join(t.TempDir(), "src.flv")
	runFFmpeg(t, append(append([]string{}, lavfiInputs...),
		"-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-bf", "0", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-f", "flv", path)...)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 13 || !bytes.HasPrefix(data, []byte("FLV")) {
		t.Fatalf("%s: not an FLV file", path)
	}
	var d flv.Demuxer
	var src source
	for rest := data[13:]; len(rest) > 0; {
		var tag flv.Tag
		tag, rest, err = flv.ParseTag(rest)
		if err != nil {
			t.Fatalf("parse FLV tag: %v", err)
		}
		dts := time.Duration(tag.MS) * time.Millisecond
		var u *stream.Unit
		switch tag.Type {
		case flv.TagVideo:
			u, err = d.Video(dts, tag.Body)
		case flv.TagAudio:
			u, err = d.Audio(dts, tag.Body)
		}
		if err != nil {
			t.Fatalf("demux FLV tag: %v", err)
		}
		if u != nil {
			src.units = append(src.units, u)
		}
	}
	src.finish(t)
	return src
}

func buildH265Source(t *testing.T) source {
	t.Helper()
	path := filepath.Join(t.TempDir(), "src.ts")
	runFFmpeg(t, append(append([]string{}, lavfiInputs...),
		"-c:v", "libx265", "-preset", "veryfast", "-x265-params", "keyint=25:min-keyint=25:bframes=0:log-level=error",
		"-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "mpegts", path)...)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := &mpegts.Reader{R: f}
	if err := r.Initialize(); err != nil {
		t.Fatalf("read MPEG-TS: %v", err)
	}
	toDur := func(ts int64) time.Duration { return time.Duration(ts) * time.Second / 90000 }
	var src source
	var video, audio *stream.Track
	for _, tr := range r.Tracks() {
		switch c := tr.Codec.(type) {
		case *tscodecs.H265:
			r.OnDataH265(tr, func(pts, dts int64, au [][]byte) error {
				key := h265.IsRandomAccess(au)
				if video == nil {
					if !key {
						return nil
					}
					video = &stream.Track{Codec: stream.CodecH265}
					for _, n := range au {
						switch h265.NALUType((n[0] >> 1) & 0x3f) {
						case h265.NALUType_VPS_NUT:
							video.VPS = n
						case h265.NALUType_SPS_NUT:
							video.SPS = n
						case h265.NALUType_PPS_NUT:
							video.PPS = n
						}
					}
				}
				src.units = append(src.units, &stream.Unit{Track: video, DTS: toDur(dts), PTS: toDur(pts), Key: key, NALUs: au})
				return nil
			})
		case *tscodecs.MPEG4Audio:
			cfg, err := c.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			audio = &stream.Track{Codec: stream.CodecAAC, Config: cfg, SampleRate: c.SampleRate, Channels: c.ChannelCount}
			r.OnDataMPEG4Audio(tr, func(pts int64, aus [][]byte) error {
				for i, au := range aus {
					ts := toDur(pts) + time.Duration(i)*1024*time.Second/time.Duration(c.SampleRate)
					src.units = append(src.units, &stream.Unit{Track: audio, DTS: ts, PTS: ts, Key: true, Frame: au})
				}
				return nil
			})
		}
	}
	// Read fails at the end of the file; a short read shows in finish.
	for r.Read() == nil {
	}
	if video == nil || audio == nil {
		t.Fatalf("H.265 source: video %v audio %v", video != nil, audio != nil)
	}
	src.finish(t)
	return src
}

// finish sorts out the loop length and checks the source has both kinds.
func (s *source) finish(t *testing.T) {
	t.Helper()
	var video, audio int
	firstKey := false
	var first, prev, last time.Duration
	for _, u := range s.units {
		if u.IsVideo() {
			if video == 0 {
				firstKey, first = u.Key, u.DTS
			}
			prev, last = last, u.DTS
			video++
		} else {
			audio++
		}
	}
	// One loop lasts exactly the video frames, so the next loop's first
	// picture comes one frame interval after the last one.
	s.dur = last - first + (last - prev)
	if video == 0 || audio == 0 || !firstKey {
		t.Fatalf("source: %d video units, %d audio units, video starts with a keyframe: %v", video, audio, firstKey)
	}
}

// pubOpts shape a test publisher.
type pubOpts struct {
	speed float64 // times real time
	// retrackLoop, when > 0, makes the units of that loop and later ones
	// carry new Track values (same parameters, new pointers), as a
	// publisher's new sequence headers would.
	retrackLoop int
	audioOnly   bool
}

// publish writes the source into key in a loop, paced by opts.speed, until
// ctx is done; then it unpublishes. The returned channel closes after that.
func publish(ctx context.Context, t *testing.T, reg *stream.Registry, key string, src source, opts pubOpts) <-chan struct{} {
	t.Helper()
	pub, err := reg.Publish(key)
	if err != nil {
		t.Fatalf("publish %q: %v", key, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer pub.Close(true)
		start := time.Now()
		origin := src.units[0].DTS
		timer := time.NewTimer(0)
		defer timer.Stop()
		tracks := map[*stream.Track]*stream.Track{}
		for loop := 0; ; loop++ {
			if opts.retrackLoop > 0 && loop == opts.retrackLoop {
				for _, u := range src.units {
					if tracks[u.Track] == nil {
						c := *u.Track
						tracks[u.Track] = &c
					}
				}
			}
			off := time.Duration(loop) * src.dur
			for _, u := range src.units {
				if opts.audioOnly && u.IsVideo() {
					continue
				}
				at := start.Add(time.Duration(float64(u.DTS+off-origin) / opts.speed))
				if d := time.Until(at); d > 0 {
					timer.Reset(d)
					select {
					case <-ctx.Done():
						return
					case <-timer.C:
					}
				} else if ctx.Err() != nil {
					return
				}
				track := u.Track
				if c := tracks[track]; c != nil {
					track = c
				}
				pub.Write(&stream.Unit{Track: track, DTS: u.DTS + off, PTS: u.PTS + off, Key: u.Key, NALUs: u.NALUs, Frame: u.Frame})
			}
		}
	}()
	return done
}

// probeResult is what ffprobe decoded, by codec type.
type probeResult map[string]struct {
	codec  string
	frames int
}

// ffprobe decodes a few seconds of an HLS URL and counts the frames of each
// stream.
func ffprobe(t *testing.T, url string) probeResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-count_frames", "-read_intervals", "%+3",
		"-show_entries", "stream=codec_type,codec_name,nb_read_frames", "-of", "json", url)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", url, err, stderr.Bytes())
	}
	var parsed struct {
		Streams []struct {
			CodecType    string `json:"codec_type"`
			CodecName    string `json:"codec_name"`
			NbReadFrames string `json:"nb_read_frames"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &parsed); err != nil {
		t.Fatalf("ffprobe output %q: %v", out, err)
	}
	res := probeResult{}
	for _, s := range parsed.Streams {
		n, _ := strconv.Atoi(s.NbReadFrames)
		r := res[s.CodecType]
		r.codec = s.CodecName
		r.frames += n
		res[s.CodecType] = r
	}
	if stderr.Len() > 0 {
		t.Logf("ffprobe %s stderr:\n%s", url, stderr.Bytes())
	}
	return res
}
