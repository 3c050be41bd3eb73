package chat

import (
	"errors"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

func TestMessageTooLarge(t *testing.T) {
	h := newHarness(t, nil)
	alice := h.user("alice", "r")
	max := DefaultConfig().MaxMessageBytes
	alice.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": strings.Repeat("x", max)})
	for _, req := range []map[string]any{
		{"type": "send", "kind": "text", "text": strings.Repeat("x", max+1)},
		{"type": "send", "kind": "custom", "data": strings.Repeat("x", max/2), "extension": strings.Repeat("x", max/2+1)},
		{"type": "set_profile", "nick": strings.Repeat("n", 65)},
	} {
		if f := alice.do(req); f.Code != CodeTooLarge {
			t.Errorf("got %+v, want too_large", f)
		}
	}
	// Past the read limit the connection is closed with 1009.
	// The write itself may fail: the server's 1009 can arrive mid-write.
	alice.conn.WriteJSON(map[string]any{"type": "send", "kind": "text", "text": strings.Repeat("x", 70*1024)})
	for range alice.in {
	}
	var ce *websocket.CloseError
	if err := <-alice.closed; !errors.As(err, &ce) || ce.Code != websocket.CloseMessageTooBig {
		t.Errorf("read limit: connection ended with %v, want close 1009", err)
	}
}

func TestConnectionRateLimit(t *testing.T) {
	// Practically no refill: the burst of 3 is all a connection gets.
	h := newHarness(t, func(c *Config) { c.ConnSendRate, c.ConnSendBurst = 0.001, 3 })
	c := h.dial("")
	c.mustDo("ready", map[string]any{"type": "login", "user_id": "alice", "user_sig": sig(t, "alice", 3600)})
	c.mustDo("joined", map[string]any{"type": "join", "room": "r"})
	c.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "1"})
	f := c.do(map[string]any{"type": "send", "kind": "text", "text": "2"})
	if f.Code != CodeRateLimited || f.RetryAfter <= 0 {
		t.Errorf("got %+v, want rate_limited with retry_after_ms", f)
	}
	if f := c.do(map[string]any{"type": "leave"}); f.Type != "ack" {
		t.Errorf("leave is never rate limited: %+v", f)
	}
	// Admins are not limited.
	admin := h.dial("")
	admin.mustDo("ready", map[string]any{"type": "login", "user_id": "admin", "user_sig": sig(t, "admin", 3600)})
	admin.mustDo("joined", map[string]any{"type": "join", "room": "r"})
	for range 5 {
		admin.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "x"})
	}
	if m := h.metric("livestudio_chat_errors_total", "code", CodeRateLimited); m != 1 {
		t.Errorf("rate_limited metric %v, want 1", m)
	}
}
