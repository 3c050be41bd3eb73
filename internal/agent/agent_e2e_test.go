package agent

import (
	"context"
	"log/slog"
	"net/http"
	"os/exec"
	"testing"
	"time"

	"livestudio/internal/config"
	"livestudio/internal/gateway"
	"livestudio/internal/gateway/gatewaytest"
	"livestudio/internal/testpeer"
	"livestudio/push/pushurl"
)

func testLog() *slog.Logger { return gatewaytest.Log() }

// runGateway starts a gateway on the given addresses ("127.0.0.1:0" for
// any) and returns it with a stop function that waits for it to end.
func runGateway(t *testing.T, httpAddr, rtmpAddr string) (*gateway.Gateway, func()) {
	t.Helper()
	return gatewaytest.Start(t, httpAddr, rtmpAddr, nil)
}

func runGatewayWith(t *testing.T, httpAddr, rtmpAddr string, mutate func(*gateway.Config)) (*gateway.Gateway, func()) {
	t.Helper()
	return gatewaytest.Start(t, httpAddr, rtmpAddr, mutate)
}

func runAgent(t *testing.T, cfg config.Agent) *Agent {
	t.Helper()
	a, err := New(cfg, nil, testLog())
	if err != nil {
		t.Fatal(err)
	}
	startAgent(t, a)
	return a
}

func startAgent(t *testing.T, a *Agent) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("agent: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("agent did not stop")
		}
	})
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// decodes counts the video and audio frames ffmpeg decodes from url in 2 s.
func decodes(t *testing.T, url string) (video, audio int) {
	t.Helper()
	c := testpeer.Decode(t, url, 2*time.Second)
	return c["video"], c["audio"]
}

func demoAgentConfig(apiBase string) config.Agent {
	cfg := config.DefaultAgent()
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Channels = []config.Channel{{
		Name:   "demo",
		Source: config.Source{Type: "demo"},
		Destination: config.Destination{WeChat: &pushurl.WeChatConfig{
			APIBase: apiBase, AppID: "wxdemo", Secret: "demo-secret", RoomID: 1}},
	}}
	return cfg
}

// TestDemoToGatewayAndGatewayRestart: the demo channel reaches the
// gateway through getpushurl; after the gateway restarts the agent fetches a
// new URL and publishes again by itself.
func TestDemoToGatewayAndGatewayRestart(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg not found: install it (see .ci/run)")
	}
	g, stop := runGateway(t, "127.0.0.1:0", "127.0.0.1:0")
	httpAddr, rtmpAddr := g.HTTPAddr().String(), g.RTMPAddr().String()
	flvURL := "http://" + httpAddr + "/live/wxdemo-1.flv"
	a := runAgent(t, demoAgentConfig("http://"+httpAddr))

	waitFor(t, 20*time.Second, "demo live at the gateway", func() bool {
		s := g.Registry().Get("wxdemo-1")
		return s != nil && s.Stats().Units > 50
	})
	if v, au := decodes(t, flvURL); v < 25 || au < 40 {
		t.Fatalf("gateway FLV decoded %d video, %d audio frames", v, au)
	}

	stop()
	waitFor(t, 20*time.Second, "agent to notice the gateway is gone", func() bool {
		return a.Status()[0].Push.State != "publishing"
	})
	g2, _ := runGateway(t, httpAddr, rtmpAddr)
	back := waitFor(t, 30*time.Second, "agent to publish again", func() bool {
		s := g2.Registry().Get("wxdemo-1")
		return s != nil && s.Stats().Units > 10
	})
	t.Logf("republished %v after the gateway was back", back.Round(10*time.Millisecond))
	if v, _ := decodes(t, flvURL); v < 25 {
		t.Fatalf("after restart decoded %d video frames", v)
	}
	st := a.Status()[0]
	if st.Push.Publishes != 2 || st.Source.State != SourceLive || st.Source.Restarts != 0 {
		t.Errorf("status after restart: %+v", st)
	}

	// The anchor's view answers.
	resp, err := http.Get("http://" + a.HTTPAddr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/metrics: %d", resp.StatusCode)
	}
}
