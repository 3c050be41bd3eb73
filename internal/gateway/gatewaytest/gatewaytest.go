// Package gatewaytest boots a gateway in-process for other packages' tests
// (the agent's end-to-end tests relay into it).
package gatewaytest

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"livestudio/internal/gateway"
	"livestudio/internal/live"
)

// Log is the tests' logger: warnings, or everything with go test -v.
func Log() *slog.Logger {
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// Start runs a gateway on httpAddr and rtmpAddr ("127.0.0.1:0" for any)
// with the demo app (wxdemo, demo-secret, demo-push-key), after mutate (may
// be nil) has adjusted its config. It returns the gateway and a stop
// function that waits for it to end; stop also runs when the test ends.
func Start(t *testing.T, httpAddr, rtmpAddr string, mutate func(*gateway.Config)) (*gateway.Gateway, func()) {
	t.Helper()
	cfg := gateway.DefaultConfig()
	cfg.HTTP.Listen, cfg.RTMP.Listen, cfg.RTMP.PublicHost = httpAddr, rtmpAddr, ""
	cfg.DataDir = t.TempDir()
	cfg.Apps = []live.App{{AppID: "wxdemo", Secret: "demo-secret", PushKey: "demo-push-key", PushURLTTL: time.Hour}}
	if mutate != nil {
		mutate(&cfg)
	}
	g, err := gateway.New(cfg, Log())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("gateway: %v", err)
		}
	}
	t.Cleanup(stop)
	return g, stop
}
