package whipclient

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
)

// Media describes the files MakeFiles encodes.
type Media struct {
	Width, Height, FPS int
	Seconds            int
	VideoKbps          int // libx264 target bit rate
	GOP                int // frames between keyframes; FPS (1 s) by default
}

// MakeFiles encodes a test pattern with a tone into dir with ffmpeg: an
// Annex-B H.264 file (libx264, no B-frames, like browsers and OBS's WHIP
// output send) and an Ogg Opus file with one 20 ms packet a page.
func MakeFiles(dir string, m Media) (h264, ogg string, err error) {
	if m.GOP <= 0 {
		m.GOP = m.FPS
	}
	h264, ogg = filepath.Join(dir, "video.h264"), filepath.Join(dir, "audio.ogg")
	kbps := strconv.Itoa(m.VideoKbps) + "k"
	v := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=%d", m.Width, m.Height, m.FPS),
		"-t", strconv.Itoa(m.Seconds), "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
		"-profile:v", "baseline", "-bf", "0", "-g", strconv.Itoa(m.GOP), "-b:v", kbps, "-maxrate", kbps,
		"-bufsize", kbps, "-pix_fmt", "yuv420p", "-f", "h264", h264)
	if out, err := v.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("ffmpeg h264: %v: %s", err, out)
	}
	a := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", strconv.Itoa(m.Seconds),
		"-ac", "2", "-c:a", "libopus", "-b:a", "64k", "-frame_duration", "20", "-page_duration", "20000", ogg)
	if out, err := a.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("ffmpeg opus: %v: %s", err, out)
	}
	return h264, ogg, nil
}
