package stream

import (
	"context"
	"encoding/binary"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Test tracks: the parameter sets are never parsed here, only carried.
var (
	testVideo = &Track{Codec: CodecH264, SPS: []byte{0x67, 0x64, 0, 0x0a}, PPS: []byte{0x68, 0xeb}}
	testAudio = &Track{Codec: CodecAAC, Config: []byte{0x12, 0x10}, SampleRate: 44100, Channels: 2}
)

// source generates a synthetic live stream: a video unit every frame
// interval (a keyframe every gop pictures), optionally followed by an audio
// unit with the same DTS. Every unit carries its sequence number in the
// first 8 payload bytes so readers can check order and completeness.
type source struct {
	seq   uint64
	frame time.Duration // video frame interval
	gop   int           // pictures per GOP; 0 means no keyframe at all
	audio bool
	size  int // payload bytes per unit (at least 8)

	pics         int
	pendingAudio bool
	dts          time.Duration
}

func newSource(gop int, audio bool) *source {
	return &source{frame: 40 * time.Millisecond, gop: gop, audio: audio, size: 64}
}

func (s *source) next() *Unit {
	var u *Unit
	if s.pendingAudio {
		s.pendingAudio = false
		u = mkUnit(s.seq, testAudio, s.dts-s.frame, true, s.size)
	} else {
		key := s.gop > 0 && s.pics%s.gop == 0
		u = mkUnit(s.seq, testVideo, s.dts, key, s.size)
		s.pics++
		s.dts += s.frame
		s.pendingAudio = s.audio
	}
	s.seq++
	return u
}

// writeN writes the next n units and returns them.
func (s *source) writeN(p *Publisher, n int) []*Unit {
	out := make([]*Unit, 0, n)
	for range n {
		u := s.next()
		p.Write(u)
		out = append(out, u)
	}
	return out
}

func mkUnit(seq uint64, tr *Track, dts time.Duration, key bool, size int) *Unit {
	payload := make([]byte, max(size, 8))
	binary.BigEndian.PutUint64(payload, seq)
	u := &Unit{Track: tr, DTS: dts, PTS: dts, Key: key}
	if tr.Codec.IsVideo() {
		u.NALUs = [][]byte{payload}
	} else {
		u.Frame = payload
	}
	return u
}

func seqOf(u *Unit) uint64 {
	if u.IsVideo() {
		return binary.BigEndian.Uint64(u.NALUs[0])
	}
	return binary.BigEndian.Uint64(u.Frame)
}

// publish returns a publisher of a fresh stream under cfg.
func publish(t testing.TB, cfg Config) (*Registry, *Publisher) {
	t.Helper()
	reg := NewRegistry(cfg)
	t.Cleanup(reg.Close)
	p, err := reg.Publish("live")
	if err != nil {
		t.Fatal(err)
	}
	return reg, p
}

// testCtx bounds a test's blocking reads so a bug shows as a failure, not a
// hung test binary.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// readN reads until it has n units.
func readN(t testing.TB, r *Reader, n int) []*Unit {
	t.Helper()
	ctx := testCtx(t)
	var out []*Unit
	for len(out) < n {
		var err error
		out, err = r.Read(ctx, out)
		if err != nil {
			t.Fatalf("read after %d of %d units: %v", len(out), n, err)
		}
	}
	return out
}

// readAvailable returns what a reader has without blocking on an empty
// stream: the stream is ended first by the caller, or data is known to be
// there.
func readAvailable(t testing.TB, r *Reader) []*Unit {
	t.Helper()
	out, err := r.Read(testCtx(t), nil)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return out
}

// checkContiguous asserts got is the sequence first, first+1, ...
func checkContiguous(t testing.TB, got []*Unit, first uint64) {
	t.Helper()
	for i, u := range got {
		if s := seqOf(u); s != first+uint64(i) {
			t.Fatalf("unit %d: seq %d, want %d", i, s, first+uint64(i))
		}
	}
}

func TestNewReaderStartsAtCachedGOP(t *testing.T) {
	_, p := publish(t, Config{})
	src := newSource(10, true)
	written := src.writeN(p, 45) // GOP keys at seq 0, 20, 40 (video+audio pairs)

	r := p.Stream().NewReader()
	defer r.Close()
	if !r.StartedAtGOP() {
		t.Fatal("StartedAtGOP() = false with a cached GOP")
	}
	got := readAvailable(t, r)
	if len(got) == 0 || !got[0].Key || !got[0].IsVideo() {
		t.Fatalf("first unit %+v, want a key video unit", got[0])
	}
	if seqOf(got[0]) != 40 {
		t.Fatalf("started at seq %d, want the newest keyframe 40", seqOf(got[0]))
	}
	checkContiguous(t, got, 40)
	if last := got[len(got)-1]; last != written[len(written)-1] {
		t.Fatalf("last unit seq %d, want %d", seqOf(last), seqOf(written[len(written)-1]))
	}
	audio := 0
	for _, u := range got {
		if !u.IsVideo() {
			audio++
		}
	}
	if audio == 0 {
		t.Fatal("no audio delivered from the GOP")
	}

	// Live units follow the GOP in order.
	src.writeN(p, 30)
	got = append(got, readN(t, r, 30)...)
	checkContiguous(t, got, 40)
	if v, a := p.Stream().Tracks(); v != testVideo || a != testAudio {
		t.Fatalf("Tracks() = %v, %v", v, a)
	}
}

func TestReaderWaitsForFirstKey(t *testing.T) {
	_, p := publish(t, Config{})
	src := newSource(0, true) // no keyframes yet
	src.writeN(p, 10)

	r := p.Stream().NewReader()
	defer r.Close()
	if r.StartedAtGOP() {
		t.Fatal("StartedAtGOP() = true without a keyframe")
	}
	src.writeN(p, 10) // still no key: the reader must skip these
	src.gop, src.pics = 5, 0
	if src.pendingAudio {
		src.writeN(p, 1)
	}
	keySeq := src.seq
	src.writeN(p, 20)

	got := readN(t, r, 1)
	if !got[0].Key || !got[0].IsVideo() || seqOf(got[0]) != keySeq {
		t.Fatalf("first unit seq %d key %v video %v, want key video seq %d",
			seqOf(got[0]), got[0].Key, got[0].IsVideo(), keySeq)
	}
	checkContiguous(t, got, keySeq)
}

func TestReaderBlocksUntilFirstKey(t *testing.T) {
	_, p := publish(t, Config{})
	r := p.Stream().NewReader()
	defer r.Close()

	type result struct {
		units []*Unit
		err   error
	}
	done := make(chan result, 1)
	go func() {
		u, err := r.Read(testCtx(t), nil)
		done <- result{u, err}
	}()
	src := newSource(0, true)
	src.writeN(p, 6)
	src.gop = 1
	key := src.next() // video: pendingAudio was false after an even count
	p.Write(key)
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	if res.units[0] != key {
		t.Fatalf("first unit seq %d, want the first keyframe %d", seqOf(res.units[0]), seqOf(key))
	}
}

func TestGOPBounds(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     Config
		frames  int // pictures in the GOP before the reader joins
		wantGOP bool
	}{
		{"within bounds", Config{GOPMaxBytes: 10_000, GOPMaxDuration: time.Second}, 10, true},
		{"too many bytes", Config{GOPMaxBytes: 1000, GOPMaxDuration: time.Hour}, 20, false},
		{"too long", Config{GOPMaxBytes: 1 << 30, GOPMaxDuration: time.Second}, 30, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.ReaderMaxLag = time.Hour
			_, p := publish(t, tc.cfg)
			src := newSource(1000, false)
			src.writeN(p, tc.frames) // 64-byte pictures, 40 ms apart

			r := p.Stream().NewReader()
			defer r.Close()
			if r.StartedAtGOP() != tc.wantGOP {
				t.Fatalf("StartedAtGOP() = %v, want %v", r.StartedAtGOP(), tc.wantGOP)
			}
			src.writeN(p, 5)
			src.gop, src.pics = 1000, 0 // next picture is a keyframe
			nextKey := src.seq
			src.writeN(p, 5)

			got := readN(t, r, 1)
			want := uint64(0)
			if !tc.wantGOP {
				want = nextKey
			}
			if !got[0].Key || seqOf(got[0]) != want {
				t.Fatalf("first unit seq %d key %v, want key seq %d", seqOf(got[0]), got[0].Key, want)
			}
			checkContiguous(t, got, want)
		})
	}
}

