package chat

import (
	"testing"
)

// TestMuteUser: a muted user gets muted errors with the remaining time, the
// room gets muted/unmuted tips, admins and other users are unaffected.
func TestMuteUser(t *testing.T) {
	h := newHarness(t, nil)
	admin := h.user("admin", "r")
	alice := h.user("alice", "r")
	bob := h.user("bob", "r")

	if f := alice.do(map[string]any{"type": "mute", "user_id": "bob", "duration_s": 60}); f.Code != CodeForbidden {
		t.Errorf("user mute: %+v", f)
	}
	if f := admin.do(map[string]any{"type": "mute", "user_id": "admin", "duration_s": 60}); f.Code != CodeForbidden {
		t.Errorf("mute an admin: %+v", f)
	}
	if f := admin.do(map[string]any{"type": "mute", "user_id": "bob"}); f.Code != CodeBadRequest {
		t.Errorf("mute without duration: %+v", f)
	}
	admin.mustDo("ack", map[string]any{"type": "mute", "user_id": "bob", "duration_s": 60})
	tip := alice.waitFor("muted tip", func(f frame) bool { return f.Type == "tip" && f.Kind != TipJoin })
	if tip.Kind != TipMuted || len(tip.Users) != 1 || tip.Users[0].UserID != "bob" || tip.By != "admin" ||
		tip.DurationMS != 60000 || tip.Until-tip.Time != 60000 {
		t.Errorf("muted tip: %+v", tip)
	}
	f := bob.do(map[string]any{"type": "send", "kind": "text", "text": "hi"})
	if f.Code != CodeMuted || f.RemainingMS <= 0 || f.RemainingMS > 60000 {
		t.Errorf("muted send: %+v", f)
	}
	alice.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "still here"})
	admin.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "admin speaks"})

	admin.mustDo("ack", map[string]any{"type": "unmute", "user_id": "bob"})
	if tip := alice.waitFor("unmuted tip", func(f frame) bool { return f.Type == "tip" && f.Kind == TipUnmuted }); tip.Users[0].UserID != "bob" {
		t.Errorf("unmuted tip: %+v", tip)
	}
	bob.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "free"})

	st, _ := h.s.RoomStats("r")
	if st.Mutes != 1 || st.Unmutes != 1 || st.RefusedMuted != 1 {
		t.Errorf("stats: %+v", st)
	}
	if v := h.metric("livestudio_chat_moderation_refused_total", "code", CodeMuted); v != 1 {
		t.Errorf("refused metric %v", v)
	}
	if v := h.metric("livestudio_chat_moderation_total", "action", "mute"); v != 1 {
		t.Errorf("mute metric %v", v)
	}
}

