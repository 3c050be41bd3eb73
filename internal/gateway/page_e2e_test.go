package gateway

import (
	"context"
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
			run(t, tab, con, 20*time.Second, chromedp.EmulateViewport(1280, 800),
				chromedp.Navigate(tg.base+"/play/"+demoKey+"?mode="+mode))
			waitJS(t, tab, con, 30*time.Second, "readyState >= 3",
				`(() => { const v = document.querySelector('#view video'); return !!v && v.readyState >= 3 && !v.paused; })()`)
			var firstFrame []float64
			var ms float64
			eval(t, tab, con, `window.livestudioPage.firstFrameMs`, &ms)
			firstFrame = append(firstFrame, ms)
			var t0 float64
			eval(t, tab, con, `document.querySelector('#view video').currentTime`, &t0)
			waitJS(t, tab, con, 30*time.Second, "currentTime advanced 5 s",
				fmt.Sprintf(`document.querySelector('#view video').currentTime >= %f`, t0+5))
			if st := tg.audience.Stats(demoKey); mode == "hls" && st.HLS != 1 {
				// The page names its session; gohlslib copies the query onto
				// the URIs of the media playlists hls.js reloads: one
				// session, not one more by address.
				t.Errorf("HLS sessions of the page: %+v, want 1", st)
			}
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
			testpeer.Screenshot(t, tab, "page-desktop-"+mode)
			// WeChat's inline attributes; muted autoplay with tap-to-unmute.
			var attrs string
			eval(t, tab, con, `(() => { const v = document.querySelector('#view video');
				return ['playsinline', 'webkit-playsinline', 'x5-playsinline'].filter(a => v.hasAttribute(a)).join(',') +
					'|' + v.getAttribute('x5-video-player-type') + '|' + v.muted + '|' + document.getElementById('unmute').hidden; })()`, &attrs)
			if attrs != "playsinline,webkit-playsinline,x5-playsinline|h5|true|false" {
				t.Errorf("video attributes %q: want the inline attributes, muted, and the unmute button shown", attrs)
			}
			run(t, tab, con, 5*time.Second, chromedp.Click("#unmute", chromedp.ByID))
			waitJS(t, tab, con, 5*time.Second, "unmuted", `!document.querySelector('#view video').muted && document.getElementById('unmute').hidden`)
			// More loads for the figure (navigation start to the first
			// frame playing, measured by the page itself).
			for i := 1; i < *pageSamples; i++ {
				run(t, tab, con, 20*time.Second, chromedp.Navigate(tg.base+"/play/"+demoKey+"?mode="+mode))
				waitJS(t, tab, con, 30*time.Second, "first frame", `window.livestudioPage && window.livestudioPage.firstFrameMs != null`)
				eval(t, tab, con, `window.livestudioPage.firstFrameMs`, &ms)
				firstFrame = append(firstFrame, ms)
			}
			t.Logf("FIGURE %s first_frame_ms %s", mode, summary(firstFrame))
		})
	}
}

// hostile is typed as a nickname and a message: it must render as text and
// never run.
const (
	hostile     = `<script>window.__pwned=1</script>"><img src=x onerror="window.__pwned=2">`
	hostileNick = `"><img src=x onerror="window.__pwned=3"><b>`
)

