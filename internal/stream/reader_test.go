package stream

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A reader that never reads must not hold the writer back; when it comes
// back it is moved to a keyframe and the skip is counted.
func TestIdleReaderDoesNotBlockWriter(t *testing.T) {
	cfg := Config{RingUnits: 16, ReaderMaxSkips: 1 << 20}
	_, p := publish(t, cfg)
	src := newSource(4, true) // a keyframe every 8 units: always one in the ring
	src.writeN(p, 8)
	r := p.Stream().NewReader()
	defer r.Close()

	src.writeN(p, 100_000) // would deadlock if the writer waited for r

	got := readAvailable(t, r)
	if !got[0].Key || !got[0].IsVideo() {
		t.Fatalf("first unit after the lag: key %v video %v, want a key video unit", got[0].Key, got[0].IsVideo())
	}
	checkContiguous(t, got, seqOf(got[0]))
	if st := p.Stream().Stats(); st.SkippedUnits == 0 {
		t.Fatalf("SkippedUnits = 0 after an overrun: %+v", st)
	}
}

// A reader whose GOP was overwritten entirely, with no keyframe left in the
// ring, drops to the live edge and waits for the next keyframe.
func TestOverrunWithoutKeyInRingWaitsForKey(t *testing.T) {
	_, p := publish(t, Config{RingUnits: 16, GOPMaxDuration: time.Hour, ReaderMaxLag: time.Hour})
	s := p.Stream()
	src := newSource(100, false)
	src.writeN(p, 2)
	r := s.NewReader()
	defer r.Close()
	src.writeN(p, 60) // the keyframe at 0 is gone from the ring

	// A Read with a cancelled context still moves the cursor, and finds
	// nothing to deliver: no keyframe is left.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got, err := r.Read(ctx, nil); len(got) != 0 || !errors.Is(err, context.Canceled) {
		t.Fatalf("read without a keyframe: %d units, %v", len(got), err)
	}
	if st := s.Stats(); st.SkippedUnits != 62 {
		t.Fatalf("SkippedUnits = %d, want 62 (to the live edge)", st.SkippedUnits)
	}
	src.writeN(p, 43) // keyframe at 100

	got := readAvailable(t, r)
	if seqOf(got[0]) != 100 || !got[0].Key {
		t.Fatalf("first unit seq %d key %v, want keyframe 100", seqOf(got[0]), got[0].Key)
	}
	checkContiguous(t, got, 100)
}

func TestSlowReaderClosed(t *testing.T) {
	const maxSkips = 3
	cfg := Config{RingUnits: 16, ReaderMaxSkips: maxSkips, SkipWindow: time.Hour}
	_, p := publish(t, cfg)
	s := p.Stream()
	src := newSource(4, false)
	src.writeN(p, 4)
	r := s.NewReader()
	defer r.Close()

	for i := 0; i < maxSkips; i++ {
		src.writeN(p, 100)
		got := readAvailable(t, r)
		if !got[0].Key {
			t.Fatalf("lag %d: first unit is not a keyframe", i+1)
		}
	}
	if st := s.Stats(); st.SlowClosed != 0 {
		t.Fatalf("closed after %d skips, the limit is %d", maxSkips, maxSkips)
	}
	src.writeN(p, 100)
	if _, err := r.Read(testCtx(t), nil); !errors.Is(err, ErrSlowReader) {
		t.Fatalf("read after %d lags: %v, want ErrSlowReader", maxSkips+1, err)
	}
	st := s.Stats()
	if st.SlowClosed != 1 || st.Readers != 0 {
		t.Fatalf("stats %+v, want SlowClosed 1 and no readers", st)
	}
	if _, err := r.Read(testCtx(t), nil); !errors.Is(err, ErrReaderClosed) {
		t.Fatalf("read after the slow close: %v, want ErrReaderClosed", err)
	}
	r.Close() // the slow close already detached it: no double count
	if st := s.Stats(); st.Readers != 0 {
		t.Fatalf("Readers = %d", st.Readers)
	}
}

// Skips older than SkipWindow are forgotten.
func TestSlowReaderWindow(t *testing.T) {
	cfg := Config{RingUnits: 16, ReaderMaxSkips: 1, SkipWindow: time.Nanosecond}
	_, p := publish(t, cfg)
	src := newSource(4, false)
	src.writeN(p, 4)
	r := p.Stream().NewReader()
	defer r.Close()
	for range 5 {
		src.writeN(p, 100)
		readAvailable(t, r) // each earlier skip is outside the 1 ns window
	}
	if st := p.Stream().Stats(); st.SlowClosed != 0 {
		t.Fatalf("closed although its skips were outside the window: %+v", st)
	}
}

func TestReaderMaxLagSkipsToNewestKey(t *testing.T) {
	cfg := Config{RingUnits: 4096, ReaderMaxLag: time.Second, ReaderMaxSkips: 100}
	_, p := publish(t, cfg)
	src := newSource(10, true) // 400 ms GOPs, keyframes every 20 units
	src.writeN(p, 2)
	r := p.Stream().NewReader()
	defer r.Close()
	src.writeN(p, 250) // 5 s of media, all still in the ring

	got := readAvailable(t, r)
	if !got[0].Key || !got[0].IsVideo() || seqOf(got[0]) != 240 {
		t.Fatalf("first unit seq %d key %v, want the newest keyframe 240", seqOf(got[0]), got[0].Key)
	}
	checkContiguous(t, got, 240)
	if st := p.Stream().Stats(); st.SkippedUnits != 240 {
		t.Fatalf("SkippedUnits = %d, want 240", st.SkippedUnits)
	}
	if n := r.Skipped(); n != 240 {
		t.Fatalf("Reader.Skipped() = %d, want 240", n)
	}
}

// A GOP longer than ReaderMaxLag has no newer keyframe to skip to: a reader
// that joined at it and reads with a small buffer must get the whole GOP and
// not be counted (or closed) as slow. It used to be moved to the live edge
// and made to wait for the next keyframe, and closed after a few reads.
func TestLongGOPWithinMaxLagNotSkipped(t *testing.T) {
	cfg := Config{ReaderMaxLag: 500 * time.Millisecond, GOPMaxDuration: 10 * time.Second,
		ReaderMaxSkips: 2, SkipWindow: time.Hour}
	_, p := publish(t, cfg)
	src := newSource(1000, true)
	written := src.writeN(p, 150) // one 3 s GOP

	r := p.Stream().NewReader()
	defer r.Close()
	if !r.StartedAtGOP() {
		t.Fatal("did not start at the cached GOP")
	}
	ctx := testCtx(t)
	var got []*Unit
	for len(got) < len(written) {
		buf, err := r.Read(ctx, make([]*Unit, 0, 4))
		if err != nil {
			t.Fatalf("after %d units: %v", len(got), err)
		}
		got = append(got, buf...)
	}
	checkContiguous(t, got, 0)
	if st := p.Stream().Stats(); st.SkippedUnits != 0 || st.SlowClosed != 0 {
		t.Fatalf("stats %+v, want no skips", st)
	}
}

// Read with spare capacity returns at most that many units.
func TestReadRespectsCapacity(t *testing.T) {
	_, p := publish(t, Config{})
	newSource(100, true).writeN(p, 10)
	r := p.Stream().NewReader()
	defer r.Close()
	got, err := r.Read(testCtx(t), make([]*Unit, 0, 3))
	if err != nil || len(got) != 3 {
		t.Fatalf("got %d units, %v; want 3", len(got), err)
	}
	rest := readAvailable(t, r)
	checkContiguous(t, append(got, rest...), 0)
}
