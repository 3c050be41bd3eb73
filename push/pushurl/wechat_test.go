package pushurl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"livestudio/internal/pushsign"
)

const (
	testAppID  = "wxtest"
	testSecret = "test-secret-0123456789"
	testRoom   = 42
)

// clock is a fake clock shared by the client and the fake server.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeWX is a WeChat-shaped live API that checks the requests it gets,
// counts them, and answers from queued replies before its default ones.
type fakeWX struct {
	t         *testing.T
	clk       *clock
	urlTTL    time.Duration // lifetime of the push URLs it hands out
	expiresIn int           // of its tokens, in seconds

	mu          sync.Mutex
	issued      []string // every token handed out
	forced      []bool   // force_refresh of each stable_token call
	pushes      int      // getpushurl calls
	tokenQueue  []http.HandlerFunc
	pushQueue   []http.HandlerFunc
	pushTokens  []string // access_token of each getpushurl call
	secretsSeen []string // txSecret of each push URL handed out
}

func newFake(t *testing.T) (*fakeWX, *httptest.Server) {
	f := &fakeWX{t: t, clk: &clock{t: time.Unix(1_700_000_000, 0)}, urlTTL: 3 * time.Minute, expiresIn: 7200}
	mux := http.NewServeMux()
	mux.HandleFunc("/cgi-bin/stable_token", f.stableToken)
	mux.HandleFunc("/wxaapi/broadcast/room/getpushurl", f.getPushURL)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return f, srv
}

// client returns a WeChat source on f's clock, logging into buf if not nil.
func (f *fakeWX) client(srv *httptest.Server, buf *bytes.Buffer, edit ...func(*WeChatConfig)) *WeChat {
	cfg := WeChatConfig{APIBase: srv.URL, AppID: testAppID, Secret: testSecret, RoomID: testRoom}
	for _, e := range edit {
		e(&cfg)
	}
	log := slog.New(slog.DiscardHandler)
	if buf != nil {
		log = slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	w := NewWeChat(cfg, srv.Client(), log)
	w.now = f.clk.Now
	return w
}

func reply(v any) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { json.NewEncoder(w).Encode(v) }
}

func errcode(code int) http.HandlerFunc {
	return reply(map[string]any{"errcode": code, "errmsg": fmt.Sprintf("error %d", code)})
}

func (f *fakeWX) queueToken(h ...http.HandlerFunc) {
	f.mu.Lock()
	f.tokenQueue = append(f.tokenQueue, h...)
	f.mu.Unlock()
}
func (f *fakeWX) queuePush(h ...http.HandlerFunc) {
	f.mu.Lock()
	f.pushQueue = append(f.pushQueue, h...)
	f.mu.Unlock()
}

func pop(q *[]http.HandlerFunc) http.HandlerFunc {
	if len(*q) == 0 {
		return nil
	}
	h := (*q)[0]
	*q = (*q)[1:]
	return h
}

func (f *fakeWX) stableToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		f.t.Errorf("stable_token: %s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		f.t.Errorf("stable_token body: %v", err)
	}
	force, isBool := body["force_refresh"].(bool)
	if body["grant_type"] != "client_credential" || body["appid"] != testAppID || body["secret"] != testSecret || !isBool || len(body) != 4 {
		f.t.Errorf("stable_token body: %v", body)
	}
	f.mu.Lock()
	f.forced = append(f.forced, force)
	h := pop(&f.tokenQueue)
	token := fmt.Sprintf("ACCESS-TOKEN-%d-%s", len(f.forced), strings.Repeat("x", 20))
	if h == nil {
		f.issued = append(f.issued, token)
	}
	f.mu.Unlock()
	if h != nil {
		h(w, r)
		return
	}
	reply(map[string]any{"access_token": token, "expires_in": f.expiresIn})(w, r)
}

