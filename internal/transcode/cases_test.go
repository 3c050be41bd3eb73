package transcode

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/pion/opus/pkg/oggreader"
)

// One case table feeds the unit test, the fuzz seeds and the benchmark.

// packet is one input packet: an RTP payload and its timestamp.
type packet struct {
	payload []byte
	pts     int64
}

// tcase is a stream fed to a ToAAC and what must come out.
type tcase struct {
	name    string
	cfg     Config
	packets func(t testing.TB) []packet
	gaps    uint64 // Stats().Gaps
	late    uint64 // Stats().Late
	freq    float64
	// contiguous: no gap, so the frames are exactly 1024 samples apart
	// from the first packet's time minus one frame (the priming frame).
	contiguous bool
}

const sec = 1 // seconds, for readability of the generators

var cases = []tcase{
	{name: "pcmu/8k mono 20ms", cfg: Config{Codec: PCMU, ClockRate: 8000, Channels: 1}, freq: 1000, contiguous: true,
		packets: g711Stream(PCMU, 8000, 1, 1000, 20, 5*sec, 0, nil)},
	{name: "pcmu/8k mono 500ms", cfg: Config{Codec: PCMU, ClockRate: 8000, Channels: 1}, freq: 1000, contiguous: true,
		// Packets larger than the buffers go in pieces.
		packets: g711Stream(PCMU, 8000, 1, 1000, 500, 5*sec, 0, nil)},
	{name: "pcma/8k mono 40ms", cfg: Config{Codec: PCMA, ClockRate: 8000, Channels: 1}, freq: 1000, contiguous: true,
		packets: g711Stream(PCMA, 8000, 1, 1000, 40, 5*sec, 0, nil)},
	{name: "pcmu/jitter within tolerance", cfg: Config{Codec: PCMU, ClockRate: 8000, Channels: 1}, freq: 1000,
		contiguous: true,
		// Timestamps off by up to ±4.9 ms (a camera stamping from its
		// clock): the sample count wins, no gap, no drift. The first
		// packet's error counts too: the tolerance is half a packet.
		packets: g711Stream(PCMU, 8000, 1, 1000, 20, 5*sec, 0, func(i int, p *packet) bool {
			p.pts += int64((i*7919)%79 - 39)
			return true
		})},
	{name: "pcmu/lost packets", cfg: Config{Codec: PCMU, ClockRate: 8000, Channels: 1}, freq: 1000, gaps: 5,
		packets: g711Stream(PCMU, 8000, 1, 1000, 20, 5*sec, 0, func(i int, _ *packet) bool {
			return i%50 != 25 // one in 50 lost
		})},
	{name: "pcmu/short gaps", cfg: Config{Codec: PCMU, ClockRate: 8000, Channels: 1}, freq: 1000, gaps: 24,
		// 15 ms more every 10 packets: the silence fits in the frame.
		packets: g711Stream(PCMU, 8000, 1, 1000, 20, 5*sec, 0, func(i int, p *packet) bool {
			p.pts += int64(i/10) * 120
			return true
		})},
	{name: "pcmu/duplicates", cfg: Config{Codec: PCMU, ClockRate: 8000, Channels: 1}, freq: 1000, late: 5,
		contiguous: true,
		packets:    dup(g711Stream(PCMU, 8000, 1, 1000, 20, 5*sec, 0, nil), 50)},
	{name: "pcmu/pause 5s", cfg: Config{Codec: PCMU, ClockRate: 8000, Channels: 1}, freq: 1000, gaps: 1,
		packets: g711Stream(PCMU, 8000, 1, 1000, 20, 6*sec, 0, func(i int, p *packet) bool {
			if i >= 100 {
				p.pts += 5 * 8000
			}
			return true
		})},
	{name: "pcma/late start time", cfg: Config{Codec: PCMA, ClockRate: 8000, Channels: 1}, freq: 1000, contiguous: true,
		packets: g711Stream(PCMA, 8000, 1, 1000, 20, 3*sec, 1<<40, nil)},
	{name: "pcmu/16k stereo", cfg: Config{Codec: PCMU, ClockRate: 16000, Channels: 2}, freq: 1000, contiguous: true,
		packets: g711Stream(PCMU, 16000, 2, 1000, 20, 3*sec, 0, nil)},
	{name: "pcma/11025 to 44100", cfg: Config{Codec: PCMA, ClockRate: 11025, Channels: 1}, freq: 1000, contiguous: true,
		packets: g711Stream(PCMA, 11025, 1, 1000, 20, 3*sec, 0, nil)},
	{name: "opus/mono celt", cfg: Config{Codec: Opus, ClockRate: 48000, Channels: 1}, freq: 440, contiguous: true,
		packets: opusStream("mono.opus", nil)},
	{name: "opus/stereo", cfg: Config{Codec: Opus, ClockRate: 48000, Channels: 2}, freq: 440, contiguous: true,
		packets: opusStream("stereo.opus", nil)},
	{name: "opus/silk 60ms", cfg: Config{Codec: Opus, ClockRate: 48000, Channels: 1}, freq: 440, contiguous: true,
		packets: opusStream("silk.opus", nil)},
	{name: "opus/lost packets", cfg: Config{Codec: Opus, ClockRate: 48000, Channels: 1}, freq: 440, gaps: 5,
		packets: opusStream("mono.opus", func(i int, _ *packet) bool { return i%20 != 10 })},
	{name: "opus/stereo decoded to mono", cfg: Config{Codec: Opus, ClockRate: 48000, Channels: 1}, freq: 440,
		contiguous: true, packets: opusStream("stereo.opus", nil)},
}

