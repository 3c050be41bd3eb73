package chat

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/tencentyun/tls-sig-api-v2-golang/tencentyun"
)

const (
	testAppID      = 1400000001
	testAdminToken = "test-admin-token-0123456789"
	testKey        = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
	// waitLimit only stops a broken test from hanging; nothing asserts on time.
	waitLimit = 20 * time.Second
)

type harness struct {
	t   *testing.T
	s   *Server
	reg *prometheus.Registry
	url string
	// http is the server's http:// base URL (admin REST).
	http string
	// stop ends Run and waits for it (also done at cleanup).
	stop func()
}

// newHarness serves a chat server on 127.0.0.1:0 with LikeInterval so long
// that Run's ticker never fires: tests call s.tick themselves.
func newHarness(t *testing.T, tune func(*Config)) *harness {
	t.Helper()
	return newHarnessOpts(t, tune, nil)
}

// newHarnessOpts is newHarness with opts adjusting the server's Options.
func newHarnessOpts(t *testing.T, tune func(*Config), opts func(*Options)) *harness {
	t.Helper()
	cfg := DefaultConfig()
	cfg.SDKAppID, cfg.SecretKey, cfg.Admins = testAppID, testKey, []string{"admin"}
	cfg.AdminToken = testAdminToken
	cfg.LikeInterval, cfg.OnlineInterval = time.Hour, time.Hour
	cfg.ConnSendRate, cfg.ConnSendBurst = 1e6, 1e6
	// The shipped config batches broadcasts; so do the tests (room_batch.go).
	cfg.FlushDelay = 20 * time.Millisecond
	if tune != nil {
		tune(&cfg)
	}
	reg := prometheus.NewRegistry()
	o := Options{Metrics: reg, MediaTime: func(room string) (time.Duration, bool) {
		return 42 * time.Second, room == "live"
	}}
	if opts != nil {
		opts(&o)
	}
	s, err := New(cfg, o)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/v4/livestudio/", s.AdminHandler())
	mux.Handle("/", s)
	srv := httptest.NewServer(mux)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.Run(ctx); err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	stop := sync.OnceFunc(func() {
		cancel()
		<-done
	})
	t.Cleanup(func() {
		stop()
		srv.Close()
	})
	return &harness{t: t, s: s, reg: reg, url: "ws" + strings.TrimPrefix(srv.URL, "http"), http: srv.URL, stop: stop}
}

// frame is any server message, decoded loosely.
type frame struct {
	Type        string            `json:"type"`
	ID          json.RawMessage   `json:"id"`
	Code        string            `json:"code"`
	Message     string            `json:"message"`
	RetryAfter  int64             `json:"retry_after_ms"`
	Priority    string            `json:"priority"`
	UserID      string            `json:"user_id"`
	Guest       bool              `json:"guest"`
	Admin       bool              `json:"admin"`
	Room        string            `json:"room"`
	Seq         uint64            `json:"seq"`
	Kind        string            `json:"kind"`
	Text        string            `json:"text"`
	Data        string            `json:"data"`
	Extension   string            `json:"extension"`
	From        string            `json:"from"`
	Nick        string            `json:"nick"`
	Avatar      string            `json:"avatar"`
	Level       int               `json:"level"`
	Time        int64             `json:"time"`
	MediaTimeMS *int64            `json:"media_time_ms"`
	Online      int               `json:"online"`
	Attrs       map[string]string `json:"attrs"`
	Changed     []string          `json:"changed"`
	Likes       struct {
		Total  int64     `json:"total"`
		Recent []UserRef `json:"recent"`
	} `json:"likes"`
	History    []frame   `json:"history"`
	Total      int64     `json:"total"`
	Delta      int64     `json:"delta"`
	Recent     []UserRef `json:"recent"`
	Users      []UserRef `json:"users"`
	Count      int       `json:"count"`
	LikesTotal *int64    `json:"likes_total"`
	// Moderation.
	RemainingMS int64  `json:"remaining_ms"`
	By          string `json:"by"`
	DurationMS  int64  `json:"duration_ms"`
	Until       int64  `json:"until"`
	Reason      string `json:"reason"`
	BanUntil    int64  `json:"ban_until"`
	BanMS       int64  `json:"ban_ms"`
}

