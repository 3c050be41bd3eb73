package rtsp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"

	"livestudio/internal/stream"
)

// collected is what a Run delivered.
type collected struct {
	video, audio []*stream.Unit
	stats        Stats // taken while playing
	err          error // Run's result
}

func (c *collected) lastDTS(units []*stream.Unit) time.Duration {
	if len(units) == 0 {
		return -1
	}
	return units[len(units)-1].DTS
}

// play runs a Source until done reports true for what it delivered (or 25
// s pass), then cancels it and checks that Run returned nil.
func play(t *testing.T, cfg Config, done func(c *collected) bool) *collected {
	t.Helper()
	src, err := New(cfg, slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	c := &collected{}
	enough := make(chan struct{})
	var once sync.Once
	ended := make(chan error, 1)
	go func() {
		ended <- src.Run(ctx, func(u *stream.Unit) {
			mu.Lock()
			defer mu.Unlock()
			if u.IsVideo() {
				c.video = append(c.video, u)
			} else {
				c.audio = append(c.audio, u)
			}
			if done(c) {
				once.Do(func() { close(enough) })
			}
		})
	}()
	select {
	case <-enough:
		c.stats = src.Stats()
		cancel()
		if err := <-ended; err != nil {
			t.Fatalf("Run after cancel: %v, want nil", err)
		}
	case err := <-ended:
		t.Fatalf("Run ended early: %v (%d video, %d audio units)", err, len(c.video), len(c.audio))
	case <-time.After(25 * time.Second):
		t.Fatalf("not enough units after 25s: %d video, %d audio", len(c.video), len(c.audio))
	}
	mu.Lock()
	defer mu.Unlock()
	return c
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// seconds of video and audio collected.
func threeSeconds(c *collected) bool {
	return c.lastDTS(c.video) >= 3*time.Second && c.lastDTS(c.audio) >= 3*time.Second
}

// checkVideo checks the video units of a session on the test pattern:
// 320x240, 25 fps, keyframe every 2 s, 2 B-frames.
func checkVideo(t *testing.T, c *collected, codec stream.Codec) {
	t.Helper()
	v := c.video
	if len(v) < 50 {
		t.Fatalf("%d video units", len(v))
	}
	if !v[0].Key || v[0].DTS != 0 {
		t.Errorf("first video unit: key=%v DTS=%v, want a keyframe at 0", v[0].Key, v[0].DTS)
	}
	keys, reordered := 0, 0
	firstKey := v[0].PTS
	var pts []time.Duration
	for i, u := range v {
		if u.Track.Codec != codec {
			t.Fatalf("unit %d: codec %v", i, u.Track.Codec)
		}
		if i > 0 && u.DTS <= v[i-1].DTS {
			t.Errorf("unit %d: DTS %v after %v: not increasing", i, u.DTS, v[i-1].DTS)
		}
		if u.PTS < u.DTS {
			t.Errorf("unit %d: PTS %v < DTS %v", i, u.PTS, u.DTS)
		}
		if u.PTS > u.DTS {
			reordered++
		}
		ra := h264.IsRandomAccess(u.NALUs)
		if codec == stream.CodecH265 {
			ra = h265.IsRandomAccess(u.NALUs)
		}
		if u.Key != ra {
			t.Errorf("unit %d: Key=%v but random access=%v", i, u.Key, ra)
		}
		if u.Key {
			keys++
			if d := (u.PTS - firstKey) % (2 * time.Second); d > 5*time.Millisecond && d < 2*time.Second-5*time.Millisecond {
				t.Errorf("keyframe at PTS %v, want every 2 s", u.PTS)
			}
		}
		for _, n := range u.NALUs {
			if len(n) == 0 || bytes.HasPrefix(n, []byte{0, 0, 1}) || bytes.HasPrefix(n, []byte{0, 0, 0, 1}) {
				t.Fatalf("unit %d: empty NALU or NALU with a start code", i)
			}
		}
		pts = append(pts, u.PTS)
	}
	if keys < 2 {
		t.Errorf("%d keyframes in %v, want one every 2 s", keys, c.lastDTS(v))
	}
	if reordered < len(v)/4 {
		t.Errorf("only %d of %d units have PTS > DTS: B-frames not reordered", reordered, len(v))
	}
	// In presentation order the pictures are 40 ms apart (up to the last
	// units, whose B-frames may not have arrived yet).
	slices.Sort(pts)
	for i := 1; i < len(pts) && pts[i] < c.lastDTS(v)-200*time.Millisecond; i++ {
		if d := pts[i] - pts[i-1]; d < 38*time.Millisecond || d > 42*time.Millisecond {
			t.Fatalf("PTS %v then %v: want 40 ms steps", pts[i-1], pts[i])
		}
	}
	tr := v[len(v)-1].Track
	var w, h int
	switch codec {
	case stream.CodecH264:
		var s h264.SPS
		if err := s.Unmarshal(tr.SPS); err != nil {
			t.Fatalf("SPS: %v", err)
		}
		w, h = s.Width(), s.Height()
	case stream.CodecH265:
		var s h265.SPS
		if err := s.Unmarshal(tr.SPS); err != nil {
			t.Fatalf("SPS: %v", err)
		}
		w, h = s.Width(), s.Height()
		if len(tr.VPS) == 0 {
			t.Error("H.265 track without VPS")
		}
	}
	if w != 320 || h != 240 || len(tr.PPS) == 0 {
		t.Errorf("video track: %dx%d, PPS %d bytes", w, h, len(tr.PPS))
	}
}

// audioWant is what checkAudio expects.
type audioWant struct {
	rate, channels int
	// transcoded: a gap need not be whole frames (the transcoder starts
	// the frame after a gap at the packet's time).
	transcoded bool
	// slow: the audio path may not keep real time (the race detector
	// slows the pure-Go codecs tenfold), so the audio delivered may end
	// well before the video.
	slow bool
}

// checkAudio checks the AAC units and that audio and video share a clock.
func checkAudio(t *testing.T, c *collected, want audioWant) {
	t.Helper()
	rate, channels, transcoded := want.rate, want.channels, want.transcoded
	a := c.audio
	if len(a) < 50 {
		t.Fatalf("%d audio units", len(a))
	}
	tr := a[0].Track
	var asc mpeg4audio.AudioSpecificConfig
	if err := asc.Unmarshal(tr.Config); err != nil {
		t.Fatalf("AudioSpecificConfig %x: %v", tr.Config, err)
	}
	if tr.Codec != stream.CodecAAC || asc.SampleRate != rate || tr.SampleRate != rate || tr.Channels != channels ||
		asc.Type != mpeg4audio.ObjectTypeAACLC {
		t.Errorf("audio track %v %d Hz %d ch, ASC %x (%d Hz, type %d): want AAC-LC %d Hz %d ch",
			tr.Codec, tr.SampleRate, tr.Channels, tr.Config, asc.SampleRate, asc.Type, rate, channels)
	}
	// Frames are 1024 samples apart; a frame lost on the way (UDP) leaves a
	// gap of whole frames, which may happen but not often.
	frame := time.Duration(1024) * time.Second / time.Duration(rate)
	gaps := 0
	for i, u := range a {
		if len(u.Frame) == 0 || len(u.NALUs) != 0 || u.PTS != u.DTS || u.Track != tr {
			t.Fatalf("audio unit %d malformed", i)
		}
		if i == 0 {
			continue
		}
		d := u.DTS - a[i-1].DTS
		n := (d + frame/2) / frame
		switch {
		case transcoded && d >= frame-time.Millisecond:
			if d > frame+time.Millisecond {
				gaps++
			}
		case n < 1 || (d-n*frame).Abs() > time.Millisecond:
			t.Fatalf("audio unit %d: DTS step %v, want %v", i, d, frame)
		case n > 1:
			gaps++
		}
	}
	if gaps > len(a)/50 {
		t.Errorf("%d gaps in %d audio units", gaps, len(a))
	}
	if a[0].DTS < 0 || a[0].DTS > time.Second {
		t.Errorf("first audio DTS %v: not on the video clock", a[0].DTS)
	}
	if d := c.lastDTS(c.video) - c.lastDTS(a); d < -time.Second || (d > time.Second && !want.slow) {
		t.Errorf("video ends at %v, audio at %v: not on one clock", c.lastDTS(c.video), c.lastDTS(a))
	}
}

const h264Launch = "( filesrc location=%s ! qtdemux name=d d.video_0 ! queue ! h264parse ! " +
	"rtph264pay name=pay0 pt=96 config-interval=%d d.audio_0 ! queue ! aacparse ! rtpmp4gpay name=pay1 pt=97 )"

func launch(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// H.264 + AAC (RFC 3640), SPS/PPS in band before every IDR, basic auth,
// transport "auto" (UDP on the loopback: no fallback needed).
func TestH264AACAuto(t *testing.T) {
	t.Parallel()
	// Special characters in the password are percent-encoded in the URL.
	url := serve(t, launch(h264Launch, h264AAC(t, 10), 1), "cam", "s3c:r@t%pw")
	c := play(t, Config{URL: url}, threeSeconds)
	checkVideo(t, c, stream.CodecH264)
	checkAudio(t, c, audioWant{rate: 48000, channels: 1})
	st := c.stats
	if st.Transport != "UDP" || st.Units < uint64(len(c.video)+len(c.audio)) || st.Bytes == 0 || st.LastError != "" {
		t.Errorf("stats %+v", st)
	}
}

// TCP forced; the parameters are in the SDP only (no config-interval).
func TestH264AACTCP(t *testing.T) {
	t.Parallel()
	url := serve(t, launch(h264Launch, h264AAC(t, 10), 0), "", "")
	c := play(t, Config{URL: url, Transport: TransportTCP}, threeSeconds)
	checkVideo(t, c, stream.CodecH264)
	checkAudio(t, c, audioWant{rate: 48000, channels: 1})
	if c.stats.Transport != "TCP" {
		t.Errorf("transport %q, want TCP", c.stats.Transport)
	}
}

// H.265 with B-frames and AAC in LATM (RFC 3016), over UDP.
func TestH265LATM(t *testing.T) {
	t.Parallel()
	url := serve(t, launch("( filesrc location=%s ! tsdemux name=d d. ! queue ! h265parse ! "+
		"rtph265pay name=pay0 pt=96 config-interval=-1 d. ! queue ! aacparse ! rtpmp4apay name=pay1 pt=97 )",
		h265AAC(t)), "", "")
	c := play(t, Config{URL: url, Transport: TransportUDP}, threeSeconds)
	checkVideo(t, c, stream.CodecH265)
	checkAudio(t, c, audioWant{rate: 44100, channels: 2})
}

// G.711 audio in AudioMode "aac_only" is not transcoded: video only.
// AudioMode "off" gives video only too.
func TestAudioDropped(t *testing.T) {
	t.Parallel()
	file := h264AAC(t, 10)
	for _, tc := range []struct {
		name, launch, mode string
	}{
		{"pcmu", launch("( filesrc location=%s ! qtdemux name=d d.video_0 ! queue ! h264parse ! "+
			"rtph264pay name=pay0 pt=96 audiotestsrc is-live=true ! mulawenc ! rtppcmupay name=pay1 pt=0 )", file), AudioAACOnly},
		{"off", launch(h264Launch, file, 1), AudioOff},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := serve(t, tc.launch, "", "")
			c := play(t, Config{URL: url, AudioMode: tc.mode}, func(c *collected) bool {
				return c.lastDTS(c.video) >= time.Second
			})
			if len(c.audio) != 0 || !c.video[0].Key {
				t.Errorf("%d audio units, first video key=%v", len(c.audio), c.video[0].Key)
			}
		})
	}
}

// runErr runs a source expected to fail and returns the error and how long
// Run took.
func runErr(t *testing.T, cfg Config) (error, time.Duration) {
	t.Helper()
	src, err := New(cfg, slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = src.Run(context.Background(), func(*stream.Unit) { t.Error("unit from a failing source") })
	took := time.Since(start)
	if err == nil {
		t.Fatal("Run returned nil")
	}
	if st := src.Stats(); st.LastError != err.Error() || st.Transport != "" {
		t.Errorf("stats after failure %+v", st)
	}
	t.Logf("error after %v: %v", took.Round(time.Millisecond), err)
	return err, took
}

func TestErrors(t *testing.T) {
	t.Parallel()
	file := h264AAC(t, 10)
	url := serve(t, launch(h264Launch, file, 1), "cam", "right")
	audioOnly := serve(t, "( audiotestsrc ! mulawenc ! rtppcmupay name=pay0 pt=0 )", "", "")

	t.Run("wrong password", func(t *testing.T) {
		err, _ := runErr(t, Config{URL: strings.Replace(url, "right", "wrongpw", 1)})
		if !errors.Is(err, ErrAuth) || strings.Contains(err.Error(), "wrongpw") {
			t.Errorf("got %v, want ErrAuth without the password", err)
		}
	})
	t.Run("no credentials", func(t *testing.T) {
		err, _ := runErr(t, Config{URL: strings.Replace(url, "cam:right@", "", 1)})
		if !errors.Is(err, ErrAuth) {
			t.Errorf("got %v, want ErrAuth", err)
		}
	})
	t.Run("not found", func(t *testing.T) {
		err, _ := runErr(t, Config{URL: strings.TrimSuffix(url, "/cam") + "/nope"})
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("no video", func(t *testing.T) {
		err, _ := runErr(t, Config{URL: audioOnly})
		if !errors.Is(err, ErrNoVideo) || !strings.Contains(err.Error(), "PCMU") {
			t.Errorf("got %v, want ErrNoVideo naming PCMU", err)
		}
	})
	t.Run("refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		err, took := runErr(t, Config{URL: "rtsp://u:p@" + addr + "/cam", ReadTimeout: 2 * time.Second})
		if !errors.Is(err, ErrUnreachable) || took > 2*time.Second {
			t.Errorf("got %v after %v, want ErrUnreachable at once", err, took)
		}
	})
	t.Run("silent server", func(t *testing.T) {
		// Accepts the connection and never answers: a hung camera.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
			}
		}()
		err, took := runErr(t, Config{URL: "rtsp://" + ln.Addr().String() + "/cam", ReadTimeout: time.Second})
		if !errors.Is(err, ErrTimeout) || took > 3*time.Second {
			t.Errorf("got %v after %v, want ErrTimeout after about 1s", err, took)
		}
	})
	t.Run("cancel while connecting", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		accepted := make(chan net.Conn, 1)
		go func() {
			if c, err := ln.Accept(); err == nil {
				accepted <- c
			}
		}()
		src, err := New(Config{URL: "rtsp://" + ln.Addr().String() + "/cam"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		ended := make(chan error, 1)
		go func() { ended <- src.Run(ctx, func(*stream.Unit) {}) }()
		c := <-accepted // Run is waiting for the DESCRIBE answer
		defer c.Close()
		if err := src.Run(ctx, func(*stream.Unit) {}); !errors.Is(err, ErrRunning) {
			t.Errorf("second Run: %v, want ErrRunning", err)
		}
		start := time.Now()
		cancel()
		if err := <-ended; err != nil || time.Since(start) > time.Second {
			t.Errorf("Run after cancel: %v after %v, want nil at once", err, time.Since(start))
		}
		if st := src.Stats(); st.LastError != "" {
			t.Errorf("a cancel is not an error: %+v", st)
		}
	})
	t.Run("stream stops", func(t *testing.T) {
		// The camera goes quiet after 2 s of media: Run reports the timeout.
		url := serve(t, launch(h264Launch, h264AAC(t, 2), 1), "", "")
		src, err := New(Config{URL: url, Transport: TransportTCP, ReadTimeout: time.Second},
			slog.New(slog.NewTextHandler(testWriter{t}, nil)))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		err = src.Run(context.Background(), func(*stream.Unit) { n++ })
		if !errors.Is(err, ErrTimeout) || n < 50 {
			t.Errorf("got %v after %d units, want ErrTimeout after the media", err, n)
		}
	})
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string // "" valid, else a substring of the error
	}{
		{Config{URL: "rtsp://u:p@cam:554/h264"}, ""},
		{Config{URL: "rtsps://cam/x", Transport: "tcp", AudioMode: "off", ReadTimeout: time.Second}, ""},
		{Config{URL: "rtsp://cam/x", AudioMode: "aac_only"}, ""},
		{Config{URL: "rtsp://cam/x", AudioMode: "transcode"}, "rtsp.audio"},
		{Config{URL: "rtsp://u:p%25w@cam/x"}, ""}, // a '%' in a password, escaped
		{Config{URL: "rtsp://u:p%w@cam/x"}, "not a valid"},
		{Config{}, "rtsp.url"},
		{Config{URL: "http://cam/x"}, "scheme"},
		{Config{URL: "rtsp:///x"}, "host"},
		{Config{URL: "rtsp://cam/x", Transport: "quic"}, "rtsp.transport"},
		{Config{URL: "rtsp://cam/x", AudioMode: "opus"}, "rtsp.audio"},
		{Config{URL: "rtsp://cam/x", ReadTimeout: -1}, "read_timeout"},
	} {
		err := tc.cfg.Validate()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: got %v, want %q", tc.cfg, err, tc.want)
		}
	}
	if got := redact("rtsp://u:secret@cam/x"); strings.Contains(got, "secret") {
		t.Errorf("redact kept the password: %s", got)
	}
	if d := DefaultConfig(); d.Transport != TransportAuto || d.ReadTimeout != 10*time.Second || d.AudioMode != AudioPass {
		t.Errorf("defaults %+v", d)
	}
}
