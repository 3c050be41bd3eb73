package chat

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Webhook callback commands, Tencent IM's names (docs/protocol.md, "Webhooks").
const (
	CmdBeforeSendMsg      = "Group.CallbackBeforeSendMsg"
	CmdAfterSendMsg       = "Group.CallbackAfterSendMsg"
	CmdAfterNewMemberJoin = "Group.CallbackAfterNewMemberJoin"
	CmdAfterMemberExit    = "Group.CallbackAfterMemberExit"
	CmdAfterDestroyRoom   = "Live.CallbackAfterDestroyRoom"

	// SignatureHeader carries "sha256=" + hex(HMAC-SHA256(webhook_secret, body)).
	SignatureHeader = "X-Livestudio-Signature"

	// Destroy event types.
	DestroyByUser   = "DestroyByUser"
	DestroyBySystem = "DestroyBySystem"

	// OptPlatform values: a WebSocket client, the admin REST API, the
	// server itself (idle room removal).
	PlatformWeb     = "Web"
	PlatformRESTAPI = "RESTAPI"
	PlatformServer  = "Server"

	// webhookRetries is how many times an after-event is retried after its
	// first attempt, waiting webhook_retry_delay, then twice, then four times that.
	webhookRetries = 3
	// afterTimeout bounds one after-event POST.
	afterTimeout = 5 * time.Second
	// maxWebhookReply bounds the reply body read.
	maxWebhookReply = 64 * 1024
	groupType       = "AVChatRoom"
)

// MsgElem is one element of Tencent's MsgBody.
type MsgElem struct {
	MsgType    string     `json:"MsgType"` // TIMTextElem or TIMCustomElem
	MsgContent MsgContent `json:"MsgContent"`
}

// MsgContent holds either Text or Data/Desc/Ext.
type MsgContent struct {
	Text string `json:"Text,omitempty"`
	Data string `json:"Data,omitempty"`
	Desc string `json:"Desc,omitempty"`
	Ext  string `json:"Ext,omitempty"`
}

const (
	elemText   = "TIMTextElem"
	elemCustom = "TIMCustomElem"
)

func msgBody(m *Message) []MsgElem {
	if m.Kind == KindText {
		return []MsgElem{{MsgType: elemText, MsgContent: MsgContent{Text: m.Text}}}
	}
	return []MsgElem{{MsgType: elemCustom, MsgContent: MsgContent{Data: m.Data, Desc: m.Description, Ext: m.Extension}}}
}

// applyBody replaces m's content with the first element of body.
func applyBody(m *Message, body []MsgElem) error {
	e := body[0]
	switch e.MsgType {
	case elemText:
		if e.MsgContent.Text == "" {
			return errors.New("TIMTextElem with empty Text")
		}
		m.Kind, m.Text, m.Data, m.Description, m.Extension = KindText, e.MsgContent.Text, "", "", ""
	case elemCustom:
		m.Kind, m.Text = KindCustom, ""
		m.Data, m.Description, m.Extension = e.MsgContent.Data, e.MsgContent.Desc, e.MsgContent.Ext
	default:
		return fmt.Errorf("unsupported MsgType %q", e.MsgType)
	}
	return nil
}

// Callback bodies.
type msgCallback struct {
	CallbackCommand string    `json:"CallbackCommand"`
	GroupID         string    `json:"GroupId"`
	Type            string    `json:"Type"`
	From            string    `json:"From_Account"`
	Operator        string    `json:"Operator_Account"`
	Random          uint64    `json:"Random"`
	OnlineOnlyFlag  int       `json:"OnlineOnlyFlag"`
	MsgSeq          uint64    `json:"MsgSeq,omitempty"`
	MsgTime         int64     `json:"MsgTime,omitempty"`
	MsgPriority     string    `json:"MsgPriority"`
	MsgBody         []MsgElem `json:"MsgBody"`
	EventTime       int64     `json:"EventTime"`
}

type memberAccount struct {
	Member string `json:"Member_Account"`
}

type joinCallback struct {
	CallbackCommand string          `json:"CallbackCommand"`
	GroupID         string          `json:"GroupId"`
	Type            string          `json:"Type"`
	JoinType        string          `json:"JoinType"`
	Operator        string          `json:"Operator_Account"`
	NewMemberList   []memberAccount `json:"NewMemberList"`
	EventTime       int64           `json:"EventTime"`
}