func (f *fakeWX) getPushURL(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.Method != http.MethodGet || q.Get("roomId") != fmt.Sprint(testRoom) || q.Get("access_token") == "" || len(q) != 2 {
		f.t.Errorf("getpushurl: %s %s", r.Method, Redact(r.URL.String()))
	}
	f.mu.Lock()
	f.pushes++
	f.pushTokens = append(f.pushTokens, q.Get("access_token"))
	h := pop(&f.pushQueue)
	valid := len(f.issued) > 0 && q.Get("access_token") == f.issued[len(f.issued)-1]
	sig := fmt.Sprintf("TXSECRET%04d", f.pushes)
	if h == nil && valid {
		f.secretsSeen = append(f.secretsSeen, sig)
	}
	f.mu.Unlock()
	switch {
	case h != nil:
		h(w, r)
	case !valid:
		errcode(CodeInvalidCredential)(w, r)
	default:
		exp := f.clk.Now().Add(f.urlTTL)
		addr := fmt.Sprintf("rtmp://push.example.com/live/%s-%d?txSecret=%s&txTime=%s", testAppID, testRoom, sig, pushsign.TxTime(exp))
		reply(map[string]any{"errcode": 0, "pushAddr": addr})(w, r)
	}
}

// counts returns stable_token and getpushurl calls so far.
func (f *fakeWX) counts() (tokens, pushes int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.forced), f.pushes
}

func (f *fakeWX) wantCounts(t *testing.T, tokens, pushes int) {
	t.Helper()
	if gt, gp := f.counts(); gt != tokens || gp != pushes {
		t.Fatalf("calls: stable_token %d, getpushurl %d; want %d, %d", gt, gp, tokens, pushes)
	}
}

func (f *fakeWX) forcedCalls() []bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]bool(nil), f.forced...)
}

// secrets returns every credential a log or error must not show.
func (f *fakeWX) secrets() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append(append([]string{testSecret}, f.issued...), f.secretsSeen...)
}

func (f *fakeWX) noSecrets(t *testing.T, what, s string) {
	t.Helper()
	for _, v := range f.secrets() {
		if strings.Contains(s, v) {
			t.Fatalf("%s shows credential %q: %s", what, v, s)
		}
	}
	if strings.Contains(s, "ACCESS-TOKEN") {
		t.Fatalf("%s shows an access token: %s", what, s)
	}
}

func mustGet(t *testing.T, w *WeChat) URL {
	t.Helper()
	u, err := w.Get(t.Context())
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return u
}

func TestWeChatCachesTokenAndURL(t *testing.T) {
	f, srv := newFake(t)
	w := f.client(srv, nil)
	u := mustGet(t, w)
	if want := f.clk.Now().Add(3 * time.Minute); !u.Expiry.Equal(want) {
		t.Fatalf("expiry %v, want %v", u.Expiry, want)
	}
	if !strings.HasPrefix(u.Addr, "rtmp://push.example.com/live/wxtest-42?txSecret=") {
		t.Fatalf("addr %q", u.Addr)
	}
	f.clk.Advance(time.Minute)
	if again := mustGet(t, w); again != u {
		t.Fatalf("second Get %+v, want the cached %+v", again, u)
	}
	f.wantCounts(t, 1, 1)
}

func TestWeChatRenewsURLBeforeExpiry(t *testing.T) {
	cases := []struct {
		name   string
		ttl    time.Duration
		margin time.Duration // configured; 0: default
		eff    time.Duration // margin in effect
	}{
		{"tenth of a short URL", 3 * time.Minute, 0, 18 * time.Second},
		{"default margin", time.Hour, 0, 2 * time.Minute},
		{"configured margin", 3 * time.Minute, 5 * time.Second, 5 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.urlTTL = c.ttl
			w := f.client(srv, nil, func(cfg *WeChatConfig) { cfg.RefreshMargin = c.margin })
			first := mustGet(t, w)
			f.clk.Advance(c.ttl - c.eff - time.Second)
			if u := mustGet(t, w); u != first {
				t.Fatalf("renewed %v before expiry, margin is %v", first.Expiry.Sub(f.clk.Now()), c.eff)
			}
			f.clk.Advance(2 * time.Second)
			u := mustGet(t, w)
			if u == first || !u.Expiry.After(first.Expiry) {
				t.Fatalf("not renewed %v before expiry: %+v", first.Expiry.Sub(f.clk.Now()), u)
			}
			if !f.clk.Now().Before(first.Expiry) {
				t.Fatal("renewed only after expiry")
			}
			f.wantCounts(t, 1, 2) // the token is still good
		})
	}
}

