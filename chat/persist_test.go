package chat

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"
)

// eventually polls cond until it holds (failing after waitLimit).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestPersistAcrossRestart: mutes, bans, the room mute and profiles (an
// admin-set level too) outlive the server; lifting them does too.
func TestPersistAcrossRestart(t *testing.T) {
	fs := newFakeStore()
	h := newHarnessOpts(t, nil, withStore(fs))
	admin := h.user("admin", "r")
	alice := h.user("alice", "r")
	h.user("bob", "r")
	carol := h.user("carol", "r")
	alice.mustDo("ack", map[string]any{"type": "set_profile", "nick": "Alice", "avatar": "https://a/x.png"})
	admin.mustDo("ack", map[string]any{"type": "set_profile", "user_id": "alice", "level": 7})
	admin.mustDo("ack", map[string]any{"type": "mute", "user_id": "bob", "duration_s": 600})
	h.adminOK("kick", map[string]any{"RoomId": "r", "Members_Account": []string{"carol"}, "BanTime": 600})
	carol.waitType("kicked")
	h.adminOK("mute_room", map[string]any{"RoomId": "r", "Muted": true})
	h.stop() // drains the queue

	h2 := newHarnessOpts(t, nil, withStore(fs))
	bob := h2.user("bob", "r")
	if f := bob.do(map[string]any{"type": "send", "kind": "text", "text": "hi"}); f.Code != CodeMuted ||
		f.RemainingMS <= 0 || f.RemainingMS > 600000 {
		t.Errorf("muted user after restart: %+v", f)
	}
	carol = h2.user("carol", "")
	if f := carol.do(map[string]any{"type": "join", "room": "r"}); f.Code != CodeBanned || f.RemainingMS <= 0 || f.RemainingMS > 600000 {
		t.Errorf("banned user after restart: %+v", f)
	}
	alice = h2.dial("")
	ready := alice.mustDo("ready", map[string]any{"type": "login", "user_id": "alice", "user_sig": sig(t, "alice", 3600)})
	if ready.UserID != "alice" {
		t.Fatalf("ready: %+v", ready)
	}
	alice.mustDo("joined", map[string]any{"type": "join", "room": "r"})
	if f := alice.do(map[string]any{"type": "send", "kind": "text", "text": "hi"}); f.Code != CodeRoomMuted {
		t.Errorf("room mute after restart: %+v", f)
	}
	if st, _ := h2.s.RoomStats("r"); !st.RoomMuted {
		t.Error("RoomStats: not muted after restart")
	}
	h2.adminOK("mute_room", map[string]any{"RoomId": "r", "Muted": false})
	alice.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "hello again"})
	m := bob.waitFor("alice's message", func(f frame) bool { return f.Type == "message" && f.From == "alice" })
	if m.Nick != "Alice" || m.Level != 7 || m.Avatar != "https://a/x.png" {
		t.Errorf("profile after restart: %+v", m)
	}

	// Lifted, then restarted: still lifted.
	h2.adminOK("unmute", map[string]any{"RoomId": "r", "Members_Account": []string{"bob"}})
	h2.adminOK("unban", map[string]any{"RoomId": "r", "Members_Account": []string{"carol"}})
	carol.mustDo("joined", map[string]any{"type": "join", "room": "r"})
	h2.stop()
	h3 := newHarnessOpts(t, nil, withStore(fs))
	h3.user("bob", "r").mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "free"})
	h3.user("carol", "r").mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "back"})
	if got := fs.restriction("r", "bob", RestrictMute); !got.IsZero() {
		t.Errorf("lifted mute still saved until %v", got)
	}
}

// TestPersistOrderedAndNeverBlocking: with the store stuck, the room goes
// on (moderation, messages); the writes land later in the order made; a
// room created again while its writes are still queued sees them.
func TestPersistOrderedAndNeverBlocking(t *testing.T) {
	fs := newFakeStore()
	fs.restr[[3]string{"r", "dave", RestrictMute}] = time.Now().Add(time.Hour) // saved before
	fs.block = make(chan struct{})
	h := newHarnessOpts(t, func(c *Config) { c.RoomIdleTTL = 0 }, withStore(fs))
	admin := h.user("admin", "r")
	alice := h.user("alice", "r")
	for _, req := range []map[string]any{
		{"type": "mute", "user_id": "bob", "duration_s": 60},
		{"type": "unmute", "user_id": "bob"},
		{"type": "mute", "user_id": "bob", "duration_s": 30},
		{"type": "unmute", "user_id": "dave"},
	} {
		admin.mustDo("ack", req)
	}
	alice.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "the room is not held by its store"})
	admin.mustDo("ack", map[string]any{"type": "leave"})
	alice.mustDo("ack", map[string]any{"type": "leave"})
	h.admin("unmute", map[string]any{"RoomId": "r", "Members_Account": []string{"bob"}})
	h.tick() // empty and nothing restricts it: dropped
	eventually(t, "room dropped", func() bool { return !h.s.RoomExists("r") })
	// Created again while the writes are queued: dave's saved mute was
	// lifted, and that is not yet written.
	dave := h.user("dave", "r")
	dave.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "unmuted"})
	close(fs.block)
	h.stop()
	want := []string{"save mute r bob", "delete mute r bob", "save mute r bob", "delete mute r dave", "delete mute r bob"}
	if got := fs.ops(); !slices.Equal(got, want) {
		t.Errorf("writes %q, want %q", got, want)
	}
}

