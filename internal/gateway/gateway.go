// Package gateway wires the gateway process: the RTMP ingest, the stream
// registry, the HTTP-FLV and HLS players, the WeChat-shaped live API,
// health and metrics. A test can boot it in-process on 127.0.0.1:0.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"livestudio/chat"
	"livestudio/ingest/rtmp"
	"livestudio/internal/live"
	"livestudio/internal/media"
	"livestudio/internal/store"
	"livestudio/internal/stream"
	"livestudio/player/audience"
	flvplayer "livestudio/player/flv"
	"livestudio/player/hls"
	"livestudio/player/replay"
	"livestudio/player/web"
)

// Gateway is one gateway process.
type Gateway struct {
	cfg  Config
	log  *slog.Logger
	reg  *stream.Registry
	rtmp *rtmp.Server
	hls  *hls.Server
	flv  *flvplayer.Handler
	chat *chat.Server // nil when chat is not configured
	web  *web.Handler
	api  *live.Service
	rec  *replay.Recorder
	// audience counts media viewers per stream key (audience.go).
	audience *audience.Counter
	// rooms and store: live rooms and goods (rooms.go).
	rooms *live.Rooms
	store store.Store
	media *media.Library // media.go
	ln    net.Listener
	srv   *http.Server
	prom  *prometheus.Registry
}

// New builds the gateway and binds its listeners; a busy port fails here.
func New(cfg Config, log *slog.Logger) (*Gateway, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	g := &Gateway{cfg: cfg, log: log, reg: stream.NewRegistry(cfg.Stream), prom: prometheus.NewRegistry()}
	g.prom.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	g.registerStreamMetrics()
	var err error
	g.rtmp, err = rtmp.New(cfg.RTMP, rtmp.Options{
		Publishers: rtmp.RegistryPublishers{Registry: g.reg},
		Authorize: func(app, name, query string) (string, error) {
			return g.api.AuthorizePublish(app, name, query)
		},
		Reason:  live.Reason,
		Metrics: rtmp.NewMetrics(g.prom),
		Log:     log.With("component", "rtmp"),
	})
	if err != nil {
		return nil, err
	}
	g.api = live.NewService(cfg.Apps, cfg.TokenTTL, publicHost(cfg.RTMP.PublicHost, g.rtmp.Addr()), log.With("component", "api"))
	g.flv = flvplayer.New(g.reg, flvplayer.NewMetrics(g.prom), cfg.HTTP.ViewerWriteTimeout, log.With("component", "flv"))
	g.hls = hls.New(g.reg, cfg.HLS, log.With("component", "hls"))
	g.registerHLSMetrics()
	g.setupAudience()
	if err := g.newReplay(); err != nil {
		g.rtmp.Close()
		return nil, fmt.Errorf("replay: %w", err)
	}
	if cfg.ChatEnabled() {
		cfg.Chat.ManagedRooms = true // rooms.go: unknown rooms of managed apps are refused
		g.chat, err = chat.New(cfg.Chat, chat.Options{Log: log.With("component", "chat"), Metrics: g.prom,
			MediaTime: g.mediaTime, Audience: g.mediaAudience, AdHocRoom: g.chatAdHoc(), Persist: chatPersist{g}})
		if err != nil {
			g.rtmp.Close()
			return nil, fmt.Errorf("chat: %w", err)
		}
	}
	if g.web, err = g.newWeb(); err != nil {
		g.rtmp.Close()
		return nil, err
	}
	g.ln, err = net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		g.rtmp.Close()
		return nil, fmt.Errorf("http listen %s: %w", cfg.HTTP.Listen, err)
	}
	if err := g.setupRooms(); err != nil {
		g.rtmp.Close()
		g.ln.Close()
		return nil, err
	}
	g.srv = &http.Server{Handler: g.routes(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
	return g, nil
}

// mediaTime is the room's "now" on the picture: the newest timestamp of the
// live stream whose key is the room id (rooms are stream keys until #6).
func (g *Gateway) mediaTime(room string) (time.Duration, bool) {
	s := g.reg.Get(room)
	if s == nil {
		return 0, false
	}
	return s.LastDTS(), true
}

// publicHost is the host:port push URLs name: the configured one, else the
// bound RTMP address (loopback when bound to all interfaces).
func publicHost(configured string, bound net.Addr) string {
	if configured != "" {
		return configured
	}
	tcp, ok := bound.(*net.TCPAddr)
	if !ok {
		return bound.String()
	}
	if tcp.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
	}
	return tcp.String()
}