// TestPageInteraction: two phone-sized pages in one room. Logging in via
// the demo login, a message typed in one appears in the other; a like
// updates the total in both; an admin sets the product through REST and
// the card appears in both; a muted user sees the error; hostile nickname
// and text render as text and never run.
func TestPageInteraction(t *testing.T) {
	needFFmpeg(t)
	tg := startPageGateway(t)
	publishBarcode(t, tg.pushURL(t, 1), 90*time.Second)
	waitLive(t, tg, demoKey, 60)
	browser := testpeer.Browser(t, append(foregroundTabs(), testpeer.WindowSize(390, 844))...)
	type page struct {
		tab context.Context
		con *consoleLog
	}
	open := func(user, nick string) page {
		tab := testpeer.NewTab(t, browser)
		p := page{tab, watchConsole(tab)}
		run(t, tab, p.con, 20*time.Second, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
			chromedp.Navigate(tg.base+"/play/"+demoKey))
		waitJS(t, tab, p.con, 30*time.Second, "playing", `window.livestudioPage && window.livestudioPage.playing === true`)
		run(t, tab, p.con, 10*time.Second,
			chromedp.Click("#loginbtn", chromedp.ByID),
			chromedp.SendKeys("#loginid", user, chromedp.ByID),
			chromedp.SendKeys("#loginnick", nick, chromedp.ByID),
			chromedp.Click(`#loginform button[type=submit]`, chromedp.ByQuery))
		waitJS(t, tab, p.con, 10*time.Second, user+" logged in", `!document.getElementById('text').disabled`)
		return p
	}
	alice := open("alice", hostileNick)
	bob := open("bob", "Bob")

	// A message typed in alice's page (hostile text, hostile nick) reaches bob's.
	run(t, alice.tab, alice.con, 10*time.Second,
		chromedp.SendKeys("#text", "hi bob "+hostile, chromedp.ByID),
		chromedp.Click("#sendbtn", chromedp.ByID))
	want := "hi bob " + hostile
	for _, p := range []page{alice, bob} {
		waitJS(t, p.tab, p.con, 20*time.Second, "the message in the chat",
			fmt.Sprintf(`[...document.querySelectorAll('#chat li')].some(li => li.textContent === %q)`, hostileNick+": "+want))
	}
	// Likes: alice taps twice; both pages show the total.
	run(t, alice.tab, alice.con, 10*time.Second, chromedp.Click("#likebtn", chromedp.ByID), chromedp.Click("#likebtn", chromedp.ByID))
	for _, p := range []page{alice, bob} {
		waitJS(t, p.tab, p.con, 15*time.Second, "like total 2", `document.getElementById('likes').textContent === '2'`)
	}
	// The product card, set by an admin through REST, in step with the picture.
	product := `{"goodsId":7,"name":"Tea cup <b>x</b>","coverImgUrl":"data:image/gif;base64,R0lGODlhAQABAAAAACw=","price":29.9,"price2":19.9,"priceType":3,"url":"https://shop.example/7"}`
	adminREST(t, tg, "set_attrs", map[string]any{"RoomId": demoKey, "Attrs": map[string]any{"product": product}})
	for _, p := range []page{alice, bob} {
		waitJS(t, p.tab, p.con, 20*time.Second, "the product card",
			`!document.getElementById('card').hidden && document.getElementById('cardname').textContent === 'Tea cup <b>x</b>'`)
		var price, href string
		eval(t, p.tab, p.con, `document.getElementById('cardprice').textContent`, &price)
		eval(t, p.tab, p.con, `document.getElementById('cardbuy').href`, &href)
		if price != "¥19.90  (was ¥29.90)" || href != "https://shop.example/7" {
			t.Errorf("card price %q, buy link %q", price, href)
		}
	}
	// A muted user sees the error when sending.
	adminREST(t, tg, "mute", map[string]any{"RoomId": demoKey, "Members_Account": []string{"bob"}, "MuteTime": 600})
	run(t, bob.tab, bob.con, 10*time.Second,
		chromedp.SendKeys("#text", "can you hear me", chromedp.ByID),
		chromedp.Click("#sendbtn", chromedp.ByID))
	waitJS(t, bob.tab, bob.con, 10*time.Second, "the muted error",
		`!document.getElementById('notice').hidden && document.getElementById('notice').textContent.startsWith('You are muted')`)

	for name, p := range map[string]page{"alice": alice, "bob": bob} {
		var pwned bool
		eval(t, p.tab, p.con, `window.__pwned !== undefined || document.querySelectorAll('#chat img, #chat script, #me img').length > 0`, &pwned)
		if pwned {
			t.Errorf("%s: hostile input ran or became markup", name)
		}
	}
	var me string
	eval(t, alice.tab, alice.con, `document.getElementById('me').textContent`, &me)
	if me != hostileNick {
		t.Errorf("nickname shown as %q, want the typed text", me)
	}
	testpeer.Screenshot(t, alice.tab, "page-phone-alice")
	testpeer.Screenshot(t, bob.tab, "page-phone-bob")
}

