package hls

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"livestudio/internal/stream"
)

func TestParseRoute(t *testing.T) {
	cases := []struct {
		path string
		ok   bool
		want route
	}{
		{"/live/abc.m3u8", true, route{key: "abc", variant: variantTS, file: "index.m3u8", rewrite: "abc/ts/"}},
		{"/live/a-B_9/ll.m3u8", true, route{key: "a-B_9", variant: variantLL, file: "index.m3u8", rewrite: "ll/"}},
		{"/live/abc/ts/main_stream.m3u8", true, route{key: "abc", variant: variantTS, file: "main_stream.m3u8"}},
		{"/live/abc/ts/x_main_seg3.ts", true, route{key: "abc", variant: variantTS, file: "x_main_seg3.ts"}},
		{"/live/abc/ll/x_video1_part4.mp4", true, route{key: "abc", variant: variantLL, file: "x_video1_part4.mp4"}},
		{"/live/abc/ll/index.m3u8", true, route{key: "abc", variant: variantLL, file: "index.m3u8"}},
		{"/live/.m3u8", false, route{}},
		{"/live/a.b.m3u8", false, route{}},
		{"/live/abc", false, route{}},
		{"/live/abc/", false, route{}},
		{"/live/abc/ts/", false, route{}},
		{"/live/abc/ts/a/b.ts", false, route{}},
		{"/live/abc/ts/..", false, route{}},
		{"/live/abc/xx/a.ts", false, route{}},
		{"/live/ab%20c.m3u8", false, route{}},
		{"/other/abc.m3u8", false, route{}},
	}
	for _, c := range cases {
		got, ok := parseRoute(c.path)
		if ok != c.ok || got != c.want {
			t.Errorf("parseRoute(%q) = %+v, %v; want %+v, %v", c.path, got, ok, c.want, c.ok)
		}
	}
}

func TestRewritePlaylist(t *testing.T) {
	in := "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,NAME=\"a\",URI=\"audio2_stream.m3u8?t=1\"\n#EXT-X-STREAM-INF:BANDWIDTH=1\nvideo1_stream.m3u8?t=1\n\n"
	want := "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,NAME=\"a\",URI=\"ll/audio2_stream.m3u8?t=1\"\n#EXT-X-STREAM-INF:BANDWIDTH=1\nll/video1_stream.m3u8?t=1\n\n"
	if got := string(rewritePlaylist([]byte(in), "ll/")); got != want {
		t.Errorf("rewritePlaylist:\n%s\nwant:\n%s", got, want)
	}
}

func TestErrorsAndCORS(t *testing.T) {
	reg := stream.NewRegistry(stream.DefaultConfig())
	defer reg.Close()
	srv, base := testServer(t, reg, DefaultConfig())
	pub, err := reg.Publish("quiet") // live, but no media yet
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close(true)

	for _, c := range []struct {
		method, path string
		code         int
		body         string
	}{
		{"GET", "/live/nokey.m3u8", 404, `stream "nokey" not found`},
		{"GET", "/live/nokey/ll.m3u8", 404, `stream "nokey" not found`},
		{"GET", "/live/nokey/ll/x_video1_part1.mp4", 404, `stream "nokey" not found`},
		{"GET", "/live/bad.key.m3u8", 404, "not found"},
		{"GET", "/elsewhere", 404, "not found"},
		// A segment request never starts a muxer.
		{"GET", "/live/quiet/ts/x_main_seg1.ts", 404, "not found"},
		{"POST", "/live/quiet.m3u8", 405, "not allowed"},
	} {
		req, _ := http.NewRequest(c.method, base+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := make([]byte, 512)
		n, _ := resp.Body.Read(body)
		resp.Body.Close()
		if resp.StatusCode != c.code || !strings.Contains(string(body[:n]), c.body) {
			t.Errorf("%s %s: %d %q, want %d containing %q", c.method, c.path, resp.StatusCode, body[:n], c.code, c.body)
		}
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("%s %s: Access-Control-Allow-Origin %q", c.method, c.path, got)
		}
	}
	if n := srv.Stats().Muxers; n != 0 {
		t.Errorf("%d muxers started by failed requests", n)
	}

	req, _ := http.NewRequest(http.MethodOptions, base+"/live/quiet.m3u8", nil)
	req.Header.Set("Origin", "https://example.com")
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "range")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "GET") ||
		resp.Header.Get("Access-Control-Allow-Headers") != "range" {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
}

// TestStartTimeout: a playlist request for a stream without video waits
// StartTimeout at most, then answers 503.
func TestStartTimeout(t *testing.T) {
	needFFmpeg(t)
	src := h264Source(t)
	reg := stream.NewRegistry(stream.DefaultConfig())
	defer reg.Close()
	cfg := DefaultConfig()
	cfg.StartTimeout = 300 * time.Millisecond
	_, base := testServer(t, reg, cfg)
	ctx, stop := context.WithCancel(context.Background())
	done := publish(ctx, t, reg, "radio", src, pubOpts{speed: 1, audioOnly: true})
	defer func() { stop(); <-done }()

	start := time.Now()
	resp, body := get(t, base+"/live/radio.m3u8")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("got %d %q, want 503 with Retry-After", resp.StatusCode, body)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("waited %v for a 300ms start timeout", d)
	}
}

