package transcode

import (
	"bytes"
	"errors"
	"math"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"

	"livestudio/internal/testpeer"
)

// frame is one AAC frame that came out, copied.
type frame struct {
	au  []byte
	pts int64
}

// transcode feeds the packets to a new ToAAC and returns it with the
// frames that came out (Flush included when flush is set).
func transcode(t testing.TB, cfg Config, pkts []packet, flush bool) (*ToAAC, []frame) {
	t.Helper()
	tr, err := NewToAAC(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out []frame
	emit := func(au []byte, pts int64) { out = append(out, frame{bytes.Clone(au), pts}) }
	for i, p := range pkts {
		if err := tr.Write(p.payload, p.pts, emit); err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
	}
	if flush {
		if err := tr.Flush(emit); err != nil {
			t.Fatal(err)
		}
	}
	return tr, out
}

func TestCases(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pkts := tc.packets(t)
			tr, out := transcode(t, tc.cfg, pkts, true)
			st := tr.Stats()
			if st.Gaps != tc.gaps || st.Late != tc.late || st.Frames != uint64(len(out)) {
				t.Errorf("stats %+v, want %d gaps, %d late, %d frames", st, tc.gaps, tc.late, len(out))
			}
			factor := int64(tr.SampleRate() / tc.cfg.ClockRate)
			first := pkts[0].pts * factor
			big := 0
			for i, f := range out {
				if len(f.au) == 0 {
					t.Fatalf("frame %d empty", i)
				}
				if tc.contiguous && f.pts != first+int64(i-1)*FrameSamples {
					t.Fatalf("frame %d at %d, want %d: the sample count drifted", i, f.pts, first+int64(i-1)*FrameSamples)
				}
				if i == 0 {
					continue
				}
				switch d := f.pts - out[i-1].pts; {
				case d < FrameSamples:
					t.Fatalf("frame %d at %d, %d after the one before: overlap", i, f.pts, d)
				case d > FrameSamples:
					big++
				}
			}
			// A gap shows as a longer step unless it fits in a frame as
			// silence.
			if uint64(big) > tc.gaps || (tc.gaps > 0 && big == 0 && !strings.Contains(tc.name, "short")) {
				t.Errorf("%d steps longer than a frame for %d gaps", big, tc.gaps)
			}
			// No invented silence and no loss: the frames cover the input
			// (at most a padded frame per gap, the priming frame and the
			// flushed tail more).
			var in int64
			last := pkts[len(pkts)-1]
			for _, p := range pkts {
				in += int64(packetSamples(t, tc.cfg, p.payload))
			}
			in -= int64(tc.late) * int64(packetSamples(t, tc.cfg, last.payload))
			in *= factor
			got := int64(len(out)) * FrameSamples
			if got < in || got > in+int64(tc.gaps+3)*FrameSamples {
				t.Errorf("%d samples out for %d in", got, in)
			}
			end := (last.pts + int64(packetSamples(t, tc.cfg, last.payload))) * factor
			if d := out[len(out)-1].pts - end; d < -FrameSamples || d > 2*FrameSamples {
				t.Errorf("last frame at %d, input ends at %d", out[len(out)-1].pts, end)
			}
			checkDecoded(t, tr, out, tc, first)
		})
	}
}

func packetSamples(t testing.TB, cfg Config, p []byte) int {
	if cfg.Codec == Opus {
		return opusDuration(p)
	}
	return len(p) / cfg.Channels
}