func TestStreamEndDrainsThenErrEnded(t *testing.T) {
	_, p := publish(t, Config{})
	src := newSource(5, true)
	src.writeN(p, 20)
	r := p.Stream().NewReader()
	defer r.Close()
	p.Close(true)

	got := readAvailable(t, r)
	checkContiguous(t, got, 10)
	if _, err := r.Read(testCtx(t), nil); !errors.Is(err, ErrEnded) {
		t.Fatalf("read after drain: %v, want ErrEnded", err)
	}
	// A reader attached after the end still gets the cached GOP, then ErrEnded.
	late := p.Stream().NewReader()
	defer late.Close()
	checkContiguous(t, readAvailable(t, late), 10)
	if _, err := late.Read(testCtx(t), nil); !errors.Is(err, ErrEnded) {
		t.Fatalf("late reader: %v, want ErrEnded", err)
	}
}

// A caller that appends to a buffer holding earlier units must still see
// ErrEnded (it used to spin forever on the closed wake channel).
func TestReadEndedWithNonEmptyBuf(t *testing.T) {
	_, p := publish(t, Config{})
	newSource(5, false).writeN(p, 3)
	r := p.Stream().NewReader()
	defer r.Close()
	buf := readAvailable(t, r)
	p.Close(true)

	ctx := testCtx(t)
	out, err := r.Read(ctx, buf)
	if !errors.Is(err, ErrEnded) {
		t.Fatalf("Read(non-empty buf) on ended stream: %v, want ErrEnded", err)
	}
	if len(out) != len(buf) {
		t.Fatalf("Read returned %d units, want the %d passed in", len(out), len(buf))
	}
}

