package stream

import (
	"errors"
	"testing"
	"time"
)

// silence makes p look silent for longer than any BusyWindow, without
// waiting for the time to pass.
func silence(p *Publisher) {
	p.mu.Lock()
	p.lastSeen = time.Now().Add(-time.Hour)
	p.mu.Unlock()
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func TestPublishBusy(t *testing.T) {
	reg, p1 := publish(t, Config{BusyWindow: time.Hour})
	newSource(10, true).writeN(p1, 4)
	_, err := reg.Publish("live")
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("second publisher: %v, want ErrBusy", err)
	}
	if isClosed(p1.Kicked()) {
		t.Fatal("first publisher kicked by a refused one")
	}
	if n := reg.Publishers(); n != 1 {
		t.Fatalf("Publishers() = %d, want 1", n)
	}
	// Another key is independent.
	p2, err := reg.Publish("other")
	if err != nil {
		t.Fatal(err)
	}
	if p2.Stream() == p1.Stream() || reg.Get("other") != p2.Stream() {
		t.Fatal("keys share a stream")
	}
	if keys := reg.Keys(); len(keys) != 2 {
		t.Fatalf("Keys() = %v", keys)
	}
}

func TestTakeoverOfSilentPublisher(t *testing.T) {
	reg, p1 := publish(t, Config{BusyWindow: time.Second})
	s := p1.Stream()
	src := newSource(5, false)
	src.writeN(p1, 10)
	r := s.NewReader()
	defer r.Close()
	readAvailable(t, r)

	silence(p1)
	p2, err := reg.Publish("live")
	if err != nil {
		t.Fatalf("takeover: %v", err)
	}
	if !isClosed(p1.Kicked()) {
		t.Fatal("old publisher's Kicked() not closed")
	}
	if p2.Stream() != s {
		t.Fatal("takeover replaced the stream: viewers would drop")
	}
	p1.Write(mkUnit(999, testVideo, time.Hour, true, 8)) // ignored
	if n := s.Stats().Units; n != 10 {
		t.Fatalf("kicked publisher still writes: %d units", n)
	}
	p1.Close(true) // a late clean close of the kicked one must not end the stream
	if isClosed(s.Done()) {
		t.Fatal("kicked publisher's Close ended the stream")
	}

	u := mkUnit(10, testVideo, 0, true, 8)
	p2.Write(u)
	got := readN(t, r, 1)
	if got[0] != u || u.DTS <= 9*40*time.Millisecond {
		t.Fatalf("first unit after takeover: seq %d DTS %v", seqOf(got[0]), got[0].DTS)
	}
}