func TestWeChatRenewsToken(t *testing.T) {
	f, srv := newFake(t)
	f.urlTTL = 24 * time.Hour
	w := f.client(srv, nil)
	mustGet(t, w)
	// The token (7200 s) is renewed in its last 5 minutes.
	f.clk.Advance(2*time.Hour - 5*time.Minute - time.Second)
	w.Refused(t.Context())
	mustGet(t, w)
	f.wantCounts(t, 1, 2)
	f.clk.Advance(2 * time.Second)
	w.Refused(t.Context())
	mustGet(t, w)
	f.wantCounts(t, 2, 3)
	if got := f.forcedCalls(); got[0] || got[1] {
		t.Fatalf("force_refresh %v, want none", got)
	}
}

func TestWeChatRefused(t *testing.T) {
	f, srv := newFake(t)
	w := f.client(srv, nil)
	first := mustGet(t, w)
	w.Refused(t.Context())
	if u := mustGet(t, w); u == first {
		t.Fatal("Get after Refused returned the refused URL")
	}
	f.wantCounts(t, 1, 2)
}

func TestWeChatURLWithoutTxTimeKeptUntilRefused(t *testing.T) {
	f, srv := newFake(t)
	f.queuePush(reply(map[string]any{"errcode": 0, "pushAddr": "rtmp://push.example.com/live/plain"}))
	w := f.client(srv, nil)
	u := mustGet(t, w)
	if !u.Expiry.IsZero() {
		t.Fatalf("expiry %v, want zero", u.Expiry)
	}
	f.clk.Advance(48 * time.Hour)
	if again := mustGet(t, w); again != u {
		t.Fatalf("got %+v, want the cached %+v", again, u)
	}
	w.Refused(t.Context())
	mustGet(t, w)
	f.wantCounts(t, 2, 2) // the token expired meanwhile
}

func TestWeChatExpiredTokenRetriedOnce(t *testing.T) {
	f, srv := newFake(t)
	var buf bytes.Buffer
	w := f.client(srv, &buf)
	f.queuePush(errcode(CodeTokenExpired))
	mustGet(t, w)
	f.wantCounts(t, 2, 2)
	if got := f.forcedCalls(); got[0] || got[1] {
		t.Fatalf("force_refresh %v, want none after one rejection", got)
	}
	f.mu.Lock()
	retried := f.pushTokens[1] == f.issued[1] && f.pushTokens[0] != f.pushTokens[1]
	f.mu.Unlock()
	if !retried {
		t.Fatal("the retry did not use the fresh token")
	}
	if !strings.Contains(buf.String(), "access token rejected") {
		t.Fatalf("rejection not logged: %s", buf.String())
	}
	f.noSecrets(t, "log", buf.String())
}

func TestWeChatInvalidTokenTwiceForcesRefresh(t *testing.T) {
	f, srv := newFake(t)
	w := f.client(srv, nil)
	f.queuePush(errcode(CodeInvalidCredential), errcode(CodeInvalidCredential))
	_, err := w.Get(t.Context())
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != CodeInvalidCredential || ae.Endpoint != "getpushurl" {
		t.Fatalf("err = %v, want getpushurl errcode 40001", err)
	}
	f.noSecrets(t, "error", err.Error())
	f.wantCounts(t, 2, 2) // one retry only
	mustGet(t, w)
	f.wantCounts(t, 3, 3)
	if got := f.forcedCalls(); fmt.Sprint(got) != "[false false true]" {
		t.Fatalf("force_refresh %v, want only the third", got)
	}

	// A success resets the count; WeChat ignores a force_refresh within 30 s
	// of the previous one, so none is sent then.
	w.Refused(t.Context())
	f.queuePush(errcode(CodeInvalidToken), errcode(CodeInvalidCredential))
	if _, err := w.Get(t.Context()); err == nil {
		t.Fatal("two rejections: no error")
	}
	mustGet(t, w)
	if got := f.forcedCalls(); fmt.Sprint(got) != "[false false true false false]" {
		t.Fatalf("force_refresh %v", got)
	}
	// ...but once 30 s have passed it is.
	f.clk.Advance(forceGap)
	w.Refused(t.Context())
	f.queuePush(errcode(CodeTokenExpired), errcode(CodeTokenExpired))
	w.Get(t.Context())
	mustGet(t, w)
	if got := f.forcedCalls(); fmt.Sprint(got) != "[false false true false false false true]" {
		t.Fatalf("force_refresh %v", got)
	}
}

