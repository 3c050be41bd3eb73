// Package agent wires the agent process: channels (a source relayed to an
// RTMP destination), the anchor's status view and metrics, and config
// reload. A test can boot it in-process.
package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"livestudio/ingest/demo"
	"livestudio/ingest/rtmp"
	"livestudio/ingest/rtsp"
	"livestudio/ingest/whip"
	"livestudio/internal/config"
	"livestudio/internal/stream"
)

// Agent is one agent process.
type Agent struct {
	cfg     config.Agent
	log     *slog.Logger
	sources SourceFactory
	client  *http.Client
	reg     *stream.Registry
	inboxes *rtmpChannels
	ln      net.Listener
	srv     *http.Server
	prom    *prometheus.Registry
	rtmp    *rtmp.Server // nil without RTMP channels at start
	whip    *whip.Server

	mu       sync.Mutex
	channels []*runningChannel // in config order
	reloads  chan config.Agent
	watch    string // config file to watch, if any

	applied, refused atomic.Uint64 // config reloads
	reloadErr        atomic.Pointer[string]
}

// ReloadStatus says how config reloads went: GET /status shows it.
type ReloadStatus struct {
	Applied   uint64 `json:"applied"`
	Refused   uint64 `json:"refused"`
	LastError string `json:"last_error,omitempty"`
}

// Reloads returns how config reloads went.
func (a *Agent) Reloads() ReloadStatus {
	st := ReloadStatus{Applied: a.applied.Load(), Refused: a.refused.Load()}
	if e := a.reloadErr.Load(); e != nil {
		st.LastError = *e
	}
	return st
}

type runningChannel struct {
	*channel
	cancel context.CancelFunc
	done   chan struct{}
}

// StreamConfig is the media core's config in the agent. A channel's stream
// has one publisher for the channel's life and one reader (the push): a
// small ring (enough for a 10 s GOP at 8 Mbit/s, so a reconnecting push
// starts at the cached keyframe) and every unit handed on at once (no audio
// batching, no merged writes: they would add latency for one reader).
func StreamConfig() stream.Config {
	return stream.Config{RingUnits: 1024, RingBytes: 12 << 20, GOPMaxBytes: 12 << 20, AudioWake: -1, MergeWrite: -1}
}

// SourceFactory builds a channel's source from its config.
type SourceFactory func(config.Source, *slog.Logger) (Source, error)

// DefaultSources builds the sources this build supports besides "rtmp",
// which the agent's own RTMP ingest feeds.
func DefaultSources(c config.Source, log *slog.Logger) (Source, error) {
	switch c.Type {
	case "demo":
		return demo.Source{Clip: demo.TestPattern()}, nil
	case "rtsp":
		return rtsp.New(rtsp.Config{URL: c.URL, Transport: c.Transport, ReadTimeout: c.ReadTimeout, AudioMode: c.Audio}, log)
	}
	return nil, fmt.Errorf("source type %q is not supported by this build", c.Type)
}

// New builds the agent and binds its listeners.
func New(cfg config.Agent, sources SourceFactory, log *slog.Logger) (*Agent, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if sources == nil {
		sources = DefaultSources
	}
	a := &Agent{cfg: cfg, log: log, sources: sources, prom: prometheus.NewRegistry(),
		client:  &http.Client{Timeout: 30 * time.Second},
		inboxes: &rtmpChannels{m: map[string]*rtmpInbox{}},
		reloads: make(chan config.Agent, 1),
		reg:     stream.NewRegistry(StreamConfig())}
	var err error
	a.whip, err = whip.New(cfg.WHIP, whip.Options{Metrics: whip.NewMetrics(a.prom), Log: log.With("component", "whip")})
	if err != nil {
		return nil, err
	}
	for _, ch := range cfg.Channels {
		c, err := a.newChannel(ch)
		if err != nil {
			a.whip.Close()
			return nil, err
		}
		a.channels = append(a.channels, &runningChannel{channel: c})
	}
	a.prom.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&metrics{a: a})
	if a.inboxes.len() > 0 {
		a.rtmp, err = rtmp.New(cfg.RTMP, rtmp.Options{Publishers: a.inboxes, Authorize: a.inboxes.authorize,
			Reason: rtmpReason, Metrics: rtmp.NewMetrics(a.prom), Log: log.With("component", "rtmp")})
		if err != nil {
			a.whip.Close()
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		a.whip.Close()
		if a.rtmp != nil {
			a.rtmp.Close()
		}
		return nil, fmt.Errorf("http listen %s: %w", cfg.HTTP.Listen, err)
	}
	a.ln = ln
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", a.handleStatus)
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.prom, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /{$}", a.handlePage)
	mux.Handle("/whip/", a.whip)
	mux.HandleFunc("GET /publish/{channel}", a.handlePublish)
	a.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return a, nil
}

