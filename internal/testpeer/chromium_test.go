package testpeer

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The launcher's flags work on this machine's closed network: a page on
// loopback loads and its script runs.
func TestBrowserLoadsLoopbackPage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<!doctype html><title>t</title><script>document.title = "ran " + (1 + 1)</script>`))
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	ctx := Browser(t)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var title string
	if err := chromedp.Run(ctx, chromedp.Navigate("http://"+ln.Addr().String()+"/"), chromedp.Title(&title)); err != nil {
		t.Fatal(err)
	}
	if title != "ran 2" {
		t.Fatalf("title %q, want %q", title, "ran 2")
	}
}