// checkDecoded has ffmpeg, an independent decoder, decode the frames
// framed in ADTS: no error, every frame decoded, the tone where it was,
// starting when the timestamps say.
func checkDecoded(t *testing.T, tr *ToAAC, out []frame, tc tcase, first int64) {
	t.Helper()
	pcm := ffmpegDecode(t, tr, out)
	ch := tr.Channels()
	if len(pcm) != len(out)*FrameSamples*ch {
		t.Fatalf("ffmpeg decoded %d samples, want %d frames of %d", len(pcm)/ch, len(out), FrameSamples)
	}
	left := make([]float64, len(pcm)/ch)
	for i := range left {
		left[i] = float64(pcm[i*ch]) / 32768
	}
	// The tone: the median share over windows across the middle half
	// (a window over a gap has less; ffmpeg ignores the timestamps).
	var shares []float64
	for at := len(left) / 4; at+4096 <= len(left)*3/4; at += 1000 {
		shares = append(shares, testpeer.ToneShare(left[at:at+4096], tc.freq, float64(tr.SampleRate())))
	}
	slices.Sort(shares)
	p := shares[len(shares)/2]
	t.Logf("%.0f Hz: %.3f of the power", tc.freq, p)
	want := 0.9
	if tc.name == "opus/stereo decoded to mono" {
		want = 0.4 // 440 Hz and 660 Hz mixed
	}
	if p < want {
		t.Errorf("%.0f Hz holds %.2f of the power, want > %.2f", tc.freq, p, want)
	}
	if tc.contiguous {
		// Frame 0's PTS is the decoded sample 0's time: the tone starts
		// at the input's first time, after the encoder's priming frame,
		// plus the interpolator's or the Opus encoder's delay.
		onset := -1
		for i, x := range left {
			if math.Abs(x) > 0.2 {
				onset = i
				break
			}
		}
		at := out[0].pts + int64(onset) - first
		t.Logf("tone starts %d samples after the input's time", at)
		if onset < 0 || at < -8 || at > 400 {
			t.Errorf("tone starts at decoded sample %d: %d samples after the input's time, want 0..400", onset, at)
		}
	}
}

// ffmpegDecode writes the frames as ADTS and decodes them with ffmpeg
// to interleaved 16-bit samples.
func ffmpegDecode(t *testing.T, tr *ToAAC, out []frame) []int16 {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatalf("ffmpeg, the independent decoder, is missing: %v (apt-get install ffmpeg)", err)
	}
	var asc mpeg4audio.AudioSpecificConfig
	if err := asc.Unmarshal(tr.AudioSpecificConfig()); err != nil {
		t.Fatal(err)
	}
	if asc.Type != mpeg4audio.ObjectTypeAACLC || asc.SampleRate != tr.SampleRate() ||
		int(asc.ChannelConfig) != tr.Channels() {
		t.Fatalf("AudioSpecificConfig %+v", asc)
	}
	frames := make([][]byte, len(out))
	for i, f := range out {
		frames[i] = f.au
	}
	return testpeer.DecodeAAC(t, tr.AudioSpecificConfig(), frames)
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []Config{
		{Codec: PCMU, ClockRate: 8000, Channels: 3},
		{Codec: PCMU, ClockRate: 8000},
		{Codec: PCMA, ClockRate: 7000, Channels: 1},
		{Codec: PCMA, ClockRate: 96000, Channels: 1},
		{Codec: Opus, ClockRate: 44100, Channels: 1},
		{Codec: 9, ClockRate: 8000, Channels: 1},
	} {
		if _, err := NewToAAC(cfg); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%+v: %v, want ErrUnsupported", cfg, err)
		}
	}
	tr, err := NewToAAC(Config{Codec: Opus, ClockRate: 48000, Channels: 2})
	if err != nil {
		t.Fatal(err)
	}
	if tr.SampleRate() != 48000 || tr.Channels() != 2 || !bytes.Equal(tr.AudioSpecificConfig(), []byte{0x11, 0x90}) {
		t.Errorf("Opus stereo: %d Hz %d ch ASC %x", tr.SampleRate(), tr.Channels(), tr.AudioSpecificConfig())
	}
	// A bad packet is an error and changes nothing.
	emit := func([]byte, int64) { t.Error("frame from a bad packet") }
	for _, p := range [][]byte{{0xff, 0xff, 0xff}, {0x7f}} {
		if err := tr.Write(p, 0, emit); err == nil || !strings.Contains(err.Error(), "opus") {
			t.Errorf("Write(%x): %v, want an opus error", p, err)
		}
	}
	if tr.synced {
		t.Error("a bad packet set the clock")
	}
	g, err := NewToAAC(Config{Codec: PCMU, ClockRate: 8000, Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Write(nil, 0, emit); err != nil || g.synced {
		t.Errorf("empty packet: %v, synced %v", err, g.synced)
	}
}