// countingHandler counts log records by message.
type countingHandler struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (c *countingHandler) Handle(_ context.Context, r slog.Record) error {
	c.mu.Lock()
	c.n[r.Message]++
	c.mu.Unlock()
	return nil
}
func (c *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *countingHandler) WithGroup(string) slog.Handler      { return c }
func (c *countingHandler) count(msg string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[msg]
}

// TestPersistFailures: failed writes are retried, then dropped and
// counted, logged once per burst; later writes go on; a failed profile
// read refuses a profile change rather than overwrite the saved one.
func TestPersistFailures(t *testing.T) {
	fs := newFakeStore()
	fs.failWrites = 3 * (persistRetries + 1) // three writes fail for good
	logs := &countingHandler{n: map[string]int{}}
	h := newHarnessOpts(t, nil, func(o *Options) {
		o.Persist, o.Log = fs, slog.New(logs)
	})
	h.s.persist.retryDelay = time.Millisecond
	admin := h.user("admin", "r")
	for _, u := range []string{"u1", "u2", "u3", "u4"} {
		admin.mustDo("ack", map[string]any{"type": "mute", "user_id": u, "duration_s": 60})
	}
	eventually(t, "the fourth write", func() bool {
		return h.metric("livestudio_chat_persist_total", "op", "save_restriction", "result", "ok") == 1
	})
	if n := h.metric("livestudio_chat_persist_total", "op", "save_restriction", "result", "failed"); n != 3 {
		t.Errorf("failed writes counted %v, want 3", n)
	}
	if n := h.metric("livestudio_chat_persist_total", "op", "save_restriction", "result", "retry"); n != 3*persistRetries {
		t.Errorf("retries counted %v", n)
	}
	if fs.restriction("r", "u4", RestrictMute).IsZero() || !fs.restriction("r", "u1", RestrictMute).IsZero() {
		t.Errorf("saved: %q", fs.ops())
	}
	if a, b := logs.count("chat persistence write failed; dropped (a restart may forget it)"), logs.count("chat persistence writing again"); a != 1 || b != 1 {
		t.Errorf("logged %d failures and %d recoveries, want one of each per burst", a, b)
	}

	fs.mu.Lock()
	fs.failLoads = true
	fs.mu.Unlock()
	eve := h.user("eve", "")
	if f := eve.do(map[string]any{"type": "set_profile", "nick": "Eve"}); f.Code != CodeUnavailable {
		t.Errorf("set_profile with the saved profile unread: %+v", f)
	}
	if f := eve.do(map[string]any{"type": "join", "room": "r2"}); f.Type != "joined" {
		t.Errorf("join with the store unreadable (fail open): %+v", f)
	}
	if n := h.metric("livestudio_chat_persist_total", "op", "load_profile", "result", "failed"); n < 2 {
		t.Errorf("failed profile loads counted %v", n)
	}
	fs.mu.Lock()
	fs.failLoads = false
	fs.mu.Unlock()
	eve.mustDo("ack", map[string]any{"type": "set_profile", "nick": "Eve"})
}

// TestPersistQueueBoundsAndDrain: a stuck store fills the bounded queue
// (the excess dropped and counted), and shutdown gives up after
// persist_drain_timeout, counting what was lost: every write accounted.
func TestPersistQueueBoundsAndDrain(t *testing.T) {
	fs := newFakeStore()
	fs.block = make(chan struct{}) // never released
	h := newHarnessOpts(t, func(c *Config) {
		c.PersistQueueLen, c.PersistDrainTimeout = 2, 20*time.Millisecond
	}, withStore(fs))
	admin := h.user("admin", "r")
	for _, u := range []string{"u1", "u2", "u3", "u4", "u5"} {
		admin.mustDo("ack", map[string]any{"type": "mute", "user_id": u, "duration_s": 60})
	}
	h.stop() // returns although the store never answers
	dropped := h.metric("livestudio_chat_persist_total", "op", "save_restriction", "result", "dropped")
	atShutdown := h.metric("livestudio_chat_persist_total", "op", "save_restriction", "result", "dropped_at_shutdown")
	if dropped < 2 || dropped+atShutdown != 5 {
		t.Errorf("dropped %v (queue full) + %v (at shutdown), want 5 in all, at least 2 for the full queue", dropped, atShutdown)
	}
	if len(fs.ops()) != 0 {
		t.Errorf("writes applied: %q", fs.ops())
	}
}

