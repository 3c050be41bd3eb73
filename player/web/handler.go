// Package web serves the viewer side in the browser: the live page
// (/play/{room}), the same page without chrome for iframes (/embed/{room}),
// the TWebLive-shaped JS SDK (/sdk/livestudio.js) with the vendored
// mpegts.js and hls.js, and the demo login. Everything is embedded in the
// binary (go:embed); nothing is loaded from a CDN.
package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Options are what the handler needs from the gateway.
type Options struct {
	Log *slog.Logger
	// Metrics registers the web counters; nil: not registered.
	Metrics prometheus.Registerer
	// KnownApp tells whether an appid is configured; pages of other apps
	// answer 404. Nil accepts any.
	KnownApp func(appID string) bool
	// Chat tells whether the gateway serves chat at /ws; SDKAppID is its
	// TLS-sig app id (shown to the SDK as TWebLive's SDKAppID).
	Chat     bool
	SDKAppID int
	// IssueUserSig makes a UserSig for the demo login; nil disables it
	// whatever the config says.
	IssueUserSig func(userID string, ttl time.Duration) (string, error)
}

// Handler serves /play/, /embed/, /sdk/ and /web/demo-login.
type Handler struct {
	cfg     Config
	opts    Options
	log     *slog.Logger
	assets  map[string]*asset
	metrics *metrics
	page    pageTemplate
}

// New loads the embedded files and parses the page template.
func New(cfg Config, opts Options) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	assets, err := loadAssets()
	if err != nil {
		return nil, fmt.Errorf("web assets: %w", err)
	}
	page, err := parsePage()
	if err != nil {
		return nil, err
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{cfg: cfg, opts: opts, log: log, assets: assets, metrics: newMetrics(opts.Metrics), page: page}, nil
}

// Register mounts the handler's routes on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /play/{room}", func(w http.ResponseWriter, r *http.Request) { h.servePage(w, r, false) })
	mux.HandleFunc("GET /embed/{room}", func(w http.ResponseWriter, r *http.Request) { h.servePage(w, r, true) })
	mux.HandleFunc("GET /sdk/", h.serveAsset)
	mux.HandleFunc("POST /web/demo-login", h.serveDemoLogin)
}

// serveAsset answers /sdk/{file} from static/ and /sdk/vendor/{file} from
// vendor/.
func (h *Handler) serveAsset(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/sdk/")
	key := "static/" + name
	if v, ok := strings.CutPrefix(name, "vendor/"); ok {
		key = "vendor/" + v
	}
	a := h.assets[key]
	if a == nil || strings.HasSuffix(key, ".html") {
		h.metrics.refused.WithLabelValues("unknown_file").Inc()
		http.Error(w, fmt.Sprintf("no such file: %s", r.URL.Path), http.StatusNotFound)
		return
	}
	h.metrics.requests.WithLabelValues("sdk").Inc()
	a.serve(w, r)
}
