package gateway

import (
	"encoding/json"
	"net/http"
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
		c.Chat.SDKAppID, c.Chat.SecretKey, c.Chat.AdminToken = 1400000001, "test-chat-key", "test-admin-token-0123"
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
				checkAdminREST(t, tg)
				return
			}
		}
	}
}

// checkAdminREST: the admin API is mounted and authorises its callers.
func checkAdminREST(t *testing.T, tg *testGateway) {
	t.Helper()
	for _, c := range []struct {
		token string
		want  string
	}{{"test-admin-token-0123", "OK"}, {"wrong", "FAIL"}} {
		req, _ := http.NewRequest("POST", tg.base+"/v4/livestudio/online", strings.NewReader(`{"RoomID":"`+demoKey+`"}`))
		req.Header.Set("Authorization", "Bearer "+c.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var r struct{ ActionStatus string }
		json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if r.ActionStatus != c.want {
			t.Errorf("admin REST with token %q: %q, want %q", c.token, r.ActionStatus, c.want)
		}
	}
}