// TestPageRecovers: the page opened before the host goes live starts by
// itself, and when the publisher stops and a new one starts (the stream
// restarts from its own timestamps) the page plays again without a reload;
// the status follows the `status` attribute, else whether the stream plays.
func TestPageRecovers(t *testing.T) {
	needFFmpeg(t)
	tg := startGateway(t, func(c *Config) {
		c.Chat.SDKAppID, c.Chat.SecretKey, c.Chat.AdminToken = pageSDKAppID, pageChatKey, pageAdminTok
		c.Stream.ReconnectGrace = 0 // the stream ends when its publisher goes
	})
	browser := testpeer.Browser(t, testpeer.WindowSize(1280, 800))
	tab := testpeer.NewTab(t, browser)
	con := watchConsole(tab)
	run(t, tab, con, 20*time.Second, chromedp.Navigate(tg.base+"/play/"+demoKey+"?mode=flv"))
	waitJS(t, tab, con, 10*time.Second, "offline before the host starts",
		`document.getElementById('status').textContent === 'Offline'`)
	adminREST(t, tg, "set_attrs", map[string]any{"RoomId": demoKey, "Attrs": map[string]any{"status": "102"}})
	waitJS(t, tab, con, 10*time.Second, "not started", `document.getElementById('status').textContent === 'Not started'`)

	pub := publishBarcode(t, tg.pushURL(t, 1), 60*time.Second)
	adminREST(t, tg, "set_attrs", map[string]any{"RoomId": demoKey, "Attrs": map[string]any{"status": "101"}})
	waitJS(t, tab, con, 40*time.Second, "playing once the host is live",
		`window.livestudioPage.playing && document.querySelector('#view video').readyState >= 3`)
	waitJS(t, tab, con, 5*time.Second, "live", `document.getElementById('status').textContent === 'Live'`)
	// A guest reads the chat but cannot type.
	adminREST(t, tg, "send_msg", map[string]any{"RoomId": demoKey, "From_Account": "host", "Text": "hello guests"})
	waitJS(t, tab, con, 15*time.Second, "the message for guests",
		`[...document.querySelectorAll('#chat li')].some(li => li.textContent === 'host: hello guests') && document.getElementById('text').disabled`)

	// The publisher goes away; a new one starts.
	pub.cmd.Process.Kill()
	pub.waitExit(t, 10*time.Second)
	waitFor(t, 10*time.Second, "stream ended", func() bool { return tg.Registry().Get(demoKey) == nil })
	waitJS(t, tab, con, 20*time.Second, "the page notices", `!window.livestudioPage.playing`)
	publishBarcode(t, tg.pushURL(t, 1), 60*time.Second)
	waitJS(t, tab, con, 40*time.Second, "playing the new stream",
		`window.livestudioPage.playing && document.querySelector('#view video').readyState >= 3`)
	var mt1, mt2 float64
	eval(t, tab, con, `window.livestudioPage.player.getMediaTime()`, &mt1)
	waitJS(t, tab, con, 20*time.Second, "time advancing on the new stream",
		fmt.Sprintf(`window.livestudioPage.player.getMediaTime() > %f + 2000`, mt1))
	eval(t, tab, con, `window.livestudioPage.player.getMediaTime()`, &mt2)
	if live := tg.Registry().Get(demoKey).LastDTS().Milliseconds(); int64(mt2) > live {
		t.Errorf("page media time %v ahead of the new stream's %d", mt2, live)
	}
	adminREST(t, tg, "set_attrs", map[string]any{"RoomId": demoKey, "Attrs": map[string]any{"status": "105"}})
	waitJS(t, tab, con, 10*time.Second, "paused", `document.getElementById('status').textContent === 'Paused'`)
}

// TestPageAutoplayFallback: under the autoplay policy of real browsers (no
// sound without a tap), a page asked to start with sound (?muted=0) plays
// muted and offers tap-to-unmute instead of staying black.
func TestPageAutoplayFallback(t *testing.T) {
	needFFmpeg(t)
	tg := startPageGateway(t)
	publishBarcode(t, tg.pushURL(t, 1), 40*time.Second)
	waitLive(t, tg, demoKey, 60)
	browser := testpeer.Browser(t, chromedp.Flag("autoplay-policy", "document-user-activation-required"))
	tab := testpeer.NewTab(t, browser)
	con := watchConsole(tab)
	run(t, tab, con, 20*time.Second, chromedp.Navigate(tg.base+"/play/"+demoKey+"?muted=0"))
	waitJS(t, tab, con, 30*time.Second, "playing muted with the unmute button",
		`window.livestudioPage.playing && document.querySelector('#view video').muted && !document.getElementById('unmute').hidden`)
}
