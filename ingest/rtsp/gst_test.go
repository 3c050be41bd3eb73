package rtsp

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"livestudio/internal/testpeer"
)

// The "camera" of these tests is GStreamer's RTSP server (Debian packages),
// driven by internal/testpeer, serving files ffmpeg makes: a peer
// we did not write.

var mediaDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rtsp-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mediaDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// needPeers fails (never skips) the test when ffmpeg or GStreamer is missing.
func needPeers(t *testing.T) { testpeer.NeedGStreamer(t) }

var (
	mediaMu    sync.Mutex
	mediaFiles = map[string]string{}
)

// media returns a file ffmpeg made once per test binary with the given
// output options (the inputs are a 320x240 25 fps test pattern and a sine).
func media(t *testing.T, name string, seconds int, sampleRate int, opts ...string) string {
	t.Helper()
	needPeers(t)
	mediaMu.Lock()
	defer mediaMu.Unlock()
	if p, ok := mediaFiles[name]; ok {
		return p
	}
	p := filepath.Join(mediaDir, name)
	args := []string{"-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=" + strconv.Itoa(sampleRate),
		"-t", strconv.Itoa(seconds), "-pix_fmt", "yuv420p"}
	args = append(append(args, opts...), p)
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %s: %v: %s", name, err, out)
	}
	mediaFiles[name] = p
	return p
}

// h264AAC: H.264 with 2 B-frames and a keyframe every 2 s, AAC-LC 48 kHz
// mono, in MP4.
func h264AAC(t *testing.T, seconds int) string {
	return media(t, fmt.Sprintf("h264aac%d.mp4", seconds), seconds, 48000,
		"-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "50",
		"-c:a", "aac", "-b:a", "64k")
}

// h265AAC: H.265 with 2 B-frames, AAC-LC 44.1 kHz stereo, in MPEG-TS (ADTS:
// GStreamer then signals the AAC config without ffmpeg's SBR extension).
func h265AAC(t *testing.T) string {
	return media(t, "h265aac.ts", 10, 44100,
		"-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "bframes=2:keyint=50:log-level=error",
		"-c:a", "aac", "-ac", "2", "-b:a", "64k")
}

// serve starts the GStreamer RTSP server with a launch line and returns the
// URL of its stream (credentials included when user is set).
func serve(t *testing.T, launch, user, pass string) string {
	t.Helper()
	return testpeer.ServeRTSP(t, launch, user, pass, 0).URL
}
