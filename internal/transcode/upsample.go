package transcode

import "math"

// The AAC encoder takes 44.1 or 48 kHz only, so G.711's 8 kHz (and the
// other rates that divide 48000 or 44100) is raised by an integer factor L
// with a polyphase FIR interpolator: zero-stuffing by L followed by a
// low-pass filter, computed without the zeros (each output phase p uses
// every L-th tap starting at p).
//
// The prototype filter is a Kaiser-windowed sinc of upTaps*L taps (β =
// upBeta), cut off (-6 dB) at upCutoff of the input rate, 3.68 kHz at
// 8 kHz. Measured at 8 -> 48 kHz (TestUpsampler): flat to 3 kHz, -0.8 dB
// at 3.4 kHz, and the images (the spectrum mirrored about multiples of
// 8 kHz) more than 75 dB down. G.711 from a camera is telephone band
// (300-3400 Hz), so nothing of it is lost. The filter delays the audio by
// (upTaps*L-1)/2 output samples (2 ms at 8 -> 48 kHz), which the
// timestamps ignore.
const (
	upTaps   = 32   // taps per phase: multiply-adds per output sample
	upBeta   = 7.0  // Kaiser window shape: about 70 dB of stopband
	upCutoff = 0.46 // -6 dB point, as a fraction of the input rate
)

// upsampler raises one channel by an integer factor.
type upsampler struct {
	factor int
	// phases[p] holds the taps of output phase p, reversed so that the
	// newest input sample meets the last tap: a forward dot product.
	phases [][upTaps]float32
	// hist keeps the last upTaps-1 input samples before the current
	// packet's, followed by the packet itself: the filter's window slides
	// over one contiguous slice.
	hist []float32
}

func newUpsampler(factor int) *upsampler {
	u := &upsampler{factor: factor, phases: make([][upTaps]float32, factor)}
	n := upTaps * factor
	fc := upCutoff / float64(factor) // cycles per output sample
	center := float64(n-1) / 2
	for i := range n {
		x := float64(i) - center
		sinc := 2 * fc
		if x != 0 {
			sinc = math.Sin(2*math.Pi*fc*x) / (math.Pi * x)
		}
		r := 2*float64(i)/float64(n-1) - 1
		w := bessel0(upBeta*math.Sqrt(1-r*r)) / bessel0(upBeta)
		// Tap i belongs to phase i%factor and multiplies the input sample
		// i/factor steps back; gain factor makes up for the stuffed zeros.
		u.phases[i%factor][upTaps-1-i/factor] = float32(sinc * w * float64(factor))
	}
	u.reset()
	return u
}

// reset forgets the past input: the next packet starts after silence.
func (u *upsampler) reset() {
	u.hist = append(u.hist[:0], make([]float32, upTaps-1)...)
}

// process appends the len(in)*factor output samples of in to out.
func (u *upsampler) process(in, out []float32) []float32 {
	u.hist = append(u.hist, in...)
	for i := range in {
		win := u.hist[i : i+upTaps]
		for p := range u.phases {
			taps := &u.phases[p]
			var acc float32
			for k, x := range win {
				acc += taps[k] * x
			}
			out = append(out, acc)
		}
	}
	// Keep the last upTaps-1 samples for the next packet.
	n := copy(u.hist, u.hist[len(u.hist)-(upTaps-1):])
	u.hist = u.hist[:n]
	return out
}

// bessel0 is the modified Bessel function of the first kind, order 0, by
// its power series (converges fast for the β of a Kaiser window).
func bessel0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; term > 1e-12*sum; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
	}
	return sum
}
