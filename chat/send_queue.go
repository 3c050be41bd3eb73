package chat

import (
	"sync"

	"github.com/gorilla/websocket"
)

// sendQueue is one client's bounded queue of encoded messages. Producers (the
// room fan-out, the client's own replies) never block: a full queue reports
// it and the client is closed as slow. The write pump takes everything queued
// at once: consecutive single messages become one coalesced frame, and a
// room batch (a frame prepared once for every member) is written as it is.
// An idle client holds no slice at all, which keeps idle connections small.
type sendQueue struct {
	mu    sync.Mutex
	items []queued
	// n counts the messages queued (a batch holds several): the bound is in
	// messages, so a client is closed as slow after the same backlog
	// whether or not the room batches.
	n      int
	max    int
	closed bool
	close  closeReason
	wake   chan struct{} // capacity 1: "there is something to do"
	space  chan struct{} // capacity 1: "frames were taken" (or the queue shut)
}

// closeReason is how the write pump should end the connection.
type closeReason struct {
	code int
	text string
	// flush: write what is queued before the close frame (shutdown), or
	// drop it (slow client).
	flush bool
}

// queued is one entry of a send queue: a single encoded message (raw), or
// a room batch of n messages framed once for all members (batch).
type queued struct {
	raw   []byte
	batch *websocket.PreparedMessage
	n     int // messages
	size  int // payload bytes of a batch
}

type pushResult int

const (
	pushed pushResult = iota
	queueFull
	queueClosed
)

func newSendQueue(max int) *sendQueue {
	return &sendQueue{max: max, wake: make(chan struct{}, 1), space: make(chan struct{}, 1)}
}

func (q *sendQueue) signal() { notify(q.wake) }

func notify(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// push appends one encoded message; the bytes may be shared with other
// clients and are never modified.
func (q *sendQueue) push(frame []byte) pushResult {
	return q.add(queued{raw: frame, n: 1})
}

// pushBatch appends a room batch of n messages (size payload bytes),
// framed once for everyone.
func (q *sendQueue) pushBatch(b *websocket.PreparedMessage, n, size int) pushResult {
	return q.add(queued{batch: b, n: n, size: size})
}

func (q *sendQueue) add(it queued) pushResult {
	q.mu.Lock()
	switch {
	case q.closed:
		q.mu.Unlock()
		return queueClosed
	case q.n > 0 && q.n+it.n > q.max:
		q.mu.Unlock()
		return queueFull
	}
	q.items = append(q.items, it)
	q.n += it.n
	q.mu.Unlock()
	q.signal()
	return pushed
}

// shut marks the queue closed with a reason; it reports false if it already
// was. Later pushes fail.
func (q *sendQueue) shut(r closeReason) bool {
	q.mu.Lock()
	first := !q.closed
	if first {
		q.closed, q.close = true, r
	}
	q.mu.Unlock()
	q.signal()
	notify(q.space)
	return first
}

// take returns everything queued, leaving spare (emptied) in its place, and
// whether the queue was closed.
func (q *sendQueue) take(spare []queued) ([]queued, bool, closeReason) {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	clear(spare)
	if cap(spare) > 64 { // a burst grew it: let it go rather than pin it
		spare = nil
	}
	q.items, q.n = spare[:0], 0
	if len(items) > 0 {
		notify(q.space)
	}
	return items, q.closed, q.close
}
