package chat

import (
	"testing"
	"time"
)

// flushRoom sends room id's pending batch now (the tests hold batches with
// an hour-long flush delay so that they decide when a batch goes).
func (h *harness) flushRoom(id string) {
	h.s.mu.Lock()
	r := h.s.rooms[id]
	h.s.mu.Unlock()
	r.flush()
}

// seqs returns the sequence numbers of the next n messages c receives, and
// fails on anything that is not a message.
func (c *tclient) seqs(n int) []uint64 {
	c.t.Helper()
	var out []uint64
	for len(out) < n {
		f := c.next()
		if f.Type != "message" {
			c.t.Fatalf("got %s (%s), want a message", f.Type, f.Kind)
		}
		out = append(out, f.Seq)
	}
	return out
}

// TestRoomBatchViews: a room batch goes to every member as one frame; the
// sender does not get its own message back, a member who joined while the
// batch was pending gets only what its joined snapshot did not cover, and a
// kicked member gets what was broadcast before its kick, before the kick.
func TestRoomBatchViews(t *testing.T) {
	h := newHarness(t, nil)
	// Batches wait for flushRoom alone. Set before any client connects:
	// only room code reads it.
	h.s.cfg.FlushDelay = time.Hour
	viewer := h.dial("?room=r")
	viewer.waitType("joined")
	admin := h.user("admin", "r")
	alice := h.user("alice", "r")
	carol := h.user("carol", "r")
	h.flushRoom("r") // the join tips
	viewer.waitFor("carol's join", func(f frame) bool { return f.Type == "tip" && f.Users[0].UserID == "carol" })

	alice.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "one"})
	late := h.dial("?room=r")
	joined := late.waitType("joined")
	if n := len(joined.History); n == 0 || joined.History[n-1].Seq != 1 {
		t.Fatalf("late joiner's history %+v, want it to end with seq 1", joined.History)
	}
	alice.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "two"})
	before := viewer.frames.Load()
	h.flushRoom("r")

	if got := viewer.seqs(2); got[0] != 1 || got[1] != 2 {
		t.Errorf("viewer got seqs %v, want [1 2]", got)
	}
	if f := viewer.frames.Load() - before; f != 1 {
		t.Errorf("viewer got the batch in %d frames, want 1", f)
	}
	if got := late.seqs(1); got[0] != 2 {
		t.Errorf("late joiner got seq %v first, want 2 (1 was in its history)", got)
	}

	// Pending when carol is kicked: seq 3. She gets it, then the kick.
	alice.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "three"})
	admin.mustDo("ack", map[string]any{"type": "kick", "user_id": "carol"})
	carol.waitFor("seq 3", func(f frame) bool {
		if f.Type == "kicked" {
			t.Fatal("carol was kicked before she got seq 3")
		}
		return f.Type == "message" && f.Seq == 3
	})
	if f := carol.next(); f.Type != "kicked" {
		t.Errorf("after the pending message carol got %s, want kicked", f.Type)
	}

	// Alice never sees her own messages, batched or not.
	h.flushRoom("r")
	alice.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "four"})
	admin.mustDo("ack", map[string]any{"type": "notice", "text": "from admin"})
	h.flushRoom("r")
	f := alice.waitFor("the notice", func(f frame) bool { return f.Type == "message" })
	if f.Text != "from admin" {
		t.Errorf("alice got %q, want only the admin's notice (never her own)", f.Text)
	}
}
