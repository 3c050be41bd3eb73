package gateway

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/tencentyun/tls-sig-api-v2-golang/tencentyun"

	"livestudio/internal/testpeer"
)

// integratorSite serves pages on another origin (localhost instead of
// 127.0.0.1), as a site that embeds the gateway's page or uses its SDK.
func integratorSite(t *testing.T, pages map[string]string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(body))
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return "http://localhost:" + port
}

// TestEmbedAndSDK: another site (1) frames /embed/{room} and gets its
// postMessage events, logs the viewer in by postMessage; (2) uses the SDK
// from a script tag with TWebLive's play URL and its event names, and
// receives chat through a dropped and re-established connection; (3)
// imports the ES module.
func TestEmbedAndSDK(t *testing.T) {
	needFFmpeg(t)
	tg := startPageGateway(t)
	publishBarcode(t, tg.pushURL(t, 1), 90*time.Second)
	waitLive(t, tg, demoKey, 60)
	sig, err := tencentyun.GenUserSig(pageSDKAppID, pageChatKey, "carol", 3600)
	if err != nil {
		t.Fatal(err)
	}
	gw := tg.base
	site := integratorSite(t, map[string]string{
		"/embed.html": `<!doctype html><iframe id="f" width="390" height="700" allow="autoplay"
			src="` + gw + `/embed/` + demoKey + `?chat=0&theme=light&muted=1"></iframe>
			<script>window.events = [];
			addEventListener('message', e => { if (e.data && e.data.source === 'livestudio') window.events.push(e.data); });
			function login() { document.getElementById('f').contentWindow.postMessage(
				{type: 'livestudio:login', userID: 'carol', userSig: '` + sig + `', nick: 'Carol'}, '*'); }</script>`,
		"/sdk.html": `<!doctype html><div id="v" style="width:320px;height:240px"></div>
			<script src="` + gw + `/sdk/livestudio.js"></script>
			<script>window.got = {texts: [], net: [], playing: 0};
			const E = LiveStudio.EVENT;
			const player = LiveStudio.createPlayer();
			player.on(E.PLAYER_PLAYING, () => window.got.playing++);
			player.setRenderView({elementID: 'v'}).then(() => player.startPlay('https://flv=' +
				encodeURIComponent('` + gw + `/live/` + demoKey + `.flv') + '&hls=` + gw + `/live/` + demoKey + `.m3u8'));
			const im = LiveStudio.createIM({SDKAppID: ` + fmt.Sprint(pageSDKAppID) + `, server: '` + gw + `'});
			window.im = im;
			im.on(E.IM_TEXT_MESSAGE_RECEIVED, ev => ev.data.forEach(m => window.got.texts.push(m.payload.text + '|' + m.from + '|' + (typeof m.mediaTimeMs))));
			im.on(E.IM_NET_STATE_CHANGED, ev => window.got.net.push(ev.data));
			im.on(E.IM_READY, () => window.got.ready = true);
			im.login({userID: 'carol', userSig: '` + sig + `'}).then(() => im.enterRoom('` + demoKey + `'))
				.then(r => window.got.entered = r.data.status);</script>`,
		"/module.html": `<!doctype html><script type="module">
			import LiveStudio, {EVENT, createIM} from '` + gw + `/sdk/livestudio.mjs';
			window.mod = {events: EVENT.IM_TEXT_MESSAGE_RECEIVED + ',' + EVENT.PLAYER_AUTOPLAY_NOT_ALLOWED + ',' + EVENT.IM_READY,
				same: LiveStudio === window.LiveStudio && typeof createIM === 'function',
				url: LiveStudio.parsePlayURL('room://room=` + demoKey + `').flv};
			</script>`,
	})
	browser := testpeer.Browser(t, foregroundTabs()...)

	t.Run("embed", func(t *testing.T) {
		tab := testpeer.NewTab(t, browser)
		con := watchConsole(tab)
		run(t, tab, con, 20*time.Second, chromedp.Navigate(site+"/embed.html"))
		waitJS(t, tab, con, 30*time.Second, "ready and playing events from the iframe",
			`['ready', 'playing'].every(k => window.events.some(e => e.type === k && e.room === '`+demoKey+`'))`)
		run(t, tab, con, 5*time.Second, chromedp.Evaluate(`login()`, nil))
		waitJS(t, tab, con, 15*time.Second, "login event", `window.events.some(e => e.type === 'login' && e.userID === 'carol')`)
		adminREST(t, tg, "set_attrs", map[string]any{"RoomId": demoKey, "Attrs": map[string]any{
			"product": `{"goodsId":9,"name":"Kettle","price":59,"priceType":1,"url":"https://shop.example/9"}`, "status": "101"}})
		waitJS(t, tab, con, 20*time.Second, "product and status events",
			`window.events.some(e => e.type === 'product' && e.product && e.product.name === 'Kettle') &&
			 window.events.some(e => e.type === 'status' && e.status === '101')`)
		testpeer.Screenshot(t, tab, "embed-light-nochat")
	})

	t.Run("sdk", func(t *testing.T) {
		tab := testpeer.NewTab(t, browser)
		con := watchConsole(tab)
		run(t, tab, con, 20*time.Second, chromedp.Navigate(site+"/sdk.html"))
		waitJS(t, tab, con, 30*time.Second, "player playing and IM in the room",
			`window.got.playing > 0 && window.got.ready && window.got.entered === LiveStudio.TYPES.ENTER_ROOM_SUCCESS`)
		adminREST(t, tg, "send_msg", map[string]any{"RoomId": demoKey, "From_Account": "host", "Text": "first"})
		waitJS(t, tab, con, 20*time.Second, "first message", `window.got.texts.includes('first|host|number')`)
		// The connection drops: the SDK reconnects, logs in and re-enters.
		run(t, tab, con, 5*time.Second, chromedp.Evaluate(`window.im._ws.close(); true`, nil))
		waitJS(t, tab, con, 20*time.Second, "reconnected", `window.got.net.lastIndexOf('connected') > window.got.net.indexOf('connecting') && window.got.net.indexOf('connecting') >= 0`)
		waitFor(t, 20*time.Second, "second message through the new connection", func() bool {
			adminREST(t, tg, "send_msg", map[string]any{"RoomId": demoKey, "From_Account": "host", "Text": "second"})
			var got bool
			eval(t, tab, con, `window.got.texts.includes('second|host|number')`, &got)
			return got
		})
	})

	t.Run("module", func(t *testing.T) {
		tab := testpeer.NewTab(t, browser)
		con := watchConsole(tab)
		run(t, tab, con, 20*time.Second, chromedp.Navigate(site+"/module.html"))
		waitJS(t, tab, con, 20*time.Second, "module loaded", `!!window.mod`)
		var mod struct {
			Events string
			Same   bool
			URL    string
		}
		eval(t, tab, con, `window.mod`, &mod)
		if mod.Events != "t_text_message_received,t_autoplay_not_allowed,t_im_ready" || !mod.Same ||
			!strings.HasPrefix(mod.URL, gw+"/live/") {
			t.Errorf("module: %+v (want TWebLive's event values and the gateway's URLs)", mod)
		}
	})
}
