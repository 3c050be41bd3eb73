package transcode

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"

	aac "github.com/tphakala/go-aac"
)

// BenchmarkToAAC: one op is one input packet of a contiguous case (20 ms
// or 40 ms), cycled with timestamps that keep going; %cpu is the share of
// one core that transcoding the stream in real time takes.
func BenchmarkToAAC(b *testing.B) {
	for _, tc := range cases {
		if !tc.contiguous || strings.Contains(tc.name, "jitter") || strings.Contains(tc.name, "dup") ||
			strings.Contains(tc.name, "late") {
			continue
		}
		b.Run(tc.name, func(b *testing.B) {
			pkts := tc.packets(b)
			last := pkts[len(pkts)-1]
			period := last.pts + int64(packetSamples(b, tc.cfg, last.payload)) - pkts[0].pts
			tr, err := NewToAAC(tc.cfg)
			if err != nil {
				b.Fatal(err)
			}
			frames := 0
			emit := func([]byte, int64) { frames++ }
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				p := pkts[i%len(pkts)]
				if err := tr.Write(p.payload, p.pts+int64(i/len(pkts))*period, emit); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			audio := time.Duration(period) * time.Second / time.Duration(tc.cfg.ClockRate) / time.Duration(len(pkts))
			perOp := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(100*perOp/audio.Seconds(), "%cpu")
			b.ReportMetric(float64(audio.Milliseconds()), "ms/packet")
		})
	}
}

// BenchmarkStages splits the cost of a 20 ms packet.
func BenchmarkStages(b *testing.B) {
	pcmu := g711Stream(PCMU, 8000, 1, 1000, 20, 1, 0, nil)(b)
	b.Run("g711 decode 20ms", func(b *testing.B) {
		p := planes(1, 160)
		b.ReportAllocs()
		for i := range b.N {
			decodeG711(ulawTable, pcmu[i%len(pcmu)].payload, p)
		}
	})
	b.Run("upsample 8k to 48k 20ms", func(b *testing.B) {
		u := newUpsampler(6)
		in, out := make([]float32, 160), make([]float32, 0, 960)
		b.ReportAllocs()
		for range b.N {
			out = u.process(in, out[:0])
		}
	})
	b.Run("opus decode 20ms mono", func(b *testing.B) {
		pkts := opusPackets(b, "mono.opus")
		d, err := newOpusDecoder(1)
		if err != nil {
			b.Fatal(err)
		}
		p := planes(1, opusMaxSamples)
		b.ReportAllocs()
		for i := range b.N {
			if _, err := d.decode(pkts[i%len(pkts)], p); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, coder := range []struct {
		name  string
		coder aac.Coder
		rate  int
		cut   int
	}{
		{"fast 48k 4kHz", aac.CoderFast, 48000, 4000},
		{"nmr 48k 4kHz", aac.CoderNMR, 48000, 4000},
		{"fast 64k", aac.CoderFast, 64000, 0},
		{"nmr 64k", aac.CoderNMR, 64000, 0},
	} {
		b.Run("aac encode 1024 mono "+coder.name, func(b *testing.B) {
			e, err := aac.NewEncoder(aac.EncoderConfig{SampleRate: 48000, Channels: 1, Bitrate: coder.rate,
				Cutoff: coder.cut, Coder: coder.coder})
			if err != nil {
				b.Fatal(err)
			}
			// Speech-like test input: the 1 kHz tone through the G.711 path.
			tr, _ := NewToAAC(Config{Codec: PCMU, ClockRate: 8000, Channels: 1})
			var frames [][]float32
			for _, p := range pcmu {
				_ = tr.Write(p.payload, p.pts, func([]byte, int64) {
					frames = append(frames, append([]float32(nil), tr.frame[0]...))
				})
			}
			dst := make([]byte, 0, 4096)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				var err error
				if dst, err = e.EncodeFrame(dst[:0], [][]float32{frames[i%len(frames)]}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// fuzzConfigs are the streams a fuzz input can select with its first byte.
var fuzzConfigs = []Config{
	{Codec: PCMU, ClockRate: 8000, Channels: 1},
	{Codec: PCMA, ClockRate: 8000, Channels: 1},
	{Codec: PCMU, ClockRate: 16000, Channels: 2},
	{Codec: Opus, ClockRate: 48000, Channels: 1},
	{Codec: Opus, ClockRate: 48000, Channels: 2},
}

// fuzzInput encodes packets as the fuzz target reads them: the config
// byte, then per packet an int16 timestamp step (little endian, in units
// of 8 ticks), a uint16 length and the payload.
func fuzzInput(cfg int, pkts []packet) []byte {
	b := []byte{byte(cfg)}
	prev := int64(0)
	if len(pkts) > 0 {
		prev = pkts[0].pts
	}
	for _, p := range pkts {
		b = binary.LittleEndian.AppendUint16(b, uint16(int16((p.pts-prev)/8)))
		b = binary.LittleEndian.AppendUint16(b, uint16(len(p.payload)))
		b = append(b, p.payload...)
		prev = p.pts
	}
	return b
}

// FuzzToAAC: whatever the packets and timestamps, no panic, and frames
// come out non-empty and never overlapping. The codecs behind make most
// inputs new coverage, and minimizing each costs up to a minute by
// default: fuzz with -fuzzminimizetime 3s.
func FuzzToAAC(f *testing.F) {
	for _, tc := range cases {
		for i, c := range fuzzConfigs {
			if c == tc.cfg {
				pkts := tc.packets(f)
				f.Add(fuzzInput(i, pkts[:min(len(pkts), 4)]))
			}
		}
	}
	f.Add([]byte{3, 0, 0, 3, 0, 0xfc, 0xff, 0xfe})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		tr, err := NewToAAC(fuzzConfigs[int(data[0])%len(fuzzConfigs)])
		if err != nil {
			t.Fatal(err)
		}
		last, n := int64(0), 0
		emit := func(au []byte, pts int64) {
			if len(au) == 0 || (n > 0 && pts < last+FrameSamples) {
				t.Fatalf("frame %d: %d bytes at %d after %d", n, len(au), pts, last)
			}
			last, n = pts, n+1
		}
		var pts int64
		for data = data[1:]; len(data) >= 4; {
			pts += 8 * int64(int16(binary.LittleEndian.Uint16(data)))
			l := min(int(binary.LittleEndian.Uint16(data[2:])), len(data)-4)
			_ = tr.Write(data[4:4+l], pts, emit)
			data = data[4+l:]
		}
		if err := tr.Flush(emit); err != nil {
			t.Fatal(err)
		}
	})
}
