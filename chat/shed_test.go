package chat

import (
	"testing"
)

// TestFloodShedsByPriority floods a room far above its rate with all four
// priorities interleaved: High is never shed, lower priorities are shed
// first, and for every priority sent = delivered + shed, as seen by the
// sender (acks and room_rate_shed errors), a receiver, the room's stats and
// the metrics.
func TestFloodShedsByPriority(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.RoomRate = 5 })
	sender := h.user("alice", "r")
	recv := h.user("bob", "r")
	admin := h.user("admin", "r")

	const perPriority = 100
	prios := []string{"high", "normal", "low", "lowest"}
	ids := map[string]string{}
	for i := range perPriority * len(prios) {
		p := prios[i%len(prios)]
		ids[sender.request(map[string]any{"type": "send", "kind": "text", "text": "flood", "priority": p})] = p
	}
	acked, shed := map[string]int{}, map[string]int{}
	for range len(ids) {
		f := sender.waitFor("ack or error", func(f frame) bool { return f.Type == "ack" || f.Type == "error" })
		p := ids[string(f.ID[1:len(f.ID)-1])]
		switch {
		case f.Type == "ack":
			acked[p]++
		case f.Code == CodeRoomRateShed && f.Priority == p:
			shed[p]++
		default:
			t.Fatalf("unexpected reply %+v", f)
		}
	}
	// An admin High message marks the end: everything before it has arrived.
	admin.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "end"})
	got := map[string]int{}
	for {
		f := recv.waitType("message")
		if f.From == "admin" {
			break
		}
		got[f.Priority]++
	}

	st, _ := h.s.RoomStats("r")
	for i, p := range []Priority{PriorityHigh, PriorityNormal, PriorityLow, PriorityLowest} {
		name := prios[i]
		if acked[name]+shed[name] != perPriority {
			t.Errorf("%s: %d acked + %d shed != %d sent", name, acked[name], shed[name], perPriority)
		}
		if got[name] != acked[name] {
			t.Errorf("%s: receiver got %d, sender had %d acks", name, got[name], acked[name])
		}
		wantSent, wantDelivered := uint64(perPriority), uint64(acked[name])
		if p == PriorityHigh {
			wantSent, wantDelivered = wantSent+1, wantDelivered+1 // the admin's end marker
		}
		if st.Sent[p] != wantSent || st.Delivered[p] != wantDelivered || st.Shed[p] != uint64(shed[name]) {
			t.Errorf("%s stats: sent %d delivered %d shed %d; want %d %d %d", name,
				st.Sent[p], st.Delivered[p], st.Shed[p], wantSent, wantDelivered, shed[name])
		}
		if m := h.metric("livestudio_chat_messages_shed_total", "priority", name); m != float64(shed[name]) {
			t.Errorf("%s shed metric %v, want %d", name, m, shed[name])
		}
		if m := h.metric("livestudio_chat_messages_in_total", "priority", name); m != float64(wantDelivered) {
			t.Errorf("%s in metric %v, want %d", name, m, wantDelivered)
		}
	}
	if shed["high"] != 0 {
		t.Errorf("%d High messages shed", shed["high"])
	}
	if shed["normal"]+shed["low"]+shed["lowest"] == 0 {
		t.Errorf("nothing shed at 400 messages into a 5 msg/s room")
	}
	if !(acked["normal"] >= acked["low"] && acked["low"] >= acked["lowest"]) {
		t.Errorf("delivered normal %d, low %d, lowest %d: lower priorities should lose first",
			acked["normal"], acked["low"], acked["lowest"])
	}
	t.Logf("delivered %v, shed %v", acked, shed)
}
