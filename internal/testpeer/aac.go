package testpeer

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
)

// DecodeAAC has ffmpeg decode raw AAC frames (described by an
// AudioSpecificConfig) to 16-bit PCM, written as an ADTS file: an
// independent decoder must accept every frame. extra are ffmpeg output
// options (e.g. "-ac", "1"). It fails the test on any ffmpeg error.
func DecodeAAC(t *testing.T, config []byte, frames [][]byte, extra ...string) []int16 {
	t.Helper()
	var asc mpeg4audio.AudioSpecificConfig
	if err := asc.Unmarshal(config); err != nil {
		t.Fatal(err)
	}
	pkts := make(mpeg4audio.ADTSPackets, len(frames))
	for i, f := range frames {
		pkts[i] = &mpeg4audio.ADTSPacket{Type: asc.Type, SampleRate: asc.SampleRate,
			ChannelConfig: asc.ChannelConfig, AU: f}
	}
	adts, err := pkts.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "out.aac")
	if err := os.WriteFile(file, adts, 0o600); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"-hide_banner", "-nostdin", "-v", "error", "-i", file, "-f", "s16le"}, extra...)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("ffmpeg", append(args, "-")...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("ffmpeg decode: %v: %s", err, stderr.String())
	}
	pcm := make([]int16, stdout.Len()/2)
	if err := binary.Read(&stdout, binary.LittleEndian, pcm); err != nil {
		t.Fatal(err)
	}
	return pcm
}

// ToneShare is the share of x's power at freq (Goertzel under a Hann
// window: 1 for a pure tone).
func ToneShare(x []float64, freq, rate float64) float64 {
	var total, s1, s2 float64
	coef := 2 * math.Cos(2*math.Pi*freq/rate)
	for i, v := range x {
		v *= 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(len(x)))
		total += v * v
		s1, s2 = v+coef*s1-s2, s1
	}
	return 3 * (s1*s1 + s2*s2 - coef*s1*s2) / (float64(len(x)) * total)
}
