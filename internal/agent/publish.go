package agent

import (
	_ "embed"
	"net/http"
)

// publishPage is the browser publisher of a WHIP channel: camera and
// microphone choice, preview, resolution and bit rate, go live and stop,
// using only the browser's WebRTC API (no external assets).
//
//go:embed web/publish.html
var publishPage []byte

func (a *Agent) handlePublish(w http.ResponseWriter, r *http.Request) {
	if !a.whip.Has(r.PathValue("channel")) {
		http.Error(w, "no WHIP channel of that name", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	// Camera and microphone for this page only; scripts inline, nothing
	// from another origin.
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; media-src 'self' blob: mediastream:")
	w.Header().Set("Permissions-Policy", "camera=(self), microphone=(self)")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(publishPage)
}
