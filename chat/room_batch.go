package chat

import (
	"slices"
	"time"

	"github.com/gorilla/websocket"
)

// Room batching (flush_delay > 0). A broadcast does not go to every
// member's queue at once: the room keeps it pending, and flush_delay after
// the first pending broadcast it frames everything pending once, as one
// WebSocket message holding a JSON array, and hands the same prepared frame
// to every member. A member then costs one queue push and one write per
// batch instead of one per message, and no framing work at all.
//
// Members whose view differs from the batch get the same messages as single
// messages instead (coalesced by their write pump): a sender, who does not
// receive its own message (it gets an ack), and a member who joined while
// messages were pending (its joined snapshot already covers them).

// pendingMsg is one broadcast waiting for the room's next batch.
type pendingMsg struct {
	frame  []byte
	except *client
}

// batchState is the room's pending batch, guarded by room.mu.
type batchState struct {
	pending []pendingMsg
	// late maps a member who joined while messages were pending to the
	// index of the first pending message it should get.
	late  map[*client]int
	timer *time.Timer // armed while messages are pending
}

// queueLocked adds a broadcast to the pending batch, arming the flush.
func (r *room) queueLocked(frame []byte, except *client) {
	r.batch.pending = append(r.batch.pending, pendingMsg{frame: frame, except: except})
	if r.batch.timer == nil {
		r.batch.timer = time.AfterFunc(r.s.cfg.FlushDelay, r.flush)
	}
}

// joinedLocked notes a member who joined while messages are pending.
func (r *room) joinedLocked(c *client) {
	if len(r.batch.pending) == 0 {
		return
	}
	if r.batch.late == nil {
		r.batch.late = map[*client]int{}
	}
	r.batch.late[c] = len(r.batch.pending)
}

// leavingLocked gives a member who leaves (or is kicked) what was broadcast
// before it left, as it would have got without batching.
func (r *room) leavingLocked(c *client) {
	if len(r.batch.pending) == 0 {
		return
	}
	from, late := r.batch.late[c]
	if late {
		delete(r.batch.late, c)
	}
	r.pushSinglesLocked(c, from)
}

func (r *room) flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flushLocked()
}

// flushLocked sends the pending batch to every member now.
func (r *room) flushLocked() {
	if r.batch.timer != nil {
		r.batch.timer.Stop()
		r.batch.timer = nil
	}
	pending := r.batch.pending
	if len(pending) == 0 {
		return
	}
	var senders []*client
	for _, p := range pending {
		if p.except != nil && !slices.Contains(senders, p.except) {
			senders = append(senders, p.except)
		}
	}
	batches := r.frameBatches(pending)
	n := 0
	for _, c := range r.members {
		if from, late := r.batch.late[c]; late || slices.Contains(senders, c) {
			n += r.pushSinglesLocked(c, from)
			continue
		}
		for _, b := range batches {
			switch c.q.pushBatch(b.msg, b.n, b.size) {
			case pushed:
				n += b.n
				continue
			case queueFull:
				if c.closeSlow() {
					r.stats.SlowClosed++
				}
			}
			break
		}
	}
	r.s.m.messagesOut.Add(float64(n))
	clear(pending)
	r.batch.pending = pending[:0]
	if cap(pending) > 256 {
		r.batch.pending = nil
	}
	clear(r.batch.late)
}

// pushSinglesLocked queues pending[from:] to c as single messages, skipping
// c's own, and returns how many were queued.
func (r *room) pushSinglesLocked(c *client, from int) int {
	n := 0
	for _, p := range r.batch.pending[from:] {
		if p.except == c {
			continue
		}
		switch c.q.push(p.frame) {
		case pushed:
			n++
			continue
		case queueFull:
			if c.closeSlow() {
				r.stats.SlowClosed++
			}
		}
		break
	}
	return n
}

// preparedBatch is one frame of a batch, framed once for all members.
type preparedBatch struct {
	msg  *websocket.PreparedMessage
	n    int
	size int
}

// frameBatches encodes pending messages as JSON arrays of at most
// maxBatchBytes (a larger single message is a batch of its own).
func (r *room) frameBatches(pending []pendingMsg) []preparedBatch {
	var out []preparedBatch
	for len(pending) > 0 {
		size, n := 2, 0
		for n < len(pending) && (n == 0 || size+len(pending[n].frame)+1 <= maxBatchBytes) {
			size += len(pending[n].frame) + 1
			n++
		}
		buf := make([]byte, 0, size)
		buf = append(buf, '[')
		for i, p := range pending[:n] {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, p.frame...)
		}
		buf = append(buf, ']')
		// Never fails for a text message without compression.
		msg, err := websocket.NewPreparedMessage(websocket.TextMessage, buf)
		if err != nil {
			r.s.log.Error("chat batch not framed", "room", r.id, "err", err)
			return out
		}
		out = append(out, preparedBatch{msg: msg, n: n, size: len(buf)})
		pending = pending[n:]
	}
	return out
}
