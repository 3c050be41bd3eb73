package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tencentyun/tls-sig-api-v2-golang/tencentyun"

	"livestudio/internal/live"
	"livestudio/internal/testpeer"
)

const roomsAdminToken = "rooms-admin-token-0123"

// roomsGateway boots a gateway that manages wxdemo's rooms, with chat, on
// data dir dir; stop ends it (and is idempotent).
func roomsGateway(t *testing.T, dir string, mutate ...func(*Config)) (*testGateway, func()) {
	t.Helper()
	cfg := testConfig(t)
	cfg.DataDir = dir
	cfg.Apps[0].ManagedRooms = true
	cfg.Chat.SDKAppID, cfg.Chat.SecretKey, cfg.Chat.AdminToken = 1400000001, "test-chat-key", "test-admin-token-0123"
	cfg.Rooms.MinStartLead, cfg.Rooms.AdminToken, cfg.Rooms.Tick = 0, roomsAdminToken, 50*time.Millisecond
	cfg.Stream.ReconnectGrace = 0
	for _, m := range mutate {
		m(&cfg)
	}
	return bootGateway(t, cfg)
}

// wx calls the WeChat face: POST body (or GET when body is nil) with the
// app's access token; it returns the decoded answer.
func (tg *testGateway) wx(t *testing.T, path string, body any) map[string]any {
	t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	getJSON(t, "GET", tg.base+"/cgi-bin/token?grant_type=client_credential&appid=wxdemo&secret=demo-secret", nil, &tok)
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	u := tg.base + path + sep + "access_token=" + tok.AccessToken
	var out map[string]any
	if body == nil {
		getJSON(t, "GET", u, nil, &out)
	} else {
		getJSON(t, "POST", u, body, &out)
	}
	return out
}

// rest calls the REST face with the admin token.
func (tg *testGateway) rest(t *testing.T, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, tg.base+"/api/v1/apps/wxdemo"+path, rd)
	req.Header.Set("Authorization", "Bearer "+roomsAdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, out
}

func errcode(m map[string]any) int {
	f, _ := m["errcode"].(float64)
	return int(f)
}

// roomInfo returns room id's getliveinfo entry.
func (tg *testGateway) roomInfo(t *testing.T, id float64) map[string]any {
	t.Helper()
	r := tg.wx(t, "/wxa/business/getliveinfo", map[string]any{"start": 0, "limit": 100})
	if errcode(r) != 0 {
		t.Fatalf("getliveinfo: %v", r)
	}
	for _, x := range r["room_info"].([]any) {
		if m := x.(map[string]any); m["roomid"] == id {
			return m
		}
	}
	t.Fatalf("room %v not in getliveinfo: %v", id, r)
	return nil
}

func (tg *testGateway) waitStatus(t *testing.T, id float64, want int) {
	t.Helper()
	waitFor(t, 20*time.Second, fmt.Sprintf("live_status %d", want), func() bool {
		return int(tg.roomInfo(t, id)["live_status"].(float64)) == want
	})
}

// chatViewer logs in as user and joins room; frames go to the channel.
func chatViewer(t *testing.T, tg *testGateway, user, room string) chan map[string]any {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(strings.Replace(tg.base, "http", "ws", 1)+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	sig, _ := tencentyun.GenUserSig(1400000001, "test-chat-key", user, 3600)
	ws.WriteJSON(map[string]any{"type": "login", "id": 1, "user_id": user, "user_sig": sig})
	ws.WriteJSON(map[string]any{"type": "join", "id": 2, "room": room})
	frames := make(chan map[string]any, 1000)
	go func() {
		defer close(frames)
		for {
			var batch []map[string]any
			if err := ws.ReadJSON(&batch); err != nil {
				return
			}
			for _, f := range batch {
				frames <- f
			}
		}
	}()
	return frames
}

// waitFrame returns the first frame that matches.
func waitFrame(t *testing.T, frames chan map[string]any, what string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case f, ok := <-frames:
			if !ok {
				t.Fatalf("chat closed waiting for %s", what)
			}
			if match(f) {
				return f
			}
		case <-deadline:
			t.Fatalf("no %s", what)
		}
	}
}

