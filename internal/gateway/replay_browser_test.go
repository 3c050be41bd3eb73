package gateway

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"livestudio/internal/testpeer"
	"livestudio/player/web"
)

// A finished recording plays in headless Chromium with the vendored hls.js,
// from a page on another origin (CORS): it has the picture's size, a VOD
// duration near what was published, plays, seeks, and ends.
func TestReplayPlaysInHLSJS(t *testing.T) {
	needFFmpeg(t)
	testpeer.NeedChromium(t)
	tg := startGateway(t, func(c *Config) {
		c.DataDir = t.TempDir()
		c.Replay.RecordAll = true
		c.Replay.SegmentDuration = 2 * time.Second
	})
	pub := publish(t, tg.pushURL(t, 1), 6*time.Second)
	if err := pub.waitExit(t, 40*time.Second); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, pub.stderr)
	}
	media := waitRecording(t, tg, demoKey, 1)

	page := fmt.Sprintf(`<!doctype html><meta charset=utf-8><title>replay</title>
<video id=v muted playsinline></video>
<script src="%s"></script>
<script>
window.errs = [];
const v = document.getElementById('v');
const h = new Hls();
h.on(Hls.Events.ERROR, (e, d) => { if (d.fatal) window.errs.push(d.type + ':' + d.details); });
h.on(Hls.Events.MANIFEST_PARSED, () => v.play());
h.loadSource(%q);
h.attachMedia(v);
</script>`, html.EscapeString(tg.base+"/sdk/vendor/hls.light-"+web.HLSVersion+".min.js"), media)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	defer srv.Close()

	browser := testpeer.Browser(t, testpeer.WindowSize(640, 480))
	tab := testpeer.NewTab(t, browser)
	con := watchConsole(tab)
	run(t, tab, con, 20*time.Second, chromedp.Navigate(srv.URL))
	waitJS(t, tab, con, 30*time.Second, "the replay playing",
		`window.errs.length === 0 && v.videoWidth === 320 && v.videoHeight === 240 && v.currentTime > 1`)
	var dur float64
	eval(t, tab, con, `v.duration`, &dur)
	if dur < 5 || dur > 8 {
		t.Errorf("hls.js duration %v s, want about 6 (a VOD playlist)", dur)
	}
	run(t, tab, con, 5*time.Second, chromedp.Evaluate(`v.currentTime = v.duration - 1.5; true`, nil))
	waitJS(t, tab, con, 30*time.Second, "the replay ending after a seek", `window.errs.length === 0 && v.ended`)
}
