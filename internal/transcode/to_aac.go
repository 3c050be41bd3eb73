// Package transcode turns audio that RTMP and the players cannot carry
// (G.711 from cameras, Opus from cameras and browsers) into AAC-LC, in
// pure Go: G.711 is expanded by table and raised to 48 kHz (or 44.1 kHz:
// the encoder takes no other rate) by a FIR interpolator, Opus is decoded
// by github.com/pion/opus, and AAC-LC is encoded by
// github.com/tphakala/go-aac (LGPL-2.1-or-later) with its fast coder.
package transcode

import (
	"errors"
	"fmt"

	aac "github.com/tphakala/go-aac"
)

// Codec names an input codec of ToAAC.
type Codec uint8

// Input codecs.
const (
	PCMU Codec = iota + 1 // G.711 µ-law
	PCMA                  // G.711 A-law
	Opus
)

// String returns the codec name used in logs.
func (c Codec) String() string {
	switch c {
	case PCMU:
		return "PCMU"
	case PCMA:
		return "PCMA"
	case Opus:
		return "Opus"
	}
	return "unknown"
}

// FrameSamples is the number of samples per channel of an AAC-LC frame.
const FrameSamples = aac.FrameSize

// ErrUnsupported: the input format cannot be transcoded (sample rate,
// channel count or codec).
var ErrUnsupported = errors.New("unsupported audio format")

// Config describes the input stream.
type Config struct {
	Codec Codec
	// ClockRate is the rate of the input timestamps, which is the sample
	// rate: 8000 for G.711 usually (any rate dividing 48000 or 44100
	// works), 48000 for Opus (RFC 7587: always).
	ClockRate int
	// Channels is 1 or 2. For G.711 it is the interleaved channels of a
	// packet; for Opus the channels decoded (the stream's sprop-stereo),
	// which the AAC stream keeps.
	Channels int
	// Bitrate is the AAC bit rate for the whole stream in bits/s; 0
	// picks 48k for G.711 (4 kHz of band), 64k for mono Opus and 96k for
	// stereo.
	Bitrate int
}

// Stats counts what a ToAAC did with its input.
type Stats struct {
	Frames uint64 // AAC frames emitted
	Gaps   uint64 // timestamp jumps forward: lost packets or a pause
	Late   uint64 // packets dropped because their time was already played
}

// ToAAC transcodes one G.711 or Opus stream to AAC-LC frames of 1024
// samples. Feed it the packets in order, with their timestamps, through
// Write; it is not safe for concurrent use. Buffers are reused: once warmed up, a packet
// costs no allocation.
//
// Timestamps: the output counts samples. A frame's PTS is the first
// packet's timestamp plus the samples before it, so a long run does not
// drift, and jitter of the input timestamps up to half a packet's
// duration is ignored. A packet later than that (one was lost, or the
// source paused) starts a new run at its own time: the partial frame is
// filled with silence up to the packet's time or to its end, whichever
// comes first (less than one frame, never the length of a long gap), and
// the samples go on at the packet's time. A packet earlier than
// that (a duplicate, a reordered packet, a clock stepping back) loses the
// samples whose time was already played: a whole duplicate is dropped.
// Output PTSs are thus strictly increasing.
type ToAAC struct {
	cfg      Config
	rate     int // AAC sample rate
	factor   int // rate / ClockRate
	maxIn    int // most samples per channel a packet may decode to
	decode   func(payload []byte) (int, error)
	enc      *aac.Encoder
	asc      []byte
	up       []*upsampler // per channel, nil when factor is 1
	in, res  [][]float32  // per channel: decoded, then at the AAC rate
	frame    [][]float32  // per channel: the frame being filled
	fill     int          // samples in frame
	start    int64        // AAC-rate PTS of frame[.][0]
	synced   bool         // next is known
	next     int64        // input-clock time of the next sample
	pend     [2]int64     // PTS of the two last frames encoded, older first
	nframes  int64        // frames encoded since New
	au       []byte
	stats    Stats
	zeroTail []float32
}

