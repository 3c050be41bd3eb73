package gateway

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"livestudio/internal/testpeer"
)

// TestPagePlays: with ffmpeg publishing, Chromium plays /play/{room} with
// HTTP-FLV (mpegts.js) and with HLS (hls.js) forced: the video reaches
// readyState >= 3, its time advances for 5 s, and it has the source's size.
// Page load to first frame is logged for docs/benchmarks.md.
func TestPagePlays(t *testing.T) {
	needFFmpeg(t)
	tg := startPageGateway(t)
	publishBarcode(t, tg.pushURL(t, 1), 60*time.Second)
	waitLive(t, tg, demoKey, 60)
	browser := testpeer.Browser(t, testpeer.WindowSize(1280, 800))
	for _, mode := range []string{"flv", "hls"} {
		t.Run(mode, func(t *testing.T) {
			tab := testpeer.NewTab(t, browser)
			con := watchConsole(tab)
			start := time.Now()
			run(t, tab, con, 20*time.Second, chromedp.Navigate(tg.base+"/play/"+demoKey+"?mode="+mode))
			waitJS(t, tab, con, 30*time.Second, "readyState >= 3",
				`(() => { const v = document.querySelector('#view video'); return !!v && v.readyState >= 3 && !v.paused; })()`)
			firstFrame := time.Since(start)
			var t0 float64
			eval(t, tab, con, `document.querySelector('#view video').currentTime`, &t0)
			waitJS(t, tab, con, 30*time.Second, "currentTime advanced 5 s",
				fmt.Sprintf(`document.querySelector('#view video').currentTime >= %f`, t0+5))
			var got struct {
				W, H  int
				Mode  string
				Ready int
			}
			eval(t, tab, con, `(() => { const v = document.querySelector('#view video');
				return {W: v.videoWidth, H: v.videoHeight, Mode: window.livestudioPage.mode, Ready: v.readyState}; })()`, &got)
			if got.W != 320 || got.H != 240 {
				t.Errorf("video %dx%d, want 320x240 (the source)", got.W, got.H)
			}
			if got.Mode != mode {
				t.Errorf("page played %q, want %q forced", got.Mode, mode)
			}
			var status string
			eval(t, tab, con, `document.getElementById('status').textContent`, &status)
			if status != "Live" {
				t.Errorf("status %q, want Live (no status attribute: the stream plays)", status)
			}
			t.Logf("%s: page load to first frame %v", mode, firstFrame.Round(time.Millisecond))
			testpeer.Screenshot(t, tab, "page-desktop-"+mode)
		})
	}
}