func TestBlockedReadWakesOnEnd(t *testing.T) {
	_, p := publish(t, Config{})
	newSource(5, false).writeN(p, 3)
	r := p.Stream().NewReader()
	defer r.Close()
	readAvailable(t, r) // now at the live edge: the next Read blocks

	errc := make(chan error, 1)
	go func() {
		_, err := r.Read(testCtx(t), nil)
		errc <- err
	}()
	p.Close(true)
	if err := <-errc; !errors.Is(err, ErrEnded) {
		t.Fatalf("blocked Read: %v, want ErrEnded", err)
	}
	select {
	case <-p.Stream().Done():
	default:
		t.Fatal("Done() not closed after the end")
	}
}

func TestReadHonoursContext(t *testing.T) {
	_, p := publish(t, Config{})
	r := p.Stream().NewReader()
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := r.Read(ctx, nil)
		errc <- err
	}()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Read after cancel: %v, want context.Canceled", err)
	}
}

func TestReaderClose(t *testing.T) {
	_, p := publish(t, Config{})
	s := p.Stream()
	r := s.NewReader()
	if n := s.Stats().Readers; n != 1 {
		t.Fatalf("Readers = %d, want 1", n)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := r.Read(testCtx(t), nil)
		errc <- err
	}()
	r.Close()
	if err := <-errc; !errors.Is(err, ErrReaderClosed) {
		t.Fatalf("blocked Read after Close: %v, want ErrReaderClosed", err)
	}
	r.Close() // idempotent
	if _, err := r.Read(testCtx(t), nil); !errors.Is(err, ErrReaderClosed) {
		t.Fatalf("Read after Close: %v, want ErrReaderClosed", err)
	}
	if n := s.Stats().Readers; n != 0 {
		t.Fatalf("Readers = %d after Close, want 0", n)
	}
}

// Close may race with itself (a viewer's handler and a shutdown path) and
// with the reader's own slow-close; it must neither panic nor count twice.
func TestReaderCloseConcurrent(t *testing.T) {
	_, p := publish(t, Config{})
	s := p.Stream()
	for range 2000 {
		r := s.NewReader()
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(r.Close)
		}
		wg.Wait()
	}
	if n := s.Stats().Readers; n != 0 {
		t.Fatalf("Readers = %d, want 0", n)
	}
}