// TestKickAndBan: every connection of the kicked user gets a kicked frame
// and leaves the room; the user cannot rejoin while banned.
func TestKickAndBan(t *testing.T) {
	h := newHarness(t, nil)
	admin := h.user("admin", "r")
	alice := h.user("alice", "r")
	bob1 := h.user("bob", "r")
	bob2 := h.user("bob", "r")
	guest := h.dial("?room=r")
	guest.waitType("joined")

	admin.mustDo("ack", map[string]any{"type": "kick", "user_id": "bob", "duration_s": 300, "reason": "spam"})
	for i, b := range []*tclient{bob1, bob2} {
		k := b.waitType("kicked")
		if k.Room != "r" || k.By != "admin" || k.Reason != "spam" || k.BanMS != 300000 || k.BanUntil-k.Time != 300000 {
			t.Errorf("bob%d kicked frame: %+v", i+1, k)
		}
	}
	tip := guest.waitFor("kicked tip", func(f frame) bool { return f.Type == "tip" && f.Kind == TipKicked })
	if tip.Users[0].UserID != "bob" || tip.Reason != "spam" || tip.DurationMS != 300000 {
		t.Errorf("kicked tip: %+v", tip)
	}
	st, _ := h.s.RoomStats("r")
	if st.Online != 3 || st.Kicks != 1 {
		t.Errorf("after kick: %+v", st)
	}
	// The kicked connection is out: sending says so; no more room messages.
	if f := bob1.do(map[string]any{"type": "send", "kind": "text", "text": "x"}); f.Code != CodeNotInRoom {
		t.Errorf("kicked send: %+v", f)
	}
	if f := bob1.do(map[string]any{"type": "join", "room": "r"}); f.Code != CodeBanned || f.RemainingMS <= 0 || f.RemainingMS > 300000 {
		t.Errorf("banned rejoin: %+v", f)
	}
	// A fresh connection of the banned user is refused too; another room is fine.
	bob3 := h.dial("")
	bob3.mustDo("ready", map[string]any{"type": "login", "user_id": "bob", "user_sig": sig(t, "bob", 3600)})
	if f := bob3.do(map[string]any{"type": "join", "room": "r"}); f.Code != CodeBanned {
		t.Errorf("banned fresh join: %+v", f)
	}
	bob3.mustDo("joined", map[string]any{"type": "join", "room": "other"})
	// Joined as a guest, then logged in: still cannot send.
	bob4 := h.dial("?room=r")
	bob4.waitType("joined")
	bob4.mustDo("ready", map[string]any{"type": "login", "user_id": "bob", "user_sig": sig(t, "bob", 3600)})
	if f := bob4.do(map[string]any{"type": "send", "kind": "text", "text": "x"}); f.Code != CodeBanned {
		t.Errorf("banned guest-then-login send: %+v", f)
	}
	alice.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "bye bob"})

	// A kick with no ban lets the user back at once.
	carol := h.user("carol", "r")
	admin.mustDo("ack", map[string]any{"type": "kick", "user_id": "carol"})
	if k := carol.waitType("kicked"); k.BanMS != 0 {
		t.Errorf("kick without ban: %+v", k)
	}
	carol.mustDo("joined", map[string]any{"type": "join", "room": "r"})
	carol.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "back"})

	st, _ = h.s.RoomStats("r")
	if st.Kicks != 2 || st.RefusedBanned != 3 {
		t.Errorf("stats: %+v", st)
	}
}

// TestRoomMute: a muted room refuses everyone but admins with room_muted.
func TestRoomMute(t *testing.T) {
	h := newHarness(t, nil)
	admin := h.user("admin", "r")
	alice := h.user("alice", "r")
	if f := alice.do(map[string]any{"type": "mute_room", "muted": true}); f.Code != CodeForbidden {
		t.Errorf("user mute_room: %+v", f)
	}
	if f := admin.do(map[string]any{"type": "mute_room"}); f.Code != CodeBadRequest {
		t.Errorf("mute_room without muted: %+v", f)
	}
	admin.mustDo("ack", map[string]any{"type": "mute_room", "muted": true})
	if tip := alice.waitType("tip"); tip.Kind != TipRoomMuted || tip.By != "admin" {
		t.Errorf("room muted tip: %+v", tip)
	}
	if f := alice.do(map[string]any{"type": "send", "kind": "text", "text": "x"}); f.Code != CodeRoomMuted {
		t.Errorf("send in muted room: %+v", f)
	}
	alice.mustDo("ack", map[string]any{"type": "like"})
	admin.mustDo("ack", map[string]any{"type": "notice", "text": "quiet please"})
	admin.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "admin may"})
	if st, _ := h.s.RoomStats("r"); !st.RoomMuted || st.RoomMutes != 1 || st.RefusedRoomMuted != 1 {
		t.Errorf("stats: %+v", st)
	}
	admin.mustDo("ack", map[string]any{"type": "mute_room", "muted": false})
	alice.waitFor("unmuted", func(f frame) bool { return f.Type == "tip" && f.Kind == TipRoomUnmuted })
	alice.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "x"})
	if st, _ := h.s.RoomStats("r"); st.RoomMuted {
		t.Errorf("still muted: %+v", st)
	}
}
