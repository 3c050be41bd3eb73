package chat

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

const testWebhookSecret = "webhook-secret-for-tests"

// hookReq is one callback the receiver got.
type hookReq struct {
	query  url.Values
	sigOK  bool
	body   map[string]any
	raw    []byte
	header http.Header
}

func (h hookReq) str(key string) string { s, _ := h.body[key].(string); return s }

// receiver is a real HTTP server standing in for the business backend.
type receiver struct {
	t   *testing.T
	url string
	// before answers Group.CallbackBeforeSendMsg given the first element's
	// text; nil answers ErrorCode 0. It may block until quit.
	before func(text string, w http.ResponseWriter, r *http.Request)
	// failFirst makes the first n after-event posts answer 500.
	failFirst int
	quit      chan struct{}

	mu  sync.Mutex
	got []hookReq
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{t: t, quit: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(rc.quit) }) // runs first: releases blocked handlers
	rc.url = srv.URL + "/im/callback"
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	mac := hmac.New(sha256.New, []byte(testWebhookSecret))
	mac.Write(raw)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	hr := hookReq{query: r.URL.Query(), raw: raw, header: r.Header.Clone(),
		sigOK: r.Method == http.MethodPost && hmac.Equal([]byte(r.Header.Get(SignatureHeader)), []byte(want))}
	if err := json.Unmarshal(raw, &hr.body); err != nil {
		rc.t.Errorf("callback body is not JSON: %v: %s", err, raw)
	}
	rc.mu.Lock()
	rc.got = append(rc.got, hr)
	fail := false
	if hr.query.Get("CallbackCommand") != CmdBeforeSendMsg && rc.failFirst > 0 {
		rc.failFirst--
		fail = true
	}
	before := rc.before
	rc.mu.Unlock()
	if fail {
		http.Error(w, "try later", http.StatusInternalServerError)
		return
	}
	if hr.query.Get("CallbackCommand") == CmdBeforeSendMsg && before != nil {
		text := ""
		if body, ok := hr.body["MsgBody"].([]any); ok && len(body) > 0 {
			c, _ := body[0].(map[string]any)["MsgContent"].(map[string]any)
			text, _ = c["Text"].(string)
		}
		before(text, w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`)
}

// wait returns the first callback of cmd that matches, waiting for it.
func (rc *receiver) wait(cmd string, match func(hookReq) bool) hookReq {
	rc.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		rc.mu.Lock()
		for _, h := range rc.got {
			if h.query.Get("CallbackCommand") == cmd && (match == nil || match(h)) {
				rc.mu.Unlock()
				return h
			}
		}
		rc.mu.Unlock()
		if time.Now().After(deadline) {
			rc.t.Fatalf("no %s callback within %s", cmd, waitLimit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (rc *receiver) count(cmd string) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	n := 0
	for _, h := range rc.got {
		if h.query.Get("CallbackCommand") == cmd {
			n++
		}
	}
	return n
}

func webhookHarness(t *testing.T, rc *receiver, tune func(*Config)) *harness {
	return newHarness(t, func(c *Config) {
		c.WebhookURL, c.WebhookSecret = rc.url, testWebhookSecret
		c.WebhookRetryDelay = 10 * time.Millisecond
		if tune != nil {
			tune(c)
		}
	})
}

// checkQuery checks Tencent's query parameters and the signature.
func checkQuery(t *testing.T, h hookReq, cmd, platform string) {
	t.Helper()
	q := h.query
	if q.Get("SdkAppid") != strconv.Itoa(testAppID) || q.Get("CallbackCommand") != cmd ||
		q.Get("contenttype") != "json" || q.Get("OptPlatform") != platform || !q.Has("ClientIP") {
		t.Errorf("%s query: %v", cmd, q)
	}
	if platform == PlatformWeb && q.Get("ClientIP") != "127.0.0.1" {
		t.Errorf("%s ClientIP %q, want 127.0.0.1", cmd, q.Get("ClientIP"))
	}
	if !h.sigOK {
		t.Errorf("%s: signature %q does not verify", cmd, h.header.Get(SignatureHeader))
	}
	if h.str("CallbackCommand") != cmd {
		t.Errorf("%s body CallbackCommand %q", cmd, h.str("CallbackCommand"))
	}
}

func textOf(h hookReq) string {
	body, _ := h.body["MsgBody"].([]any)
	if len(body) != 1 {
		return ""
	}
	e, _ := body[0].(map[string]any)
	c, _ := e["MsgContent"].(map[string]any)
	s, _ := c["Text"].(string)
	return s
}

func TestWebhookBeforeSendDecisions(t *testing.T) {
	rc := newReceiver(t)
	rc.before = func(text string, w http.ResponseWriter, _ *http.Request) {
		switch text {
		case "modify me":
			io.WriteString(w, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"modified"}}]}`)
		case "reject me":
			io.WriteString(w, `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"no ads here"}`)
		case "drop me":
			io.WriteString(w, `{"ActionStatus":"OK","ErrorCode":2,"ErrorInfo":""}`)
		default:
			io.WriteString(w, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}`)
		}
	}
	h := webhookHarness(t, rc, nil)
	alice := h.user("alice", "r1")
	bob := h.user("bob", "r1")

	if f := alice.do(map[string]any{"type": "send", "kind": "text", "text": "hello"}); f.Type != "ack" || f.Seq == 0 {
		t.Fatalf("allowed: %+v", f)
	}
	if f := bob.waitType("message"); f.Text != "hello" || f.From != "alice" {
		t.Fatalf("bob got %+v", f)
	}
	if f := alice.do(map[string]any{"type": "send", "kind": "text", "text": "modify me"}); f.Type != "ack" || f.Seq == 0 {
		t.Fatalf("modified: %+v", f)
	}
	if f := bob.waitType("message"); f.Text != "modified" {
		t.Fatalf("bob got %+v, want the webhook's MsgBody", f)
	}
	if f := alice.do(map[string]any{"type": "send", "kind": "text", "text": "reject me"}); f.Type != "error" ||
		f.Code != CodeRejectedByWebhook || f.Message != "no ads here" {
		t.Fatalf("rejected: %+v", f)
	}
	if f := alice.do(map[string]any{"type": "send", "kind": "text", "text": "drop me"}); f.Type != "ack" || f.Seq != 0 {
		t.Fatalf("dropped: %+v, want an ack without seq", f)
	}
	// A custom message is asked about too, in TIMCustomElem shape.
	if f := alice.do(map[string]any{"type": "send", "kind": "custom", "data": "follow", "extension": "{}"}); f.Type != "ack" {
		t.Fatalf("custom: %+v", f)
	}
	// Bob receives the custom message next: neither the rejected nor the
	// dropped one reached him.
	if f := bob.waitType("message"); f.Kind != KindCustom || f.Data != "follow" {
		t.Fatalf("bob got %+v, want the custom message", f)
	}

	b := rc.wait(CmdBeforeSendMsg, func(h hookReq) bool { return textOf(h) == "hello" })
	checkQuery(t, b, CmdBeforeSendMsg, PlatformWeb)
	if b.str("GroupId") != "r1" || b.str("From_Account") != "alice" || b.str("Type") != "AVChatRoom" {
		t.Errorf("before-send body: %s", b.raw)
	}
	c := rc.wait(CmdBeforeSendMsg, func(h hookReq) bool { return textOf(h) == "" })
	body := c.body["MsgBody"].([]any)[0].(map[string]any)
	if body["MsgType"] != "TIMCustomElem" || body["MsgContent"].(map[string]any)["Data"] != "follow" {
		t.Errorf("custom before-send body: %s", c.raw)
	}

	// After-send for what was delivered, with the final body.
	a := rc.wait(CmdAfterSendMsg, func(h hookReq) bool { return textOf(h) == "modified" })
	checkQuery(t, a, CmdAfterSendMsg, PlatformWeb)
	if a.str("GroupId") != "r1" || a.str("From_Account") != "alice" || a.body["MsgSeq"].(float64) != 2 {
		t.Errorf("after-send body: %s", a.raw)
	}
	rc.wait(CmdAfterSendMsg, func(h hookReq) bool { return textOf(h) == "hello" })
	rc.wait(CmdAfterSendMsg, func(h hookReq) bool { return textOf(h) == "" })
	// Three delivered; the queue is FIFO and the custom one was last, so
	// nothing else is coming.
	if n := rc.count(CmdAfterSendMsg); n != 3 {
		t.Errorf("%d after-send callbacks, want 3", n)
	}
	for _, r := range []string{"allow", "modify", "reject", "drop"} {
		want := 1.0
		if r == "allow" {
			want = 2
		}
		if got := h.metric("livestudio_chat_webhooks_total", "command", CmdBeforeSendMsg, "result", r); got != want {
			t.Errorf("before-send %s counted %g, want %g", r, got, want)
		}
	}
}

func TestWebhookBeforeSendFailure(t *testing.T) {
	for _, open := range []bool{true, false} {
		t.Run("fail_open="+strconv.FormatBool(open), func(t *testing.T) {
			rc := newReceiver(t)
			rc.before = func(_ string, _ http.ResponseWriter, r *http.Request) {
				select { // never answers in time
				case <-r.Context().Done():
				case <-rc.quit:
				}
			}
			h := webhookHarness(t, rc, func(c *Config) {
				c.BeforeSendTimeout, c.BeforeSendFailOpen = 50*time.Millisecond, open
			})
			alice := h.user("alice", "r1")
			bob := h.user("bob", "r1")
			f := alice.do(map[string]any{"type": "send", "kind": "text", "text": "hi"})
			if open {
				if f.Type != "ack" || f.Seq == 0 {
					t.Fatalf("fail-open: %+v, want delivered", f)
				}
				if m := bob.waitType("message"); m.Text != "hi" {
					t.Fatalf("bob got %+v", m)
				}
			} else if f.Type != "error" || f.Code != CodeWebhookUnavailable {
				t.Fatalf("fail-closed: %+v, want %s", f, CodeWebhookUnavailable)
			}
			result := "fail_closed"
			if open {
				result = "fail_open"
			}
			if got := h.metric("livestudio_chat_webhooks_total", "command", CmdBeforeSendMsg, "result", result); got != 1 {
				t.Errorf("%s counted %g, want 1", result, got)
			}
		})
	}
}

func TestWebhookJoinExitAndDestroyStatistics(t *testing.T) {
	rc := newReceiver(t)
	h := webhookHarness(t, rc, nil)
	alice := h.user("alice", "r1")
	bob := h.user("bob", "r1")
	bob2 := h.user("bob", "r1") // the same user twice: one viewer
	guest := h.dial("?room=r1")
	guest.waitType("joined")

	rc.wait(CmdAfterNewMemberJoin, func(r hookReq) bool {
		l, _ := r.body["NewMemberList"].([]any)
		return len(l) == 1 && l[0].(map[string]any)["Member_Account"] == "alice"
	})
	j := rc.wait(CmdAfterNewMemberJoin, nil)
	checkQuery(t, j, CmdAfterNewMemberJoin, PlatformWeb)
	if j.str("GroupId") != "r1" || j.str("Type") != "AVChatRoom" {
		t.Errorf("join body: %s", j.raw)
	}

	// Likes: 3 + 2. Gifts: alice 100 + 50, bob 10, carol (REST) 5; a follow
	// and a gift without coins are not gifts.
	alice.mustDo("ack", map[string]any{"type": "like", "count": 3})
	bob.mustDo("ack", map[string]any{"type": "like", "count": 2})
	gift := func(c *tclient, ext string) {
		c.mustDo("ack", map[string]any{"type": "send", "kind": "custom", "data": "gift", "description": "rose",
			"extension": ext, "priority": "high"})
	}
	gift(alice, `{"coins":100}`)
	gift(alice, `{"coins":50,"count":1}`)
	gift(bob2, `{"coins":10}`)
	gift(bob, `{"name":"no coins"}`)
	bob.mustDo("ack", map[string]any{"type": "send", "kind": "custom", "data": "follow", "extension": `{"coins":999}`})
	h.adminOK("send_msg", map[string]any{"RoomId": "r1", "From_Account": "carol", "Kind": "custom",
		"Data": "gift", "Extension": `{"coins":5}`, "Priority": "high"})

	alice.mustDo("ack", map[string]any{"type": "leave"})
	x := rc.wait(CmdAfterMemberExit, func(r hookReq) bool { return r.str("ExitType") == "Quit" })
	checkQuery(t, x, CmdAfterMemberExit, PlatformWeb)
	if l, _ := x.body["ExitMemberList"].([]any); len(l) != 1 || l[0].(map[string]any)["Member_Account"] != "alice" {
		t.Errorf("exit body: %s", x.raw)
	}
	rest := rc.wait(CmdAfterSendMsg, func(r hookReq) bool { return r.str("From_Account") == "carol" })
	checkQuery(t, rest, CmdAfterSendMsg, PlatformRESTAPI)

	if r := h.adminOK("destroy_room", map[string]any{"RoomId": "r1"}); r.Online == nil || *r.Online != 3 {
		t.Errorf("destroy_room reply: %+v, want Online 3", r)
	}
	for _, c := range []*tclient{bob, bob2, guest} {
		c.waitFor("room_destroyed tip", func(f frame) bool { return f.Type == "tip" && f.Kind == TipRoomDestroyed })
	}
	if f := bob.do(map[string]any{"type": "send", "kind": "text", "text": "still here?"}); f.Type != "error" {
		t.Errorf("send after destroy: %+v, want an error", f)
	}
	if r := h.admin("online", map[string]any{"RoomId": "r1"}); r.ErrorCode != AdminRoomNotFound {
		t.Errorf("online after destroy: %+v", r)
	}
	if r := h.admin("destroy_room", map[string]any{"RoomId": "r1"}); r.ErrorCode != AdminRoomNotFound {
		t.Errorf("second destroy: %+v", r)
	}

	d := rc.wait(CmdAfterDestroyRoom, nil)
	checkQuery(t, d, CmdAfterDestroyRoom, PlatformRESTAPI)
	var got destroyCallback
	if err := json.Unmarshal(d.raw, &got); err != nil {
		t.Fatal(err)
	}
	want := Statistic{TotalViewers: 3, TotalGiftsSent: 4, TotalGiftCoins: 165, TotalUniqueGiftSenders: 3,
		TotalLikesReceived: 5, PeakViewers: 4}
	if got.Statistic != want {
		t.Errorf("Statistic %+v, want %+v", got.Statistic, want)
	}
	if got.RoomID != "r1" || got.EventType != DestroyByUser || got.Operator != AdminIdentifier ||
		got.RoomInfo.RoomType != "Live" || got.RoomInfo.ViewCount != 4 || got.EventTime == 0 {
		t.Errorf("destroy callback: %s", d.raw)
	}
	for _, k := range []string{"RoomInfo", "Statistic", "EventTime", "Operator_Account"} {
		if _, ok := d.body[k]; !ok {
			t.Errorf("destroy callback has no %s: %s", k, d.raw)
		}
	}
	// The room is new when joined again.
	bob.mustDo("joined", map[string]any{"type": "join", "room": "r1"})
}

func TestWebhookKickAndIdleDestroy(t *testing.T) {
	rc := newReceiver(t)
	rc.failFirst = 2 // the first two after-event posts fail: retried
	h := webhookHarness(t, rc, func(c *Config) { c.RoomIdleTTL = 0 })
	bob := h.user("bob", "r2")
	h.adminOK("kick", map[string]any{"RoomId": "r2", "Members_Account": []string{"bob"}})
	bob.waitType("kicked")
	k := rc.wait(CmdAfterMemberExit, func(r hookReq) bool { return r.str("ExitType") == "Kicked" })
	if k.str("Operator_Account") != AdminIdentifier {
		t.Errorf("kick exit: %s", k.raw)
	}
	h.tick() // empty with room_idle_ttl 0: dropped
	d := rc.wait(CmdAfterDestroyRoom, nil)
	checkQuery(t, d, CmdAfterDestroyRoom, PlatformServer)
	var got destroyCallback
	json.Unmarshal(d.raw, &got)
	if got.EventType != DestroyBySystem || got.RoomID != "r2" || got.Statistic.TotalViewers != 1 {
		t.Errorf("idle destroy: %s", d.raw)
	}
	if n := h.metric("livestudio_chat_webhooks_total", "command", CmdAfterNewMemberJoin, "result", "retry"); n != 2 {
		t.Errorf("join retried %g times, want 2", n)
	}
}

// A full queue drops the oldest event, counted; nothing waits.
func TestWebhookQueueDropsOldest(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SDKAppID, cfg.SecretKey = testAppID, testKey
	cfg.WebhookURL, cfg.WebhookQueueLen = "http://127.0.0.1:1/cb", 2
	reg := prometheus.NewRegistry()
	s, err := New(cfg, Options{Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		s.hooks.enqueue(afterEvent{command: CmdAfterSendMsg, body: i})
	}
	if len(s.hooks.queue) != 2 || s.hooks.queue[0].body != 1 || s.hooks.queue[1].body != 2 {
		t.Errorf("queue %+v, want events 1 and 2", s.hooks.queue)
	}
	h := &harness{t: t, reg: reg}
	if n := h.metric("livestudio_chat_webhooks_total", "command", CmdAfterSendMsg, "result", "dropped"); n != 1 {
		t.Errorf("dropped %g, want 1", n)
	}
}

func TestWebhookConfig(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SDKAppID, cfg.SecretKey = testAppID, testKey
	if cfg.BeforeSendTimeout != 2*time.Second || !cfg.BeforeSendFailOpen {
		t.Errorf("defaults: %s fail-open %v", cfg.BeforeSendTimeout, cfg.BeforeSendFailOpen)
	}
	cfg.WebhookURL = "ftp://example.com/x"
	if err := cfg.Validate(); err == nil {
		t.Error("ftp webhook_url accepted")
	}
}

// TestWebhookDrainAtShutdown: after-events still queued when the server
// stops, an interrupted retry and the exits of the connections closed by
// the shutdown among them, are posted before Run returns.
func TestWebhookDrainAtShutdown(t *testing.T) {
	rc := newReceiver(t)
	rc.failFirst = 1 // alice's join fails once; its retry waits an hour
	h := webhookHarness(t, rc, func(c *Config) { c.WebhookRetryDelay = time.Hour })
	h.user("alice", "r")
	rc.wait(CmdAfterNewMemberJoin, nil) // the failed attempt
	h.user("bob", "r")
	h.stop()
	for _, who := range []string{"alice", "bob"} {
		isWho := func(hr hookReq) bool {
			list, _ := hr.body["NewMemberList"].([]any)
			if len(list) == 0 {
				list, _ = hr.body["ExitMemberList"].([]any)
			}
			m, _ := list[0].(map[string]any)
			return m["Member_Account"] == who
		}
		rc.wait(CmdAfterNewMemberJoin, isWho)
		rc.wait(CmdAfterMemberExit, isWho)
	}
	if n := rc.count(CmdAfterNewMemberJoin); n != 3 { // alice twice (failed, drained), bob
		t.Errorf("%d join callbacks, want 3", n)
	}
	if n := h.metric("livestudio_chat_webhooks_total", "command", CmdAfterMemberExit, "result", "ok"); n != 2 {
		t.Errorf("exit callbacks ok %g, want 2", n)
	}
}
