package agent

import (
	"bytes"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"livestudio/internal/config"
)

// obs publishes like OBS would (ffmpeg standing in for it) for dur.
func obs(t *testing.T, url string, dur time.Duration) (*exec.Cmd, *bytes.Buffer, chan error) {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command("ffmpeg", "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", fmt.Sprint(int(dur.Seconds())),
		"-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "flv", url)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var err error
	go func() { err = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-exited })
	done := make(chan error, 1)
	go func() { <-exited; done <- err }()
	return cmd, &stderr, done
}

// TestRTMPSourceFromOBS: an encoder publishes to the agent with the
// channel's key; the agent relays to the gateway; a wrong key is refused;
// when the encoder stops, the slate keeps the push up; it can come back.
func TestRTMPSourceFromOBS(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg not found: install it (see .ci/run)")
	}
	g, _ := runGateway(t, "127.0.0.1:0", "127.0.0.1:0")
	httpAddr := g.HTTPAddr().String()
	cfg := demoAgentConfig("http://" + httpAddr)
	cfg.RTMP.Listen = "127.0.0.1:0"
	cfg.Channels[0].Name = "studio"
	cfg.Channels[0].Source = config.Source{Type: "rtmp", Key: "obs-secret-1"}
	a, err := New(cfg, nil, testLog())
	if err != nil {
		t.Fatal(err)
	}
	startAgent(t, a)
	base := "rtmp://" + a.RTMPAddr().String() + "/live/studio"

	_, stderr, done := obs(t, base+"?key=wrong-key", 5*time.Second)
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("publish with a wrong key accepted")
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("wrong key not refused: %s", stderr)
	}

	_, stderr, done = obs(t, base+"?key=obs-secret-1", 4*time.Second)
	waitFor(t, 20*time.Second, "encoder picture at the gateway", func() bool {
		s := g.Registry().Get("wxdemo-1")
		return s != nil && s.Stats().Units > 50 && a.Status()[0].Source.State == SourceLive
	})
	if v, au := decodes(t, "http://"+httpAddr+"/live/wxdemo-1.flv"); v < 25 || au < 40 {
		t.Fatalf("decoded %d video, %d audio frames", v, au)
	}
	if err := <-done; err != nil {
		t.Fatalf("encoder: %v %s", err, stderr)
	}
	waitFor(t, 10*time.Second, "source seen gone", func() bool { return a.Status()[0].Source.State != SourceLive })
	s := g.Registry().Get("wxdemo-1")
	n := s.Stats().Units
	waitFor(t, 10*time.Second, "slate flowing", func() bool { return s.Stats().Units > n+50 })

	obs(t, base+"?key=obs-secret-1", 30*time.Second)
	waitFor(t, 20*time.Second, "encoder back", func() bool { return a.Status()[0].Source.State == SourceLive })
	if st := a.Status()[0]; st.Push.Publishes != 1 {
		t.Errorf("push re-established: %+v", st.Push)
	}
}
