package agent

import (
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"livestudio/internal/config"
	"livestudio/internal/gateway"
	"livestudio/internal/testpeer"
)

// cameraLaunch serves an MP4 (H.264 + AAC) as GStreamer's RTSP camera.
const cameraLaunch = "( filesrc location=%s ! qtdemux name=d d.video_0 ! queue ! h264parse ! " +
	"rtph264pay name=pay0 pt=96 config-interval=1 d.audio_0 ! queue ! aacparse ! rtpmp4gpay name=pay1 pt=97 )"

// TestRTSPCameraToGateway: the agent pulls a GStreamer RTSP camera (with
// credentials, B-frames) and pushes it to the gateway through getpushurl;
// ffmpeg decodes the gateway's FLV. The camera is then stopped: the slate
// keeps the push up. Started again at the same address, the camera's
// picture returns, and the push was never re-established.
func TestRTSPCameraToGateway(t *testing.T) {
	testpeer.NeedGStreamer(t)
	clip := filepath.Join(t.TempDir(), "cam.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "60", "-pix_fmt", "yuv420p",
		"-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "50", "-c:a", "aac", clip).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cam := testpeer.ServeRTSP(t, fmt.Sprintf(cameraLaunch, clip), "anchor", "pa:ss", port)

	g, _ := runGatewayWith(t, "127.0.0.1:0", "127.0.0.1:0", func(c *gateway.Config) { c.RTMP.IdleTimeout = 2 * time.Second })
	httpAddr := g.HTTPAddr().String()
	cfg := demoAgentConfig("http://" + httpAddr)
	cfg.Channels[0].Name = "cam1"
	cfg.Channels[0].Source = config.Source{Type: "rtsp", URL: cam.URL, ReadTimeout: 2 * time.Second}
	a, err := New(cfg, nil, testLog())
	if err != nil {
		t.Fatal(err)
	}
	startAgent(t, a)
	waitFor(t, 30*time.Second, "camera live at the gateway", func() bool {
		s := g.Registry().Get("wxdemo-1")
		return s != nil && s.Stats().Units > 75 && a.Status()[0].Source.State == SourceLive
	})
	if v, au := decodes(t, "http://"+httpAddr+"/live/wxdemo-1.flv"); v < 25 || au < 40 {
		t.Fatalf("decoded %d video, %d audio frames", v, au)
	}

	cam.Stop()
	waitFor(t, 20*time.Second, "camera seen gone", func() bool { return a.Status()[0].Source.State != SourceLive })
	s := g.Registry().Get("wxdemo-1")
	n := s.Stats().Units
	waitFor(t, 10*time.Second, "slate at the gateway", func() bool { return s.Stats().Units > n+100 })
	if st := a.Status()[0].Source; st.LastError == "" {
		t.Errorf("no error reported for the lost camera: %+v", st)
	}

	testpeer.ServeRTSP(t, fmt.Sprintf(cameraLaunch, clip), "anchor", "pa:ss", port)
	waitFor(t, 30*time.Second, "camera back", func() bool { return a.Status()[0].Source.State == SourceLive })
	if v, _ := decodes(t, "http://"+httpAddr+"/live/wxdemo-1.flv"); v < 25 {
		t.Fatalf("after the camera came back decoded %d video frames", v)
	}
	if st := a.Status()[0]; st.Push.Publishes != 1 || g.Registry().Get("wxdemo-1") != s {
		t.Errorf("push re-established: %+v", st.Push)
	}
}
