package chat

import (
	"errors"
	"testing"
	"time"
)

// TestManagedRooms: with managed_rooms, unknown rooms are refused (join and
// admin REST) unless ad hoc; created rooms outlive idleness; the policy
// refuses likes and product cards and makes room admins; DestroyRoom fires
// the webhook path and forgets the room.
func TestManagedRooms(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.ManagedRooms = true
		c.RoomIdleTTL = 0
	})
	h.s.adHocRoom = func(id string) bool { return id == "adhoc" }
	alice := h.user("alice", "")
	if f := alice.do(map[string]any{"type": "join", "room": "wxa-1"}); f.Code != CodeRoomNotFound {
		t.Fatalf("join unknown managed room: %+v", f)
	}
	alice.mustDo("joined", map[string]any{"type": "join", "room": "adhoc"})
	if r := h.admin("set_attrs", map[string]any{"RoomId": "wxa-2", "Attrs": map[string]string{"a": "b"}}); r.ErrorCode != AdminRoomNotFound {
		t.Fatalf("admin write to unknown room: %+v", r)
	}
	h.adminOK("create_room", map[string]any{"RoomId": "wxa-2"})
	if r := h.admin("create_room", map[string]any{"RoomId": "wxa-2"}); r.ErrorCode != AdminRoomExists {
		t.Fatalf("create twice: %+v", r)
	}

	if err := h.s.CreateRoom("wxa-1", RoomPolicy{LikesClosed: true, GoodsClosed: true, Admins: []string{"bob"},
		Base: Statistic{TotalLikesReceived: 5, PeakViewers: 9}}); err != nil {
		t.Fatal(err)
	}
	alice.mustDo("joined", map[string]any{"type": "join", "room": "wxa-1"})
	bob := h.user("bob", "wxa-1")
	h.tick() // empty-room drop would happen here for an ad-hoc room
	if !h.s.RoomExists("wxa-1") || !h.s.RoomExists("wxa-2") {
		t.Fatal("a managed room was dropped")
	}
	if f := alice.do(map[string]any{"type": "like"}); f.Code != CodeLikesClosed {
		t.Errorf("like in closeLike room: %+v", f)
	}
	card := `{"goodsId":1}`
	if f := bob.do(map[string]any{"type": "set_attrs", "attrs": map[string]any{ProductAttr: card}}); f.Code != CodeGoodsClosed {
		t.Errorf("product card with the shelf closed: %+v", f)
	}
	if f := alice.do(map[string]any{"type": "set_attrs", "attrs": map[string]any{"x": "y"}}); f.Code != CodeForbidden {
		t.Errorf("non-admin set_attrs: %+v", f)
	}
	// bob is this room's admin: he moderates and is not muted by a room mute.
	bob.mustDo("ack", map[string]any{"type": "mute_room", "muted": true})
	if f := alice.do(map[string]any{"type": "send", "kind": "text", "text": "hi"}); f.Code != CodeRoomMuted {
		t.Errorf("room muted: %+v", f)
	}
	bob.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "welcome"})
	if err := h.s.SetRoomMuted("wxa-1", false); err != nil {
		t.Fatal(err)
	}
	alice.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "hi"})

	// The live layer opens the shelf and pushes a card.
	if err := h.s.SetRoomPolicy("wxa-1", RoomPolicy{Admins: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	alice.mustDo("ack", map[string]any{"type": "like", "count": 2})
	if err := h.s.SetAttrs("wxa-1", map[string]*string{ProductAttr: &card}); err != nil {
		t.Fatal(err)
	}
	tip := alice.waitFor("attrs tip", func(f frame) bool { return f.Type == "tip" && f.Kind == TipAttrs })
	if tip.Attrs[ProductAttr] != card {
		t.Errorf("attrs tip: %+v", tip)
	}
	st, _ := h.s.RoomStatistic("wxa-1")
	if st.TotalLikesReceived != 7 || st.PeakViewers != 9 || st.TotalComments != 2 || st.TotalProductPushes != 1 || st.TotalViewers != 2 {
		t.Errorf("statistic: %+v", st)
	}
	// The live layer's moderation (the console's).
	if err := h.s.Mute("wxa-1", "alice", time.Minute); err != nil {
		t.Fatal(err)
	}
	if f := alice.do(map[string]any{"type": "send", "kind": "text", "text": "x"}); f.Code != CodeMuted {
		t.Errorf("muted by Mute: %+v", f)
	}
	if err := h.s.Mute("wxa-1", "admin", time.Minute); err == nil {
		t.Error("a chat admin was muted")
	}
	if err := h.s.Mute("nope", "alice", time.Minute); !errors.Is(err, ErrRoomNotFound) {
		t.Errorf("mute in unknown room: %v", err)
	}
	if n, err := h.s.Kick("wxa-1", "alice", time.Hour, "spam"); err != nil || n != 1 {
		t.Fatalf("kick: %d %v", n, err)
	}
	alice.waitType("kicked")
	if f := alice.do(map[string]any{"type": "join", "room": "wxa-1"}); f.Code != CodeBanned {
		t.Errorf("rejoin after Kick with a ban: %+v", f)
	}
	if n, ok := h.s.DestroyRoom("wxa-1", false); !ok || n != 1 {
		t.Errorf("destroy: %d %v", n, ok)
	}
	bob.waitFor("destroyed tip", func(f frame) bool { return f.Type == "tip" && f.Kind == TipRoomDestroyed })
	if h.s.RoomExists("wxa-1") {
		t.Error("destroyed room still exists")
	}
	if f := alice.do(map[string]any{"type": "join", "room": "wxa-1"}); f.Code != CodeRoomNotFound {
		t.Errorf("join destroyed room: %+v", f)
	}
}