func TestWeChatAPIErrorsNotRetried(t *testing.T) {
	cases := []struct {
		name           string
		token, push    http.HandlerFunc
		endpoint       string
		code           int
		tokens, pushes int
	}{
		{"room not found", nil, errcode(CodeRoomNotFound), "getpushurl", CodeRoomNotFound, 1, 1},
		{"system busy", nil, errcode(-1), "getpushurl", -1, 1, 1},
		{"wrong secret", errcode(CodeInvalidCredential), nil, "stable_token", CodeInvalidCredential, 1, 0},
		{"unknown appid", errcode(40013), nil, "stable_token", 40013, 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, srv := newFake(t)
			if c.token != nil {
				f.queueToken(c.token)
			}
			if c.push != nil {
				f.queuePush(c.push)
			}
			w := f.client(srv, nil)
			_, err := w.Get(t.Context())
			var ae *APIError
			if !errors.As(err, &ae) || ae.Endpoint != c.endpoint || ae.Code != c.code {
				t.Fatalf("err = %v, want %s errcode %d", err, c.endpoint, c.code)
			}
			if want := fmt.Sprintf("room 42: %s: errcode %d: error %d", c.endpoint, c.code, c.code); !strings.Contains(err.Error(), want) {
				t.Fatalf("message %q lacks %q", err, want)
			}
			f.wantCounts(t, c.tokens, c.pushes)
		})
	}
}

func TestWeChatBadAnswers(t *testing.T) {
	echoToken := func(w http.ResponseWriter, r *http.Request) { // a proxy quoting the request
		http.Error(w, "upstream failed for "+r.URL.String(), http.StatusInternalServerError)
	}
	cases := []struct {
		name        string
		token, push http.HandlerFunc
		want        string
	}{
		{"push not JSON", nil, func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("<html>gateway timeout</html>")) },
			`getpushurl: answer is not the expected JSON ("<html>gateway timeout</html>"): invalid character`},
		{"push HTTP 500", nil, echoToken, "getpushurl: HTTP 500 Internal Server Error: \"upstream failed for /wxaapi/broadcast/room/getpushurl?access_token=REDACTED&roomId=42 \""},
		{"token HTTP 502", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "bad gateway, secret "+testSecret, http.StatusBadGateway)
		}, nil, "stable_token: HTTP 502 Bad Gateway: \"bad gateway, secret REDACTED \""},
		{"push too large", nil, func(w http.ResponseWriter, _ *http.Request) {
			w.Write([]byte(`{"errcode":0,"pushAddr":"` + strings.Repeat("a", 70<<10) + `"}`))
		}, "getpushurl: answer larger than 64 KiB"},
		{"push without addr", nil, reply(map[string]any{"errcode": 0}), "getpushurl: answer has no pushAddr"},
		{"push not rtmp", nil, reply(map[string]any{"errcode": 0, "pushAddr": "http://x/live/s?txSecret=zz"}),
			"getpushurl: pushAddr http://x/live/s?txSecret=REDACTED is not an rtmp:// or rtmps:// URL"},
		{"errmsg quoting token", nil, func(w http.ResponseWriter, r *http.Request) {
			errcodeMsg(w, 40097, "invalid args: "+r.URL.Query().Get("access_token"))
		}, "getpushurl: errcode 40097: invalid args: REDACTED"},
		{"token without token", reply(map[string]any{"expires_in": 7200}), nil, "stable_token: answer has no access_token"},
		{"token without lifetime", reply(map[string]any{"access_token": "ACCESS-TOKEN-odd"}), nil, "stable_token: expires_in 0 is not positive"},
		{"push connection dropped", nil, func(w http.ResponseWriter, _ *http.Request) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
		}, "getpushurl: Get \"http://127.0.0.1:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, srv := newFake(t)
			if c.token != nil {
				f.queueToken(c.token)
			}
			if c.push != nil {
				// Twice: net/http retries a GET whose reused connection drops.
				f.queuePush(c.push, c.push)
			}
			var buf bytes.Buffer
			w := f.client(srv, &buf)
			_, err := w.Get(t.Context())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v\nwant it to contain %s", err, c.want)
			}
			f.noSecrets(t, "error", err.Error())
			f.noSecrets(t, "log", buf.String())
			if !strings.Contains(err.Error(), "access_token=REDACTED") && strings.Contains(err.Error(), "Get \"") {
				t.Fatalf("request URL not redacted: %v", err)
			}
			// The next Get recovers.
			f.mu.Lock()
			f.pushQueue = nil
			f.mu.Unlock()
			mustGet(t, w)
		})
	}
}