// TestMuxerLifecycle covers idling out, a track change, segments, the end
// of a stream and a new stream on the same key.
func TestMuxerLifecycle(t *testing.T) {
	needFFmpeg(t)
	src := h264Source(t)
	reg := stream.NewRegistry(stream.DefaultConfig())
	defer reg.Close()
	cfg := DefaultConfig()
	cfg.IdleTimeout = time.Second
	srv, base := testServer(t, reg, cfg)

	ctx, stop := context.WithCancel(context.Background())
	done := publish(ctx, t, reg, "k", src, pubOpts{speed: 4, retrackLoop: 2})

	// A playlist, then a segment it lists.
	resp, body := get(t, base+"/live/k/ts/main_stream.m3u8")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/vnd.apple.mpegurl" {
		t.Fatalf("media playlist: %d %v %q", resp.StatusCode, resp.Header, body)
	}
	seg := lastURI(body)
	resp, segBody := get(t, base+"/live/k/ts/"+seg)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "video/mp2t" || len(segBody) == 0 || segBody[0] != 0x47 {
		t.Fatalf("segment %s: %d %v, %d bytes", seg, resp.StatusCode, resp.Header, len(segBody))
	}

	// The publisher's tracks change in its third loop: the muxer restarts
	// its gohlslib muxer in place, and the old segment names expire.
	srv.mu.Lock()
	m := srv.muxers[muxerKey{"k", variantTS}]
	srv.mu.Unlock()
	first := m.current()
	waitFor(t, "muxer restarted on new tracks", func() bool {
		m.touch() // as viewers would, so that it does not idle out meanwhile
		cur := m.current()
		return cur != nil && cur != first && cur.isReady()
	})
	if resp, _ := get(t, base+"/live/k/ts/"+seg); resp.StatusCode != http.StatusNotFound {
		t.Errorf("segment of the replaced muxer: %d, want 404", resp.StatusCode)
	}
	if resp, body := get(t, base+"/live/k.m3u8"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "k/ts/main_stream.m3u8") {
		t.Errorf("playlist after restart: %d %q", resp.StatusCode, body)
	}

	// No request for IdleTimeout: the muxer closes; a request starts a new one.
	waitFor(t, "idle muxer closed", func() bool { return srv.Stats().Muxers == 0 })
	if resp, _ := get(t, base+"/live/k.m3u8"); resp.StatusCode != http.StatusOK {
		t.Errorf("playlist after idle close: %d", resp.StatusCode)
	}
	if st := srv.Stats(); st.Muxers != 1 || st.MuxersStarted != 2 {
		t.Errorf("stats after idle restart: %+v", st)
	}

	// The stream ends; a new one on the same key is served by a new muxer.
	stop()
	<-done
	waitFor(t, "muxer closed at stream end", func() bool { return srv.Stats().Muxers == 0 })
	ctx, stop = context.WithCancel(context.Background())
	done = publish(ctx, t, reg, "k", src, pubOpts{speed: 4})
	defer func() { stop(); <-done }()
	if resp, body := get(t, base+"/live/k/ll.m3u8"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "ll/video1_stream.m3u8") {
		t.Errorf("LL playlist of the new stream: %d %q", resp.StatusCode, body)
	}
}

// lastURI returns the last URI line of a playlist.
func lastURI(pl string) string {
	var uri string
	for line := range strings.Lines(pl) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			uri = line
		}
	}
	return uri
}

// TestRunEndsEverything: cancelling Run closes the muxers, and every
// goroutine the server started has ended when Run returns.
func TestRunEndsEverything(t *testing.T) {
	needFFmpeg(t)
	src := h264Source(t)
	before := runtime.NumGoroutine()

	reg := stream.NewRegistry(stream.DefaultConfig())
	srv := New(reg, DefaultConfig(), slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	runCtx, cancelRun := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- srv.Run(runCtx) }()
	hs := httptest.NewServer(srv)
	pubCtx, stopPub := context.WithCancel(context.Background())
	done := publish(pubCtx, t, reg, "k", src, pubOpts{speed: 4})

	waitFor(t, "server running", func() bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return srv.ctx != nil
	})
	for _, p := range []string{"/live/k.m3u8", "/live/k/ll.m3u8"} {
		if resp, body := get(t, hs.URL+p); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %q", p, resp.StatusCode, body)
		}
	}
	if n := srv.Stats().Muxers; n != 2 {
		t.Fatalf("%d muxers, want 2", n)
	}

	cancelRun()
	select {
	case err := <-ran:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if n := srv.Stats().Muxers; n != 0 {
		t.Errorf("%d muxers after Run returned", n)
	}
	if resp, _ := get(t, hs.URL+"/live/k.m3u8"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("request after Run: %d, want 503", resp.StatusCode)
	}

	stopPub()
	<-done
	reg.Close()
	hs.Close()
	http.DefaultClient.CloseIdleConnections()
	waitFor(t, "goroutines back to the baseline", func() bool { return runtime.NumGoroutine() <= before })
}