// g711Stream makes packets of a sine in G.711 of pktMs milliseconds each
// for the given seconds, timestamps from start; edit may change a packet
// or drop it (false).
func g711Stream(codec Codec, rate, channels int, freq float64, pktMs, seconds int, start int64,
	edit func(i int, p *packet) bool) func(testing.TB) []packet {
	return func(testing.TB) []packet {
		table := ulawTable
		if codec == PCMA {
			table = alawTable
		}
		n := rate * pktMs / 1000
		var out []packet
		for i := 0; i < seconds*1000/pktMs; i++ {
			p := packet{payload: make([]byte, n*channels), pts: start + int64(i*n)}
			for s := range n {
				x := 0.5 * math.Sin(2*math.Pi*freq*float64(i*n+s)/float64(rate))
				for c := range channels {
					p.payload[s*channels+c] = encodeG711(table, float32(x))
				}
			}
			if edit == nil || edit(i, &p) {
				out = append(out, p)
			}
		}
		return out
	}
}

// encodeG711 is the nearest code of a sample: a test-only encoder.
func encodeG711(table *[256]float32, x float32) byte {
	best := 0
	for c := range table {
		if math.Abs(float64(table[c]-x)) < math.Abs(float64(table[best]-x)) {
			best = c
		}
	}
	return byte(best)
}

// dup sends every k-th packet twice (a retransmission).
func dup(gen func(testing.TB) []packet, k int) func(testing.TB) []packet {
	return func(t testing.TB) []packet {
		var out []packet
		for i, p := range gen(t) {
			out = append(out, p)
			if i%k == k-1 {
				out = append(out, p)
			}
		}
		return out
	}
}

var (
	opusMu    sync.Mutex
	opusFiles = map[string][][]byte{}
)

// opusStream returns the packets of an Ogg Opus file of testdata (made by
// ffmpeg with libopus: see testdata/README) with their RTP timestamps
// (48 kHz), dropping those edit rejects.
func opusStream(file string, edit func(i int, p *packet) bool) func(testing.TB) []packet {
	return func(t testing.TB) []packet {
		pkts := opusPackets(t, file)
		var out []packet
		var pts int64
		for i, b := range pkts {
			p := packet{payload: b, pts: pts}
			pts += int64(opusDuration(b))
			if edit == nil || edit(i, &p) {
				out = append(out, p)
			}
		}
		return out
	}
}

func opusPackets(t testing.TB, file string) [][]byte {
	opusMu.Lock()
	defer opusMu.Unlock()
	if p, ok := opusFiles[file]; ok {
		return p
	}
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := oggreader.NewWith(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var pkts [][]byte
	for {
		p, _, err := r.ParseNextPacket()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(p, []byte("OpusTags")) {
			pkts = append(pkts, p)
		}
	}
	opusFiles[file] = pkts
	return pkts
}

// opusDuration is a packet's length in 48 kHz samples from its TOC
// (RFC 6716 section 3.1), enough for the test files (codes 0 to 3).
func opusDuration(p []byte) int {
	if len(p) == 0 {
		return 0
	}
	cfg := p[0] >> 3
	var frame int // in 48 kHz samples
	switch {
	case cfg < 12: // SILK: 10, 20, 40, 60 ms
		frame = []int{480, 960, 1920, 2880}[cfg%4]
	case cfg < 16: // hybrid: 10, 20 ms
		frame = []int{480, 960}[cfg%2]
	default: // CELT: 2.5, 5, 10, 20 ms
		frame = []int{120, 240, 480, 960}[cfg%4]
	}
	switch p[0] & 3 {
	case 0:
		return frame
	case 1, 2:
		return 2 * frame
	}
	if len(p) < 2 {
		return 0
	}
	return int(p[1]&0x3f) * frame
}
