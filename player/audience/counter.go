// Package audience counts the people watching each stream: HTTP-FLV
// viewers are open connections, HLS viewers are sessions seen on playlist
// requests (an HLS player holds no connection: it polls its playlist).
package audience

import (
	"sync"
	"time"
)

// SessionWindow is how long an HLS session stays current after its last
// playlist request. A live HLS player reloads its media playlist about
// every target duration (segments follow the publisher's GOP, typically
// 1 to 4 s; LL-HLS reloads more often), so 30 s
// outlasts several missed reloads without keeping a closed tab for long.
const SessionWindow = 30 * time.Second

// Stats are one stream's viewers.
type Stats struct {
	// FLV and HLS are the viewers now: open FLV connections and HLS
	// sessions seen within SessionWindow.
	FLV, HLS int
	// Total counts every FLV connection and every HLS session that began
	// (a session seen again after it expired counts again).
	Total int64
	// Peak is the most viewers (FLV + HLS) at once.
	Peak int
}

// Current is FLV + HLS.
func (s Stats) Current() int { return s.FLV + s.HLS }

// Counter counts viewers per stream key; its methods are safe for
// concurrent use. The zero value is not usable: call New.
type Counter struct {
	now func() time.Time

	mu   sync.Mutex
	keys map[string]*entry
}

// pruneEvery bounds how often a key's sessions are scanned for expiry: a
// popular stream gets thousands of playlist requests a second, and a scan
// per request would be quadratic. Counts may include sessions expired
// less than this long ago.
const pruneEvery = time.Second

// MaxSessions bounds the HLS sessions tracked per key (made-up session ids
// would otherwise grow the map for SessionWindow); new sessions beyond it
// are not counted until others expire.
const MaxSessions = 200_000

type entry struct {
	flv      int
	sessions map[string]time.Time // HLS session id → last playlist request
	pruned   time.Time            // last scan for expired sessions
	total    int64
	peak     int
}

// New returns a counter reading time from now (time.Now if nil).
func New(now func() time.Time) *Counter {
	if now == nil {
		now = time.Now
	}
	return &Counter{now: now, keys: map[string]*entry{}}
}

func (c *Counter) entryLocked(key string) *entry {
	e := c.keys[key]
	if e == nil {
		e = &entry{sessions: map[string]time.Time{}}
		c.keys[key] = e
	}
	return e
}

// pruneLocked forgets e's sessions not seen within SessionWindow of now.
func (e *entry) pruneLocked(now time.Time) {
	if now.Sub(e.pruned) < pruneEvery {
		return
	}
	e.pruned = now
	for id, seen := range e.sessions {
		if now.Sub(seen) >= SessionWindow {
			delete(e.sessions, id)
		}
	}
}

func (e *entry) grewLocked() {
	e.total++
	e.peak = max(e.peak, e.flv+len(e.sessions))
}

// OpenFLV counts an FLV viewer of key; call the returned func (once) when
// its connection ends.
func (c *Counter) OpenFLV(key string) (closeFn func()) {
	c.mu.Lock()
	e := c.entryLocked(key)
	e.pruneLocked(c.now())
	e.flv++
	e.grewLocked()
	c.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			e.flv--
			c.mu.Unlock()
		})
	}
}

// SeenHLS records a playlist request of key by the HLS session id (see
// SessionID).
func (c *Counter) SeenHLS(key, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	e := c.entryLocked(key)
	e.pruneLocked(now)
	_, known := e.sessions[id]
	if !known && len(e.sessions) >= MaxSessions {
		return
	}
	e.sessions[id] = now
	if !known {
		e.grewLocked()
	}
}

// Stats returns key's viewers (zero for a key never watched).
func (c *Counter) Stats(key string) Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.keys[key]
	if e == nil {
		return Stats{}
	}
	e.pruneLocked(c.now())
	return Stats{FLV: e.flv, HLS: len(e.sessions), Total: e.total, Peak: e.peak}
}

// Current returns the viewers now across all keys, by protocol.
func (c *Counter) Current() (flv, hls int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for _, e := range c.keys {
		e.pruneLocked(now)
		flv += e.flv
		hls += len(e.sessions)
	}
	return flv, hls
}
