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
	// H265 encodes the video with libx265 (Annex-B, no B-frames).
	H265 bool
}

// MakeFiles encodes a test pattern with a tone into dir with ffmpeg: an
// Annex-B H.264 (or H.265) file (libx264, no B-frames, like browsers and OBS's WHIP
// output send) and an Ogg Opus file with one 20 ms packet a page.
func MakeFiles(dir string, m Media) (h264, ogg string, err error) {
	if m.GOP <= 0 {
		m.GOP = m.FPS
	}
	h264, ogg = filepath.Join(dir, "video.h264"), filepath.Join(dir, "audio.ogg")
	kbps := strconv.Itoa(m.VideoKbps) + "k"
	codec := []string{"-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-profile:v", "baseline",
		"-bf", "0", "-f", "h264"}
	if m.H265 {
		h264 = filepath.Join(dir, "video.h265")
		codec = []string{"-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "bframes=0:log-level=error",
			"-f", "hevc"}
	}
	args := []string{"-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=%d", m.Width, m.Height, m.FPS),
		"-t", strconv.Itoa(m.Seconds), "-g", strconv.Itoa(m.GOP), "-b:v", kbps, "-maxrate", kbps,
		"-bufsize", kbps, "-pix_fmt", "yuv420p"}
	args = append(append(args, codec...), h264)
	v := exec.Command("ffmpeg", args...)
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
