package stream

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrBusy: another publisher is live on the key.
var ErrBusy = errors.New("stream is busy: another publisher is live on this key")

// Registry holds the live streams by key: one publisher per key.
type Registry struct {
	cfg Config

	mu      sync.Mutex
	streams map[string]*entry
	closed  bool
	retired Stats // counters of streams that ended
	// onChange is called after a key gains or loses its publisher (watch.go).
	onChange func(key string)
}

type entry struct {
	s     *Stream
	pub   *Publisher
	grace *time.Timer
}

// NewRegistry returns an empty registry.
func NewRegistry(cfg Config) *Registry {
	return &Registry{cfg: cfg.withDefaults(), streams: make(map[string]*entry)}
}

// Publisher is the single writer of a stream.
type Publisher struct {
	r        *Registry
	s        *Stream
	lastSeen time.Time
	mu       sync.Mutex
	kicked   chan struct{}
	closed   bool
}

// Publish makes the caller the writer of key. A key whose publisher sent
// media within BusyWindow is refused with ErrBusy. A publisher silent for
// longer (a dropped connection not yet noticed) is taken over at once, and a
// stream in its reconnect grace is resumed: viewers stay attached and
// timestamps continue.
func (r *Registry) Publish(key string) (*Publisher, error) {
	p, err := r.publish(key)
	if err == nil {
		r.changed(key)
	}
	return p, err
}

func (r *Registry) publish(key string) (*Publisher, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, fmt.Errorf("publish %q: registry closed", key)
	}
	e := r.streams[key]
	if e != nil && e.pub != nil {
		if time.Since(e.pub.seen()) < r.cfg.BusyWindow {
			return nil, fmt.Errorf("publish %q: %w", key, ErrBusy)
		}
		e.pub.kick()
		e.pub = nil
	}
	if e == nil {
		e = &entry{s: newStream(key, r.cfg)}
		r.streams[key] = e
	}
	if e.grace != nil {
		e.grace.Stop()
		e.grace = nil
	}
	e.s.mu.Lock()
	e.s.rebasing = true
	e.s.mu.Unlock()
	p := &Publisher{r: r, s: e.s, lastSeen: time.Now(), kicked: make(chan struct{})}
	e.pub = p
	return p, nil
}

// Get returns the live stream of key, or nil.
func (r *Registry) Get(key string) *Stream {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.streams[key]; e != nil {
		return e.s
	}
	return nil
}

// Keys returns the keys of the live streams.
func (r *Registry) Keys() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	keys := make([]string, 0, len(r.streams))
	for k := range r.streams {
		keys = append(keys, k)
	}
	return keys
}

// Publishers returns how many keys have a live publisher.
func (r *Registry) Publishers() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.streams {
		if e.pub != nil {
			n++
		}
	}
	return n
}

// Close ends every stream; publishers are kicked, readers get ErrEnded.
func (r *Registry) Close() {
	r.mu.Lock()
	r.closed = true
	entries := r.streams
	r.streams = map[string]*entry{}
	for _, e := range entries {
		r.retireLocked(e.s)
	}
	r.mu.Unlock()
	for _, e := range entries {
		if e.grace != nil {
			e.grace.Stop()
		}
		if e.pub != nil {
			e.pub.kick()
		}
		e.s.end()
	}
}

// release detaches p, reporting whether it was the key's publisher. A clean
// unpublish ends the stream now; a dropped publisher leaves it in grace for
// ReconnectGrace.
func (r *Registry) release(p *Publisher, clean bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.streams[p.s.key]
	if e == nil || e.pub != p {
		return false
	}
	e.pub = nil
	if clean || r.cfg.ReconnectGrace == 0 {
		delete(r.streams, p.s.key)
		r.retireLocked(e.s)
		e.s.end()
		return true
	}
	// The timer checks it is still the entry's grace: one that fired while a
	// reconnect was stopping it must not cut a later grace short.
	var t *time.Timer
	t = time.AfterFunc(r.cfg.ReconnectGrace, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if cur := r.streams[p.s.key]; cur == e && e.pub == nil && e.grace == t {
			delete(r.streams, p.s.key)
			r.retireLocked(e.s)
			e.s.end()
		}
	})
	e.grace = t
	return true
}

// Stream returns the stream the publisher writes.
func (p *Publisher) Stream() *Stream { return p.s }

// Kicked is closed when another publisher took the key over or the registry
// closed: the publisher's connection should be closed.
func (p *Publisher) Kicked() <-chan struct{} { return p.kicked }

// Write appends a unit to the stream. The stream takes ownership: it may
// rebase the unit's timestamps (after a publisher reconnect), readers share
// it from then on, so write a fresh Unit each time and never modify it.
func (p *Publisher) Write(u *Unit) {
	// Held across the write so a takeover (kick) cannot interleave with
	// an in-flight unit of the publisher it replaces.
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lastSeen = time.Now()
	if !p.closed {
		p.s.write(u)
	}
}

// Close detaches the publisher: clean for an unpublish, not clean for a
// dropped connection (the stream waits ReconnectGrace for a new publisher).
func (p *Publisher) Close(clean bool) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.mu.Unlock()
	if p.r.release(p, clean) {
		p.r.changed(p.s.key)
	}
}

func (p *Publisher) seen() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastSeen
}

func (p *Publisher) kick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		close(p.kicked)
	}
}
