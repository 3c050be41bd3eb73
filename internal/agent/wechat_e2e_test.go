package agent

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"livestudio/internal/pushsign"
)

// fakeWeChat answers stable_token and getpushurl like WeChat, checking the
// requests, handing out push URLs (signed for the gateway) that expire in
// ttl, and answering errcode 42001 to the first getpushurl.
type fakeWeChat struct {
	t        *testing.T
	rtmpHost string
	ttl      time.Duration

	mu       sync.Mutex
	tokens   int
	pushURLs int
	expired  bool // the first getpushurl said 42001
	bad      []string
}

func (f *fakeWeChat) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/cgi-bin/stable_token":
		var req map[string]any
		if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&req) != nil ||
			req["grant_type"] != "client_credential" || req["appid"] != "wxdemo" || req["secret"] != "demo-secret" {
			f.bad = append(f.bad, "stable_token: "+r.Method)
			json.NewEncoder(w).Encode(map[string]any{"errcode": 40013, "errmsg": "invalid appid"})
			return
		}
		f.tokens++
		json.NewEncoder(w).Encode(map[string]any{"access_token": "tok" + strings.Repeat("x", f.tokens), "expires_in": 7200})
	case "/wxaapi/broadcast/room/getpushurl":
		q := r.URL.Query()
		if r.Method != http.MethodGet || q.Get("roomId") != "1" || !strings.HasPrefix(q.Get("access_token"), "tok") {
			f.bad = append(f.bad, "getpushurl: "+r.URL.RawQuery)
		}
		if !f.expired {
			f.expired = true
			json.NewEncoder(w).Encode(map[string]any{"errcode": 42001, "errmsg": "access_token expired"})
			return
		}
		if q.Get("access_token") != "tokxx" {
			f.bad = append(f.bad, "getpushurl with the expired token after 42001")
		}
		f.pushURLs++
		json.NewEncoder(w).Encode(map[string]any{"errcode": 0, "pushAddr": "rtmp://" + f.rtmpHost + "/live/wxdemo-1?" +
			pushsign.Query("demo-push-key", "wxdemo-1", time.Now().Add(f.ttl))})
	default:
		http.NotFound(w, r)
	}
}

// TestWeChatShortLivedURLsAndExpiredToken: 42001 makes the agent refresh
// the token once and retry; URLs that expire soon are renewed before they
// expire while the push session goes on.
func TestWeChatShortLivedURLsAndExpiredToken(t *testing.T) {
	g, _ := runGateway(t, "127.0.0.1:0", "127.0.0.1:0")
	wx := &fakeWeChat{t: t, rtmpHost: g.RTMPAddr().String(), ttl: 5 * time.Second}
	srv := httptest.NewServer(wx)
	defer srv.Close()
	a := runAgent(t, demoAgentConfig(srv.URL))
	waitFor(t, 20*time.Second, "pushing through WeChat's URL", func() bool {
		s := g.Registry().Get("wxdemo-1")
		return s != nil && s.Stats().Units > 25
	})
	waitFor(t, 20*time.Second, "URL renewed before it expired", func() bool {
		wx.mu.Lock()
		defer wx.mu.Unlock()
		return wx.pushURLs >= 2
	})
	wx.mu.Lock()
	defer wx.mu.Unlock()
	if wx.tokens != 2 {
		t.Errorf("%d token requests, want 2 (one, then one after 42001)", wx.tokens)
	}
	if len(wx.bad) > 0 {
		t.Errorf("bad requests: %v", wx.bad)
	}
	if st := a.Status()[0].Push; st.Publishes != 1 || st.URLExpiry.IsZero() {
		t.Errorf("push status %+v", st)
	}
}

// TestRefusedPublishIsVisible: a push URL the server refuses gives a clear
// status and the agent keeps trying.
func TestRefusedPublishIsVisible(t *testing.T) {
	g, _ := runGateway(t, "127.0.0.1:0", "127.0.0.1:0")
	cfg := demoAgentConfig("http://unused.invalid")
	cfg.Channels[0].Destination.WeChat = nil
	cfg.Channels[0].Destination.URL = "rtmp://" + g.RTMPAddr().String() + "/live/wxdemo-1?txSecret=00&txTime=7FFFFFFF"
	a := runAgent(t, cfg)
	waitFor(t, 20*time.Second, "refusal reported", func() bool {
		st := a.Status()[0].Push
		return st.Failures >= 2 && strings.Contains(st.LastError, "txSecret does not match")
	})
	if st := a.Status()[0]; st.Source.State != SourceLive || st.Push.Publishes != 0 {
		t.Errorf("status %+v", st)
	}
}
