package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"livestudio/ingest/demo"
	"livestudio/ingest/whip"
	"livestudio/internal/config"
	"livestudio/internal/stream"
	"livestudio/push/pushurl"
	pushrtmp "livestudio/push/rtmp"
)

// Source produces units until ctx ends (nil) or it fails (an error): a
// camera, an encoder, the demo clip.
type Source interface {
	Run(ctx context.Context, out func(*stream.Unit)) error
}

// SourceState is what the anchor sees of a channel's source.
type SourceState string

// Source states.
const (
	SourceConnecting SourceState = "connecting"
	SourceLive       SourceState = "live"
	SourceBackoff    SourceState = "backoff"
	SourceStopped    SourceState = "stopped"
)

// channel relays one source to one destination. Source and push run
// independently, joined by the channel's stream: a camera that drops does
// not drop the push session, a push that drops does not stop capture.
type channel struct {
	cfg    config.Channel
	log    *slog.Logger
	src    Source
	slate  *demo.Clip // nil: no slate while the source is away
	urls   pushurl.Source
	pusher *pushrtmp.Pusher

	mu        sync.Mutex
	state     SourceState
	since     time.Time
	restarts  uint64
	lastError string

	units, bytes, videoUnits atomic.Uint64
	rates                    rateMeter
}

func newChannel(cfg config.Channel, src Source, client *http.Client, log *slog.Logger) *channel {
	c := &channel{cfg: cfg, log: log, src: src, state: SourceStopped, since: time.Now()}
	if cfg.Source.Type != "demo" && (cfg.Source.Slate == nil || *cfg.Source.Slate) {
		c.slate = demo.Slate()
	}
	if d := cfg.Destination; d.WeChat != nil {
		c.urls = pushurl.NewWeChat(*d.WeChat, client, log)
	} else {
		c.urls = pushurl.Static{Addr: d.URL}
	}
	d := cfg.Destination
	c.pusher = pushrtmp.NewPusher(pushrtmp.Options{
		URL: func(ctx context.Context) (string, error) {
			u, err := c.urls.Get(ctx)
			return u.Addr, err
		},
		Refused:        func() { c.urls.Refused(context.Background()) },
		ChunkSize:      d.ChunkSize,
		ConnectTimeout: d.ConnectTimeout,
		WriteTimeout:   d.WriteTimeout,
		BackoffMin:     d.BackoffMin,
		BackoffMax:     d.BackoffMax,
		Log:            log.With("side", "push"),
		OnPublish:      c.requestKeyframe,
	})
	return c
}

// keyframer is a source that can make its publisher send a keyframe
// (WebRTC: a PLI).
type keyframer interface{ RequestKeyframe() }

// requestKeyframe asks the source for a keyframe when it can make one: a
// push session just started.
func (c *channel) requestKeyframe() {
	if k, ok := c.src.(keyframer); ok {
		k.RequestKeyframe()
	}
}

func (c *channel) setState(s SourceState, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != s {
		c.state, c.since = s, time.Now()
		c.log.Info("source state", "state", s)
	}
	if err != nil {
		c.lastError = err.Error()
	}
}

// run captures and pushes until ctx ends. The channel's stream has one
// publisher for its whole life, fed by the switcher from the source or the
// slate, so the push reading it never sees a gap or a timestamp going back.
func (c *channel) run(ctx context.Context, reg *stream.Registry) {
	pub, err := reg.Publish(c.cfg.Name)
	if err != nil { // only when the registry is closed: shutting down
		return
	}
	defer pub.Close(true)
	sw := newSwitcher(pub)
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.pusher.Run(ctx, pub.Stream())
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.keepURLFresh(ctx)
	}()
	if c.slate != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sw.runSlate(ctx, c.slate)
		}()
		sw.sourceLost() // the slate until the source's first keyframe
	}
	failures := 0
	for ctx.Err() == nil {
		c.setState(SourceConnecting, nil)
		started := time.Now()
		sw.sourceStarted()
		live := false
		err := c.src.Run(ctx, func(u *stream.Unit) {
			c.bytes.Add(uint64(u.Size()))
			if !sw.fromSource(u) {
				return
			}
			c.units.Add(1)
			if u.IsVideo() {
				c.videoUnits.Add(1)
			}
			if !live {
				live = true
				c.setState(SourceLive, nil)
			}
		})
		if c.slate != nil {
			sw.sourceLost()
		}
		if ctx.Err() != nil {
			break
		}
		if err == nil {
			err = fmt.Errorf("source ended")
		}
		if errors.Is(err, whip.ErrPublisherLeft) {
			// Nothing failed: take the next publisher at once.
			c.log.Info("source: the publisher left, waiting for the next one")
			c.setState(SourceConnecting, err)
			continue
		}
		if time.Since(started) > time.Minute {
			failures = 0
		}
		wait := jitter(min(500*time.Millisecond<<min(failures, 6), 30*time.Second))
		failures++
		c.mu.Lock()
		c.restarts++
		c.mu.Unlock()
		c.log.Warn("source failed", "err", err, "retry_in", wait.Round(time.Millisecond))
		c.setState(SourceBackoff, err)
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
	c.setState(SourceStopped, nil)
}

// keepURLFresh asks the URL source again while a push session runs, so the
// URL is renewed before its txTime expires and a reconnect never starts
// with a dead one. Get answers from its cache until renewal is due.
func (c *channel) keepURLFresh(ctx context.Context) {
	for {
		wait := 30 * time.Second
		if u, err := c.urls.Get(ctx); err == nil && !u.Expiry.IsZero() {
			wait = min(max(time.Until(u.Expiry)/10, time.Second), 30*time.Second)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.75 + rand.Float64()/2))
}