// A publisher that stays silent is taken over once BusyWindow has really
// passed (a short poll: there is no event to wait on).
func TestTakeoverAfterBusyWindow(t *testing.T) {
	reg, p1 := publish(t, Config{BusyWindow: 20 * time.Millisecond})
	newSource(5, false).writeN(p1, 1)
	deadline := time.Now().Add(5 * time.Second)
	for {
		p2, err := reg.Publish("live")
		if err == nil {
			if p2.Stream() != p1.Stream() {
				t.Fatal("takeover replaced the stream")
			}
			break
		}
		if !errors.Is(err, ErrBusy) || time.Now().After(deadline) {
			t.Fatalf("publish: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
	<-p1.Kicked()
}

func TestCleanCloseEndsStream(t *testing.T) {
	reg, p := publish(t, Config{ReconnectGrace: time.Hour})
	s := p.Stream()
	newSource(5, true).writeN(p, 10)
	r := s.NewReader()
	defer r.Close()
	readAvailable(t, r)

	errc := make(chan error, 1)
	go func() {
		_, err := r.Read(testCtx(t), nil)
		errc <- err
	}()
	p.Close(true)
	if err := <-errc; !errors.Is(err, ErrEnded) {
		t.Fatalf("reader after unpublish: %v, want ErrEnded", err)
	}
	if !isClosed(s.Done()) || reg.Get("live") != nil || reg.Publishers() != 0 {
		t.Fatal("stream still registered after a clean unpublish")
	}
	p.Close(true) // idempotent
	p2, err := reg.Publish("live")
	if err != nil {
		t.Fatal(err)
	}
	if p2.Stream() == s {
		t.Fatal("a new publish after the end reused the ended stream")
	}
}

// A dropped publisher (Close(false)) leaves the stream in its reconnect
// grace; the next publisher resumes the same stream, the reader stays
// attached and the timeline continues just after the last DTS.
func TestReconnectGraceResumes(t *testing.T) {
	reg, p1 := publish(t, Config{ReconnectGrace: time.Hour})
	s := p1.Stream()
	src := newSource(5, true)
	src.writeN(p1, 20)
	r := s.NewReader()
	defer r.Close()
	before := readAvailable(t, r)
	lastDTS := s.LastDTS()

	p1.Close(false)
	if reg.Get("live") != s || isClosed(s.Done()) {
		t.Fatal("stream dropped during its reconnect grace")
	}
	if reg.Publishers() != 0 {
		t.Fatal("dropped publisher still counted")
	}

	p2, err := reg.Publish("live") // the grace has no publisher: not busy
	if err != nil {
		t.Fatal(err)
	}
	if p2.Stream() != s {
		t.Fatal("reconnect did not resume the stream")
	}
	// The new session restarts its clock at zero, as an encoder does.
	src2 := newSource(5, true)
	src2.seq = src.seq
	src2.writeN(p2, 20)

	got := readN(t, r, 20)
	checkContiguous(t, append(before, got...), seqOf(before[0]))
	if got[0].DTS != lastDTS+time.Millisecond {
		t.Fatalf("first DTS after reconnect %v, want %v", got[0].DTS, lastDTS+time.Millisecond)
	}
	prev := before[len(before)-1].DTS
	for _, u := range got {
		if u.DTS < prev {
			t.Fatalf("DTS went back from %v to %v", prev, u.DTS)
		}
		if u.PTS != u.DTS {
			t.Fatalf("PTS %v not rebased with DTS %v", u.PTS, u.DTS)
		}
		prev = u.DTS
	}

	p2.Close(true)
	if _, err := r.Read(testCtx(t), nil); !errors.Is(err, ErrEnded) {
		t.Fatalf("after unpublish: %v, want ErrEnded", err)
	}
}

func TestReconnectGraceExpires(t *testing.T) {
	reg, p := publish(t, Config{ReconnectGrace: 50 * time.Millisecond})
	s := p.Stream()
	newSource(5, true).writeN(p, 10)
	r := s.NewReader()
	defer r.Close()
	readAvailable(t, r)

	p.Close(false)
	select {
	case <-s.Done():
	case <-testCtx(t).Done():
		t.Fatal("stream not ended after its reconnect grace")
	}
	if _, err := r.Read(testCtx(t), nil); !errors.Is(err, ErrEnded) {
		t.Fatalf("reader after the grace: %v, want ErrEnded", err)
	}
	if reg.Get("live") != nil {
		t.Fatal("expired stream still registered")
	}
}

// A resumed stream whose new publisher drops again gets a full new grace.
func TestReconnectTwice(t *testing.T) {
	reg, p1 := publish(t, Config{ReconnectGrace: 50 * time.Millisecond})
	s := p1.Stream()
	p1.Close(false)
	p2, err := reg.Publish("live")
	if err != nil || p2.Stream() != s {
		t.Fatalf("resume: %v", err)
	}
	p2.Close(false)
	p3, err := reg.Publish("live")
	if err != nil || p3.Stream() != s {
		t.Fatalf("second resume: %v", err)
	}
	if isClosed(s.Done()) {
		t.Fatal("stream ended with a live publisher")
	}
	p3.Close(false)
	<-s.Done()
}

func TestZeroGraceEndsAtOnce(t *testing.T) {
	reg, p := publish(t, Config{})
	p.Close(false)
	if !isClosed(p.Stream().Done()) || reg.Get("live") != nil {
		t.Fatal("without a reconnect grace a dropped publisher must end the stream")
	}
}

func TestRegistryClose(t *testing.T) {
	reg := NewRegistry(Config{ReconnectGrace: time.Hour})
	a, err := reg.Publish("a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := reg.Publish("b")
	if err != nil {
		t.Fatal(err)
	}
	newSource(5, false).writeN(a, 5)
	r := a.Stream().NewReader()
	defer r.Close()
	b.Close(false) // in grace

	reg.Close()
	for _, p := range []*Publisher{a, b} {
		if !isClosed(p.Stream().Done()) {
			t.Fatalf("stream %q not ended", p.Stream().Key())
		}
	}
	if !isClosed(a.Kicked()) {
		t.Fatal("live publisher not kicked")
	}
	readAvailable(t, r)
	if _, err := r.Read(testCtx(t), nil); !errors.Is(err, ErrEnded) {
		t.Fatalf("reader: %v, want ErrEnded", err)
	}
	if _, err := reg.Publish("a"); err == nil {
		t.Fatal("publish on a closed registry succeeded")
	}
	if len(reg.Keys()) != 0 {
		t.Fatal("keys left after Close")
	}
	a.Close(false) // after Close: no effect, no panic
}
