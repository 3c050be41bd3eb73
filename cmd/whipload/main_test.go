package main

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"livestudio/ingest/whip"
	"livestudio/internal/stream"
	"livestudio/internal/testpeer"
	"livestudio/internal/whipclient"
)

// TestLoad: two publishers reach two channels of a WHIP server and both
// deliver video and audio.
func TestLoad(t *testing.T) {
	testpeer.NeedFFmpeg(t)
	h264, ogg, err := whipclient.MakeFiles(t.TempDir(), whipclient.Media{Width: 160, Height: 120, FPS: 30, Seconds: 2, VideoKbps: 200})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := whip.New(whip.Config{}, whip.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var video, audio [2]atomic.Int64
	var inboxes []*whip.Inbox
	for i, name := range []string{"w1", "w2"} {
		b := whip.NewInbox("load-token", false)
		srv.Register(name, b)
		inboxes = append(inboxes, b)
		go b.Run(ctx, func(u *stream.Unit) {
			if u.IsVideo() {
				video[i].Add(1)
			} else {
				audio[i].Add(1)
			}
		})
	}
	for deadline := time.Now().Add(5 * time.Second); !inboxes[0].Waiting() || !inboxes[1].Waiting(); {
		if time.Now().After(deadline) {
			t.Fatal("inboxes not running")
		}
		time.Sleep(5 * time.Millisecond)
	}
	h := httptest.NewServer(srv)
	defer h.Close()
	o := options{base: h.URL, prefix: "w", n: 2, token: "load-token", h264: h264, ogg: ogg, fps: 30, duration: 2 * time.Second}
	if err := run(o, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if video[i].Load() < 20 || audio[i].Load() < 20 {
			t.Errorf("channel w%d got %d video and %d audio units", i+1, video[i].Load(), audio[i].Load())
		}
	}
}
