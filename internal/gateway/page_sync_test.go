package gateway

import (
	"flag"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"livestudio/internal/flv"
	"livestudio/internal/testpeer"
)

// pageSamples is how many product cards and latency samples the in-step
// test takes per mode; bench/page.sh raises it for docs/benchmarks.md.
var pageSamples = flag.Int("page.samples", 3, "product cards and latency samples per mode in TestPageInStep")

// pageSettle is how long the page plays before TestPageInStep measures:
// the latency chase takes a few seconds to converge.
var pageSettle = flag.Duration("page.settle", 3*time.Second, "playback before TestPageInStep measures")

// frameZero returns the media time (ms) of frame 0 of publishBarcode's
// stream: its keyframes are every 50 frames (2 s), so the first keyframe
// the gateway serves, modulo 2 s, is where frame 0 sits on the gateway's
// clock.
func frameZero(t *testing.T, tg *testGateway) int64 {
	t.Helper()
	resp, tags := readFLVStart(t, tg.base+"/live/"+demoKey+".flv")
	resp.Body.Close()
	key := tags[len(tags)-1]
	if key.Type != flv.TagVideo || !isKey(key.Body) {
		t.Fatalf("first frame is not a keyframe")
	}
	return int64(key.MS) % 2000
}

// TestPageInStep: product cards set while the stream plays appear when the
// page's picture reaches the media time the gateway stamped them with, not
// before; measured against the frame number the publisher burnt into the
// picture (read from a canvas the instant the card changes). It also
// measures the page's end-to-end latency behind the gateway.
func TestPageInStep(t *testing.T) {
	needFFmpeg(t)
	tg := startPageGateway(t)
	publishBarcode(t, tg.pushURL(t, 1), 120*time.Second)
	waitLive(t, tg, demoKey, 60)
	zero := frameZero(t, tg)
	browser := testpeer.Browser(t, append(foregroundTabs(), testpeer.WindowSize(1280, 800))...)
	goods := 0
	for _, mode := range []string{"flv", "hls"} {
		t.Run(mode, func(t *testing.T) {
			tab := testpeer.NewTab(t, browser)
			con := watchConsole(tab)
			run(t, tab, con, 20*time.Second, chromedp.Navigate(tg.base+"/play/"+demoKey+"?mode="+mode))
			waitJS(t, tab, con, 30*time.Second, "playing with a readable barcode",
				`window.livestudioPage.playing && window.livestudioPage.player.getMediaTime() !== null && `+readBarcodeJS+` > 0`)
			// Let the latency chasing settle before measuring.
			var ct float64
			eval(t, tab, con, `document.querySelector('#view video').currentTime`, &ct)
			waitJS(t, tab, con, *pageSettle+30*time.Second, "playback to settle",
				fmt.Sprintf(`document.querySelector('#view video').currentTime > %f`, ct+pageSettle.Seconds()))

			// End-to-end latency: the gateway's newest media time against
			// the frame on screen, at the same wall clock.
			var lat []float64
			for i := 0; i < *pageSamples; i++ {
				var n int64
				eval(t, tab, con, readBarcodeJS, &n)
				live := tg.Registry().Get(demoKey).LastDTS().Milliseconds()
				lat = append(lat, float64(live-(zero+n*40)))
				time.Sleep(300 * time.Millisecond) // spacing between samples, not synchronisation
			}

			// Cards: the observer reads the frame the instant a card renders.
			eval(t, tab, con, `(() => { window.__cards = [];
				new MutationObserver(() => { const s = window.livestudioPage;
					window.__cards.push({name: document.getElementById('cardname').textContent, frame: `+readBarcodeJS+`,
						mediaTimeMs: s.cards[s.cards.length-1].mediaTimeMs, pageMediaTime: s.player.getMediaTime()}); })
				.observe(document.getElementById('cardname'), {childList: true, characterData: true, subtree: true}); return true; })()`, new(bool))
			var names []string
			for i := 0; i < *pageSamples; i++ {
				goods++
				name := fmt.Sprintf("Item %d", goods)
				names = append(names, name)
				adminREST(t, tg, "set_attrs", map[string]any{"RoomId": demoKey, "Attrs": map[string]any{
					"product": fmt.Sprintf(`{"goodsId":%d,"name":%q,"price":%d,"priceType":1,"url":"https://shop.example/%d"}`, goods, name, goods, goods)}})
				time.Sleep(700 * time.Millisecond) // cards a little apart, like a host's
			}
			waitJS(t, tab, con, 30*time.Second, "every card shown",
				fmt.Sprintf(`window.__cards.some(c => c.name === %q)`, names[len(names)-1]))
			var cards []struct {
				Name          string
				Frame         int64
				MediaTimeMs   int64
				PageMediaTime int64
			}
			eval(t, tab, con, `window.__cards`, &cards)
			var errs []float64
			for _, c := range cards {
				shown := zero + c.Frame*40
				d := shown - c.MediaTimeMs
				errs = append(errs, float64(d))
				t.Logf("%s: card %q stamped %d ms, shown on frame %d (%d ms; the page's clock said %d ms): %+d ms",
					mode, c.Name, c.MediaTimeMs, c.Frame, shown, c.PageMediaTime, d)
				// The point of the feature: never before the picture (one
				// frame and the canvas grab of slack).
				if d < -100 {
					t.Errorf("%s: card %q shown %d ms before its frame", mode, c.Name, -d)
				}
			}
			if len(cards) != len(names) {
				t.Errorf("%s: %d card changes seen, want %d", mode, len(cards), len(names))
			}
			t.Logf("FIGURE %s latency_ms %s", mode, summary(lat))
			t.Logf("FIGURE %s card_landing_ms %s", mode, summary(errs))
		})
	}
}

// summary formats min / median / max of samples.
func summary(v []float64) string {
	if len(v) == 0 {
		return "n=0"
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return fmt.Sprintf("n=%d min=%.0f median=%.0f max=%.0f", len(s), s[0], s[len(s)/2], s[len(s)-1])
}
