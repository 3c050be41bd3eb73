package chat

import "testing"

// TestLikesAggregated: many likes become one likes frame per interval with
// the right total, never one frame per like.
func TestLikesAggregated(t *testing.T) {
	h := newHarness(t, nil)
	viewer := h.dial("?room=r")
	viewer.waitType("joined")
	alice, bob := h.user("alice", "r"), h.user("bob", "r")
	alice.mustDo("ack", map[string]any{"type": "set_profile", "nick": "Alice"})

	var last frame
	for range 50 {
		last = alice.mustDo("ack", map[string]any{"type": "like"})
	}
	if last.LikesTotal == nil || *last.LikesTotal != 50 {
		t.Fatalf("like ack total %v, want 50", last.LikesTotal)
	}
	bob.mustDo("ack", map[string]any{"type": "like", "count": 10})
	if f := bob.do(map[string]any{"type": "like", "count": 1000}); f.Code != CodeBadRequest {
		t.Errorf("like count 1000: %+v", f)
	}
	h.tick() // one interval passes
	f := viewer.waitType("likes")
	if f.Total != 60 || f.Delta != 60 {
		t.Errorf("likes frame total %d delta %d, want 60 60", f.Total, f.Delta)
	}
	if len(f.Recent) != 2 || f.Recent[0].UserID != "bob" || f.Recent[1].UserID != "alice" || f.Recent[1].Nick != "Alice" {
		t.Errorf("recent likers %+v, want bob then alice", f.Recent)
	}
	alice.mustDo("ack", map[string]any{"type": "like"})
	h.tick()
	h.tick() // nothing new: no frame
	alice.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "marker"})
	n := 0
	for f := viewer.next(); f.Type != "message"; f = viewer.next() {
		if f.Type == "likes" {
			n++
			if f.Total != 61 || f.Delta != 1 {
				t.Errorf("second likes frame %+v", f)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d likes frames for one like over two ticks, want 1", n)
	}
	if st, _ := h.s.RoomStats("r"); st.Likes != 61 {
		t.Errorf("stats likes %d", st.Likes)
	}
}

// TestJoinTipsAggregatedWhenBusy: up to TipBurst joins per interval are sent
// one by one; past that they fold into one tip with a count and a sample.
func TestJoinTipsAggregatedWhenBusy(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.TipBurst = 2 })
	viewer := h.dial("?room=r")
	viewer.waitType("joined")
	h.tick() // online: 1
	if f := viewer.waitType("online"); f.Online != 1 {
		t.Errorf("online %+v", f)
	}
	users := []string{"u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"}
	for _, u := range users {
		h.user(u, "r")
	}
	h.dial("?room=r").waitType("joined") // a guest: no tip
	for i := range 2 {
		if f := viewer.waitType("tip"); f.Kind != TipJoin || f.Count != 1 || f.Users[0].UserID != users[i] {
			t.Errorf("tip %d: %+v", i, f)
		}
	}
	h.tick()
	f := viewer.waitType("tip")
	if f.Kind != TipJoin || f.Count != 6 || len(f.Users) != tipSample || f.Users[0].UserID != "u3" {
		t.Errorf("aggregated tip: %+v", f)
	}
	if f := viewer.waitType("online"); f.Online != 10 {
		t.Errorf("online after joins: %+v", f)
	}
}
