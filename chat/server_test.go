package chat

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestShutdownClosesClients: Run returns once every connection has ended,
// and each client got a 1001 close frame after what was queued for it.
func TestShutdownClosesClients(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SDKAppID, cfg.SecretKey = testAppID, testKey
	s, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()

	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws?room=r"
	var conns []*websocket.Conn
	for range 3 {
		c, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.ReadMessage() // ready and joined
		conns = append(conns, c)
	}
	cancel()
	for i, c := range conns {
		var err error
		for err == nil {
			_, _, err = c.ReadMessage()
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
			t.Errorf("client %d ended with %v, want close 1001", i, err)
		}
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Run did not return")
	}
	if _, _, err := websocket.DefaultDialer.Dial(url, nil); err == nil {
		t.Errorf("dial after shutdown succeeded")
	}
}

func TestConfigValidate(t *testing.T) {
	ok := DefaultConfig()
	ok.SDKAppID, ok.SecretKey = 1, "k"
	if err := ok.Validate(); err != nil {
		t.Fatalf("defaults with app and key: %v", err)
	}
	cases := []struct {
		field string
		mut   func(*Config)
	}{
		{"chat.sdk_app_id", func(c *Config) { c.SDKAppID = 0 }},
		{"chat.secret_key", func(c *Config) { c.SecretKey = "" }},
		{"chat.room_rate", func(c *Config) { c.RoomRate = 0 }},
		{"chat.max_message_bytes", func(c *Config) { c.MaxMessageBytes = 0 }},
		{"chat.conn_send_rate", func(c *Config) { c.ConnSendRate = -1 }},
		{"chat.conn_send_burst", func(c *Config) { c.ConnSendBurst = 0 }},
		{"chat.history", func(c *Config) { c.History = -1 }},
		{"chat.like_interval", func(c *Config) { c.LikeInterval = 0 }},
		{"chat.online_interval", func(c *Config) { c.OnlineInterval = time.Millisecond }},
		{"chat.queue_len", func(c *Config) { c.QueueLen = 1 }},
		{"chat.write_timeout", func(c *Config) { c.WriteTimeout = 0 }},
		{"chat.pong_timeout", func(c *Config) { c.PongTimeout = c.PingInterval }},
		{"chat.read_limit", func(c *Config) { c.ReadLimit = 100 }},
		{"chat.max_attr_key_bytes", func(c *Config) { c.MaxAttrKeyBytes = 0 }},
		{"chat.admins[1]", func(c *Config) { c.Admins = []string{"ok", "not ok"} }},
	}
	for _, tc := range cases {
		c := ok
		tc.mut(&c)
		if err := c.Validate(); err == nil || !strings.HasPrefix(err.Error(), tc.field+":") {
			t.Errorf("%s: got %v", tc.field, err)
		}
	}
}
