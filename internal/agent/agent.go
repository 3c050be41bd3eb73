// Package agent wires the agent process: channels (a source relayed to an
// RTMP destination), the anchor's status view and metrics. A test can boot
// it in-process.
package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"livestudio/ingest/demo"
	"livestudio/ingest/rtmp"
	"livestudio/internal/config"
	"livestudio/internal/stream"
)

// Agent is one agent process.
type Agent struct {
	cfg      config.Agent
	log      *slog.Logger
	reg      *stream.Registry
	channels []*channel
	ln       net.Listener
	srv      *http.Server
	prom     *prometheus.Registry
	rtmp     *rtmp.Server // nil without RTMP channels
}

// SourceFactory builds a channel's source from its config.
type SourceFactory func(config.Source, *slog.Logger) (Source, error)

// DefaultSources builds the sources this build supports.
func DefaultSources(c config.Source, log *slog.Logger) (Source, error) {
	switch c.Type {
	case "demo":
		return demo.Source{Clip: demo.TestPattern()}, nil
	}
	return nil, fmt.Errorf("source type %q is not supported by this build", c.Type)
}

// New builds the agent and binds its HTTP listener.
func New(cfg config.Agent, sources SourceFactory, log *slog.Logger) (*Agent, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if sources == nil {
		sources = DefaultSources
	}
	a := &Agent{cfg: cfg, log: log, prom: prometheus.NewRegistry(),
		// The stream outlives source restarts: a camera that comes back
		// continues the same stream, and the push never notices.
		reg: stream.NewRegistry(stream.Config{ReconnectGrace: 100 * 365 * 24 * time.Hour})}
	client := &http.Client{Timeout: 30 * time.Second}
	inboxes := rtmpChannels{}
	for _, ch := range cfg.Channels {
		clog := log.With("channel", ch.Name)
		var src Source
		if ch.Source.Type == "rtmp" {
			inboxes[ch.Name] = newRTMPInbox(ch.Source.Key)
			src = inboxes[ch.Name]
		} else {
			var err error
			if src, err = sources(ch.Source, clog.With("side", "source")); err != nil {
				return nil, fmt.Errorf("channel %q: %w", ch.Name, err)
			}
		}
		a.channels = append(a.channels, newChannel(ch, src, client, clog))
	}
	a.prom.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&metrics{a: a})
	if len(inboxes) > 0 {
		var err error
		a.rtmp, err = rtmp.New(cfg.RTMP, rtmp.Options{Publishers: inboxes, Authorize: inboxes.authorize,
			Reason: rtmpReason, Metrics: rtmp.NewMetrics(a.prom), Log: log.With("component", "rtmp")})
		if err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
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
	a.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return a, nil
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
	out := make([]ChannelStatus, 0, len(a.channels))
	for _, c := range a.channels {
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
	for _, c := range a.channels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.run(ctx, a.reg)
		}()
	}
	if a.rtmp != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.rtmp.Run(ctx); err != nil {
				a.log.Error("rtmp ingest stopped", "err", err)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(2 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				for _, c := range a.channels {
					c.sampleRates(now)
				}
			}
		}
	}()
	errc := make(chan error, 1)
	go func() {
		if err := a.srv.Serve(a.ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- err
			cancel()
		}
		close(errc)
	}()
	a.log.Info("agent running", "http", a.HTTPAddr().String(), "channels", len(a.channels))
	<-ctx.Done()
	shutdown, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	err := a.srv.Shutdown(shutdown)
	wg.Wait()
	a.reg.Close()
	if e := <-errc; e != nil {
		err = errors.Join(err, fmt.Errorf("http: %w", e))
	}
	a.log.Info("agent stopped")
	return err
}

func (a *Agent) handleStatus(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(map[string]any{"channels": a.Status()})
}
