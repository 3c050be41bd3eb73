package testpeer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is where Debian's chromium package installs the browser.
const ChromiumPath = "/usr/bin/chromium"

// NeedChromium fails (never skips) the test when Debian's chromium is
// missing: the page and WHIP tests are part of `make test`.
func NeedChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		t.Fatalf("chromium not found at %s: install Debian's chromium (see .ci/run)", ChromiumPath)
	}
}

// BrowserOption adjusts the flags Chromium is started with.
type BrowserOption = chromedp.ExecAllocatorOption

// FakeMedia makes getUserMedia answer with Chromium's fake camera and
// microphone (a test pattern and a beep) without asking: for WHIP publishes.
func FakeMedia() []BrowserOption {
	return []BrowserOption{
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
	}
}

// WindowSize sets the browser window (and so the page viewport) size.
func WindowSize(w, h int) BrowserOption { return chromedp.WindowSize(w, h) }

// Browser starts a headless Debian Chromium with a fresh profile and the
// flags this closed network needs, and returns a chromedp context for its
// first tab. Everything is torn down when the test ends. Call NewTab on the
// returned context for more pages in the same browser.
func Browser(t *testing.T, opts ...BrowserOption) context.Context {
	t.Helper()
	NeedChromium(t)
	// Not t.TempDir: Chromium's helper processes may still be writing the
	// profile for a moment after the browser exited, which fails the
	// test's own RemoveAll; ours retries and only logs.
	profile, err := os.MkdirTemp("", "livestudio-chromium-")
	if err != nil {
		t.Fatalf("chromium profile dir: %v", err)
	}
	flags := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("mute-audio", true),
	}
	flags = append(flags, opts...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), flags...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(func(string, ...any) {}))
	// Start the browser now so a broken install fails here, clearly. The
	// first Run ties the browser's life to its context, so it must be ctx
	// itself, not a context with a timeout.
	timer := time.AfterFunc(60*time.Second, cancel)
	err = chromedp.Run(ctx)
	timer.Stop()
	if err != nil {
		cancel()
		cancelAlloc()
		removeProfile(t, profile)
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		removeProfile(t, profile)
	})
	return ctx
}

// removeProfile deletes a browser profile, retrying while late writers of
// the exited browser finish.
func removeProfile(t *testing.T, dir string) {
	var err error
	for i := 0; i < 20; i++ {
		if err = os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("chromium profile %s left behind: %v", dir, err)
}

// NewTab opens another tab in the browser of ctx (from Browser); it is closed
// when the test ends.
func NewTab(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(ctx)
	if err := chromedp.Run(tab); err != nil {
		cancel()
		t.Fatalf("new tab: %v", err)
	}
	t.Cleanup(cancel)
	return tab
}

// Screenshot saves a PNG of the tab's viewport under dir (created if
// needed) as name.png and returns its path. Tests save screenshots as
// artifacts under the directory in $LIVESTUDIO_ARTIFACTS, or testdata/out.
func Screenshot(t *testing.T, tab context.Context, name string) string {
	t.Helper()
	dir := os.Getenv("LIVESTUDIO_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("testdata", "out")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts dir: %v", err)
	}
	var buf []byte
	if err := chromedp.Run(tab, chromedp.CaptureScreenshot(&buf)); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	name = strings.ReplaceAll(name, "/", "_")
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatalf("write screenshot: %v", err)
	}
	return path
}
