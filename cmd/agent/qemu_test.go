//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"livestudio/internal/gateway"
	"livestudio/internal/gateway/gatewaytest"
	"livestudio/internal/stream"
	"livestudio/internal/testpeer"
)

// The agent is meant to run on Raspberry-Pi-class boards (issue #3): these
// tests cross-build it exactly as `make cross` does and run it under Debian's
// qemu-user-static, called explicitly (binfmt_misc need not be set up), with
// its demo channel pushing to an in-process gateway. The two run in
// parallel: on a cold build cache each cross build takes most of a minute.

// TestQemuArm64 runs the linux/arm64 agent (Pi 3/4/5 with a 64-bit OS).
func TestQemuArm64(t *testing.T) {
	t.Parallel()
	runUnderQemu(t, qemuTarget{emulator: "qemu-aarch64-static", goarch: "arm64", units: 100})
}

// TestQemuArmV7 runs the linux/arm v7 agent (32-bit Raspberry Pi OS).
func TestQemuArmV7(t *testing.T) {
	t.Parallel()
	runUnderQemu(t, qemuTarget{emulator: "qemu-arm-static", goarch: "arm", goarm: "7", units: 50})
}

type qemuTarget struct {
	emulator      string
	goarch, goarm string
	units         uint64 // units the gateway must have received from the agent
}

func runUnderQemu(t *testing.T, tg qemuTarget) {
	emu, err := exec.LookPath(tg.emulator)
	if err != nil {
		t.Fatalf("%s not found: install Debian's qemu-user-static (apt-get install qemu-user-static; see .ci/run)", tg.emulator)
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg not found: install it (see .ci/run)")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "agent")
	start := time.Now()
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+tg.goarch, "GOARM="+tg.goarm, "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build linux/%s: %v\n%s", tg.goarch, err, out)
	}
	t.Logf("built linux/%s%s agent in %v", tg.goarch, map[string]string{"": "", "7": " v7"}[tg.goarm], time.Since(start).Round(time.Millisecond))

	g := startGateway(t)
	gw := "http://" + g.HTTPAddr().String()
	cfg := filepath.Join(dir, "agent.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`log_level: info
http: {listen: "127.0.0.1:0"}
channels:
  - name: demo
    source: {type: demo}
    destination:
      wechat: {api_base: %q, appid: wxdemo, secret: demo-secret, room_id: 1}
`, gw)), 0o600); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(emu, bin, "-config", cfg)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var (
		logMu    sync.Mutex
		logLines []string
	)
	httpAddr := make(chan string, 1)
	exited := make(chan error, 1)
	re := regexp.MustCompile(`"agent running" http=(\S+)`)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			l := sc.Text()
			logMu.Lock()
			logLines = append(logLines, l)
			logMu.Unlock()
			if m := re.FindStringSubmatch(l); m != nil {
				httpAddr <- m[1]
			}
		}
		exited <- cmd.Wait()
	}()
	agentLog := func() string {
		logMu.Lock()
		defer logMu.Unlock()
		return strings.Join(logLines, "\n")
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("agent log:\n%s", agentLog())
		}
	})

	// Boot: the emulated agent logs its address, then the demo goes live.
	var agentHTTP string
	select {
	case agentHTTP = <-httpAddr:
	case err := <-exited:
		stopped = true
		t.Fatalf("agent exited at start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("agent did not start within 30s")
	}
	up := time.Since(started)
	var st *stream.Stream
	waitUntil(t, 45*time.Second, "the gateway to receive the demo from the emulated agent", func() bool {
		st = g.Registry().Get("wxdemo-1")
		return st != nil && st.Stats().Units > tg.units
	})
	t.Logf("agent up in %v; the gateway had >%d units of wxdemo-1 %v after start",
		up.Round(time.Millisecond), tg.units, time.Since(started).Round(time.Millisecond))

	// Measure over the decode: units/s, media time per wall time, CPU.
	u0, d0, w0, c0 := st.Stats().Units, st.LastDTS(), time.Now(), cpuTime(cmd.Process.Pid)
	if v, a := decodes(t, gw+"/live/wxdemo-1.flv"); v < 25 || a < 40 {
		t.Fatalf("gateway FLV decoded %d video, %d audio frames, want >=25, >=40", v, a)
	}
	var status struct {
		Channels []struct {
			Name   string `json:"name"`
			Source struct {
				State string  `json:"state"`
				FPS   float64 `json:"fps"`
			} `json:"source"`
			Push struct {
				State string `json:"state"`
			} `json:"push"`
		} `json:"channels"`
	}
	// Three more seconds of media, so the rates (and the agent's own, sampled
	// every 2 s) cover a real stretch of relaying.
	waitUntil(t, 20*time.Second, "3 more seconds of media", func() bool { return st.LastDTS()-d0 >= 3*time.Second })
	u1, d1, w1, c1 := st.Stats().Units, st.LastDTS(), time.Now(), cpuTime(cmd.Process.Pid)
	getJSON(t, "http://"+agentHTTP+"/status", &status)
	if len(status.Channels) != 1 || status.Channels[0].Push.State != "publishing" {
		t.Fatalf("agent /status: %+v", status)
	}
	wall := w1.Sub(w0)
	rate := float64(u1-u0) / wall.Seconds()
	realtime := (d1 - d0).Seconds() / wall.Seconds()
	cpu := "n/a"
	if c0 >= 0 && c1 >= 0 {
		cpu = fmt.Sprintf("%.0f%% of one core", 100*(c1-c0).Seconds()/wall.Seconds())
	}
	t.Logf("linux/%s under %s: %.1f units/s over %v, media %.2fx real time, agent CPU %s, agent fps %.1f",
		tg.goarch, tg.emulator, rate, wall.Round(time.Millisecond), realtime, cpu, status.Channels[0].Source.FPS)
	if realtime < 0.5 {
		t.Errorf("the emulated agent relays %.2fx real time, want >= 0.5x", realtime)
	}

	// SIGTERM: a clean exit, status 0, within 15 s.
	sig := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Fatalf("agent exit after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("agent did not exit within 15s of SIGTERM")
	}
	t.Logf("agent exited 0 %v after SIGTERM", time.Since(sig).Round(time.Millisecond))
	if !strings.Contains(agentLog(), `"agent stopped"`) {
		t.Errorf("no \"agent stopped\" in the agent log")
	}
}

// startGateway runs a gateway in-process on loopback ports with the demo app.
func startGateway(t *testing.T) *gateway.Gateway {
	t.Helper()
	g, _ := gatewaytest.Start(t, "127.0.0.1:0", "127.0.0.1:0", nil)
	return g
}

func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}

// decodes counts the video and audio frames ffmpeg decodes from url in 2 s.
func decodes(t *testing.T, url string) (video, audio int) {
	t.Helper()
	c := testpeer.Decode(t, url, 2*time.Second)
	return c["video"], c["audio"]
}

func getJSON(t *testing.T, url string, out any) {
	t.Helper()
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
}

// cpuTime is the user+system CPU time of a process from /proc (clock ticks
// of 1/100 s, Linux's USER_HZ), or -1 if it cannot be read.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// Fields after the command name, which is in parentheses: state is
	// field 3, utime 14 and stime 15.
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return -1
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return time.Duration(ut+st) * 10 * time.Millisecond
}