type exitCallback struct {
	CallbackCommand string          `json:"CallbackCommand"`
	GroupID         string          `json:"GroupId"`
	Type            string          `json:"Type"`
	ExitType        string          `json:"ExitType"` // Quit or Kicked
	Operator        string          `json:"Operator_Account"`
	ExitMemberList  []memberAccount `json:"ExitMemberList"`
	EventTime       int64           `json:"EventTime"`
}

// RoomInfo and Statistic are the destroy callback's blocks (the seed's shape).
type RoomInfo struct {
	RoomName               string `json:"RoomName"`
	RoomType               string `json:"RoomType"`
	Owner                  string `json:"Owner_Account"`
	IsSeatEnabled          bool   `json:"IsSeatEnabled"`
	TakeSeatMode           string `json:"TakeSeatMode"`
	MaxMemberCount         int    `json:"MaxMemberCount"`
	MaxSeatCount           int    `json:"MaxSeatCount"`
	Category               []int  `json:"Category"`
	CustomInfo             string `json:"CustomInfo"`
	IsMessageDisabled      bool   `json:"IsMessageDisabled"`
	CoverURL               string `json:"CoverURL"`
	ActivityStatus         int    `json:"ActivityStatus"`
	IsPublicVisible        bool   `json:"IsPublicVisible"`
	ViewCount              uint64 `json:"ViewCount"`
	BackgroundURL          string `json:"BackgroundURL"`
	IsUnlimitedRoomEnabled bool   `json:"IsUnlimitedRoomEnabled"`
}

// Statistic is the destroy callback's Statistic block: the seed's fields
// plus livestudio's PeakViewers (most connections at once), TotalComments
// (text messages delivered) and TotalProductPushes (product cards set).
type Statistic struct {
	TotalViewers           int   `json:"TotalViewers"`
	TotalGiftsSent         int64 `json:"TotalGiftsSent"`
	TotalGiftCoins         int64 `json:"TotalGiftCoins"`
	TotalUniqueGiftSenders int   `json:"TotalUniqueGiftSenders"`
	TotalLikesReceived     int64 `json:"TotalLikesReceived"`
	PeakViewers            int   `json:"PeakViewers"`
	TotalComments          int64 `json:"TotalComments"`
	TotalProductPushes     int64 `json:"TotalProductPushes"`
}

type destroyCallback struct {
	CallbackCommand string    `json:"CallbackCommand"`
	Operator        string    `json:"Operator_Account"`
	RoomID          string    `json:"RoomId"`
	EventType       string    `json:"EventType"`
	EventTime       int64     `json:"EventTime"`
	RoomInfo        RoomInfo  `json:"RoomInfo"`
	Statistic       Statistic `json:"Statistic"`
}

// callbackReply is the webhook's answer (only before-send reads it).
type callbackReply struct {
	ActionStatus string    `json:"ActionStatus"`
	ErrorCode    *int      `json:"ErrorCode"`
	ErrorInfo    string    `json:"ErrorInfo"`
	MsgBody      []MsgElem `json:"MsgBody"`
}

// afterEvent is a queued after-callback; the body is encoded by the worker.
type afterEvent struct {
	command  string
	clientIP string
	platform string
	body     any
}

// webhooks posts callbacks. nil (no webhook_url) makes every method a no-op.
type webhooks struct {
	s      *Server
	url    string
	secret []byte
	client *http.Client

	mu    sync.Mutex
	queue []afterEvent // oldest first, at most WebhookQueueLen
	wake  chan struct{}
}

func newWebhooks(s *Server) *webhooks {
	if s.cfg.WebhookURL == "" {
		return nil
	}
	return &webhooks{s: s, url: s.cfg.WebhookURL, secret: []byte(s.cfg.WebhookSecret),
		client: &http.Client{}, wake: make(chan struct{}, 1)}
}

