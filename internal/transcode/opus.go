package transcode

import (
	"fmt"

	"github.com/pion/opus"
)

// opusMaxSamples is the longest Opus packet, 120 ms, in samples per
// channel at 48 kHz (RFC 6716 section 3.2.5).
const opusMaxSamples = 5760

// opusDecoder decodes Opus packets (SILK, CELT and hybrid: pion/opus
// v0.1.0 covers RFC 6716) to 48 kHz planar samples.
type opusDecoder struct {
	dec      opus.Decoder
	channels int
	pcm      []float32 // interleaved output of the decoder
}

func newOpusDecoder(channels int) (*opusDecoder, error) {
	dec, err := opus.NewDecoderWithOutput(48000, channels)
	if err != nil {
		return nil, fmt.Errorf("opus decoder: %w", err)
	}
	return &opusDecoder{dec: dec, channels: channels, pcm: make([]float32, opusMaxSamples*channels)}, nil
}

// decode decodes one packet into planes and returns the samples per
// channel. A packet that makes the decoder panic (malformed input it does
// not guard against) is an error like any other: the camera's bytes must
// not take the agent down.
func (d *opusDecoder) decode(pkt []byte, planes [][]float32) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = 0, fmt.Errorf("opus decode: panic: %v", r)
		}
	}()
	n, err = d.dec.DecodeToFloat32(pkt, d.pcm)
	if err != nil {
		return 0, fmt.Errorf("opus decode: %w", err)
	}
	if n > opusMaxSamples {
		return 0, fmt.Errorf("opus decode: %d samples", n)
	}
	if d.channels == 1 {
		copy(planes[0], d.pcm[:n])
		return n, nil
	}
	l, r := planes[0][:n], planes[1][:n]
	for i := range l {
		l[i], r[i] = d.pcm[2*i], d.pcm[2*i+1]
	}
	return n, nil
}
