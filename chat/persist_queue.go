package chat

import (
	"context"
	"sync"
	"time"
)

// opKind is what a queued persistence write does.
type opKind uint8

const (
	opSaveRestriction opKind = iota
	opDeleteRestriction
	opSaveRoomState
	opDeleteRoom
	opSaveProfile
)

// opNames label the metrics (livestudio_chat_persist_total's op).
var opNames = [...]string{"save_restriction", "delete_restriction", "save_room_state", "delete_room", "save_profile"}

func (k opKind) String() string { return opNames[k] }

// persistOp is one queued write; room is set for every room write (the
// overlay of pending writes on a room's load reads it).
type persistOp struct {
	kind opKind
	room string
	r    Restriction // save; for a delete, Room, User and Kind
	st   RoomState
	user string
	p    Profile
}

// persistRetries is how many times a failed write is retried (after
// retryDelay, then twice that) before it is dropped and counted.
const persistRetries = 2

// writeBehind is the server's ordered, bounded queue of persistence
// writes, written by one goroutine (run, started by Server.Run). Rooms
// enqueue under their lock and never wait: when the queue is full the new
// write is dropped, counted and logged once per burst. nil (no
// persistence) makes every method a no-op.
type writeBehind struct {
	s          *Server
	p          Persistence
	retryDelay time.Duration

	mu    sync.Mutex
	queue []persistOp // oldest first, at most PersistQueueLen
	// current is the write in progress: still pending for a room's load.
	current *persistOp
	// closed: drained at shutdown; later writes are dropped.
	closed bool
	// failed and dropped count the current burst of failures and of
	// drops, each logged once when it starts and once when it ends.
	failed, dropped int
	wake            chan struct{}
}

func newWriteBehind(s *Server, p Persistence) *writeBehind {
	if p == nil {
		return nil
	}
	return &writeBehind{s: s, p: p, retryDelay: 100 * time.Millisecond, wake: make(chan struct{}, 1)}
}

func (w *writeBehind) count(op opKind, result string) {
	w.s.m.persist.WithLabelValues(op.String(), result).Inc()
}

// enqueue queues op without waiting; safe under a room lock.
func (w *writeBehind) enqueue(op persistOp) {
	if w == nil {
		return
	}
	w.mu.Lock()
	switch {
	case w.closed:
		w.mu.Unlock()
		w.count(op.kind, "dropped_at_shutdown")
		w.s.log.Warn("chat persistence write after shutdown dropped", "op", op.kind.String(), "room", op.room)
		return
	case len(w.queue) >= w.s.cfg.PersistQueueLen:
		w.dropped++
		first := w.dropped == 1
		w.mu.Unlock()
		w.count(op.kind, "dropped")
		if first {
			w.s.log.Warn("chat persistence queue full: writes dropped until it drains", "len", w.s.cfg.PersistQueueLen)
		}
		return
	}
	ended := w.dropped
	w.dropped = 0
	w.queue = append(w.queue, op)
	w.s.m.persistQueue.Set(float64(len(w.queue)))
	w.mu.Unlock()
	if ended > 0 {
		w.s.log.Warn("chat persistence queue accepting writes again", "dropped", ended)
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// next makes the oldest queued write current (unless one already is, left
// by an interrupted write) and returns it.
func (w *writeBehind) next() (persistOp, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.current != nil {
		return *w.current, true
	}
	if len(w.queue) == 0 {
		return persistOp{}, false
	}
	op := w.queue[0]
	w.queue[0] = persistOp{}
	w.queue = w.queue[1:]
	w.current = &op
	w.s.m.persistQueue.Set(float64(len(w.queue)))
	return op, true
}

func (w *writeBehind) finish() {
	w.mu.Lock()
	w.current = nil
	w.mu.Unlock()
}

// pending returns the writes for room not yet done, in order.
func (w *writeBehind) pending(room string) []persistOp {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []persistOp
	if w.current != nil && w.current.room == room {
		out = append(out, *w.current)
	}
	for _, op := range w.queue {
		if op.room == room {
			out = append(out, op)
		}
	}
	return out
}

// run writes queued operations in order until ctx ends, then drains.
func (w *writeBehind) run(ctx context.Context) {
	if w == nil {
		return
	}
	defer w.drain()
	for {
		op, ok := w.next()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-w.wake:
				continue
			}
		}
		if !w.write(ctx, op) {
			return // interrupted by shutdown: op is still current; the drain tries it
		}
		w.finish()
	}
}

// apply performs op once.
func (w *writeBehind) apply(ctx context.Context, op persistOp) error {
	ctx, cancel := context.WithTimeout(ctx, persistTimeout)
	defer cancel()
	switch op.kind {
	case opSaveRestriction:
		return w.p.SaveRestriction(ctx, op.r)
	case opDeleteRestriction:
		return w.p.DeleteRestriction(ctx, op.r.Room, op.r.User, op.r.Kind)
	case opSaveRoomState:
		return w.p.SaveRoomState(ctx, op.room, op.st)
	case opDeleteRoom:
		return w.p.DeleteRoom(ctx, op.room)
	default:
		return w.p.SaveProfile(ctx, op.user, op.p)
	}
}

// write applies op with retries; it reports false if ctx ended first.
func (w *writeBehind) write(ctx context.Context, op persistOp) bool {
	delay := w.retryDelay
	for attempt := 0; ; attempt++ {
		err := w.apply(ctx, op)
		if err == nil {
			w.succeeded(op)
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if attempt == persistRetries {
			w.failedOp(op, err)
			return true
		}
		w.count(op.kind, "retry")
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		delay *= 2
	}
}

func (w *writeBehind) succeeded(op persistOp) {
	w.count(op.kind, "ok")
	w.mu.Lock()
	ended := w.failed
	w.failed = 0
	w.mu.Unlock()
	if ended > 0 {
		w.s.log.Warn("chat persistence writing again", "failed_writes", ended)
	}
}

// failedOp counts a write given up; the first of a burst is logged.
func (w *writeBehind) failedOp(op persistOp, err error) {
	w.count(op.kind, "failed")
	w.mu.Lock()
	w.failed++
	first := w.failed == 1
	w.mu.Unlock()
	if first {
		w.s.log.Error("chat persistence write failed; dropped (a restart may forget it)",
			"op", op.kind.String(), "room", op.room, "user", op.user+op.r.User, "err", err)
	}
}

// drain writes what is still queued, one attempt each, within
// PersistDrainTimeout; the rest is dropped and counted. Writes queued
// after it are dropped too.
func (w *writeBehind) drain() {
	ctx, cancel := context.WithTimeout(context.Background(), w.s.cfg.PersistDrainTimeout)
	defer cancel()
	written, dropped := 0, 0
	for {
		op, ok := w.next()
		if !ok {
			w.mu.Lock()
			if len(w.queue) == 0 && w.current == nil {
				w.closed = true
				w.mu.Unlock()
				break
			}
			w.mu.Unlock()
			continue
		}
		switch {
		case ctx.Err() != nil:
			w.count(op.kind, "dropped_at_shutdown")
			dropped++
		case w.apply(ctx, op) == nil:
			w.succeeded(op)
			written++
		default:
			w.count(op.kind, "dropped_at_shutdown")
			dropped++
		}
		w.finish()
	}
	if dropped > 0 {
		w.s.log.Error("chat persistence not drained at shutdown: writes lost", "written", written, "dropped", dropped)
	} else if written > 0 {
		w.s.log.Info("chat persistence drained at shutdown", "written", written)
	}
}
