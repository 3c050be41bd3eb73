package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tencentyun/tls-sig-api-v2-golang/tencentyun"
)

// wsUser is a logged-in chat connection that reads the server's frames
// into a channel.
type wsUser struct {
	t      *testing.T
	ws     *websocket.Conn
	frames chan map[string]any
	nextID int
	ready  map[string]any
}

// chatLogin dials the gateway's /ws and logs in as user.
func chatLogin(t *testing.T, tg *testGateway, user string) *wsUser {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(strings.Replace(tg.base, "http", "ws", 1)+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	u := &wsUser{t: t, ws: ws, frames: make(chan map[string]any, 1000)}
	go func() {
		defer close(u.frames)
		for {
			var batch []map[string]any
			if err := ws.ReadJSON(&batch); err != nil {
				return
			}
			for _, f := range batch {
				u.frames <- f
			}
		}
	}()
	sig, _ := tencentyun.GenUserSig(1400000001, "test-chat-key", user, 3600)
	u.ready = u.do(map[string]any{"type": "login", "user_id": user, "user_sig": sig})
	if u.ready["type"] != "ready" {
		t.Fatalf("login %s: %v", user, u.ready)
	}
	return u
}

// do sends req and returns its reply (ack, ready, joined or error).
func (u *wsUser) do(req map[string]any) map[string]any {
	u.t.Helper()
	u.nextID++
	id := float64(u.nextID)
	req["id"] = id
	if err := u.ws.WriteJSON(req); err != nil {
		u.t.Fatal(err)
	}
	return waitFrame(u.t, u.frames, fmt.Sprintf("reply to %v", req), func(f map[string]any) bool { return f["id"] == id })
}

// chatAdmin posts an admin REST command with the bearer token.
func chatAdmin(t *testing.T, tg *testGateway, command string, body map[string]any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", tg.base+"/v4/livestudio/"+command, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer test-admin-token-0123")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out["ActionStatus"] != "OK" {
		t.Fatalf("%s %v: %v %v", command, body, out, err)
	}
	return out
}

func remainingIn(f map[string]any, code string, max time.Duration) bool {
	ms, _ := f["remaining_ms"].(float64)
	return f["code"] == code && ms > 0 && ms <= float64(max.Milliseconds())
}

// TestChatModerationSurvivesRestartE2E: in a managed live room, a user
// muted and another kicked with a ban through the admin REST, the room
// muted, a profile set (nick by the user, level by an admin): a restart of
// the gateway on the same data_dir keeps them all; after unmute, unban and
// room unmute, another restart keeps them lifted.
func TestChatModerationSurvivesRestartE2E(t *testing.T) {
	dir := t.TempDir()
	withAdmin := func(c *Config) { c.Chat.Admins = []string{"boss"} }
	tg, stop := roomsGateway(t, dir, withAdmin)
	now := time.Now().Unix()
	cr := tg.wx(t, "/wxaapi/broadcast/room/create", map[string]any{"name": "Moderated live", "coverImg": "https://img.example/c.jpg",
		"startTime": now, "endTime": now + 3600, "anchorName": "Anchor Li", "anchorWechat": "anchor_li",
		"shareImg": "https://img.example/s.jpg", "type": 1})
	if errcode(cr) != 0 {
		t.Fatalf("create: %v", cr)
	}
	key := fmt.Sprintf("wxdemo-%d", int(cr["roomId"].(float64)))
	join := map[string]any{"type": "join", "room": key}
	send := func(text string) map[string]any { return map[string]any{"type": "send", "kind": "text", "text": text} }

	alice := chatLogin(t, tg, "alice")
	if f := alice.do(map[string]any{"type": "set_profile", "nick": "Alice", "avatar": "https://img.example/a.png"}); f["type"] != "ack" {
		t.Fatalf("set_profile: %v", f)
	}
	if f := chatLogin(t, tg, "boss").do(map[string]any{"type": "set_profile", "user_id": "alice", "level": 9}); f["type"] != "ack" {
		t.Fatalf("admin set_profile: %v", f)
	}
	for _, u := range []string{"bob", "carol"} {
		if f := chatLogin(t, tg, u).do(join); f["type"] != "joined" {
			t.Fatalf("%s join: %v", u, f)
		}
	}
	chatAdmin(t, tg, "mute", map[string]any{"RoomId": key, "Members_Account": []string{"bob"}, "MuteTime": 600})
	if r := chatAdmin(t, tg, "kick", map[string]any{"RoomId": key, "Members_Account": []string{"carol"}, "BanTime": 600}); r["Kicked"] != 1.0 {
		t.Errorf("kick: %v", r)
	}
	chatAdmin(t, tg, "mute_room", map[string]any{"RoomId": key, "Muted": true})
	stop()

	tg2, stop2 := roomsGateway(t, dir, withAdmin)
	bob := chatLogin(t, tg2, "bob")
	if f := bob.do(join); f["type"] != "joined" {
		t.Fatalf("bob join after restart: %v", f)
	}
	if f := bob.do(send("hi")); !remainingIn(f, "muted", 10*time.Minute) {
		t.Errorf("muted user's send after restart: %v", f)
	}
	carol := chatLogin(t, tg2, "carol")
	if f := carol.do(join); !remainingIn(f, "banned", 10*time.Minute) {
		t.Errorf("banned user's join after restart: %v", f)
	}
	alice = chatLogin(t, tg2, "alice")
	if p, _ := alice.ready["profile"].(map[string]any); p["nick"] != "Alice" || p["level"] != 9.0 {
		t.Errorf("profile at login after restart: %v", alice.ready)
	}
	if f := alice.do(join); f["type"] != "joined" {
		t.Fatalf("alice join: %v", f)
	}
	if f := alice.do(send("anyone?")); f["code"] != "room_muted" {
		t.Errorf("send in the muted room after restart: %v", f)
	}
	chatAdmin(t, tg2, "mute_room", map[string]any{"RoomId": key, "Muted": false})
	if f := alice.do(send("hello again")); f["type"] != "ack" {
		t.Fatalf("send after room unmute: %v", f)
	}
	m := waitFrame(t, bob.frames, "alice's message", func(f map[string]any) bool { return f["type"] == "message" && f["from"] == "alice" })
	if m["nick"] != "Alice" || m["level"] != 9.0 || m["avatar"] != "https://img.example/a.png" {
		t.Errorf("message after restart carries %v", m)
	}
	chatAdmin(t, tg2, "unmute", map[string]any{"RoomId": key, "Members_Account": []string{"bob"}})
	chatAdmin(t, tg2, "unban", map[string]any{"RoomId": key, "Members_Account": []string{"carol"}})
	stop2()

	tg3, _ := roomsGateway(t, dir, withAdmin)
	for _, u := range []string{"bob", "carol", "alice"} {
		c := chatLogin(t, tg3, u)
		if f := c.do(join); f["type"] != "joined" {
			t.Errorf("%s join after the second restart: %v", u, f)
			continue
		}
		if f := c.do(send("free again")); f["type"] != "ack" {
			t.Errorf("%s send after the second restart: %v", u, f)
		}
	}
	if v := metric(t, tg3, `livestudio_chat_persist_total{op="load_room",result="ok"}`); v < 1 {
		t.Errorf("rooms loaded, by the metrics: %v", v)
	}
}
