package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
)

// pageTemplate renders the page of /play and /embed (static/page.html).
type pageTemplate struct{ t *template.Template }

func parsePage() (pageTemplate, error) {
	t, err := template.ParseFS(files, "static/page.html")
	if err != nil {
		return pageTemplate{}, fmt.Errorf("page template: %w", err)
	}
	return pageTemplate{t: t}, nil
}

// pageData is what the template sees; html/template escapes every field
// for its context, and the scripts read them from data- attributes (no
// inline script under the CSP).
type pageData struct {
	Room     string
	Embed    bool
	Theme    string
	Chat     bool
	SDKAppID int
	Demo     bool
	MpegtsJS string
	HLSJS    string
}

func (h *Handler) servePage(w http.ResponseWriter, r *http.Request, embed bool) {
	route := "play"
	if embed {
		route = "embed"
	}
	room := r.PathValue("room")
	app, err := ParseRoom(room)
	if err != nil {
		h.metrics.refused.WithLabelValues("bad_room").Inc()
		http.Error(w, fmt.Sprintf("room %q: %v", room, err), http.StatusNotFound)
		return
	}
	if h.opts.KnownApp != nil && !h.opts.KnownApp(app) {
		h.metrics.refused.WithLabelValues("unknown_app").Inc()
		http.Error(w, fmt.Sprintf("room %q: no app %q on this gateway", room, app), http.StatusNotFound)
		return
	}
	theme := r.URL.Query().Get("theme")
	if theme != "light" {
		theme = "dark"
	}
	d := pageData{Room: room, Embed: embed, Theme: theme, Chat: h.opts.Chat, SDKAppID: h.opts.SDKAppID,
		Demo:     h.cfg.DemoLogin && h.opts.IssueUserSig != nil,
		MpegtsJS: "/sdk/vendor/mpegts-" + MpegtsVersion + ".min.js", HLSJS: "/sdk/vendor/hls.light-" + HLSVersion + ".min.js"}
	var buf bytes.Buffer
	if err := h.page.t.Execute(&buf, d); err != nil {
		h.log.Error("page template", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	ancestors := "'self'"
	if embed {
		ancestors = h.cfg.FrameAncestors
	} else {
		hd.Set("X-Frame-Options", "SAMEORIGIN")
	}
	hd.Set("Content-Security-Policy", csp(r.Host, ancestors))
	h.metrics.requests.WithLabelValues(route).Inc()
	w.Write(buf.Bytes())
}

// csp is the page's Content-Security-Policy: scripts, styles and media
// only from the gateway (no inline script or style), the chat WebSocket
// only to the gateway, product images from any https origin.
func csp(host, ancestors string) string {
	connect := "'self'"
	if h, err := wsHost(host); err == nil {
		connect += " ws://" + h + " wss://" + h
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data: https:",
		"media-src 'self' blob:",
		"connect-src " + connect,
		"worker-src 'self' blob:",
		"base-uri 'none'",
		"form-action 'self'",
		"object-src 'none'",
		"frame-ancestors " + ancestors,
	}, "; ")
}

// wsHost returns the request's host if it is a plain host[:port]; older
// browsers do not count ws:// to the page's own host as 'self'.
func wsHost(host string) (string, error) {
	if host == "" || len(host) > 255 {
		return "", errors.New("no host")
	}
	for _, c := range host {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".-:[]", c)) {
			return "", errors.New("odd host")
		}
	}
	return host, nil
}