func attr(f map[string]any, k string) string {
	a, _ := f["attrs"].(map[string]any)
	s, _ := a[k].(string)
	return s
}

// TestRoomLifecycleE2E: a room created through the WeChat face goes live
// when ffmpeg publishes to its push URL (101), shows a pushed product card
// to a WebSocket viewer, pauses when the publisher stops (105), ends by
// the REST face (103) and refuses publishing; a restart on the same data
// directory keeps the room, its goods, its card and its statistics.
func TestRoomLifecycleE2E(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	tg, stop := roomsGateway(t, dir)
	now := time.Now().Unix()
	cr := tg.wx(t, "/wxaapi/broadcast/room/create", map[string]any{"name": "Tea tasting live", "coverImg": "https://img.example/c.jpg",
		"startTime": now, "endTime": now + 3600, "anchorName": "Anchor Li", "anchorWechat": "anchor_li",
		"shareImg": "https://img.example/s.jpg", "type": 1, "closeLike": 1})
	if errcode(cr) != 0 {
		t.Fatalf("create: %v", cr)
	}
	id := cr["roomId"].(float64)
	key := fmt.Sprintf("wxdemo-%d", int(id))
	if !strings.HasSuffix(cr["qrcode_url"].(string), "/share/"+key+".png") {
		t.Errorf("qrcode_url %v", cr["qrcode_url"])
	}
	resp, err := http.Get(cr["qrcode_url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(resp.Body); err != nil {
		t.Errorf("share code is not a PNG: %v", err)
	}
	resp.Body.Close()
	if r := tg.wx(t, "/wxaapi/broadcast/room/getpushurl?roomId=999", nil); errcode(r) != live.ErrcodeRoomNotFound {
		t.Errorf("push URL of a room that does not exist: %v", r)
	}

	viewer := chatViewer(t, tg, "viewer1", key)
	j := waitFrame(t, viewer, "joined", func(f map[string]any) bool { return f["type"] == "joined" || f["type"] == "error" })
	if j["type"] != "joined" || attr(j, "status") != "102" {
		t.Fatalf("join: %v", j)
	}

	// Goods: added (pending), approved by the admin, imported, pushed.
	g := tg.wx(t, "/wxaapi/broadcast/goods/add", map[string]any{"goodsInfo": map[string]any{"coverImgUrl": "https://img.example/cup.jpg",
		"name": "Tea cup", "priceType": 1, "price": 19.9, "url": "pages/goods?id=7"}})
	if errcode(g) != 0 {
		t.Fatalf("goods/add: %v", g)
	}
	gid := g["goodsId"].(float64)
	if r := tg.wx(t, "/wxaapi/broadcast/room/addgoods", map[string]any{"roomId": id, "ids": []any{gid}}); errcode(r) != live.ErrcodeGoodsNotPassed {
		t.Errorf("unapproved goods imported: %v", r)
	}
	if st, r := tg.rest(t, "POST", fmt.Sprintf("/goods/%d/approve", int(gid)), nil); st != 200 || errcode(r) != 0 {
		t.Fatalf("approve: %d %v", st, r)
	}
	if r := tg.wx(t, "/wxaapi/broadcast/room/addgoods", map[string]any{"roomId": id, "ids": []any{gid}}); errcode(r) != 0 {
		t.Fatalf("addgoods: %v", r)
	}

	pushURL := tg.wx(t, fmt.Sprintf("/wxaapi/broadcast/room/getpushurl?roomId=%d", int(id)), nil)["pushAddr"].(string)
	pub := publish(t, pushURL, 8*time.Second)
	tg.waitStatus(t, id, live.StatusLive)
	waitFrame(t, viewer, "status 101", func(f map[string]any) bool { return f["kind"] == "attrs" && attr(f, "status") == "101" })

	if r := tg.wx(t, "/wxaapi/broadcast/goods/push", map[string]any{"roomId": id, "goodsId": gid}); errcode(r) != 0 {
		t.Fatalf("push: %v", r)
	}
	tip := waitFrame(t, viewer, "product card", func(f map[string]any) bool { return f["kind"] == "attrs" && attr(f, "product") != "" })
	var card live.Card
	if err := json.Unmarshal([]byte(attr(tip, "product")), &card); err != nil || card.GoodsID != int64(gid) ||
		card.Name != "Tea cup" || card.Price != 19.9 || card.PriceType != 1 || card.URL != "pages/goods?id=7" {
		t.Errorf("card %q: %+v %v", attr(tip, "product"), card, err)
	}
	if _, ok := tip["media_time_ms"]; !ok {
		t.Errorf("attrs tip without media_time_ms: %v", tip)
	}
	// Off sale: the card comes down and a push is refused.
	if r := tg.wx(t, "/wxaapi/broadcast/goods/onsale", map[string]any{"roomId": id, "goodsId": gid, "onSale": 0}); errcode(r) != 0 {
		t.Fatalf("onsale 0: %v", r)
	}
	waitFrame(t, viewer, "card down", func(f map[string]any) bool { return f["kind"] == "attrs" && attr(f, "product") == "" })
	if r := tg.wx(t, "/wxaapi/broadcast/goods/push", map[string]any{"roomId": id, "goodsId": gid}); errcode(r) != live.ErrcodeGoodsOffSale {
		t.Errorf("push off-sale goods: %v", r)
	}
	tg.wx(t, "/wxaapi/broadcast/goods/onsale", map[string]any{"roomId": id, "goodsId": gid, "onSale": 1})
	if r := tg.wx(t, "/wxaapi/broadcast/goods/push", map[string]any{"roomId": id, "goodsId": gid}); errcode(r) != 0 {
		t.Fatalf("push again: %v", r)
	}

	if err := pub.waitExit(t, 30*time.Second); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, pub.stderr)
	}
	tg.waitStatus(t, id, live.StatusPaused)
	waitFrame(t, viewer, "status 105", func(f map[string]any) bool { return f["kind"] == "attrs" && attr(f, "status") == "105" })

	if st, r := tg.rest(t, "POST", fmt.Sprintf("/rooms/%d/end", int(id)), nil); st != 200 || errcode(r) != 0 {
		t.Fatalf("end: %d %v", st, r)
	}
	tg.waitStatus(t, id, live.StatusEnded)
	if r := tg.wx(t, fmt.Sprintf("/wxaapi/broadcast/room/getpushurl?roomId=%d", int(id)), nil); errcode(r) != live.ErrcodeRoomState {
		t.Errorf("push URL of an ended room: %v", r)
	}
	late := publish(t, pushURL, 5*time.Second)
	if err := late.waitExit(t, 30*time.Second); err == nil {
		t.Errorf("publishing to an ended room was accepted")
	}
	if metric(t, tg, `livestudio_rtmp_publish_refused_total{reason="room_ended"}`) < 1 {
		t.Errorf("refusal not counted")
	}
	// The replay: listed with a media URL that ffmpeg decodes whole.
	var replays []any
	waitFor(t, 20*time.Second, "replay listed", func() bool {
		r := tg.wx(t, "/wxa/business/getliveinfo", map[string]any{"action": "get_replay", "room_id": id, "start": 0, "limit": 10})
		replays, _ = r["live_replay"].([]any)
		return errcode(r) == 0 && len(replays) == 1 && r["total"].(float64) == 1
	})
	mediaURL := replays[0].(map[string]any)["media_url"].(string)
	if !strings.HasPrefix(mediaURL, tg.base+"/replay/"+key+"/") {
		t.Fatalf("media_url %q", mediaURL)
	}
	waitFor(t, 20*time.Second, "replay finished", func() bool {
		resp, err := http.Get(mediaURL)
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return strings.Contains(string(b), "#EXT-X-ENDLIST")
	})
	if c := testpeer.Decode(t, mediaURL, time.Minute); c["video"] < 100 || c["audio"] < 150 {
		t.Errorf("replay decoded %v: want about 8 s of video and audio", c)
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", mediaURL).Output()
	if d, perr := strconv.ParseFloat(strings.TrimSpace(string(out)), 64); err != nil || perr != nil || d < 4 || d > 12 {
		t.Errorf("ffprobe replay duration %q: %v %v", out, err, perr)
	}

	info := tg.roomInfo(t, id)
	stats := info["stats"].(map[string]any)
	if stats["productPushes"].(float64) != 2 || stats["totalViewers"].(float64) < 1 {
		t.Errorf("stats %v", stats)
	}

	// Restart on the same data directory.
	stop()
	tg2, _ := roomsGateway(t, dir)
	info2 := tg2.roomInfo(t, id)
	if info2["name"] != "Tea tasting live" || int(info2["live_status"].(float64)) != live.StatusEnded ||
		len(info2["goods"].([]any)) != 1 || info2["close_like"].(float64) != 1 {
		t.Errorf("after restart: %v", info2)
	}
	if s2 := info2["stats"].(map[string]any); s2["productPushes"] != stats["productPushes"] || s2["totalViewers"] != stats["totalViewers"] {
		t.Errorf("stats after restart %v, before %v", s2, stats)
	}
	if r := tg2.wx(t, "/wxa/business/getliveinfo", map[string]any{"action": "get_replay", "room_id": id}); r["total"] != 1.0 {
		t.Errorf("replays after restart: %v", r)
	}
	_, room := tg2.rest(t, "GET", fmt.Sprintf("/rooms/%d", int(id)), nil)
	if p := room["room"].(map[string]any)["product"].(string); !strings.Contains(p, `"name":"Tea cup"`) {
		t.Errorf("card after restart: %q", p)
	}
	viewer2 := chatViewer(t, tg2, "viewer2", key)
	j2 := waitFrame(t, viewer2, "joined", func(f map[string]any) bool { return f["type"] == "joined" || f["type"] == "error" })
	if j2["type"] != "joined" || attr(j2, "status") != "103" || !strings.Contains(attr(j2, "product"), "Tea cup") {
		t.Errorf("join after restart: %v", j2)
	}
	// A room that was never created: chat refuses it.
	viewer3 := chatViewer(t, tg2, "viewer3", "wxdemo-4242")
	if f := waitFrame(t, viewer3, "error", func(f map[string]any) bool { return f["type"] == "error" || f["type"] == "joined" }); f["code"] != "room_not_found" {
		t.Errorf("join of an unknown managed room: %v", f)
	}
}

