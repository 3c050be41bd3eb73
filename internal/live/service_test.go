package live

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"livestudio/internal/pushsign"
)

type apiResp struct {
	Errcode     int    `json:"errcode"`
	Errmsg      string `json:"errmsg"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	PushAddr    string `json:"pushAddr"`
}

func newTestService() (*Service, *httptest.Server, *time.Time) {
	now := time.Unix(1_800_000_000, 0)
	s := NewService([]App{{AppID: "wxdemo", Secret: "demo-secret", PushKey: "demo-push-key", PushURLTTL: time.Hour}},
		2*time.Hour, "127.0.0.1:1935", slog.New(slog.DiscardHandler))
	s.now = func() time.Time { return now }
	mux := http.NewServeMux()
	s.Register(mux)
	return s, httptest.NewServer(mux), &now
}

func call(t *testing.T, method, u string, body string) apiResp {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r apiResp
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestTokenErrors(t *testing.T) {
	_, srv, _ := newTestService()
	defer srv.Close()
	cases := []struct {
		query string
		want  int
	}{
		{"grant_type=client_credential&appid=wxdemo&secret=demo-secret", 0},
		{"grant_type=client_credential&appid=nope&secret=demo-secret", ErrcodeInvalidAppID},
		{"grant_type=client_credential&appid=wxdemo&secret=wrong", ErrcodeInvalidCred},
		{"grant_type=other&appid=wxdemo&secret=demo-secret", ErrcodeInvalidGrant},
		{"grant_type=client_credential&secret=demo-secret", ErrcodeMissingAppID},
		{"grant_type=client_credential&appid=wxdemo", ErrcodeMissingSecret},
	}
	for _, c := range cases {
		r := call(t, "GET", srv.URL+"/cgi-bin/token?"+c.query, "")
		if r.Errcode != c.want {
			t.Errorf("%s: errcode %d (%s), want %d", c.query, r.Errcode, r.Errmsg, c.want)
		}
		if c.want == 0 && (r.AccessToken == "" || r.ExpiresIn <= 0 || r.ExpiresIn > 7200) {
			t.Errorf("token response %+v", r)
		}
	}
	if r := call(t, "POST", srv.URL+"/cgi-bin/stable_token", "{not json"); r.Errcode != ErrcodeBadRequest {
		t.Errorf("bad JSON: %+v", r)
	}
}

func TestStableTokenIsStableAndForceRefreshIsNot(t *testing.T) {
	_, srv, now := newTestService()
	defer srv.Close()
	body := `{"grant_type":"client_credential","appid":"wxdemo","secret":"demo-secret"}`
	a := call(t, "POST", srv.URL+"/cgi-bin/stable_token", body)
	*now = now.Add(time.Minute)
	b := call(t, "POST", srv.URL+"/cgi-bin/stable_token", body)
	if a.AccessToken == "" || a.AccessToken != b.AccessToken || b.ExpiresIn != a.ExpiresIn-60 {
		t.Errorf("stable_token not stable: %+v then %+v", a, b)
	}
	c := call(t, "POST", srv.URL+"/cgi-bin/stable_token", strings.Replace(body, "}", `,"force_refresh":true}`, 1))
	if c.AccessToken == a.AccessToken || c.ExpiresIn != 7200 {
		t.Errorf("force_refresh: %+v", c)
	}
}

func TestGetPushURL(t *testing.T) {
	s, srv, now := newTestService()
	defer srv.Close()
	tok := call(t, "GET", srv.URL+"/cgi-bin/token?grant_type=client_credential&appid=wxdemo&secret=demo-secret", "").AccessToken
	r := call(t, "GET", srv.URL+"/wxaapi/broadcast/room/getpushurl?roomId=12&access_token="+url.QueryEscape(tok), "")
	if r.Errcode != 0 || !strings.HasPrefix(r.PushAddr, "rtmp://127.0.0.1:1935/live/wxdemo-12?txSecret=") {
		t.Fatalf("getpushurl: %+v", r)
	}
	u, _ := url.Parse(r.PushAddr)
	key, err := s.AuthorizePublish("live", "wxdemo-12", u.RawQuery)
	if err != nil || key != "wxdemo-12" {
		t.Fatalf("gateway refuses its own push URL: %v", err)
	}
	if _, err := s.AuthorizePublish("live", "wxdemo-13", u.RawQuery); !errors.Is(err, pushsign.ErrBadSig) {
		t.Errorf("URL of room 12 accepted for room 13: %v", err)
	}
	if _, err := s.AuthorizePublish("app", "wxdemo-12", u.RawQuery); !errors.Is(err, ErrWrongApp) {
		t.Errorf("wrong RTMP app: %v", err)
	}

	cases := []struct {
		query string
		want  int
	}{
		{"roomId=1", ErrcodeMissingToken},
		{"roomId=1&access_token=garbage", ErrcodeInvalidCred},
		{"roomId=1&access_token=" + url.QueryEscape(tok[:len(tok)-2]+"xx"), ErrcodeInvalidCred},
		{"roomId=abc&access_token=" + url.QueryEscape(tok), ErrcodeRoomNotFound},
		{"roomId=-4&access_token=" + url.QueryEscape(tok), ErrcodeRoomNotFound},
	}
	for _, c := range cases {
		if r := call(t, "GET", srv.URL+"/wxaapi/broadcast/room/getpushurl?"+c.query, ""); r.Errcode != c.want {
			t.Errorf("%s: errcode %d, want %d", c.query, r.Errcode, c.want)
		}
	}
	*now = now.Add(3 * time.Hour)
	if r := call(t, "GET", srv.URL+"/wxaapi/broadcast/room/getpushurl?roomId=1&access_token="+url.QueryEscape(tok), ""); r.Errcode != ErrcodeTokenExpired {
		t.Errorf("expired token: %+v", r)
	}
	if _, err := s.AuthorizePublish("live", "wxdemo-12", u.RawQuery); !errors.Is(err, pushsign.ErrExpired) {
		t.Errorf("expired push URL: %v", err)
	}
}

func FuzzTokenParse(f *testing.F) {
	f.Add(makeToken("wxdemo", "demo-secret", time.Unix(1_800_000_000, 0)))
	f.Add("")
	f.Add(".")
	f.Add("AAAA.BBBB")
	s := NewService([]App{{AppID: "wxdemo", Secret: "demo-secret", PushKey: "k", PushURLTTL: time.Hour}},
		2*time.Hour, "h", slog.New(slog.DiscardHandler))
	s.now = func() time.Time { return time.Unix(1_700_000_000, 0) }
	f.Fuzz(func(t *testing.T, tok string) {
		// Never panic; accept only the exact token the gateway would issue.
		if _, err := s.checkToken(tok); err == nil {
			appID, exp, _, _, _ := tokenApp(tok)
			if tok != makeToken(appID, "demo-secret", exp) {
				t.Fatalf("non-canonical token accepted: %q", tok)
			}
		}
	})
}
