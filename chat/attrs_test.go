package chat

import (
	"strings"
	"testing"
)

func TestAttributes(t *testing.T) {
	h := newHarness(t, nil)
	admin := h.user("admin", "r")
	viewer := h.dial("?room=r")
	viewer.waitType("joined")
	admin.mustDo("ack", map[string]any{"type": "set_attrs", "attrs": map[string]any{"product": `{"id":7}`, "status": "live"}})
	f := viewer.waitType("tip")
	if f.Kind != TipAttrs || f.Attrs["product"] != `{"id":7}` || f.Attrs["status"] != "live" ||
		len(f.Changed) != 2 || f.From != "admin" {
		t.Errorf("attrs tip: %+v", f)
	}
	admin.mustDo("ack", map[string]any{"type": "set_attrs", "attrs": map[string]any{"status": nil}})
	if f := viewer.waitType("tip"); len(f.Attrs) != 1 || f.Changed[0] != "status" {
		t.Errorf("delete tip: %+v", f)
	}

	alice := h.user("alice", "r")
	if f := alice.do(map[string]any{"type": "set_attrs", "attrs": map[string]any{"a": "b"}}); f.Code != CodeForbidden {
		t.Errorf("user set_attrs: %+v", f)
	}
	eleven := map[string]any{}
	for i := range 11 {
		eleven[strings.Repeat("k", i+1)] = "v"
	}
	for name, attrs := range map[string]map[string]any{
		"key too long":   {strings.Repeat("k", 17): "v"},
		"value too long": {"k": strings.Repeat("v", 513)},
		"11 keys":        eleven,
	} {
		if f := admin.do(map[string]any{"type": "set_attrs", "attrs": attrs}); f.Code != CodeTooLarge {
			t.Errorf("%s: %+v, want too_large", name, f)
		}
	}
	// Limits are exact: 16-byte key, 512-byte value are fine.
	admin.mustDo("ack", map[string]any{"type": "set_attrs", "attrs": map[string]any{strings.Repeat("k", 16): strings.Repeat("v", 512)}})
}

// TestLateJoinerSnapshot: a member who joins gets the attributes, the like
// total and the last History messages, then live messages with no gap.
func TestLateJoinerSnapshot(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.History = 3 })
	admin := h.user("admin", "r")
	admin.mustDo("ack", map[string]any{"type": "set_attrs", "attrs": map[string]any{"product": "p1"}})
	alice := h.user("alice", "r")
	for i := range 5 {
		alice.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": string(rune('a' + i))})
	}
	alice.mustDo("ack", map[string]any{"type": "like", "count": 7})

	late := h.dial("")
	j := late.mustDo("joined", map[string]any{"type": "join", "room": "r"})
	if j.Attrs["product"] != "p1" || j.Likes.Total != 7 || j.Seq != 5 || j.Online != 3 {
		t.Errorf("snapshot: %+v", j)
	}
	if len(j.History) != 3 {
		t.Fatalf("history has %d messages, want 3", len(j.History))
	}
	for i, m := range j.History {
		if m.Seq != uint64(i+3) || m.Text != string(rune('a'+i+2)) || m.From != "alice" {
			t.Errorf("history[%d] = %+v", i, m)
		}
	}
	alice.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "f"})
	if f := late.waitType("message"); f.Seq != 6 {
		t.Errorf("first live message seq %d, want 6", f.Seq)
	}
}
