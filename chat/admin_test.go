package chat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

type adminReply struct {
	status       int
	ActionStatus string
	ErrorCode    int
	ErrorInfo    string
	Seq          uint64
	Attrs        map[string]string
	Online       *int
	Kicked       *int
	Messages     []frame
	Rate         float64
}

// admin posts body to command with the bearer token.
func (h *harness) admin(command string, body any) adminReply {
	h.t.Helper()
	return h.adminWith(command, "", "Bearer "+testAdminToken, body)
}

// adminWith posts with the given query and Authorization header.
func (h *harness) adminWith(command, query, auth string, body any) adminReply {
	h.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		h.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, h.http+"/v4/livestudio/"+command+query, bytes.NewReader(b))
	if err != nil {
		h.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var r adminReply
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		h.t.Fatalf("%s: decode: %v", command, err)
	}
	r.status = resp.StatusCode
	return r
}

func (h *harness) adminOK(command string, body any) adminReply {
	h.t.Helper()
	r := h.admin(command, body)
	if r.status != http.StatusOK || r.ActionStatus != "OK" || r.ErrorCode != 0 {
		h.t.Fatalf("%s %v: %+v", command, body, r)
	}
	return r
}

func sigQuery(t *testing.T, id string, expire int) string {
	return fmt.Sprintf("?sdkappid=%d&identifier=%s&usersig=%s&random=99&contenttype=json",
		testAppID, id, url.QueryEscape(sig(t, id, expire)))
}

func TestAdminAuth(t *testing.T) {
	h := newHarness(t, nil)
	body := map[string]any{"RoomId": "r", "Text": "hi"}
	for name, c := range map[string]struct {
		query, auth  string
		status, code int
	}{
		"no credentials":   {"", "", 401, AdminNoAuth},
		"wrong token":      {"", "Bearer wrong-token-0123456789", 401, AdminNoAuth},
		"basic auth":       {"", "Basic YWRtaW46eA==", 401, AdminNoAuth},
		"wrong app":        {"?sdkappid=1&identifier=admin&usersig=" + url.QueryEscape(sig(t, "admin", 3600)), "", 401, AdminBadAppID},
		"bad sig":          {fmt.Sprintf("?sdkappid=%d&identifier=admin&usersig=garbage", testAppID), "", 401, AdminBadSig},
		"other user's sig": {fmt.Sprintf("?sdkappid=%d&identifier=admin&usersig=%s", testAppID, url.QueryEscape(sig(t, "alice", 3600))), "", 401, AdminBadSig},
		"expired sig":      {sigQuery(t, "admin", -10), "", 401, AdminSigExpired},
		"not an admin":     {sigQuery(t, "alice", 3600), "", 403, AdminNotAdmin},
	} {
		r := h.adminWith("send_notice", c.query, c.auth, body)
		if r.status != c.status || r.ErrorCode != c.code || r.ActionStatus != "FAIL" || r.ErrorInfo == "" {
			t.Errorf("%s: %+v, want HTTP %d code %d", name, r, c.status, c.code)
		}
	}
	if r := h.adminWith("send_notice", sigQuery(t, "admin", 3600), "", body); r.ActionStatus != "OK" || r.Seq != 1 {
		t.Errorf("admin usersig: %+v", r)
	}
	if r := h.admin("nope", body); r.status != 404 || r.ErrorCode != AdminNoCommand {
		t.Errorf("unknown command: %+v", r)
	}
	if r := h.admin("send_notice", map[string]any{"RoomId": ""}); r.ErrorCode != AdminBadRequest {
		t.Errorf("no room: %+v", r)
	}
	resp, err := http.Get(h.http + "/v4/livestudio/online")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", resp.StatusCode)
	}
	if v := h.metric("livestudio_chat_admin_requests_total", "command", "send_notice", "status", "FAIL"); v != 9 {
		t.Errorf("FAIL metric %v", v)
	}
}