// NewToAAC returns a transcoder for cfg.
func NewToAAC(cfg Config) (*ToAAC, error) {
	if cfg.Channels < 1 || cfg.Channels > 2 {
		return nil, fmt.Errorf("%w: %d channels (1 or 2)", ErrUnsupported, cfg.Channels)
	}
	t := &ToAAC{cfg: cfg}
	cutoff := 0
	switch cfg.Codec {
	case PCMU, PCMA:
		switch {
		case cfg.ClockRate <= 0 || cfg.ClockRate > 48000:
			return nil, fmt.Errorf("%w: G.711 at %d Hz", ErrUnsupported, cfg.ClockRate)
		case 48000%cfg.ClockRate == 0:
			t.rate = 48000
		case 44100%cfg.ClockRate == 0:
			t.rate = 44100
		default:
			return nil, fmt.Errorf("%w: G.711 at %d Hz (must divide 48000 or 44100)", ErrUnsupported, cfg.ClockRate)
		}
		table := ulawTable
		if cfg.Codec == PCMA {
			table = alawTable
		}
		t.decode = func(p []byte) (int, error) { return decodeG711(table, p, t.in), nil }
		// 2048 bytes is more than an RTP packet over Ethernet carries.
		t.maxIn = 2048 / cfg.Channels
		if t.cfg.Bitrate == 0 {
			t.cfg.Bitrate = 48000
		}
		// Nothing above the input's Nyquist survives the interpolator.
		cutoff = min(cfg.ClockRate/2, t.rate/2)
	case Opus:
		if cfg.ClockRate != 48000 {
			return nil, fmt.Errorf("%w: Opus clock %d Hz (48000)", ErrUnsupported, cfg.ClockRate)
		}
		t.rate = 48000
		d, err := newOpusDecoder(cfg.Channels)
		if err != nil {
			return nil, err
		}
		t.decode = func(p []byte) (int, error) { return d.decode(p, t.in) }
		t.maxIn = opusMaxSamples
		if t.cfg.Bitrate == 0 {
			// 96k for stereo: a third cheaper to encode than 128k.
			t.cfg.Bitrate = []int{64000, 96000}[cfg.Channels-1]
		}
	default:
		return nil, fmt.Errorf("%w: codec %v", ErrUnsupported, cfg.Codec)
	}
	t.factor = t.rate / cfg.ClockRate
	enc, err := aac.NewEncoder(aac.EncoderConfig{
		SampleRate: t.rate, Channels: cfg.Channels, Bitrate: t.cfg.Bitrate, Cutoff: cutoff,
		Coder: aac.CoderFast,
	})
	if err != nil {
		return nil, fmt.Errorf("AAC encoder: %w", err)
	}
	t.enc, t.asc = enc, enc.AudioSpecificConfig()
	t.in = planes(cfg.Channels, t.maxIn)
	t.frame = planes(cfg.Channels, FrameSamples)
	t.zeroTail = make([]float32, FrameSamples)
	if t.factor > 1 {
		t.res = planes(cfg.Channels, t.maxIn*t.factor)
		t.up = make([]*upsampler, cfg.Channels)
		for i := range t.up {
			t.up[i] = newUpsampler(t.factor)
		}
	}
	t.au = make([]byte, 0, 2048*cfg.Channels)
	return t, nil
}

func planes(channels, n int) [][]float32 {
	p := make([][]float32, channels)
	for i := range p {
		p[i] = make([]float32, n)
	}
	return p
}

// AudioSpecificConfig returns the AAC-LC AudioSpecificConfig of the
// output (the caller may keep it).
func (t *ToAAC) AudioSpecificConfig() []byte { return append([]byte(nil), t.asc...) }

// SampleRate is the AAC sample rate: the clock of the output PTSs.
func (t *ToAAC) SampleRate() int { return t.rate }

// Channels is the AAC channel count.
func (t *ToAAC) Channels() int { return t.cfg.Channels }

// Stats returns the counters.
func (t *ToAAC) Stats() Stats { return t.stats }

// Write decodes one packet (an RTP payload) whose first sample is at pts,
// in ClockRate ticks, and calls emit with each AAC frame it completes and
// the frame's PTS in SampleRate ticks. The frame is raw (no ADTS header)
// and borrowed: emit copies what it keeps. An undecodable packet returns
// an error and changes nothing; the stream goes on with the next one.
func (t *ToAAC) Write(payload []byte, pts int64, emit func(au []byte, pts int64)) error {
	if limit := t.maxIn * t.cfg.Channels; len(payload) > limit && t.cfg.Codec != Opus {
		// Longer than the buffers (not seen from a camera): in pieces.
		for ; len(payload) > limit; payload, pts = payload[limit:], pts+int64(t.maxIn) {
			if err := t.Write(payload[:limit], pts, emit); err != nil {
				return err
			}
		}
	}
	n, err := t.decode(payload)
	if err != nil || n == 0 {
		return err
	}
	skip, tol := 0, int64(n/2)
	switch d := pts - t.next; {
	case !t.synced:
		t.synced, t.next = true, pts
	case d > tol:
		t.stats.Gaps++
		if err := t.silence(d*int64(t.factor), emit); err != nil {
			return err
		}
		for _, u := range t.up {
			u.reset()
		}
		t.next = pts
	case d < -tol:
		if -d >= int64(n) {
			t.stats.Late++
			return nil
		}
		skip = int(-d)
	}
	t.next += int64(n - skip)
	if t.factor == 1 {
		return t.append(t.in, skip, n-skip, emit)
	}
	for c, u := range t.up {
		t.res[c] = u.process(t.in[c][skip:n], t.res[c][:0])
	}
	return t.append(t.res, 0, (n-skip)*t.factor, emit)
}

