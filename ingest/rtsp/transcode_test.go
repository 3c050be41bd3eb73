package rtsp

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"livestudio/internal/stream"
	"livestudio/internal/testpeer"
)

// needElements fails (never skips) the test when a GStreamer element of
// its launch lines is missing (beyond those testpeer checks).
func needElements(t *testing.T, elements ...string) {
	t.Helper()
	needPeers(t)
	check := `import sys, gi
gi.require_version("Gst", "1.0")
from gi.repository import Gst
Gst.init(None)
missing = [e for e in sys.argv[1:] if Gst.ElementFactory.find(e) is None]
if missing:
    raise SystemExit("missing GStreamer elements: " + " ".join(missing))
`
	if out, err := exec.Command(testpeer.Python, append([]string{"-c", check}, elements...)...).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s\ninstall the test peers: %s gstreamer1.0-plugins-base", err, out, testpeer.InstallHint)
	}
}

// G.711 and Opus from GStreamer's RTSP server (a 1 kHz tone next to the
// H.264 of a file) come out as AAC-LC units on the video's clock, and
// ffmpeg, an independent decoder, decodes them back to the tone without
// an error or a gap.
func TestTranscodedAudio(t *testing.T) {
	t.Parallel()
	needElements(t, "mulawenc", "rtppcmupay", "alawenc", "rtppcmapay", "opusenc", "rtpopuspay")
	file := h264AAC(t, 10)
	const tone = "audiotestsrc is-live=true freq=1000 volume=0.5 ! audio/x-raw,rate=%d,channels=%d ! "
	for _, tc := range []struct {
		name, audio string
		channels    int
		transport   string
	}{
		{"pcmu", launch(tone, 8000, 1) + "mulawenc ! rtppcmupay name=pay1 pt=0", 1, TransportUDP},
		{"pcma tcp", launch(tone, 8000, 1) + "alawenc ! rtppcmapay name=pay1 pt=8", 1, TransportTCP},
		{"opus mono", launch(tone, 48000, 1) + "opusenc ! rtpopuspay name=pay1 pt=97", 1, TransportUDP},
		{"opus stereo", launch(tone, 48000, 2) + "opusenc bitrate=96000 ! rtpopuspay name=pay1 pt=97", 2, TransportUDP},
	} {
		// One after the other: under -race an Opus stream alone takes a
		// third of a core here, and the packages' other tests run too.
		t.Run(tc.name, func(t *testing.T) {
			url := serve(t, launch("( filesrc location=%s ! qtdemux name=d d.video_0 ! queue ! h264parse ! "+
				"rtph264pay name=pay0 pt=96 config-interval=1 %s )", file, tc.audio), "", "")
			// skew: each audio unit's PTS minus the DTS of the last video
			// unit delivered before it, both arriving live.
			var skew []time.Duration
			c := play(t, Config{URL: url, Transport: tc.transport}, func(c *collected) bool {
				if n := len(c.audio); n > len(skew) && len(c.video) > 0 {
					skew = append(skew, c.audio[n-1].PTS-c.lastDTS(c.video))
				}
				return c.lastDTS(c.video) >= 6*time.Second && c.lastDTS(c.audio) >= 6*time.Second
			})
			checkVideo(t, c, stream.CodecH264)
			// The race detector slows Opus decoding and AAC encoding
			// tenfold: a third of a core for Opus stereo here, more than
			// the CPU left by the tests running beside it.
			slow := raceEnabled && strings.HasPrefix(tc.name, "opus")
			t.Logf("stats while playing: %+v", c.stats)
			checkAudio(t, c, audioWant{rate: 48000, channels: tc.channels, transcoded: true, slow: slow})
			checkSkew(t, skew, slow)
			checkFFmpegDecodes(t, c.audio)
		})
	}
}

// checkSkew: audio and video stay together. Within the first second and
// the last, the audio's lead over the video is the same within 100 ms: no
// drift over the run. When the audio path is slow (see audioWant), the
// lead is only logged: it measures the backlog.
func checkSkew(t *testing.T, skew []time.Duration, slow bool) {
	t.Helper()
	if len(skew) < 100 {
		t.Fatalf("%d audio units to compare with the video", len(skew))
	}
	// The median of a second's worth (47 frames): arrival jitter aside.
	median := func(s []time.Duration) time.Duration {
		s = slices.Clone(s)
		slices.Sort(s)
		return s[len(s)/2]
	}
	first, last := median(skew[:47]), median(skew[len(skew)-47:])
	t.Logf("audio PTS - video DTS at arrival: %v at the start, %v at the end", first, last)
	if !slow && ((last-first).Abs() > 100*time.Millisecond || first.Abs() > 500*time.Millisecond) {
		t.Errorf("audio drifts from the video: %v at the start, %v at the end", first, last)
	}
}

// checkFFmpegDecodes writes the AAC units in ADTS and has ffmpeg decode
// them: no error, 1024 samples a unit, a duration that is the units'
// span, the 1 kHz tone.
func checkFFmpegDecodes(t *testing.T, units []*stream.Unit) {
	t.Helper()
	tr := units[0].Track
	frames := make([][]byte, len(units))
	for i, u := range units {
		frames[i] = u.Frame
	}
	pcm := testpeer.DecodeAAC(t, tr.Config, frames, "-ac", "1")
	frame := time.Second * 1024 / time.Duration(tr.SampleRate)
	decoded := time.Duration(len(pcm)) * time.Second / time.Duration(tr.SampleRate)
	span := units[len(units)-1].PTS - units[0].PTS + frame
	t.Logf("ffmpeg decoded %v of audio; the units span %v", decoded, span)
	if len(pcm) != len(units)*1024 || (span-decoded).Abs() > 5*frame {
		t.Errorf("ffmpeg decoded %d samples (%v) of %d units spanning %v", len(pcm), decoded, len(units), span)
	}
	// The tone (median of windows: the first frame may decode to silence).
	x := make([]float64, len(pcm))
	for i, v := range pcm {
		x[i] = float64(v) / 32768
	}
	var shares []float64
	for at := 0; at+4096 <= len(x); at += 4096 {
		shares = append(shares, testpeer.ToneShare(x[at:at+4096], 1000, float64(tr.SampleRate)))
	}
	slices.Sort(shares)
	if p := shares[len(shares)/2]; p < 0.9 {
		t.Errorf("1 kHz holds %.2f of the decoded power, want > 0.9", p)
	}
}
