package gateway

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tencentyun/tls-sig-api-v2-golang/tencentyun"
)

// TestChatCarriesMediaTime: chat is mounted at /ws, and a message sent in a
// room whose stream is live carries the stream's media time.
func TestChatCarriesMediaTime(t *testing.T) {
	needFFmpeg(t)
	tg := startGateway(t, func(c *Config) {
		c.Chat.SDKAppID, c.Chat.SecretKey = 1400000001, "test-chat-key"
	})
	publish(t, tg.pushURL(t, 1), 30*time.Second)
	waitLive(t, tg, demoKey, 100)

	ws, _, err := websocket.DefaultDialer.Dial(strings.Replace(tg.base, "http", "ws", 1)+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	sig, err := tencentyun.GenUserSig(1400000001, "test-chat-key", "alice", 3600)
	if err != nil {
		t.Fatal(err)
	}
	for _, req := range []map[string]any{
		{"type": "login", "id": 1, "user_id": "alice", "user_sig": sig},
		{"type": "join", "id": 2, "room": demoKey},
		{"type": "send", "id": 3, "kind": "text", "text": "hello", "priority": "normal"},
	} {
		if err := ws.WriteJSON(req); err != nil {
			t.Fatal(err)
		}
	}
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var frames []map[string]any
		if err := ws.ReadJSON(&frames); err != nil {
			t.Fatal(err)
		}
		for _, f := range frames {
			if f["type"] == "error" {
				t.Fatalf("error frame: %v", f)
			}
			if f["type"] == "ack" && f["id"] == float64(3) {
				mt, ok := f["media_time_ms"].(float64)
				live := tg.Registry().Get(demoKey).LastDTS().Milliseconds()
				if !ok || mt <= 0 || int64(mt) > live {
					b, _ := json.Marshal(f)
					t.Fatalf("ack %s: media_time_ms should be the stream's time (now %d)", b, live)
				}
				return
			}
		}
	}
}
