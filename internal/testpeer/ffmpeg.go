package testpeer

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// NeedFFmpeg fails (never skips) the test when ffmpeg or ffprobe is missing.
func NeedFFmpeg(t *testing.T) {
	t.Helper()
	for _, bin := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s not found: install it (see .ci/run)", bin)
		}
	}
}

// Decode has ffmpeg, an independent player, decode dur of media from url
// and returns the frames it decoded per media type ("video", "audio"). It
// fails the test when ffmpeg fails or a track's timestamps go backwards.
func Decode(t *testing.T, url string, dur time.Duration) map[string]int {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-rw_timeout", "15000000", "-i", url,
		"-t", strconv.FormatFloat(dur.Seconds(), 'f', 1, 64), "-f", "framecrc", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg decode %s: %v", url, err)
	}
	kinds := map[string]string{}
	counts := map[string]int{}
	last := map[string]int64{}
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "#media_type "); ok {
			idx, kind, _ := strings.Cut(rest, ": ")
			kinds[idx] = kind
			continue
		}
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, ",")
		if len(f) < 3 {
			continue
		}
		kind := kinds[strings.TrimSpace(f[0])]
		dts, _ := strconv.ParseInt(strings.TrimSpace(f[1]), 10, 64)
		if prev, ok := last[kind]; ok && dts <= prev {
			t.Fatalf("%s: %s timestamps not monotonic: %d after %d", url, kind, dts, prev)
		}
		last[kind] = dts
		counts[kind]++
	}
	return counts
}
