package hls

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"livestudio/internal/stream"
)

// testServer runs a Server over reg on 127.0.0.1:0 until the test ends.
func testServer(t *testing.T, reg *stream.Registry, cfg Config) (*Server, string) {
	t.Helper()
	s := New(reg, cfg, slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("Run: %v", err)
		}
		hs.Close()
	})
	// Run sets its context before anything else; wait until it serves.
	waitFor(t, "server running", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.ctx != nil
	})
	return s, hs.URL
}

// testWriter sends the server's logs to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Logf("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// waitFor polls cond until it holds, failing the test after 10s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	return resp, string(body)
}

// TestFFprobeH264 publishes H.264 + AAC demuxed from a real FLV file and has
// ffprobe decode both HLS variants.
func TestFFprobeH264(t *testing.T) {
	needFFmpeg(t)
	src := h264Source(t)
	reg := stream.NewRegistry(stream.DefaultConfig())
	defer reg.Close()
	srv, base := testServer(t, reg, DefaultConfig())

	ctx, stop := context.WithCancel(context.Background())
	done := publish(ctx, t, reg, "room-1_a", src, pubOpts{speed: 4})
	defer func() { stop(); <-done }()

	for _, path := range []string{"/live/room-1_a.m3u8", "/live/room-1_a/ll.m3u8"} {
		t.Run(path, func(t *testing.T) {
			res := ffprobe(t, base+path)
			t.Logf("ffprobe %s: %+v", path, res)
			if v := res["video"]; v.codec != "h264" || v.frames == 0 {
				t.Errorf("video: %+v, want h264 frames", v)
			}
			if a := res["audio"]; a.codec != "aac" || a.frames == 0 {
				t.Errorf("audio: %+v, want aac frames", a)
			}
		})
	}
	if st := srv.Stats(); st.Muxers != 2 || st.BytesSent == 0 {
		t.Errorf("stats %+v: want 2 muxers and bytes sent", st)
	}

	// The stream ends: the muxers close and forget it, the key is gone.
	stop()
	<-done
	waitFor(t, "muxers closed after the stream ended", func() bool { return srv.Stats().Muxers == 0 })
	if resp, body := get(t, base+"/live/room-1_a.m3u8"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("after end: %d %q, want 404", resp.StatusCode, body)
	}
}

// TestFFprobeH265 publishes H.265 + AAC: the fMP4 variant plays, the TS
// variant answers 415 naming the fMP4 URL.
func TestFFprobeH265(t *testing.T) {
	needFFmpeg(t)
	src := h265Source(t)
	reg := stream.NewRegistry(stream.DefaultConfig())
	defer reg.Close()
	_, base := testServer(t, reg, DefaultConfig())

	ctx, stop := context.WithCancel(context.Background())
	done := publish(ctx, t, reg, "hevc", src, pubOpts{speed: 4})
	defer func() { stop(); <-done }()

	res := ffprobe(t, base+"/live/hevc/ll.m3u8")
	t.Logf("ffprobe: %+v", res)
	if v := res["video"]; v.codec != "hevc" || v.frames == 0 {
		t.Errorf("video: %+v, want hevc frames", v)
	}
	if a := res["audio"]; a.codec != "aac" || a.frames == 0 {
		t.Errorf("audio: %+v, want aac frames", a)
	}
	resp, body := get(t, base+"/live/hevc.m3u8")
	if resp.StatusCode != http.StatusUnsupportedMediaType || !strings.Contains(body, "/live/hevc/ll.m3u8") {
		t.Errorf("TS variant of H.265: %d %q, want 415 naming the fMP4 URL", resp.StatusCode, body)
	}
}
