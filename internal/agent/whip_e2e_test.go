package agent

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"livestudio/internal/config"
	"livestudio/internal/testpeer"
	"livestudio/internal/whipclient"
	"livestudio/push/pushurl"
)

const whipToken = "whip-secret-1"

// whipAgentConfig: channel "cam" (WHIP) pushes to room 1 and channel
// "demo" (the test pattern) to room 2 of the gateway at apiBase.
func whipAgentConfig(apiBase string, slate bool) config.Agent {
	cfg := demoAgentConfig(apiBase)
	cfg.Channels[0].Name = "cam"
	cfg.Channels[0].Source = config.Source{Type: "whip", Token: whipToken, Slate: &slate}
	cfg.Channels = append(cfg.Channels, config.Channel{Name: "demo", Source: config.Source{Type: "demo"},
		Destination: config.Destination{WeChat: &pushurl.WeChatConfig{
			APIBase: apiBase, AppID: "wxdemo", Secret: "demo-secret", RoomID: 2}}})
	return cfg
}

func whipMedia(t *testing.T) (h264, ogg string) {
	t.Helper()
	testpeer.NeedFFmpeg(t)
	h, o, err := whipclient.MakeFiles(t.TempDir(), whipclient.Media{Width: 320, Height: 240, FPS: 30, Seconds: 4, VideoKbps: 400})
	if err != nil {
		t.Fatal(err)
	}
	return h, o
}

func postOffer(t *testing.T, url, token, sdp string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(sdp))
	req.Header.Set("Content-Type", "application/sdp")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestWHIPPionToGateway: a pion WHIP client (an independent peer) publishes
// H.264 and Opus to the agent, which relays H.264 and AAC to the gateway,
// where ffmpeg decodes both. Bad offers, a wrong token and a second
// publisher are refused with clear errors and counted, while the session
// and another channel go on. When the publisher leaves the slate keeps the
// push up, and a publisher can come back.
func TestWHIPPionToGateway(t *testing.T) {
	h264, ogg := whipMedia(t)
	g, _ := runGateway(t, "127.0.0.1:0", "127.0.0.1:0")
	httpAddr := g.HTTPAddr().String()
	a := runAgent(t, whipAgentConfig("http://"+httpAddr, true))
	base := "http://" + a.HTTPAddr().String()
	whipURL := base + "/whip/cam"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	waitFor(t, 20*time.Second, "the WHIP channel waiting for a publisher", func() bool {
		return a.Status()[0].Source.State == SourceConnecting
	})

	c, err := whipclient.Publish(ctx, whipclient.Config{URL: whipURL, Token: whipToken, H264: h264, Ogg: ogg, FPS: 30, Loop: true})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "WHIP picture at the gateway", func() bool {
		s := g.Registry().Get("wxdemo-1")
		return s != nil && s.Stats().Units > 50 && a.Status()[0].Source.State == SourceLive
	})
	if v, au := decodes(t, "http://"+httpAddr+"/live/wxdemo-1.flv"); v < 30 || au < 50 {
		t.Fatalf("decoded %d video, %d audio frames from the gateway", v, au)
	}
	st := a.Status()[0].Source.WHIP
	if st == nil || len(st.Codecs) != 2 || !strings.HasPrefix(st.Codecs[0], "H264") || !strings.Contains(st.Codecs[1], "AAC") ||
		st.Packets == 0 || st.PLIs == 0 || st.Remote == "" {
		t.Fatalf("WHIP status %+v", st)
	}

	// Refusals: clear errors, counted; nothing else disturbed.
	demo := g.Registry().Get("wxdemo-2")
	if demo == nil {
		t.Fatal("demo channel not at the gateway")
	}
	demoUnits, camUnits := demo.Stats().Units, g.Registry().Get("wxdemo-1").Stats().Units
	vp8, err := os.ReadFile("../../ingest/whip/testdata/offers/vp8_opus.sdp")
	if err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile("../../ingest/whip/testdata/offers/h264_opus.sdp")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, url, token, sdp string
		status                int
		says                  string
	}{
		{"malformed", whipURL, whipToken, "v=0\r\nnot sdp at all", 400, "malformed SDP"},
		{"vp8", whipURL, whipToken, string(vp8), 422, "VP8/90000"},
		{"wrong token", whipURL, "nope-nope", string(good), 401, "bearer token"},
		{"busy", whipURL, whipToken, string(good), 409, "already live"},
		{"not whip", base + "/whip/demo", whipToken, string(good), 404, "no WHIP channel"},
	} {
		if code, body := postOffer(t, c.url, c.token, c.sdp); code != c.status || !strings.Contains(body, c.says) {
			t.Errorf("%s: %d %q, want %d saying %q", c.name, code, body, c.status, c.says)
		}
	}
	var se *whipclient.StatusError
	if _, err := whipclient.Publish(ctx, whipclient.Config{URL: whipURL, Token: whipToken, H264: h264, FPS: 30}); !errors.As(err, &se) || se.Code != 409 {
		t.Errorf("second pion publisher: %v, want 409", err)
	}
	metrics := get(t, base+"/metrics")
	for _, reason := range []string{"malformed_sdp", "unsupported_codec", "bad_token", "busy", "unknown_channel"} {
		if !strings.Contains(metrics, `livestudio_agent_whip_refused_total{reason="`+reason+`"}`) {
			t.Errorf("refusal %q not in /metrics", reason)
		}
	}
	waitFor(t, 10*time.Second, "both channels still flowing", func() bool {
		return demo.Stats().Units > demoUnits+50 && g.Registry().Get("wxdemo-1").Stats().Units > camUnits+50
	})
	if now := a.Status()[0].Source.WHIP; now == nil || now.ID != st.ID {
		t.Fatalf("the live session changed: %+v", now)
	}

	// The publisher leaves: the slate fills, the push stays up.
	pushes := a.Status()[0].Push.Publishes
	if err := c.Close(ctx); err != nil {
		t.Errorf("DELETE: %v", err)
	}
	waitFor(t, 10*time.Second, "the source seen gone", func() bool {
		s := a.Status()[0]
		return s.Source.State != SourceLive && s.Source.WHIP == nil
	})
	s := g.Registry().Get("wxdemo-1")
	n := s.Stats().Units
	waitFor(t, 10*time.Second, "slate flowing", func() bool { return s.Stats().Units > n+50 })

	c, err = whipclient.Publish(ctx, whipclient.Config{URL: whipURL, Token: whipToken, H264: h264, Ogg: ogg, FPS: 30, Loop: true})
	if err != nil {
		t.Fatalf("publish again: %v", err)
	}
	defer c.Close(context.Background())
	waitFor(t, 20*time.Second, "the publisher back", func() bool { return a.Status()[0].Source.State == SourceLive })
	if st := a.Status()[0]; st.Push.Publishes != pushes || st.Push.State != "publishing" {
		t.Errorf("push session restarted across the publisher change: %+v", st.Push)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// statusJSON is GET /status decoded loosely.
func statusJSON(t *testing.T, base string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(get(t, base+"/status")), &m); err != nil {
		t.Fatal(err)
	}
	return m
}