// sign returns the signature header value for body.
func signBody(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// post sends one callback and returns the reply body of a 2xx answer.
func (w *webhooks) post(ctx context.Context, command, clientIP, platform string, body []byte) ([]byte, error) {
	q := url.Values{}
	q.Set("SdkAppid", strconv.FormatUint(w.s.cfg.SDKAppID, 10))
	q.Set("CallbackCommand", command)
	q.Set("contenttype", "json")
	q.Set("ClientIP", clientIP)
	q.Set("OptPlatform", platform)
	u := w.url
	if strings.Contains(u, "?") {
		u += "&" + q.Encode()
	} else {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if len(w.secret) > 0 {
		req.Header.Set(SignatureHeader, signBody(w.secret, body))
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, maxWebhookReply))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return reply, nil
}

func (w *webhooks) count(command, result string) {
	w.s.m.webhooks.WithLabelValues(command, result).Inc()
}

// beforeSend asks the webhook about m, sent on connection c, without any
// room lock held. It returns nil to deliver m (possibly with a replaced
// body), errDropSilently to ack without delivering, or the sender's error.
func (w *webhooks) beforeSend(c *client, roomID string, m *Message) *reqError {
	if w == nil {
		return nil
	}
	body := encode(msgCallback{CallbackCommand: CmdBeforeSendMsg, GroupID: roomID, Type: groupType,
		From: m.From, Operator: m.From, Random: randomID(), MsgPriority: m.Priority.String(),
		MsgBody: msgBody(m), EventTime: w.s.now().UnixMilli()})
	ctx, cancel := context.WithTimeout(context.Background(), w.s.cfg.BeforeSendTimeout)
	defer cancel()
	raw, err := w.post(ctx, CmdBeforeSendMsg, c.remoteIP(), PlatformWeb, body)
	var reply callbackReply
	if err == nil {
		if err = json.Unmarshal(raw, &reply); err == nil && reply.ErrorCode == nil {
			err = errors.New("reply has no ErrorCode")
		}
	}
	if err == nil {
		switch *reply.ErrorCode {
		case 0:
			if len(reply.MsgBody) == 0 {
				w.count(CmdBeforeSendMsg, "allow")
				return nil
			}
			if err = applyBody(m, reply.MsgBody); err == nil {
				w.count(CmdBeforeSendMsg, "modify")
				return nil
			}
		case 1:
			w.count(CmdBeforeSendMsg, "reject")
			info := reply.ErrorInfo
			if info == "" {
				info = "message rejected"
			}
			return errorf(CodeRejectedByWebhook, "%s", info)
		case 2:
			w.count(CmdBeforeSendMsg, "drop")
			return errDropSilently
		default:
			err = fmt.Errorf("unknown ErrorCode %d", *reply.ErrorCode)
		}
	}
	if w.s.cfg.BeforeSendFailOpen {
		w.count(CmdBeforeSendMsg, "fail_open")
		w.s.log.Warn("chat before-send webhook failed; delivering (fail-open)", "err", err)
		return nil
	}
	w.count(CmdBeforeSendMsg, "fail_closed")
	w.s.log.Warn("chat before-send webhook failed; refusing (fail-closed)", "err", err)
	return errorf(CodeWebhookUnavailable, "the message check is unavailable; try again")
}

// errDropSilently: the webhook dropped the message (ErrorCode 2); the sender
// is acked as if it had been delivered.
var errDropSilently = &reqError{code: "dropped_silently"}

// enqueue queues an after-event without ever waiting: when the queue is
// full the oldest event is dropped (and counted). Safe under a room lock.
func (w *webhooks) enqueue(ev afterEvent) {
	if w == nil {
		return
	}
	w.mu.Lock()
	if len(w.queue) >= w.s.cfg.WebhookQueueLen {
		old := w.queue[0]
		w.queue[0] = afterEvent{}
		w.queue = w.queue[1:]
		w.count(old.command, "dropped")
	}
	w.queue = append(w.queue, ev)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *webhooks) pop() (afterEvent, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.queue) == 0 {
		return afterEvent{}, false
	}
	ev := w.queue[0]
	w.queue[0] = afterEvent{}
	w.queue = w.queue[1:]
	return ev, true
}

// run delivers queued after-events one at a time until ctx ends; each is
// retried webhookRetries times with doubling delays. When ctx ends it drains
// what is still queued (the exits of the connections closed at shutdown
// among them), one attempt each, for at most WebhookDrainTimeout; whatever
// is left then is dropped and counted.
func (w *webhooks) run(ctx context.Context) {
	if w == nil {
		return
	}
	defer w.drain()
	for {
		ev, ok := w.pop()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-w.wake:
				continue
			}
		}
		if !w.deliver(ctx, ev) {
			w.pushFront(ev) // interrupted by shutdown: the drain tries it
			return
		}
	}
}

// deliver posts ev with retries; it reports false if ctx ended first.
func (w *webhooks) deliver(ctx context.Context, ev afterEvent) bool {
	body := encode(ev.body)
	delay := w.s.cfg.WebhookRetryDelay
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, afterTimeout)
		_, err := w.post(actx, ev.command, ev.clientIP, ev.platform, body)
		cancel()
		if err == nil {
			w.count(ev.command, "ok")
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if attempt == webhookRetries {
			w.count(ev.command, "failed")
			w.s.log.Warn("chat webhook failed; event dropped", "command", ev.command, "err", err)
			return true
		}
		w.count(ev.command, "retry")
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		delay *= 2
	}
}

