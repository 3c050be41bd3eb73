// Package testpeer starts the programs we did not write that the tests use
// as peers. It is imported by tests only.
package testpeer

import (
	"bufio"
	_ "embed"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// InstallHint is what a machine without the RTSP peers needs (see .ci/run).
const InstallHint = "apt-get install -y --no-install-recommends ffmpeg python3-gi " +
	"gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-good gstreamer1.0-plugins-bad"

// Python is Debian's interpreter: the python3 on PATH may be a pyenv build
// without the gi bindings.
const Python = "/usr/bin/python3"

//go:embed rtsp_server.py
var rtspServer []byte

var (
	gstOnce sync.Once
	gstErr  error
)

// NeedGStreamer fails (never skips) the test when ffmpeg or the GStreamer
// RTSP server with the elements the launch lines use is missing.
func NeedGStreamer(t *testing.T) {
	t.Helper()
	gstOnce.Do(func() {
		if _, err := exec.LookPath("ffmpeg"); err != nil {
			gstErr = fmt.Errorf("ffmpeg not found: %w", err)
			return
		}
		check := `import gi
gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import Gst, GstRtspServer
Gst.init(None)
missing = [e for e in "qtdemux tsdemux h264parse h265parse aacparse rtph264pay rtph265pay rtpmp4gpay rtpmp4apay audiotestsrc mulawenc rtppcmupay".split() if Gst.ElementFactory.find(e) is None]
if missing:
    raise SystemExit("missing GStreamer elements: " + " ".join(missing))
`
		if out, err := exec.Command(Python, "-c", check).CombinedOutput(); err != nil {
			gstErr = fmt.Errorf("GStreamer RTSP server not usable with %s: %v: %s", Python, err, out)
		}
	})
	if gstErr != nil {
		t.Fatalf("%v\ninstall the test peers: %s", gstErr, InstallHint)
	}
}

// RTSPCamera is a running GStreamer RTSP server.
type RTSPCamera struct {
	URL  string
	cmd  *exec.Cmd
	once sync.Once
}

// Stop ends the server (as a camera that loses power).
func (c *RTSPCamera) Stop() {
	c.once.Do(func() {
		c.cmd.Process.Kill()
		c.cmd.Wait()
	})
}

// ServeRTSP starts the GStreamer RTSP server with a gst-launch line (its
// payloaders named pay0, pay1...) at rtsp://127.0.0.1:PORT/cam, with basic
// auth when user is set, on port (0: any). It waits for the server's
// "ready" line, not for time. The server stops with the test.
func ServeRTSP(t *testing.T, launch, user, pass string, port int) *RTSPCamera {
	t.Helper()
	NeedGStreamer(t)
	script := filepath.Join(t.TempDir(), "rtsp_server.py")
	if err := os.WriteFile(script, rtspServer, 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{script, launch}
	if user != "" {
		args = append(args, user, pass)
	}
	cmd := exec.Command(Python, args...)
	cmd.Env = append(os.Environ(), fmt.Sprintf("RTSP_PORT=%d", port))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cam := &RTSPCamera{cmd: cmd}
	t.Cleanup(func() {
		cam.Stop()
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("rtsp_server.py stderr:\n%s", stderr.String())
		}
	})
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if p, ok := strings.CutPrefix(sc.Text(), "ready "); ok {
				ready <- p
				return
			}
		}
		close(ready)
	}()
	select {
	case p, ok := <-ready:
		if !ok {
			t.Fatalf("rtsp_server.py exited before ready: %s", stderr.String())
		}
		u := &url.URL{Scheme: "rtsp", Host: "127.0.0.1:" + p, Path: "/cam"}
		if user != "" {
			u.User = url.UserPassword(user, pass)
		}
		cam.URL = u.String()
		return cam
	case <-time.After(20 * time.Second):
		t.Fatalf("rtsp_server.py not ready after 20s")
	}
	return nil
}