func (a *Agent) newChannel(ch config.Channel) (*channel, error) {
	clog := a.log.With("channel", ch.Name)
	switch ch.Source.Type {
	case "rtmp":
		inbox := newRTMPInbox(ch.Source.Key)
		a.inboxes.set(ch.Name, inbox)
		return newChannel(ch, inbox, a.client, clog), nil
	case "whip":
		inbox := whip.NewInbox(ch.Source.Token, ch.Source.VideoOnly)
		a.whip.Register(ch.Name, inbox)
		return newChannel(ch, inbox, a.client, clog), nil
	}
	src, err := a.sources(ch.Source, clog.With("side", "source"))
	if err != nil {
		return nil, fmt.Errorf("channel %q: %w", ch.Name, err)
	}
	return newChannel(ch, src, a.client, clog), nil
}

// WatchConfig makes Run reload the channels whenever path changes.
func (a *Agent) WatchConfig(path string) { a.watch = path }

// Reload applies a new config: channels that changed restart, new ones
// start, removed ones stop, untouched ones go on without a glitch. The
// listeners (http, rtmp) are not reloadable: a change there is logged.
func (a *Agent) Reload(cfg config.Agent) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	select {
	case <-a.reloads: // a newer config replaces one not applied yet
	default:
	}
	a.reloads <- cfg
	return nil
}

// RTMPAddr is the bound RTMP address, nil without RTMP channels.
func (a *Agent) RTMPAddr() net.Addr {
	if a.rtmp == nil {
		return nil
	}
	return a.rtmp.Addr()
}

// HTTPAddr is the bound status address.
func (a *Agent) HTTPAddr() net.Addr { return a.ln.Addr() }

// Status returns every channel's status.
func (a *Agent) Status() []ChannelStatus {
	a.mu.Lock()
	chans := append([]*runningChannel(nil), a.channels...)
	a.mu.Unlock()
	out := make([]ChannelStatus, 0, len(chans))
	for _, c := range chans {
		out = append(out, c.status())
	}
	return out
}

// Run relays every channel until ctx ends, then stops them and returns
// when every goroutine has ended.
func (a *Agent) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	goRun := func(f func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
	}
	a.mu.Lock()
	for _, c := range a.channels {
		a.start(ctx, c)
	}
	a.mu.Unlock()
	if a.rtmp != nil {
		goRun(func() {
			if err := a.rtmp.Run(ctx); err != nil {
				a.log.Error("rtmp ingest stopped", "err", err)
			}
		})
	}
	if a.watch != "" {
		goRun(func() { a.watchConfig(ctx) })
	}
	goRun(func() { a.sampleRates(ctx) })
	errc := make(chan error, 1)
	go func() {
		if err := a.srv.Serve(a.ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- err
			cancel()
		}
		close(errc)
	}()
	a.log.Info("agent running", "http", a.HTTPAddr().String(), "channels", len(a.channels))
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case cfg := <-a.reloads:
			a.apply(ctx, cfg)
		}
	}
	shutdown, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	err := a.srv.Shutdown(shutdown)
	a.mu.Lock()
	for _, c := range a.channels {
		c.cancel()
		<-c.done
	}
	a.mu.Unlock()
	wg.Wait()
	a.whip.Close()
	a.reg.Close()
	if e := <-errc; e != nil {
		err = errors.Join(err, fmt.Errorf("http: %w", e))
	}
	a.log.Info("agent stopped")
	return err
}