func TestAdminMessagesAndAttrs(t *testing.T) {
	h := newHarness(t, nil)
	viewer := h.dial("?room=r")
	viewer.waitType("joined")

	h.adminOK("send_notice", map[string]any{"RoomId": "r", "Text": "starting soon", "Data": `{"n":1}`})
	if f := viewer.waitType("message"); f.Kind != KindNotice || f.Text != "starting soon" || f.From != AdminIdentifier ||
		f.Priority != "high" || f.Seq != 1 {
		t.Errorf("notice: %+v", f)
	}
	h.adminOK("send_msg", map[string]any{"RoomId": "r", "From_Account": "bob", "Text": "hello from bob"})
	if f := viewer.waitType("message"); f.Kind != KindText || f.From != "bob" || f.Priority != "normal" || f.Seq != 2 {
		t.Errorf("send_msg: %+v", f)
	}
	h.adminOK("send_msg", map[string]any{"RoomId": "r", "From_Account": "bob", "Kind": "custom", "Data": "gift",
		"Extension": `{"coins":5}`, "Priority": "high"})
	if f := viewer.waitType("message"); f.Kind != KindCustom || f.Data != "gift" || f.Priority != "high" {
		t.Errorf("custom: %+v", f)
	}
	if r := h.admin("send_msg", map[string]any{"RoomId": "r", "From_Account": "bob", "Kind": "x", "Text": "a"}); r.ErrorCode != AdminBadRequest {
		t.Errorf("bad kind: %+v", r)
	}
	if r := h.admin("send_msg", map[string]any{"RoomId": "r", "From_Account": "bob", "Text": strings.Repeat("a", 13000)}); r.ErrorCode != AdminTooLarge {
		t.Errorf("too large: %+v", r)
	}

	h.adminOK("set_attrs", map[string]any{"RoomId": "r", "Attrs": map[string]any{"product": "p1", "status": "live"}})
	if f := viewer.waitType("tip"); f.Kind != TipAttrs || f.Attrs["product"] != "p1" || f.From != AdminIdentifier {
		t.Errorf("attrs tip: %+v", f)
	}
	if r := h.adminOK("get_attrs", map[string]any{"RoomId": "r"}); len(r.Attrs) != 2 || r.Attrs["status"] != "live" {
		t.Errorf("get_attrs: %+v", r)
	}
	if r := h.admin("set_attrs", map[string]any{"RoomId": "r", "Attrs": map[string]any{"k": strings.Repeat("v", 600)}}); r.ErrorCode != AdminTooLarge {
		t.Errorf("big attr: %+v", r)
	}
	if r := h.adminOK("online", map[string]any{"RoomId": "r"}); r.Online == nil || *r.Online != 1 {
		t.Errorf("online: %+v", r)
	}
	r := h.adminOK("history", map[string]any{"RoomId": "r"})
	if len(r.Messages) != 3 || r.Seq != 3 || r.Messages[0].Kind != KindNotice || r.Messages[2].Data != "gift" {
		t.Errorf("history: %+v", r)
	}
	if r := h.adminOK("history", map[string]any{"RoomId": "r", "Limit": 1}); len(r.Messages) != 1 || r.Messages[0].Seq != 3 {
		t.Errorf("history limit: %+v", r)
	}
	for _, cmd := range []string{"get_attrs", "online", "history"} {
		if r := h.admin(cmd, map[string]any{"RoomId": "nowhere"}); r.ErrorCode != AdminRoomNotFound || r.status != 200 {
			t.Errorf("%s of a missing room: %+v", cmd, r)
		}
	}
}

