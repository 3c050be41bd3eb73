package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSignalShutdown runs the real binary with a publisher (ffmpeg) and a
// viewer attached, sends SIGTERM, and expects a clean exit: both closed.
func TestSignalShutdown(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg not found: install it (see .ci/run)")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "gateway")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v %s", err, out)
	}
	cfg := filepath.Join(dir, "gw.yaml")
	os.WriteFile(cfg, []byte(`
data_dir: `+filepath.Join(dir, "data")+`
http: {listen: "127.0.0.1:0"}
rtmp: {listen: "127.0.0.1:0", public_host: ""}
apps: [{appid: wxdemo, secret: demo-secret, push_key: demo-push-key, push_url_ttl: 1h}]
`), 0o600)
	cmd := exec.Command(bin, "-config", cfg)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })

	var httpAddr string
	re := regexp.MustCompile(`gateway running" http=(\S+) rtmp=(\S+)`)
	for httpAddr == "" {
		select {
		case l := <-lines:
			if m := re.FindStringSubmatch(l); m != nil {
				httpAddr = m[1]
			}
		case <-time.After(20 * time.Second):
			t.Fatal("gateway did not start")
		}
	}
	base := "http://" + httpAddr
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	getJSON(t, base+"/cgi-bin/token?grant_type=client_credential&appid=wxdemo&secret=demo-secret", &tok)
	var pu struct {
		PushAddr string `json:"pushAddr"`
	}
	getJSON(t, base+"/wxaapi/broadcast/room/getpushurl?roomId=7&access_token="+tok.AccessToken, &pu)
	ff := exec.Command("ffmpeg", "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25",
		"-t", "60", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-f", "flv", pu.PushAddr)
	if err := ff.Start(); err != nil {
		t.Fatal(err)
	}
	ffDone := make(chan error, 1)
	go func() { ffDone <- ff.Wait() }()
	t.Cleanup(func() { ff.Process.Kill() })

	var resp *http.Response
	deadline := time.Now().Add(20 * time.Second)
	for {
		r, err := http.Get(base + "/live/wxdemo-7.flv")
		if err == nil && r.StatusCode == 200 {
			resp = r
			break
		}
		if r != nil {
			r.Body.Close()
		}
		if time.Now().After(deadline) {
			t.Fatal("stream never became playable")
		}
		time.Sleep(50 * time.Millisecond)
	}
	defer resp.Body.Close()
	buf := make([]byte, 1024)
	if _, err := resp.Body.Read(buf); err != nil {
		t.Fatal(err)
	}

	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("gateway exit: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("gateway did not exit on SIGTERM")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	viewerEnded := make(chan struct{})
	go func() {
		for {
			if _, err := resp.Body.Read(buf); err != nil {
				close(viewerEnded)
				return
			}
		}
	}()
	select {
	case <-viewerEnded:
	case <-ctx.Done():
		t.Error("viewer still open after shutdown")
	}
	select {
	case <-ffDone: // the publisher saw its connection close
	case <-ctx.Done():
		t.Error("publisher still connected after shutdown")
	}
}

func getJSON(t *testing.T, url string, out any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(fmt.Errorf("%s: %w", strings.Split(url, "?")[0], err))
	}
}