func errcodeMsg(w http.ResponseWriter, code int, msg string) {
	json.NewEncoder(w).Encode(map[string]any{"errcode": code, "errmsg": msg})
}

func TestWeChatContext(t *testing.T) {
	f, srv := newFake(t)
	w := f.client(srv, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := w.Get(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled ctx: %v", err)
	}

	// A Get waiting for another's fetch still honours its ctx.
	w.fetching <- struct{}{}
	ctx2, cancel2 := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { _, err := w.Get(ctx2); done <- err }()
	cancel2()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("waiting Get: %v", err)
	}
	<-w.fetching

	// The per-request timeout bounds a server that never answers.
	f.queuePush(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	w = f.client(srv, nil, func(cfg *WeChatConfig) { cfg.Timeout = 50 * time.Millisecond })
	_, err := w.Get(t.Context())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hanging server: %v", err)
	}
	f.noSecrets(t, "error", err.Error())
}

func TestWeChatConcurrentGetsShareOneFetch(t *testing.T) {
	f, srv := newFake(t)
	w := f.client(srv, nil)
	var wg sync.WaitGroup
	urls := make([]URL, 16)
	for i := range urls {
		wg.Go(func() {
			var err error
			if urls[i], err = w.Get(t.Context()); err != nil {
				t.Error(err)
			}
		})
	}
	for range 4 {
		wg.Go(func() { w.Refused(t.Context()) })
	}
	wg.Wait()
	tokens, pushes := f.counts()
	if tokens != 1 || pushes < 1 || pushes > 5 {
		t.Fatalf("stable_token %d, getpushurl %d calls for 16 Gets and 4 Refused", tokens, pushes)
	}
}

func TestWeChatLogsStateNotSecrets(t *testing.T) {
	f, srv := newFake(t)
	var buf bytes.Buffer
	w := f.client(srv, &buf)
	mustGet(t, w)
	w.Refused(t.Context())
	f.queuePush(errcode(CodeTokenExpired))
	mustGet(t, w)
	f.clk.Advance(time.Hour)
	mustGet(t, w)
	out := buf.String()
	for _, want := range []string{"access token refreshed", "push URL fetched", "url.expiry=", "push URL refused", "access token rejected", "txSecret=REDACTED"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	f.noSecrets(t, "log", out)
}

func TestWeChatConfig(t *testing.T) {
	ok := WeChatConfig{AppID: "wx", Secret: "s", RoomID: 1}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	bad := map[string]func(*WeChatConfig){
		"api_base": func(c *WeChatConfig) { c.APIBase = "ftp://x" },
		"appid":    func(c *WeChatConfig) { c.AppID = "" },
		"secret":   func(c *WeChatConfig) { c.Secret = "" },
		"room_id":  func(c *WeChatConfig) { c.RoomID = 0 },
	}
	for field, edit := range bad {
		c := ok
		edit(&c)
		_, err := NewWeChat(c, nil, nil).Get(t.Context())
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: Get error %v", field, err)
		}
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("cfg", "wechat", WeChatConfig{AppID: "wx", Secret: "S3CRET", RoomID: 1})
	if strings.Contains(buf.String(), "S3CRET") || !strings.Contains(buf.String(), "wechat.appid=wx") {
		t.Fatalf("config log: %s", buf.String())
	}
}