// append moves m samples per channel at the AAC rate, from src[.][from],
// into frames, encoding each full one. The last sample ends at t.next
// (input clock).
func (t *ToAAC) append(src [][]float32, from, m int, emit func([]byte, int64)) error {
	at := t.next*int64(t.factor) - int64(m)
	for off := 0; off < m; {
		if t.fill == 0 {
			t.start = at + int64(off)
		}
		k := min(FrameSamples-t.fill, m-off)
		for c := range src {
			copy(t.frame[c][t.fill:], src[c][from+off:from+off+k])
		}
		t.fill += k
		off += k
		if t.fill == FrameSamples {
			if err := t.encode(emit); err != nil {
				return err
			}
		}
	}
	return nil
}

// silence fills a gap of n samples (AAC rate) in the partial frame: with
// all of it when the gap ends inside the frame, else up to the frame's end
// (then encoded), and the next frame starts after the gap. No frame is
// ever made of silence alone.
func (t *ToAAC) silence(n int64, emit func([]byte, int64)) error {
	if t.fill == 0 {
		return nil
	}
	k := int(min(n, int64(FrameSamples-t.fill)))
	for c := range t.frame {
		copy(t.frame[c][t.fill:t.fill+k], t.zeroTail)
	}
	t.fill += k
	if t.fill < FrameSamples {
		return nil
	}
	return t.encode(emit)
}

// encode encodes the full frame. go-aac returns nothing for the first
// frame and then, for each frame, the access unit that decodes to the
// frame before it: the first one decodes to 1024 samples of encoder
// priming. So the unit coming out with frame k is stamped with frame
// k-2's PTS (the priming unit: frame 0's minus one frame), which lines
// the decoded audio up with the input.
func (t *ToAAC) encode(emit func([]byte, int64)) error {
	t.fill = 0
	// Decoders do not promise bounded output on damaged input, and the
	// encoder refuses NaN and Inf for good (the stream would need a reset).
	for _, p := range t.frame {
		for i, x := range p {
			if !(x >= -1 && x <= 1) {
				p[i] = clamp(x)
			}
		}
	}
	au, err := t.enc.EncodeFrame(t.au[:0], t.frame)
	if err != nil {
		return fmt.Errorf("AAC encode: %w", err)
	}
	if cap(au) > cap(t.au) {
		t.au = au[:0]
	}
	if t.nframes == 0 {
		t.pend = [2]int64{t.start - FrameSamples, t.start}
	}
	t.nframes++
	pts := t.pend[0]
	if t.nframes > 1 {
		t.pend = [2]int64{t.pend[1], t.start}
	}
	if len(au) == 0 {
		return nil
	}
	t.stats.Frames++
	emit(au, pts)
	return nil
}

// Flush completes the partial frame with silence and drains the encoder:
// the end of a stream (a live one never needs it). The ToAAC must not be
// written after.
func (t *ToAAC) Flush(emit func(au []byte, pts int64)) error {
	if err := t.silence(FrameSamples, emit); err != nil {
		return err
	}
	if t.nframes == 0 {
		return nil
	}
	for !t.enc.Drained() {
		au, err := t.enc.EncodeFrame(t.au[:0], nil)
		if err != nil {
			return fmt.Errorf("AAC flush: %w", err)
		}
		if len(au) == 0 {
			continue
		}
		pts := t.pend[0]
		t.pend = [2]int64{t.pend[1], t.pend[1] + FrameSamples}
		t.stats.Frames++
		emit(au, pts)
	}
	return nil
}

// clamp maps a sample outside [-1, 1] into it, and NaN to 0.
func clamp(x float32) float32 {
	switch {
	case x > 1:
		return 1
	case x < -1:
		return -1
	}
	return 0 // NaN
}