// start runs a channel in its own goroutine; a.mu is held.
func (a *Agent) start(ctx context.Context, c *runningChannel) {
	cctx, cancel := context.WithCancel(ctx)
	c.cancel, c.done = cancel, make(chan struct{})
	go func() {
		defer close(c.done)
		c.run(cctx, a.reg)
	}()
}

// apply diffs cfg against the running channels.
func (a *Agent) apply(ctx context.Context, cfg config.Agent) {
	a.mu.Lock()
	defer a.mu.Unlock()
	old := map[string]*runningChannel{}
	for _, c := range a.channels {
		old[c.cfg.Name] = c
	}
	var next []*runningChannel
	kept, started := 0, 0
	for _, ch := range cfg.Channels {
		if c := old[ch.Name]; c != nil && reflect.DeepEqual(c.cfg, ch) {
			next = append(next, c)
			delete(old, ch.Name)
			kept++
			continue
		}
		if c := old[ch.Name]; c != nil { // changed: stop the old one first
			c.cancel()
			<-c.done
			a.forget(c)
			delete(old, ch.Name)
		}
		nc, err := a.newChannel(ch)
		if err != nil {
			a.log.Error("config reload: channel not started", "channel", ch.Name, "err", err)
			continue
		}
		if ch.Source.Type == "rtmp" && a.rtmp == nil {
			a.log.Warn("config reload: RTMP channels need the RTMP listener, which starts with the agent: restart it",
				"channel", ch.Name)
		}
		rc := &runningChannel{channel: nc}
		a.start(ctx, rc)
		next = append(next, rc)
		started++
	}
	for _, c := range old {
		c.cancel()
		<-c.done
		a.forget(c)
	}
	if !reflect.DeepEqual(cfg.HTTP, a.cfg.HTTP) || !reflect.DeepEqual(cfg.RTMP, a.cfg.RTMP) ||
		!reflect.DeepEqual(cfg.WHIP, a.cfg.WHIP) {
		a.log.Warn("config reload: http, rtmp and whip listener changes apply after a restart")
	}
	a.channels, a.cfg.Channels = next, cfg.Channels
	a.applied.Add(1)
	a.log.Info("config reloaded", "kept", kept, "started", started, "stopped", len(old))
}

// forget unregisters a stopped channel from the ingests that admit
// publishers to it.
func (a *Agent) forget(c *runningChannel) {
	a.inboxes.remove(c.cfg.Name)
	if b, ok := c.src.(*whip.Inbox); ok {
		a.whip.Unregister(c.cfg.Name, b)
	}
}

func (a *Agent) watchConfig(ctx context.Context) {
	err := config.Watch(ctx, a.watch, a.log, func() {
		cfg, err := config.LoadAgent(a.watch)
		if err != nil {
			msg := err.Error()
			a.reloadErr.Store(&msg)
			a.refused.Add(1)
			a.log.Error("config reload refused: keeping the running config", "err", err)
			return
		}
		a.Reload(cfg)
	})
	if err != nil {
		a.log.Error("config watch stopped", "err", err)
	}
}

func (a *Agent) sampleRates(ctx context.Context) {
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			a.mu.Lock()
			chans := append([]*runningChannel(nil), a.channels...)
			a.mu.Unlock()
			for _, c := range chans {
				c.sampleRates(now)
			}
		}
	}
}

func (a *Agent) handleStatus(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(map[string]any{"channels": a.Status(), "config_reloads": a.Reloads()})
}