// TestPersistExpiredNotLoaded: an expired ban is not loaded (the user
// joins) and its saved copy is deleted; a live one is.
func TestPersistExpiredNotLoaded(t *testing.T) {
	fs := newFakeStore()
	fs.restr[[3]string{"r", "carol", RestrictBan}] = time.Now().Add(-time.Minute)
	fs.restr[[3]string{"r", "dan", RestrictBan}] = time.Now().Add(time.Hour)
	h := newHarnessOpts(t, nil, withStore(fs))
	h.user("carol", "r")
	if f := h.user("dan", "").do(map[string]any{"type": "join", "room": "r"}); f.Code != CodeBanned {
		t.Errorf("saved ban: %+v", f)
	}
	eventually(t, "expired ban deleted", func() bool { return fs.restriction("r", "carol", RestrictBan).IsZero() })
	if fs.restriction("r", "dan", RestrictBan).IsZero() {
		t.Error("a live ban was deleted")
	}
}

// TestPersistPolicyMute: the live layer's SetRoomMuted decides when its
// value changes; re-applying the same value (as at every start) leaves an
// admin's mute_room, saved across a restart, in place.
func TestPersistPolicyMute(t *testing.T) {
	fs := newFakeStore()
	h := newHarnessOpts(t, func(c *Config) { c.ManagedRooms = true }, withStore(fs))
	if err := h.s.CreateRoom("wxa-1", RoomPolicy{}); err != nil {
		t.Fatal(err)
	}
	h.s.SetRoomMuted("wxa-1", false)
	h.adminOK("mute_room", map[string]any{"RoomId": "wxa-1", "Muted": true})
	h.s.SetRoomMuted("wxa-1", false) // re-applied: no decision
	if st, _ := h.s.RoomStats("wxa-1"); !st.RoomMuted {
		t.Fatal("a re-applied policy undid the admin's room mute")
	}
	h.stop()
	h2 := newHarnessOpts(t, func(c *Config) { c.ManagedRooms = true }, withStore(fs))
	if err := h2.s.CreateRoom("wxa-1", RoomPolicy{}); err != nil {
		t.Fatal(err)
	}
	h2.s.SetRoomMuted("wxa-1", false) // what the live layer does at start
	if st, _ := h2.s.RoomStats("wxa-1"); !st.RoomMuted {
		t.Fatal("room mute lost across a restart")
	}
	h2.s.SetRoomMuted("wxa-1", true)
	h2.s.SetRoomMuted("wxa-1", false) // a change: decides
	if st, _ := h2.s.RoomStats("wxa-1"); st.RoomMuted {
		t.Fatal("the live layer's unmute was ignored")
	}
}

// TestPersistCrowdLoadsOnce: a crowd joining a room that is not in memory
// (reconnecting after a restart) reads its saved state once; everyone
// joins, and the saved ban holds.
func TestPersistCrowdLoadsOnce(t *testing.T) {
	fs := newFakeStore()
	fs.restr[[3]string{"crowd", "banned", RestrictBan}] = time.Now().Add(time.Hour)
	fs.loadGate = make(chan struct{})
	h := newHarnessOpts(t, nil, withStore(fs))
	const n = 20
	var clients []*tclient
	var ids []string
	for i := range n {
		c := h.user(fmt.Sprintf("u%d", i), "")
		clients = append(clients, c)
		ids = append(ids, c.request(map[string]any{"type": "join", "room": "crowd"}))
	}
	eventually(t, "the first load", func() bool {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		return fs.loads > 0
	})
	close(fs.loadGate)
	for i, c := range clients {
		if f := c.reply(ids[i]); f.Type != "joined" {
			t.Errorf("u%d: %+v", i, f)
		}
	}
	if f := h.user("banned", "").do(map[string]any{"type": "join", "room": "crowd"}); f.Code != CodeBanned {
		t.Errorf("saved ban: %+v", f)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.loads != 1 {
		t.Errorf("room read %d times, want once", fs.loads)
	}
}
