package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

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
	g, stopGateway := runGateway(t, "127.0.0.1:0", "127.0.0.1:0")
	httpAddr, rtmpAddr := g.HTTPAddr().String(), g.RTMPAddr().String()
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
	waitFor(t, 10*time.Second, "A/V synced on the sender reports", func() bool {
		st := a.Status()[0].Source.WHIP
		return st != nil && st.AVSync == "sender_reports"
	})
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

	// The gateway restarts: when the push is back the publisher is asked
	// for a keyframe (PLI), so the CDN gets a fresh picture.
	plis := c.Stats().PLIs
	stopGateway()
	g, _ = runGateway(t, httpAddr, rtmpAddr)
	waitFor(t, 30*time.Second, "the push back and a keyframe asked for", func() bool {
		s := g.Registry().Get("wxdemo-1")
		return s != nil && s.Stats().Units > 30 && c.Stats().PLIs > plis
	})

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

// ffprobePacket is one packet of ffprobe -show_packets.
type ffprobePacket struct {
	kind     string
	pts, dts float64
}

// probePackets lists dur of the packets of url (no decoding).
func probePackets(t *testing.T, url string, dur time.Duration) []ffprobePacket {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-rw_timeout", "15000000", "-read_intervals", fmt.Sprintf("%%+%d", int(dur.Seconds())),
		"-show_entries", "packet=codec_type,pts_time,dts_time", "-of", "csv=p=0", url).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", url, err)
	}
	var pkts []ffprobePacket
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, ",")
		if len(f) < 3 {
			continue
		}
		var p ffprobePacket
		p.kind = f[0]
		p.pts, _ = strconv.ParseFloat(f[1], 64)
		p.dts, _ = strconv.ParseFloat(f[2], 64)
		pkts = append(pkts, p)
	}
	return pkts
}

