package chat

import "sync"

// sendQueue is one client's bounded queue of encoded frames. Producers (the
// room fan-out, the client's own replies) never block: a full queue reports
// it and the client is closed as slow. The write pump takes everything queued
// at once and writes it as one coalesced frame. An idle client holds no
// slice at all, which keeps idle connections small.
type sendQueue struct {
	mu     sync.Mutex
	frames [][]byte
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

// push appends a frame; the bytes may be shared with other clients and are
// never modified.
func (q *sendQueue) push(frame []byte) pushResult {
	q.mu.Lock()
	switch {
	case q.closed:
		q.mu.Unlock()
		return queueClosed
	case len(q.frames) >= q.max:
		q.mu.Unlock()
		return queueFull
	}
	q.frames = append(q.frames, frame)
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
func (q *sendQueue) take(spare [][]byte) ([][]byte, bool, closeReason) {
	q.mu.Lock()
	defer q.mu.Unlock()
	frames := q.frames
	clear(spare)
	if cap(spare) > 64 { // a burst grew it: let it go rather than pin it
		spare = nil
	}
	q.frames = spare[:0]
	if len(frames) > 0 {
		notify(q.space)
	}
	return frames, q.closed, q.close
}
