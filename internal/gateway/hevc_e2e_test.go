package gateway

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gortmplib"
	"github.com/bluenviron/gortmplib/pkg/codecs"

	"livestudio/internal/flv"
	"livestudio/internal/testpeer"
)

// hevcAccessUnits encodes a short H.265 clip with libx265 (access unit
// delimiters on) and splits it into access units.
func hevcAccessUnits(t *testing.T, seconds int) [][][]byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "clip.h265")
	cmd := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
		"-t", strconv.Itoa(seconds), "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
		"-x265-params", "keyint=25:min-keyint=25:bframes=0:aud=1:repeat-headers=1:log-level=error", "-f", "hevc", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("libx265 encode: %v %s", err, b)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var aus [][][]byte
	for _, n := range splitAnnexB(raw) {
		if typ := (n[0] >> 1) & 0x3f; typ == 35 { // AUD starts an access unit
			aus = append(aus, nil)
			continue
		}
		if len(aus) > 0 {
			aus[len(aus)-1] = append(aus[len(aus)-1], n)
		}
	}
	return aus
}

// splitAnnexB splits an Annex-B byte stream on its start codes.
func splitAnnexB(b []byte) [][]byte {
	var out [][]byte
	start := -1
	for i := 0; i+3 <= len(b); i++ {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			if start >= 0 {
				out = append(out, bytes.TrimRight(b[start:i], "\x00"))
			}
			start = i + 3
			i += 2
		}
	}
	if start >= 0 && start < len(b) {
		out = append(out, b[start:])
	}
	return out
}

// TestHEVCEnhancedRTMP publishes H.265 over Enhanced RTMP with gortmplib's
// client and checks FLV (enhanced hvc1 tags) and LL-HLS (fMP4, decoded by
// ffmpeg).
func TestHEVCEnhancedRTMP(t *testing.T) {
	needFFmpeg(t)
	aus := hevcAccessUnits(t, 12)
	var vps, sps, pps []byte
	for _, n := range aus[0] {
		switch (n[0] >> 1) & 0x3f {
		case 32:
			vps = n
		case 33:
			sps = n
		case 34:
			pps = n
		}
	}
	if vps == nil || sps == nil || pps == nil {
		t.Fatal("no parameter sets in the first access unit")
	}
	tg := startGateway(t, nil)
	u, _ := url.Parse(tg.pushURL(t, 1))
	// gortmplib takes the app from the path and the stream name (with its
	// query) from the fragment.
	u.Fragment, u.Path, u.RawQuery = strings.TrimPrefix(u.Path, "/live/")+"?"+u.RawQuery, "/live", ""
	c := &gortmplib.Client{URL: u, Publish: true}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Initialize(ctx); err != nil {
		t.Fatalf("gortmplib publish: %v", err)
	}
	defer c.Close()
	track := &gortmplib.Track{Codec: &codecs.H265{VPS: vps, SPS: sps, PPS: pps}}
	w := &gortmplib.Writer{Conn: c, Tracks: []*gortmplib.Track{track}}
	if err := w.Initialize(); err != nil {
		t.Fatal(err)
	}
	pubErr := make(chan error, 1)
	go func() {
		tick := time.NewTicker(40 * time.Millisecond) // the source's frame rate
		defer tick.Stop()
		for i, au := range aus {
			ts := time.Duration(i) * 40 * time.Millisecond
			if err := w.WriteH265(track, ts, ts, au); err != nil {
				pubErr <- err
				return
			}
			<-tick.C
		}
		pubErr <- nil
	}()
	waitLive(t, tg, demoKey, 30)

	_, tags := readFLVStart(t, tg.base+"/live/"+demoKey+".flv")
	var seqHdr []byte
	for _, tag := range tags {
		if tag.Type == flv.TagVideo && !isFrame(tag.Body) {
			seqHdr = tag.Body
		}
	}
	if len(seqHdr) < 5 || seqHdr[0]&0x80 == 0 || !bytes.Equal(seqHdr[1:5], []byte("hvc1")) {
		t.Fatalf("no Enhanced RTMP hvc1 sequence start before the first frame: % x", seqHdr[:min(8, len(seqHdr))])
	}
	if _, err := flv.ParseHEVCConfig(seqHdr[5:]); err != nil {
		t.Fatalf("hvcC served: %v", err)
	}
	if first := tags[len(tags)-1]; !isKey(first.Body) {
		t.Errorf("first HEVC frame is not a keyframe")
	}

	c2 := testpeer.Decode(t, tg.base+"/live/"+demoKey+"/ll.m3u8", 2*time.Second)
	if c2["video"] < 25 {
		t.Errorf("LL-HLS decoded %v HEVC frames, want >= 25", c2)
	}
	if err := <-pubErr; err != nil {
		t.Fatalf("publisher: %v", err)
	}
}
