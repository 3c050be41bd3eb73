package pushurl

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"livestudio/internal/live"
	"livestudio/internal/pushsign"
)

// gateway serves the real gateway implementation of the live API.
func gateway(t *testing.T) *httptest.Server {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	svc := live.NewService([]live.App{{AppID: "wxdemo", Secret: "demo-secret", PushKey: "demo-push-key",
		PushURLTTL: time.Hour}}, 2*time.Hour, "127.0.0.1:1935", log)
	mux := http.NewServeMux()
	svc.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestWeChatAgainstGateway(t *testing.T) {
	srv := gateway(t)
	w := NewWeChat(WeChatConfig{APIBase: srv.URL + "/", AppID: "wxdemo", Secret: "demo-secret", RoomID: 1},
		srv.Client(), slog.New(slog.DiscardHandler))
	u, err := w.Get(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "rtmp://127.0.0.1:1935/live/wxdemo-1?"
	if !strings.HasPrefix(u.Addr, prefix) || !strings.Contains(u.Addr, "txSecret=") || !strings.Contains(u.Addr, "txTime=") {
		t.Fatalf("push URL %q", u.Addr)
	}
	exp, err := pushsign.Verify("demo-push-key", "wxdemo-1", strings.TrimPrefix(u.Addr, prefix), time.Now())
	if err != nil {
		t.Fatalf("gateway refuses its own push URL: %v", err)
	}
	if !exp.Equal(u.Expiry) {
		t.Fatalf("expiry %v, txTime says %v", u.Expiry, exp)
	}
	if left := time.Until(u.Expiry); left < 58*time.Minute || left > time.Hour+time.Second {
		t.Fatalf("push URL valid for %v, want about the app's 1h", left)
	}
	again, err := w.Get(t.Context())
	if err != nil || again != u {
		t.Fatalf("second Get: %+v, %v; want the cached %+v", again, err, u)
	}
}

func TestWeChatAgainstGatewayWrongSecret(t *testing.T) {
	srv := gateway(t)
	w := NewWeChat(WeChatConfig{APIBase: srv.URL, AppID: "wxdemo", Secret: "not-the-secret", RoomID: 1}, srv.Client(), nil)
	_, err := w.Get(context.Background())
	var ae *APIError
	if !errors.As(err, &ae) || ae.Endpoint != "stable_token" || ae.Code != live.ErrcodeInvalidCred {
		t.Fatalf("err = %v, want stable_token errcode 40001", err)
	}
	if strings.Contains(err.Error(), "not-the-secret") {
		t.Fatalf("secret in error: %v", err)
	}
}
