package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"livestudio/internal/live"
	"livestudio/internal/testpeer"
)

// testGateway boots a gateway on 127.0.0.1:0 with the demo app.
type testGateway struct {
	*Gateway
	base string // http://127.0.0.1:port
	done chan error
}

func startGateway(t *testing.T, mutate func(*Config)) *testGateway {
	t.Helper()
	cfg := testConfig(t)
	if mutate != nil {
		mutate(&cfg)
	}
	tg, _ := bootGateway(t, cfg)
	return tg
}

// testConfig is the tests' gateway config: loopback listeners on free
// ports, a fresh data dir, the demo app.
func testConfig(t *testing.T) Config {
	cfg := DefaultConfig()
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.RTMP.Listen = "127.0.0.1:0"
	cfg.RTMP.PublicHost = "" // the bound port
	cfg.DataDir = t.TempDir()
	cfg.Apps = []live.App{{AppID: "wxdemo", Secret: "demo-secret", PushKey: "demo-push-key", PushURLTTL: time.Hour}}
	return cfg
}

// bootGateway runs a gateway with cfg until stop (idempotent; also at the
// test's end) and returns once it answers /healthz. Tests that restart a
// gateway on the same data dir call stop first.
func bootGateway(t *testing.T, cfg Config) (*testGateway, func()) {
	t.Helper()
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelDebug
	}
	g, err := New(cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tg := &testGateway{Gateway: g, base: "http://" + g.HTTPAddr().String(), done: make(chan error, 1)}
	go func() { tg.done <- g.Run(ctx) }()
	stop := sync.OnceFunc(func() {
		cancel()
		select {
		case err := <-tg.done:
			if err != nil {
				t.Errorf("gateway Run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("gateway did not shut down")
		}
	})
	t.Cleanup(stop)
	waitFor(t, 5*time.Second, "gateway healthz", func() bool {
		resp, err := http.Get(tg.base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	return tg, stop
}

// waitFor polls cond until it holds or the deadline passes: the readiness
// wait of the end-to-end tests, which have no event to wait on.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func getJSON(t *testing.T, method, url string, body any, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
}

// pushURL asks the gateway for room 1's push URL the way the agent will:
// stable_token, then getpushurl.
func (tg *testGateway) pushURL(t *testing.T, room int) string {
	t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		Errcode     int    `json:"errcode"`
	}
	getJSON(t, "POST", tg.base+"/cgi-bin/stable_token",
		map[string]any{"grant_type": "client_credential", "appid": "wxdemo", "secret": "demo-secret"}, &tok)
	if tok.AccessToken == "" || tok.ExpiresIn <= 0 {
		t.Fatalf("stable_token: %+v", tok)
	}
	var pu struct {
		Errcode  int    `json:"errcode"`
		PushAddr string `json:"pushAddr"`
	}
	getJSON(t, "GET", fmt.Sprintf("%s/wxaapi/broadcast/room/getpushurl?access_token=%s&roomId=%d", tg.base, tok.AccessToken, room), nil, &pu)
	if pu.Errcode != 0 || !strings.HasPrefix(pu.PushAddr, "rtmp://") {
		t.Fatalf("getpushurl: %+v", pu)
	}
	return pu.PushAddr
}

func needFFmpeg(t *testing.T) { testpeer.NeedFFmpeg(t) }

// ffmpegProc is a running ffmpeg whose stderr is kept for failure messages.
type ffmpegProc struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	exited chan error
}

// publish starts ffmpeg publishing a generated H.264 + AAC stream (2 s GOP)
// to url for at most maxDur.
func publish(t *testing.T, url string, maxDur time.Duration, extra ...string) *ffmpegProc {
	t.Helper()
	args := []string{"-hide_banner", "-loglevel", "error", "-re",
		"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
		"-t", fmt.Sprint(int(maxDur.Seconds())),
		"-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "50", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-b:a", "64k"}
	args = append(args, extra...)
	args = append(args, "-f", "flv", url)
	return runFFmpeg(t, "ffmpeg", args...)
}

func runFFmpeg(t *testing.T, bin string, args ...string) *ffmpegProc {
	t.Helper()
	p := &ffmpegProc{cmd: exec.Command(bin, args...), stderr: &bytes.Buffer{}, exited: make(chan error, 1)}
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// waitExit waits for the process to end and returns its error.
func (p *ffmpegProc) waitExit(t *testing.T, d time.Duration) error {
	t.Helper()
	select {
	case err := <-p.exited:
		p.exited <- err
		return err
	case <-time.After(d):
		t.Fatalf("ffmpeg still running after %v; stderr: %s", d, p.stderr)
		return nil
	}
}
