package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"livestudio/internal/testpeer"
)

const (
	pageChatKey   = "test-chat-key"
	pageAdminTok  = "test-admin-token-0123"
	pageSDKAppID  = 1400000001
	barcodeBits   = 16
	barcodeBoxW   = 20
	barcodeHeight = 12
)

// startPageGateway boots a gateway with chat, the demo login and a short
// like interval (the page tests count likes).
func startPageGateway(t *testing.T) *testGateway {
	t.Helper()
	return startGateway(t, func(c *Config) {
		c.Chat.SDKAppID, c.Chat.SecretKey, c.Chat.AdminToken = pageSDKAppID, pageChatKey, pageAdminTok
		c.Chat.Admins = []string{"admin"}
		c.Web.DemoLogin = true
	})
}

// barcodeFilter draws frame number n as a 16-bit barcode in the top 12
// rows of a 320-pixel-wide picture (bit k white when set): the page test
// reads which frame is on screen from the canvas, independently of the
// players' own clocks.
func barcodeFilter() string {
	f := []string{fmt.Sprintf("drawbox=x=0:y=0:w=%d:h=%d:color=black:t=fill", barcodeBits*barcodeBoxW, barcodeHeight)}
	for k := 0; k < barcodeBits; k++ {
		f = append(f, fmt.Sprintf("drawbox=x=%d:y=0:w=%d:h=%d:color=white:t=fill:enable='eq(mod(floor(n/%d),2),1)'",
			k*barcodeBoxW, barcodeBoxW, barcodeHeight, 1<<k))
	}
	return strings.Join(f, ",")
}

// publishBarcode publishes 320x240 at 25 fps (2 s GOP) with the frame
// barcode, H.264 + AAC, for at most maxDur.
func publishBarcode(t *testing.T, url string, maxDur time.Duration) *ffmpegProc {
	t.Helper()
	return runFFmpeg(t, "ffmpeg", "-hide_banner", "-loglevel", "error", "-re",
		"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
		"-t", fmt.Sprint(int(maxDur.Seconds())), "-vf", barcodeFilter(),
		"-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "50", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-b:a", "64k", "-f", "flv", url)
}

// readBarcodeJS returns the frame number on screen (or -1): the video
// drawn to a canvas, one sample in the middle of each bit's box.
const readBarcodeJS = `(() => {
  const v = document.querySelector('#view video');
  if (!v || v.readyState < 2 || !v.videoWidth) return -1;
  const c = window.__bc || (window.__bc = document.createElement('canvas'));
  c.width = v.videoWidth; c.height = v.videoHeight;
  const g = c.getContext('2d', {willReadFrequently: true});
  g.drawImage(v, 0, 0);
  const row = g.getImageData(0, 6, c.width, 1).data;
  let n = 0;
  for (let k = 0; k < 16; k++) {
    const x = k * 20 + 10, l = (row[x*4] + row[x*4+1] + row[x*4+2]) / 3;
    if (l > 128) n |= 1 << k;
  }
  return n;
})()`

// consoleLog collects a tab's console output and exceptions for failure
// messages.
type consoleLog struct {
	mu    sync.Mutex
	lines []string
}

func (c *consoleLog) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.lines, "\n")
}

func watchConsole(tab context.Context) *consoleLog {
	c := &consoleLog{}
	chromedp.ListenTarget(tab, func(ev any) {
		var line string
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			var parts []string
			for _, a := range e.Args {
				parts = append(parts, strings.Trim(string(a.Value), `"`)+a.Description)
			}
			line = string(e.Type) + ": " + strings.Join(parts, " ")
		case *runtime.EventExceptionThrown:
			line = "exception: " + e.ExceptionDetails.Error()
		default:
			return
		}
		c.mu.Lock()
		if len(c.lines) < 200 {
			c.lines = append(c.lines, line)
		}
		c.mu.Unlock()
	})
	return c
}

// run runs chromedp actions with a deadline, failing the test with the
// tab's console on error.
func run(t *testing.T, tab context.Context, con *consoleLog, d time.Duration, actions ...chromedp.Action) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, d)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatalf("browser: %v\nconsole:\n%s", err, con)
	}
}

// eval evaluates expr in the tab into out.
func eval(t *testing.T, tab context.Context, con *consoleLog, expr string, out any) {
	t.Helper()
	run(t, tab, con, 10*time.Second, chromedp.Evaluate(expr, out))
}

// waitJS polls a boolean expression in the tab until it holds.
func waitJS(t *testing.T, tab context.Context, con *consoleLog, d time.Duration, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		var ok bool
		ctx, cancel := context.WithTimeout(tab, 5*time.Second)
		err := chromedp.Run(ctx, chromedp.Evaluate(expr, &ok))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			var st string
			ctx, cancel := context.WithTimeout(tab, 5*time.Second)
			chromedp.Run(ctx, chromedp.Evaluate(`JSON.stringify(Object.assign({}, window.livestudioPage || {}, {player: undefined, im: undefined,
				chat: [...document.querySelectorAll('#chat li')].map(li => li.textContent)}))`, &st))
			cancel()
			t.Fatalf("timed out after %v waiting for %s (err %v)\npage state: %s\nconsole:\n%s", d, what, err, st, con)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// adminREST posts an admin command with the bearer token and checks it
// succeeded.
func adminREST(t *testing.T, tg *testGateway, command string, body any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", tg.base+"/v4/livestudio/"+command, strings.NewReader(string(b)))
	req.Header.Set("Authorization", "Bearer "+pageAdminTok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		ActionStatus string
		ErrorInfo    string
	}
	json.NewDecoder(resp.Body).Decode(&r)
	if r.ActionStatus != "OK" {
		t.Fatalf("admin %s: %s %s", command, r.ActionStatus, r.ErrorInfo)
	}
}

// foregroundTabs keeps every tab of the test browser running as if it were
// in front: two pages side by side in one browser.
func foregroundTabs() []testpeer.BrowserOption {
	return []testpeer.BrowserOption{
		chromedp.Flag("disable-background-media-suspend", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
	}
}