// TestWHIPBrowserPublishPage: headless Chromium with its fake camera and
// microphone opens the agent's publish page and goes live over WHIP; the
// agent relays to the gateway; ffmpeg decodes H.264 and AAC from the
// gateway's FLV for 10 s with monotonic timestamps, and the first audio
// and video packets are within 100 ms of each other.
func TestWHIPBrowserPublishPage(t *testing.T) {
	testpeer.NeedFFmpeg(t)
	g, _ := runGateway(t, "127.0.0.1:0", "127.0.0.1:0")
	httpAddr := g.HTTPAddr().String()
	a := runAgent(t, whipAgentConfig("http://"+httpAddr, false))
	base := "http://" + a.HTTPAddr().String()

	if resp, err := http.Get(base + "/publish/demo"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("publish page of a non-WHIP channel: %v %v", resp, err)
	}
	tab := testpeer.Browser(t, testpeer.FakeMedia()...)
	ctx, cancel := context.WithTimeout(tab, 60*time.Second)
	defer cancel()
	var state string
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/publish/cam"),
		chromedp.WaitVisible("#live", chromedp.ByID),
		chromedp.Poll(`document.getElementById('camera').options.length > 0`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.SetValue("#resolution", "640x360", chromedp.ByID),
		chromedp.SetValue("#bitrate", "1000", chromedp.ByID),
		chromedp.SetValue("#token", whipToken, chromedp.ByID),
		chromedp.Click("#live", chromedp.ByID),
		chromedp.Poll(`window.publishState === 'live' || window.publishState === 'error'`, nil, chromedp.WithPollingTimeout(30*time.Second)),
		chromedp.Text("#state", &state, chromedp.ByID),
	)
	if err != nil {
		t.Fatalf("publish page: %v", err)
	}
	if state != "live" {
		var detail string
		chromedp.Run(ctx, chromedp.Text("#detail", &detail, chromedp.ByID))
		t.Fatalf("publish page state %q: %s", state, detail)
	}
	waitFor(t, 20*time.Second, "the browser's picture at the gateway", func() bool {
		s := g.Registry().Get("wxdemo-1")
		return s != nil && s.Stats().Units > 50 && a.Status()[0].Source.State == SourceLive
	})
	if st := a.Status()[0].Source.WHIP; st != nil {
		t.Logf("WHIP session: %+v", *st)
	}
	flv := "http://" + httpAddr + "/live/wxdemo-1.flv"
	// The page's live status shows what the browser sends.
	if err := chromedp.Run(ctx, chromedp.Poll(`/H264 \d+x\d+ .* kbit\/s, live for \d+ s/.test(document.getElementById('stats').textContent)`,
		nil, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Errorf("publish page stats: %v", err)
	}
	t.Logf("publish page: %s", testpeer.Screenshot(t, ctx, "whip-publish-page-live"))
	var counts map[string]int
	done := make(chan struct{})
	go func() { // an independent decode of the same 10 s, in parallel
		defer close(done)
		counts = testpeer.Decode(t, flv, 10*time.Second)
	}()
	pkts := probePackets(t, flv, 10*time.Second)
	<-done
	if counts["video"] < 100 || counts["audio"] < 200 {
		t.Errorf("ffmpeg decoded %d video and %d audio frames in 10 s", counts["video"], counts["audio"])
	}
	firstV, firstA, lastV, lastA := -1.0, -1.0, 0.0, 0.0
	for _, p := range pkts {
		switch p.kind {
		case "video":
			if firstV < 0 {
				firstV = p.dts
			}
			lastV = p.dts
		case "audio":
			if firstA < 0 {
				firstA = p.dts
			}
			lastA = p.dts
		}
	}
	if firstV < 0 || firstA < 0 {
		t.Fatalf("ffprobe saw video from %v, audio from %v (%d packets)", firstV, firstA, len(pkts))
	}
	t.Logf("FLV: first video %.3f s, first audio %.3f s; last video %.3f s, last audio %.3f s; %d packets",
		firstV, firstA, lastV, lastA, len(pkts))
	if d := math.Abs(firstA - firstV); d > 0.100 {
		t.Errorf("first audio at %.3f s and first video at %.3f s: %.0f ms apart, want at most 100 ms", firstA, firstV, d*1000)
	}
	st := a.Status()[0].Source.WHIP
	if st == nil || !strings.HasPrefix(st.Codecs[0], "H264") || len(st.Codecs) < 2 {
		t.Fatalf("WHIP session status %+v", st)
	}
	t.Logf("WHIP session: %+v", *st)

	// Stop: the page DELETEs the session.
	if err := chromedp.Run(ctx, chromedp.Click("#stop", chromedp.ByID),
		chromedp.Poll(`window.publishState === 'idle'`, nil, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the session ended", func() bool { return a.Status()[0].Source.WHIP == nil })
}

// TestWHIPH265ToGateway: an H.265 publisher (OBS with HEVC) reaches the
// gateway over Enhanced RTMP; ffmpeg decodes HEVC and AAC from the
// gateway's LL-HLS (fMP4: this ffmpeg reads no HEVC in FLV).
func TestWHIPH265ToGateway(t *testing.T) {
	testpeer.NeedFFmpeg(t)
	h265, ogg, err := whipclient.MakeFiles(t.TempDir(), whipclient.Media{Width: 320, Height: 240, FPS: 30, Seconds: 4, VideoKbps: 300, H265: true})
	if err != nil {
		t.Fatal(err)
	}
	g, _ := runGateway(t, "127.0.0.1:0", "127.0.0.1:0")
	httpAddr := g.HTTPAddr().String()
	a := runAgent(t, whipAgentConfig("http://"+httpAddr, false))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	waitFor(t, 20*time.Second, "the WHIP channel ready", func() bool { return a.Status()[0].Source.State == SourceConnecting })
	c, err := whipclient.Publish(ctx, whipclient.Config{URL: "http://" + a.HTTPAddr().String() + "/whip/cam", Token: whipToken,
		H264: h265, H265: true, Ogg: ogg, FPS: 30, Loop: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	waitFor(t, 20*time.Second, "H.265 at the gateway", func() bool {
		s := g.Registry().Get("wxdemo-1")
		return s != nil && s.Stats().Units > 100
	})
	out, err := exec.Command("ffprobe", "-v", "error", "-rw_timeout", "15000000", "-read_intervals", "%+2", "-count_frames",
		"-show_entries", "stream=codec_name,nb_read_frames", "-of", "csv=p=0",
		"http://"+httpAddr+"/live/wxdemo-1/ll.m3u8").CombinedOutput()
	decoded := regexp.MustCompile(`(?m)^(hevc|aac),[1-9]`).FindAllString(string(out), -1)
	if err != nil || len(decoded) < 2 {
		t.Fatalf("ffprobe of the gateway's LL-HLS: %v\n%s", err, out)
	}
	t.Logf("gateway LL-HLS: %s", strings.ReplaceAll(strings.TrimSpace(string(out)), "\n", "; "))
}