func TestAdminModeration(t *testing.T) {
	h := newHarness(t, nil)
	alice := h.user("alice", "r")
	bob := h.user("bob", "r")

	h.adminOK("mute", map[string]any{"RoomId": "r", "Members_Account": []string{"bob"}, "MuteTime": 120})
	if tip := alice.waitFor("muted tip", func(f frame) bool { return f.Type == "tip" && f.Kind != TipJoin }); tip.Kind != TipMuted || tip.Users[0].UserID != "bob" || tip.By != AdminIdentifier {
		t.Errorf("mute tip: %+v", tip)
	}
	if f := bob.do(map[string]any{"type": "send", "kind": "text", "text": "x"}); f.Code != CodeMuted || f.RemainingMS <= 0 {
		t.Errorf("muted: %+v", f)
	}
	// MuteTime 0 unmutes, as Tencent's forbid_send_msg; unmute does too.
	h.adminOK("mute", map[string]any{"RoomId": "r", "Members_Account": []string{"bob"}, "MuteTime": 0})
	bob.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "x"})
	h.adminOK("mute", map[string]any{"RoomId": "r", "Members_Account": []string{"bob"}, "MuteTime": 60})
	h.adminOK("unmute", map[string]any{"RoomId": "r", "Members_Account": []string{"bob"}})
	bob.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "y"})
	if r := h.admin("mute", map[string]any{"RoomId": "r", "Members_Account": []string{"bob", "admin"}, "MuteTime": 60}); r.ErrorCode != AdminNotAdmin {
		t.Errorf("mute an admin: %+v", r)
	}
	if r := h.admin("mute", map[string]any{"RoomId": "r", "Members_Account": []string{"bob"}}); r.ErrorCode != AdminBadRequest {
		t.Errorf("mute without MuteTime: %+v", r)
	}

	h.adminOK("mute_room", map[string]any{"RoomId": "r", "Muted": true})
	if f := alice.do(map[string]any{"type": "send", "kind": "text", "text": "x"}); f.Code != CodeRoomMuted {
		t.Errorf("room muted: %+v", f)
	}
	h.adminOK("mute_room", map[string]any{"RoomId": "r", "Muted": false})
	alice.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "x"})

	r := h.adminOK("kick", map[string]any{"RoomId": "r", "Members_Account": []string{"bob"}, "BanTime": 600, "Reason": "spam"})
	if r.Kicked == nil || *r.Kicked != 1 {
		t.Errorf("kick: %+v", r)
	}
	if k := bob.waitType("kicked"); k.BanMS != 600000 || k.Reason != "spam" || k.By != AdminIdentifier {
		t.Errorf("kicked: %+v", k)
	}
	if f := bob.do(map[string]any{"type": "join", "room": "r"}); f.Code != CodeBanned {
		t.Errorf("rejoin: %+v", f)
	}
	if r := h.adminOK("online", map[string]any{"RoomId": "r"}); *r.Online != 1 {
		t.Errorf("online after kick: %d", *r.Online)
	}
	// A ban before the user ever joined (the room is created for it).
	h.adminOK("kick", map[string]any{"RoomId": "later", "Members_Account": []string{"carol"}, "BanTime": 600})
	carol := h.user("carol", "")
	if f := carol.do(map[string]any{"type": "join", "room": "later"}); f.Code != CodeBanned {
		t.Errorf("pre-ban: %+v", f)
	}
	st, _ := h.s.RoomStats("r")
	if st.Mutes != 2 || st.Unmutes != 2 || st.Kicks != 1 || st.RoomMutes != 1 || st.RefusedMuted != 1 || st.RefusedRoomMuted != 1 {
		t.Errorf("stats: %+v", st)
	}
}

// TestAdminRoomRate: a per-room rate override sheds as the new rate says.
func TestAdminRoomRate(t *testing.T) {
	h := newHarness(t, nil)
	alice := h.user("alice", "r")
	if r := h.adminOK("set_room_rate", map[string]any{"RoomId": "r", "Rate": 2}); r.Rate != 2 {
		t.Errorf("set_room_rate: %+v", r)
	}
	// The bucket holds 2 tokens now: a burst of normal messages sheds
	// after at most 2 (plus what trickles in meanwhile).
	shed := 0
	for range 20 {
		if f := alice.do(map[string]any{"type": "send", "kind": "text", "text": "x"}); f.Code == CodeRoomRateShed {
			shed++
		}
	}
	if shed == 0 {
		t.Error("nothing shed at 2 msg/s")
	}
	if r := h.admin("set_room_rate", map[string]any{"RoomId": "r", "Rate": -1}); r.ErrorCode != AdminBadRequest {
		t.Errorf("negative rate: %+v", r)
	}
	if r := h.adminOK("set_room_rate", map[string]any{"RoomId": "r", "Rate": 0}); r.Rate != 40 {
		t.Errorf("reset: %+v", r)
	}
}