func (w *webhooks) pushFront(ev afterEvent) {
	w.mu.Lock()
	w.queue = append([]afterEvent{ev}, w.queue...)
	w.mu.Unlock()
}

// drain posts what is queued, once each, within WebhookDrainTimeout.
func (w *webhooks) drain() {
	ctx, cancel := context.WithTimeout(context.Background(), w.s.cfg.WebhookDrainTimeout)
	defer cancel()
	sent, dropped := 0, 0
	for {
		ev, ok := w.pop()
		if !ok {
			break
		}
		if ctx.Err() == nil {
			actx, acancel := context.WithTimeout(ctx, afterTimeout)
			_, err := w.post(actx, ev.command, ev.clientIP, ev.platform, encode(ev.body))
			acancel()
			if err == nil {
				w.count(ev.command, "ok")
				sent++
				continue
			}
		}
		w.count(ev.command, "dropped_at_shutdown")
		dropped++
	}
	if sent+dropped > 0 {
		w.s.log.Info("chat webhooks drained at shutdown", "sent", sent, "dropped", dropped)
	}
}

// afterSend queues Group.CallbackAfterSendMsg for a delivered text or custom
// message; from is nil for a REST send.
func (w *webhooks) afterSend(roomID string, from *client, m *Message) {
	if w == nil || (m.Kind != KindText && m.Kind != KindCustom) {
		return
	}
	ip, platform := "", PlatformRESTAPI
	if from != nil {
		ip, platform = from.remoteIP(), PlatformWeb
	}
	w.enqueue(afterEvent{command: CmdAfterSendMsg, clientIP: ip, platform: platform,
		body: msgCallback{CallbackCommand: CmdAfterSendMsg, GroupID: roomID, Type: groupType, From: m.From,
			Operator: m.From, Random: randomID(), MsgSeq: m.Seq, MsgTime: m.Time / 1000,
			MsgPriority: m.Priority.String(), MsgBody: msgBody(m), EventTime: m.Time}})
}

func (w *webhooks) afterJoin(roomID, userID string, c *client, now time.Time) {
	if w == nil {
		return
	}
	w.enqueue(afterEvent{command: CmdAfterNewMemberJoin, clientIP: c.remoteIP(), platform: PlatformWeb,
		body: joinCallback{CallbackCommand: CmdAfterNewMemberJoin, GroupID: roomID, Type: groupType,
			JoinType: "Apply", Operator: userID, NewMemberList: []memberAccount{{userID}}, EventTime: now.UnixMilli()}})
}

// afterExit: exitType is Quit (left or disconnected) or Kicked (operator
// is who kicked).
func (w *webhooks) afterExit(roomID, userID, exitType, operator, ip, platform string, now time.Time) {
	if w == nil {
		return
	}
	w.enqueue(afterEvent{command: CmdAfterMemberExit, clientIP: ip, platform: platform,
		body: exitCallback{CallbackCommand: CmdAfterMemberExit, GroupID: roomID, Type: groupType,
			ExitType: exitType, Operator: operator, ExitMemberList: []memberAccount{{userID}}, EventTime: now.UnixMilli()}})
}

// afterDestroyLocked queues Live.CallbackAfterDestroyRoom with the room's
// statistics; r.mu is held.
func (w *webhooks) afterDestroyLocked(r *room, eventType, operator, platform string, now time.Time) {
	if w == nil {
		return
	}
	custom := ""
	if len(r.attrs) > 0 {
		custom = string(encode(r.attrs))
	}
	w.enqueue(afterEvent{command: CmdAfterDestroyRoom, platform: platform,
		body: destroyCallback{CallbackCommand: CmdAfterDestroyRoom, Operator: operator, RoomID: r.id,
			EventType: eventType, EventTime: now.UnixMilli(),
			RoomInfo: RoomInfo{RoomName: r.id, RoomType: "Live", TakeSeatMode: "None", Category: []int{},
				CustomInfo: custom, IsMessageDisabled: r.mod.roomMuted, ViewCount: r.stats.Joins,
				IsPublicVisible: true, IsUnlimitedRoomEnabled: true},
			Statistic: r.statisticLocked()}})
}

// remoteIP is the client's IP address (no port).
func (c *client) remoteIP() string {
	a := c.conn.RemoteAddr()
	if a == nil {
		return ""
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// randomID is Tencent's Random field: a message's random number.
func randomID() uint64 { return uint64(rand.Uint32()) }