// HTTPAddr and RTMPAddr are the bound addresses.
func (g *Gateway) HTTPAddr() net.Addr { return g.ln.Addr() }

// RTMPAddr is the bound RTMP address.
func (g *Gateway) RTMPAddr() net.Addr { return g.rtmp.Addr() }

// Registry exposes the streams (tests, future room wiring).
func (g *Gateway) Registry() *stream.Registry { return g.reg }

// API exposes the live API service.
func (g *Gateway) API() *live.Service { return g.api }

func (g *Gateway) routes() http.Handler {
	mux := http.NewServeMux()
	g.api.Register(mux)
	g.registerRooms(mux)
	g.registerMedia(mux)
	mux.HandleFunc("/live/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".flv") {
			g.flv.ServeHTTP(w, r)
			return
		}
		g.hls.ServeHTTP(w, r)
	})
	if g.chat != nil {
		mux.Handle("/ws", g.chat)
		// Tencent-REST-shaped admin API; it authorises each request itself.
		mux.Handle("/v4/livestudio/", g.chat.AdminHandler())
	}
	mux.Handle("/replay/", g.rec.Handler())
	g.mountWeb(mux)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, "{\"status\":\"ok\",\"publishers\":%d}\n", g.reg.Publishers())
	})
	mux.Handle("/metrics", promhttp.HandlerFor(g.prom, promhttp.HandlerOpts{}))
	return mux
}

func (g *Gateway) registerStreamMetrics() {
	g.prom.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "livestudio_publishers",
			Help: "Streams with a live publisher."}, func() float64 { return float64(g.reg.Publishers()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "livestudio_units_skipped_total",
			Help: "Units (frames) skipped by readers that fell behind."}, func() float64 { return float64(g.reg.Totals().SkippedUnits) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "livestudio_readers_slow_closed_total",
			Help: "Readers closed for falling behind too often."}, func() float64 { return float64(g.reg.Totals().SlowClosed) }),
	)
}

func (g *Gateway) registerHLSMetrics() {
	hlsLabel := prometheus.Labels{"protocol": "hls"}
	g.prom.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "livestudio_hls_muxers",
			Help: "HLS muxers running now (one per stream and variant)."}, func() float64 { return float64(g.hls.Stats().Muxers) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "livestudio_hls_requests_total",
			Help: "HLS playlist and segment requests."}, func() float64 { return float64(g.hls.Stats().Requests) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "livestudio_bytes_out_total",
			Help: "Bytes sent to viewers, by protocol.", ConstLabels: hlsLabel}, func() float64 { return float64(g.hls.Stats().BytesSent) }),
	)
}

// Run serves until ctx ends, then shuts down: no new connections,
// publishers and viewers closed, and returns when every goroutine is done.
func (g *Gateway) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	run := func(name string, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil {
				errc <- fmt.Errorf("%s: %w", name, err)
				cancel()
			}
		}()
	}
	run("rtmp", func() error { return g.rtmp.Run(ctx) })
	run("rooms", func() error { return g.runRooms(ctx) })
	run("media", func() error { return g.runMedia(ctx) })
	run("hls", func() error { return g.hls.Run(ctx) })
	run("replay", func() error { return g.rec.Run(ctx) })
	if g.chat != nil {
		run("chat", func() error { return g.chat.Run(ctx) })
	}
	run("http", func() error {
		if err := g.srv.Serve(g.ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.log.Info("gateway running", "http", g.HTTPAddr().String(), "rtmp", g.RTMPAddr().String())
	<-ctx.Done()
	shutdownCtx, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	g.reg.Close() // viewers see their stream end and return
	err := g.srv.Shutdown(shutdownCtx)
	g.flv.Wait()
	wg.Wait()
	err = errors.Join(err, g.closeRooms())
	close(errc)
	for e := range errc {
		err = errors.Join(err, e)
	}
	g.log.Info("gateway stopped")
	return err
}
