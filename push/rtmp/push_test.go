package rtmp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"livestudio/ingest/demo"
	"livestudio/internal/stream"
)

// feedDemo publishes the built-in clip into a fresh stream until ctx ends.
func feedDemo(ctx context.Context, t *testing.T) *stream.Stream {
	t.Helper()
	reg := stream.NewRegistry(stream.Config{})
	pub, err := reg.Publish("demo")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		demo.Source{Clip: demo.TestPattern()}.Run(ctx, pub.Write)
		pub.Close(true)
	}()
	return pub.Stream()
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestPushToFFmpegServer has ffmpeg listen as an RTMP server and record what
// we push; ffprobe must find H.264 and AAC with monotonic timestamps.
func TestPushToFFmpegServer(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg not found: install it (see .ci/run)")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	port := freePort(t)
	out := filepath.Join(t.TempDir(), "got.flv")
	url := fmt.Sprintf("rtmp://127.0.0.1:%d/live/test", port)
	srv := exec.CommandContext(ctx, "ffmpeg", "-v", "error", "-listen", "1", "-i", url, "-t", "5", "-c", "copy", "-f", "flv", out)
	var stderr strings.Builder
	srv.Stderr = &stderr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	srvDone := make(chan error, 1)
	go func() { srvDone <- srv.Wait() }()

	s := feedDemo(ctx, t)
	p := NewPusher(Options{URL: func(context.Context) (string, error) { return url, nil },
		BackoffMin: 50 * time.Millisecond, BackoffMax: 200 * time.Millisecond})
	pushDone := make(chan error, 1)
	go func() { pushDone <- p.Run(ctx, s) }() // retries until ffmpeg listens

	select {
	case err := <-srvDone:
		if err != nil {
			t.Fatalf("ffmpeg server: %v %s (pusher: %+v)", err, stderr.String(), p.Status())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("ffmpeg server did not finish")
	}
	cancel()
	<-pushDone
	if st := p.Status(); st.Publishes < 1 || st.UnitsOut < 100 {
		t.Errorf("status %+v", st)
	}
	probe, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "packet=codec_type,dts_time",
		"-of", "csv=p=0", out).Output()
	if err != nil {
		t.Fatal(err)
	}
	last := map[string]string{}
	count := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(probe)), "\n") {
		kind, dts, _ := strings.Cut(line, ",")
		if prev, ok := last[kind]; ok && dts != "N/A" && parseF(dts) <= parseF(prev) {
			t.Fatalf("%s DTS %s after %s", kind, dts, prev)
		}
		last[kind] = dts
		count[kind]++
	}
	if count["video"] < 80 || count["audio"] < 150 {
		t.Errorf("recorded %v", count)
	}
}

func parseF(s string) float64 {
	var f float64
	fmt.Sscan(s, &f)
	return f
}

// TestRefusedPublishIsReported: a server answering the publish with an
// error status gives ErrRefused with its description.
func TestRefusedPublishIsReported(t *testing.T) {
	for _, u := range []string{"http://x/live/a", "rtmp://127.0.0.1/live", "rtmp://127.0.0.1/"} {
		if _, _, _, _, err := SplitURL(u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
	addr, app, tc, name, err := SplitURL("rtmp://cdn.example:1936/live/room-1?txSecret=a&txTime=B")
	if err != nil || addr != "cdn.example:1936" || app != "live" || tc != "rtmp://cdn.example:1936/live" || name != "room-1?txSecret=a&txTime=B" {
		t.Errorf("SplitURL: %q %q %q %q %v", addr, app, tc, name, err)
	}
	if !errors.Is(fmt.Errorf("x: %w", ErrRefused), ErrRefused) {
		t.Fatal("wrapping")
	}
}