// TestBanStopsPublisherE2E: banning a live room stops its publisher at
// once (104) and refuses it until unbanned; deleting the room destroys its
// chat room.
func TestBanStopsPublisherE2E(t *testing.T) {
	needFFmpeg(t)
	hooks := make(chan map[string]any, 100)
	hookSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		if body["CallbackCommand"] == "Live.CallbackAfterDestroyRoom" {
			hooks <- body
		}
		w.Write([]byte(`{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`))
	}))
	defer hookSrv.Close()
	tg, _ := roomsGateway(t, t.TempDir(), func(c *Config) { c.Chat.WebhookURL = hookSrv.URL })
	now := time.Now().Unix()
	st, cr := tg.rest(t, "POST", "/rooms", map[string]any{"name": "Ban me please", "coverImg": "https://img.example/c.jpg", "startTime": now,
		"endTime": now + 3600, "anchorName": "Anchor", "anchorWechat": "anchor_1", "shareImg": "https://img.example/s.jpg"})
	if st != 200 {
		t.Fatalf("create: %d %v", st, cr)
	}
	id := cr["room"].(map[string]any)["roomId"].(float64)
	key := fmt.Sprintf("wxdemo-%d", int(id))
	_, pu := tg.rest(t, "GET", fmt.Sprintf("/rooms/%d/pushurl", int(id)), nil)
	pub := publish(t, pu["pushAddr"].(string), 60*time.Second)
	tg.waitStatus(t, id, live.StatusLive)
	viewer := chatViewer(t, tg, "viewer1", key)
	waitFrame(t, viewer, "joined", func(f map[string]any) bool { return f["type"] == "joined" })

	// Moderation from the REST face (the console's).
	if st, r := tg.rest(t, "POST", fmt.Sprintf("/rooms/%d/chat/mute", int(id)), map[string]any{"username": "viewer1", "seconds": 60}); st != 200 {
		t.Fatalf("mute: %d %v", st, r)
	}
	waitFrame(t, viewer, "muted tip", func(f map[string]any) bool { return f["kind"] == "muted" })
	if st, r := tg.rest(t, "POST", fmt.Sprintf("/rooms/%d/chat/mute", int(id)), map[string]any{"username": "a b", "seconds": 60}); st != 400 || errcode(r) != live.ErrcodeDataFormat {
		t.Errorf("mute a bad user id: %d %v", st, r)
	}
	// Kick with a ban: the rejoin is refused; unbanned from the REST face,
	// the user joins again.
	chatURL := func(what string) string { return fmt.Sprintf("/rooms/%d/chat/%s", int(id), what) }
	isType := func(typ string) func(map[string]any) bool {
		return func(f map[string]any) bool { return f["type"] == typ }
	}
	v2 := chatViewer(t, tg, "viewer2", key)
	waitFrame(t, v2, "joined", isType("joined"))
	if st, r := tg.rest(t, "POST", chatURL("kick"), map[string]any{"username": "viewer2", "banSeconds": 600}); st != 200 || r["kicked"] != 1.0 {
		t.Fatalf("kick: %d %v", st, r)
	}
	waitFrame(t, v2, "kicked", isType("kicked"))
	waitFrame(t, chatViewer(t, tg, "viewer2", key), "banned", func(f map[string]any) bool { return f["code"] == "banned" })
	for _, want := range []bool{true, false} {
		if st, r := tg.rest(t, "POST", chatURL("unban"), map[string]any{"username": "viewer2"}); st != 200 || r["wasBanned"] != want {
			t.Fatalf("unban: %d %v, want wasBanned %v", st, r, want)
		}
	}
	waitFrame(t, chatViewer(t, tg, "viewer2", key), "joined after unban", isType("joined"))

	if st, r := tg.rest(t, "POST", fmt.Sprintf("/rooms/%d/ban", int(id)), nil); st != 200 {
		t.Fatalf("ban: %d %v", st, r)
	}
	if err := pub.waitExit(t, 20*time.Second); err == nil {
		t.Error("the banned room's publisher exited cleanly: it should have been cut off")
	}
	tg.waitStatus(t, id, live.StatusBanned)
	waitFrame(t, viewer, "status 104", func(f map[string]any) bool { return f["kind"] == "attrs" && attr(f, "status") == "104" })
	if tg.Registry().Publishing(key) {
		t.Error("still publishing")
	}
	if st, r := tg.rest(t, "DELETE", fmt.Sprintf("/rooms/%d", int(id)), nil); st != 200 {
		t.Fatalf("delete: %d %v", st, r)
	}
	waitFrame(t, viewer, "room destroyed", func(f map[string]any) bool { return f["kind"] == "room_destroyed" })
	select {
	case h := <-hooks:
		st, _ := h["Statistic"].(map[string]any)
		if h["RoomId"] != key || h["EventType"] != "DestroyByUser" || st["TotalViewers"] != 2.0 || st["PeakViewers"] != 2.0 { // viewer1 and viewer2
			t.Errorf("destroy webhook: %v", h)
		}
	case <-time.After(20 * time.Second):
		t.Error("no destroy webhook")
	}
	if st, _ := tg.rest(t, "GET", fmt.Sprintf("/rooms/%d", int(id)), nil); st != 404 {
		t.Errorf("deleted room: HTTP %d", st)
	}
}
