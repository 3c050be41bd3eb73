package chat

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestSlowClientDisconnected: a member that never reads fills its socket,
// then its queue, and is closed; a reading member gets every message.
func TestSlowClientDisconnected(t *testing.T) {
	// A short flush delay: the room still batches, but the lockstep below
	// (1,500 round trips) stays quick.
	h := newHarness(t, func(c *Config) { c.RoomRate, c.QueueLen, c.FlushDelay = 1e6, 64, time.Millisecond })
	d := websocket.Dialer{NetDial: func(network, addr string) (net.Conn, error) {
		conn, err := net.Dial(network, addr)
		if err == nil {
			conn.(*net.TCPConn).SetReadBuffer(4096)
		}
		return conn, err
	}}
	slow, _, err := d.Dial(h.url+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	// Logged in, so its leaving shows as a tip; it never reads a reply.
	slow.WriteJSON(map[string]any{"type": "login", "user_id": "slowpoke", "user_sig": sig(t, "slowpoke", 3600)})
	fast := h.dial("?room=r")
	fast.waitType("joined")
	slow.WriteJSON(map[string]any{"type": "join", "room": "r"})
	fast.waitFor("slowpoke's join", func(f frame) bool { return f.Type == "tip" && f.Users[0].UserID == "slowpoke" })
	sender := h.user("alice", "r")

	const n = 1500
	text := strings.Repeat("x", 8*1024)
	left := false
	isLeave := func(f frame) bool {
		return f.Type == "tip" && f.Kind == TipLeave && f.Users[0].UserID == "slowpoke"
	}
	// In lockstep with the fast reader, so only the slow client falls behind.
	for i := range n {
		sender.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": text})
		f := fast.waitFor("message", func(f frame) bool {
			left = left || isLeave(f)
			return f.Type == "message"
		})
		if f.Seq != uint64(i+1) {
			t.Fatalf("fast client got seq %d, want %d", f.Seq, i+1)
		}
	}
	if !left {
		fast.waitFor("slowpoke's leave", isLeave)
	}
	if m := h.metric("livestudio_chat_slow_closed_total"); m != 1 {
		t.Errorf("slow_closed metric %v, want 1", m)
	}
	if st, _ := h.s.RoomStats("r"); st.SlowClosed != 1 || st.Online != 2 {
		t.Errorf("stats: slow closed %d, online %d; want 1, 2", st.SlowClosed, st.Online)
	}
}