// tclient is a real gorilla client whose reader goroutine splits the
// server's array frames into single messages.
type tclient struct {
	t      *testing.T
	conn   *websocket.Conn
	in     chan frame
	closed chan error // the read error that ended the reader
	wmu    sync.Mutex
	nextID int
	frames atomic.Int64 // WebSocket frames received
}

func (h *harness) dial(query string) *tclient {
	h.t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial(h.url+"/ws"+query, nil)
	if err != nil {
		h.t.Fatalf("dial: %v", err)
	}
	c := &tclient{t: h.t, conn: conn, in: make(chan frame, 100000), closed: make(chan error, 1)}
	h.t.Cleanup(func() { conn.Close() })
	go c.read()
	if f := c.waitType("ready"); !f.Guest {
		h.t.Fatalf("first frame: %+v, want a guest ready", f)
	}
	return c
}

func (c *tclient) read() {
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			c.closed <- err
			close(c.in)
			return
		}
		c.frames.Add(1)
		var batch []frame
		if err := json.Unmarshal(data, &batch); err != nil {
			c.closed <- fmt.Errorf("frame is not a JSON array: %v: %s", err, data)
			close(c.in)
			return
		}
		for _, f := range batch {
			c.in <- f
		}
	}
}

// request sends a request with a fresh id and returns the id.
func (c *tclient) request(req map[string]any) string {
	c.t.Helper()
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.nextID++
	id := fmt.Sprint(c.nextID)
	req["id"] = id
	if err := c.conn.WriteJSON(req); err != nil {
		select {
		case rerr := <-c.closed:
			c.t.Fatalf("write: %v (reader ended: %v)", err, rerr)
		default:
			c.t.Fatalf("write: %v", err)
		}
	}
	return id
}

// next returns the next message.
func (c *tclient) next() frame {
	c.t.Helper()
	select {
	case f, ok := <-c.in:
		if !ok {
			c.t.Fatalf("connection ended: %v", <-c.closed)
		}
		return f
	case <-time.After(waitLimit):
		c.t.Fatalf("no message within %s", waitLimit)
	}
	return frame{}
}

// waitFor skips messages until one matches.
func (c *tclient) waitFor(what string, match func(frame) bool) frame {
	c.t.Helper()
	for {
		if f := c.next(); match(f) {
			return f
		} else if f.Type == "error" && what != "error" {
			c.t.Logf("skipping error while waiting for %s: %+v", what, f)
		}
	}
}

func (c *tclient) waitType(typ string) frame {
	c.t.Helper()
	return c.waitFor(typ, func(f frame) bool { return f.Type == typ })
}

// reply waits for the reply to request id (ack, ready, joined or error).
func (c *tclient) reply(id string) frame {
	c.t.Helper()
	return c.waitFor("reply "+id, func(f frame) bool { return string(f.ID) == `"`+id+`"` })
}

// do sends a request and returns its reply.
func (c *tclient) do(req map[string]any) frame {
	c.t.Helper()
	return c.reply(c.request(req))
}

// mustDo sends a request and fails unless the reply is wantType.
func (c *tclient) mustDo(wantType string, req map[string]any) frame {
	c.t.Helper()
	f := c.do(req)
	if f.Type != wantType {
		c.t.Fatalf("%v: got %+v, want %s", req, f, wantType)
	}
	return f
}

func sig(t *testing.T, user string, expire int) string {
	t.Helper()
	s, err := tencentyun.GenUserSig(testAppID, testKey, user, expire)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// user dials, logs in as id and joins room (if not empty).
func (h *harness) user(id, room string) *tclient {
	h.t.Helper()
	c := h.dial("")
	c.mustDo("ready", map[string]any{"type": "login", "user_id": id, "user_sig": sig(h.t, id, 3600)})
	if room != "" {
		c.mustDo("joined", map[string]any{"type": "join", "room": room})
	}
	return c
}

func (h *harness) tick() { h.s.tick(h.s.now(), true) }

// metric reads a counter or gauge from the registry; labels are name, value
// pairs (none for an unlabelled metric).
func (h *harness) metric(name string, labels ...string) float64 {
	h.t.Helper()
	families, err := h.reg.Gather()
	if err != nil {
		h.t.Fatal(err)
	}
	for _, fam := range families {
		if fam.GetName() != name {
			continue
		}
	next:
		for _, m := range fam.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
						found = true
					}
				}
				if !found {
					continue next
				}
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return 0
}
