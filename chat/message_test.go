package chat

import "testing"

func TestTextRoundTrip(t *testing.T) {
	h := newHarness(t, nil)
	alice := h.user("alice", "live")
	alice.mustDo("ack", map[string]any{"type": "set_profile", "nick": "Alice", "avatar": "https://img/a.png"})
	if f := alice.do(map[string]any{"type": "set_profile", "level": 9}); f.Code != CodeForbidden {
		t.Errorf("user sets own level: %+v", f)
	}
	bob := h.user("bob", "live")

	ack := alice.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "hi bob"})
	got := bob.waitType("message")
	want := frame{Type: "message", Room: "live", Seq: 1, Kind: KindText, Text: "hi bob", From: "alice",
		Nick: "Alice", Avatar: "https://img/a.png", Priority: "normal"}
	if got.Room != want.Room || got.Seq != want.Seq || got.Kind != want.Kind || got.Text != want.Text ||
		got.From != want.From || got.Nick != want.Nick || got.Avatar != want.Avatar || got.Priority != want.Priority {
		t.Errorf("bob got %+v\nwant %+v", got, want)
	}
	if ack.Seq != 1 || ack.Time != got.Time || got.Time == 0 {
		t.Errorf("ack %+v does not match message seq/time %d/%d", ack, got.Seq, got.Time)
	}
	if got.MediaTimeMS == nil || *got.MediaTimeMS != 42000 || ack.MediaTimeMS == nil {
		t.Errorf("media_time_ms = %v (ack %v), want 42000", got.MediaTimeMS, ack.MediaTimeMS)
	}

	admin := h.user("admin", "live")
	admin.mustDo("ack", map[string]any{"type": "set_profile", "user_id": "alice", "level": 3})
	alice.mustDo("ack", map[string]any{"type": "send", "kind": "custom", "data": "gift",
		"description": "rocket", "extension": `{"coins":100}`, "priority": "high"})
	got = bob.waitType("message")
	if got.Seq != 2 || got.Kind != KindCustom || got.Data != "gift" || got.Extension != `{"coins":100}` ||
		got.Level != 3 || got.Priority != "high" {
		t.Errorf("custom message: %+v", got)
	}
	admin.mustDo("ack", map[string]any{"type": "notice", "text": "stream starts"})
	if got = bob.waitType("message"); got.Kind != KindNotice || got.Priority != "high" || got.From != "admin" || got.Seq != 3 {
		t.Errorf("notice: %+v", got)
	}
	if f := bob.do(map[string]any{"type": "notice", "text": "x"}); f.Code != CodeForbidden {
		t.Errorf("user notice: %+v", f)
	}
	// The sender does not get its own message back, only the ack.
	alice.request(map[string]any{"type": "leave"})
	for f := alice.waitType("ack"); ; f = alice.waitType("ack") {
		if f.Seq == 0 { // the leave ack
			break
		}
	}

	// A room without a live stream: no media time.
	c1, c2 := h.user("c1", "quiet"), h.user("c2", "quiet")
	c1.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "x"})
	if f := c2.waitType("message"); f.MediaTimeMS != nil || f.Seq != 1 {
		t.Errorf("quiet room message: %+v", f)
	}
	for _, req := range []map[string]any{
		{"type": "send", "kind": "text"},
		{"type": "send", "kind": "image"},
		{"type": "send", "kind": "text", "text": "x", "priority": "urgent"},
		{"type": "nope"},
		{"type": "join", "room": ""},
	} {
		if f := c1.do(req); f.Code != CodeBadRequest {
			t.Errorf("%v: %+v, want bad_request", req, f)
		}
	}
	if f := c1.do(map[string]any{"type": "leave"}); f.Type != "ack" {
		t.Errorf("leave: %+v", f)
	}
	if f := c1.do(map[string]any{"type": "send", "kind": "text", "text": "x"}); f.Code != CodeNotInRoom {
		t.Errorf("send after leave: %+v", f)
	}
}