func TestEncodedOncePerUnit(t *testing.T) {
	u := mkUnit(1, testVideo, 0, true, 16)
	var calls atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			b := u.Encoded(EncodingFLV, func(*Unit) []byte { calls.Add(1); return []byte("tag") })
			if string(b) != "tag" {
				t.Errorf("Encoded = %q", b)
			}
		})
	}
	wg.Wait()
	if calls.Load() != 1 {
		t.Fatalf("encode called %d times, want 1", calls.Load())
	}
}

// One writer and many concurrent readers: every reader sees the same
// in-order sequence, from its start to the last unit written.
func TestConcurrentReaders(t *testing.T) {
	const (
		readers = 50
		units   = 5000
	)
	cfg := Config{RingUnits: 8192, ReaderMaxLag: time.Hour, GOPMaxDuration: time.Hour}
	_, p := publish(t, cfg)
	s := p.Stream()
	src := newSource(25, true)

	var encodes atomic.Int64
	encode := func(u *Unit) []byte {
		encodes.Add(1)
		return binary.BigEndian.AppendUint64(nil, seqOf(u))
	}
	var wg sync.WaitGroup
	errs := make(chan error, readers)
	attach := func() {
		r := s.NewReader()
		wg.Go(func() {
			defer r.Close()
			ctx := testCtx(t)
			var buf []*Unit
			next, started := uint64(0), false
			for {
				var err error
				buf, err = r.Read(ctx, buf[:0])
				for _, u := range buf {
					seq := seqOf(u)
					if !started {
						if !u.Key || !u.IsVideo() {
							errs <- errors.New("first unit is not a key video unit")
							return
						}
						started, next = true, seq
					}
					if seq != next {
						errs <- errors.New("out of order or missing unit")
						return
					}
					if b := u.Encoded(EncodingFLV, encode); binary.BigEndian.Uint64(b) != seq {
						errs <- errors.New("shared encoding of another unit")
						return
					}
					next++
				}
				if errors.Is(err, ErrEnded) {
					if next != units {
						errs <- errors.New("ended before the last unit")
					}
					return
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for range readers / 2 {
		attach()
	}
	for i := range units {
		p.Write(src.next())
		if i%(units/(readers/2)) == 0 && i > 0 {
			attach() // joins live, at the cached GOP
		}
	}
	for s.Stats().Readers < readers {
		attach()
	}
	p.Close(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if st := s.Stats(); st.Units != units || st.SkippedUnits != 0 {
		t.Fatalf("stats %+v, want %d units and no skips", st, units)
	}
	if n := encodes.Load(); n > units {
		t.Fatalf("%d encodes for %d units: not encoded once", n, units)
	}
}

func BenchmarkWriteNoReaders(b *testing.B) {
	_, p := publish(b, Config{})
	// A pool of pre-built units reused in turn: the benchmark measures the
	// ring, not the allocation of units.
	src := newSource(50, true)
	pool := make([]*Unit, 4096)
	for i := range pool {
		pool[i] = src.next()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		p.Write(pool[i&(len(pool)-1)])
	}
}

func BenchmarkFanout(b *testing.B) {
	const readers = 1000
	cfg := Config{ReaderMaxSkips: 1 << 30, ReaderMaxLag: time.Hour}
	_, p := publish(b, cfg)
	s := p.Stream()
	src := newSource(50, true)
	pool := make([]*Unit, 4096)
	for i := range pool {
		pool[i] = src.next()
	}
	var wg sync.WaitGroup
	var delivered atomic.Int64
	start := make(chan struct{})
	for range readers {
		r := s.NewReader()
		wg.Go(func() {
			defer r.Close()
			<-start
			buf := make([]*Unit, 0, 256)
			n := 0
			for {
				var err error
				buf, err = r.Read(context.Background(), buf[:0])
				n += len(buf)
				if err != nil {
					delivered.Add(int64(n))
					return
				}
			}
		})
	}
	b.ResetTimer()
	t0 := time.Now()
	close(start)
	for i := range b.N {
		p.Write(pool[i&(len(pool)-1)])
	}
	p.Close(true)
	wg.Wait()
	el := time.Since(t0)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/el.Seconds(), "units/s")
	b.ReportMetric(float64(el.Nanoseconds())/float64(b.N)/readers, "ns/unit/reader")
	b.ReportMetric(float64(delivered.Load())/float64(b.N)/readers, "delivered-fraction")
}
