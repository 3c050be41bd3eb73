package transcode

import (
	"bytes"
	"encoding/binary"
	"math"
	"os/exec"
	"testing"
)

// The tables agree with ffmpeg's pcm_mulaw and pcm_alaw decoders on all
// 256 codes.
func TestG711AgainstFFmpeg(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatalf("ffmpeg, the reference decoder, is missing: %v", err)
	}
	codes := make([]byte, 256)
	for i := range codes {
		codes[i] = byte(i)
	}
	for _, law := range []struct {
		format string
		expand func(byte) int16
		table  *[256]float32
	}{{"mulaw", ulawToLinear, ulawTable}, {"alaw", alawToLinear, alawTable}} {
		cmd := exec.Command("ffmpeg", "-hide_banner", "-nostdin", "-v", "error",
			"-f", law.format, "-ar", "8000", "-ac", "1", "-i", "-", "-f", "s16le", "-")
		cmd.Stdin = bytes.NewReader(codes)
		out, err := cmd.Output()
		if err != nil || len(out) != 512 {
			t.Fatalf("ffmpeg %s: %v, %d bytes", law.format, err, len(out))
		}
		for i := range codes {
			want := int16(binary.LittleEndian.Uint16(out[2*i:]))
			if got := law.expand(byte(i)); got != want {
				t.Errorf("%s code %#02x: %d, ffmpeg %d", law.format, i, got, want)
			}
			if got := law.table[i]; got != float32(want)/32768 {
				t.Errorf("%s table %#02x: %v", law.format, i, got)
			}
		}
	}
}

func TestDecodeG711Stereo(t *testing.T) {
	p := [][]float32{make([]float32, 2), make([]float32, 2)}
	// 5 bytes: two stereo samples and a byte too many, ignored.
	n := decodeG711(ulawTable, []byte{0x00, 0x80, 0xff, 0x7f, 0x12}, p)
	if n != 2 || p[0][0] != ulawTable[0x00] || p[1][0] != ulawTable[0x80] || p[0][1] != 0 || p[1][1] != 0 {
		t.Errorf("n=%d planes %v", n, p)
	}
}

// The interpolator keeps the telephone band and removes the images.
func TestUpsampler(t *testing.T) {
	const in, factor = 8000, 6
	gain := func(freq float64) (float64, float64) {
		u := newUpsampler(factor)
		x := make([]float32, 4000)
		for i := range x {
			x[i] = float32(math.Sin(2 * math.Pi * freq * float64(i) / in))
		}
		var y []float32
		for i := 0; i < len(x); i += 160 { // 20 ms packets: the history carries over
			y = u.process(x[i:i+160], y)
		}
		y64 := make([]float64, 8192)
		for i := range y64 {
			y64[i] = float64(y[len(y)-8192+i])
		}
		return y64toDB(y64, freq, in*factor), imageDB(y64, freq, in, factor)
	}
	for _, tc := range []struct {
		freq         float64
		minDB, maxDB float64
		maxImageDB   float64
	}{
		{300, -0.1, 0.1, -75},
		{1000, -0.1, 0.1, -75},
		{3000, -0.1, 0.1, -75},
		{3400, -1, 0.1, -75},
	} {
		g, img := gain(tc.freq)
		t.Logf("%v Hz: %.2f dB, first image %.1f dB", tc.freq, g, img)
		if g < tc.minDB || g > tc.maxDB || img > tc.maxImageDB {
			t.Errorf("%v Hz: gain %.2f dB (want %v..%v), image %.1f dB (want < %v)",
				tc.freq, g, tc.minDB, tc.maxDB, img, tc.maxImageDB)
		}
	}
}

// y64toDB is the level of a unit sine at freq in y, in dB.
func y64toDB(y []float64, freq, rate float64) float64 {
	return 10 * math.Log10(amplitude2(y, freq, rate))
}

// imageDB is the level of the strongest image of freq (rate*k ± freq for
// the input rate), in dB relative to a unit sine.
func imageDB(y []float64, freq, inRate float64, factor int) float64 {
	worst := math.Inf(-1)
	for k := 1; k < factor; k++ {
		for _, f := range []float64{float64(k)*inRate - freq, float64(k)*inRate + freq} {
			if f < inRate*float64(factor)/2 {
				worst = max(worst, 10*math.Log10(amplitude2(y, f, inRate*float64(factor))))
			}
		}
	}
	return worst
}

// amplitude2 is the squared amplitude of the sine at freq in y (Goertzel
// under a Hann window, whose coherent gain is 1/2).
func amplitude2(y []float64, freq, rate float64) float64 {
	coef := 2 * math.Cos(2*math.Pi*freq/rate)
	var s1, s2 float64
	for i, v := range y {
		v *= 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(len(y)))
		s1, s2 = v+coef*s1-s2, s1
	}
	p := s1*s1 + s2*s2 - coef*s1*s2
	return p * 16 / float64(len(y)*len(y))
}
