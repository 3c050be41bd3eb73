package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"livestudio/ingest/rtsp"
	"livestudio/internal/agent"
	"livestudio/internal/stream"
	pushrtmp "livestudio/push/rtmp"
)

// result is what one relay run produced.
type result struct {
	samples samples
	source  rtsp.Stats
	push    pushrtmp.Status
	wall    time.Duration
	usage   usage
	gc      uint32 // GC cycles during the run
}

// runRelay relays cfg.rtspURL to cfg.pushURL for cfg.duration the way an
// agent channel does (source -> registry publisher -> pusher reading the
// stream), without the agent's slate, status page and metrics, and records
// each unit's hand-over and write. atEnd, if not nil, runs once the relay
// stopped but before the stream is released (its ring still in memory: a
// heap profile then shows what a running relay holds).
func runRelay(ctx context.Context, cfg relayConfig, log *slog.Logger, atEnd func() error) (result, error) {
	src, err := rtsp.New(rtsp.Config{URL: cfg.rtspURL, Transport: cfg.transport}, log.With("side", "source"))
	if err != nil {
		return result{}, err
	}
	// The agent's stream config, the ring resized only when the flags say so.
	scfg := agent.StreamConfig()
	if cfg.ringUnits > 0 {
		scfg.RingUnits = cfg.ringUnits
	}
	if cfg.ringBytes > 0 {
		scfg.RingBytes = cfg.ringBytes
	}
	reg := stream.NewRegistry(scfg)
	defer reg.Close()
	pub, err := reg.Publish("relaybench")
	if err != nil {
		return result{}, err
	}
	rec := newRecorder()
	pusher := pushrtmp.NewPusher(pushrtmp.Options{
		URL:       func(context.Context) (string, error) { return cfg.pushURL, nil },
		OnWritten: rec.writtenAt,
		Log:       log.With("side", "push"),
	})

	var gc0 runtime.MemStats
	runtime.ReadMemStats(&gc0)
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		pusher.Run(ctx, pub.Stream())
	}()
	srcErr := src.Run(ctx, func(u *stream.Unit) {
		rec.handedOver(u)
		pub.Write(u)
	})
	early := ctx.Err() == nil // the source ended before the run did
	cancel()
	wg.Wait()
	wall := time.Since(start)
	var gc1 runtime.MemStats
	runtime.ReadMemStats(&gc1)
	res := result{samples: rec.samples(), source: src.Stats(), push: pusher.Status(), wall: wall,
		usage: selfUsage(), gc: gc1.NumGC - gc0.NumGC}
	var endErr error
	if atEnd != nil { // after the figures: the profile's own GC and CPU are not the relay's
		endErr = atEnd()
	}
	pub.Close(true)
	switch {
	case early && srcErr != nil:
		return res, fmt.Errorf("source failed after %v: %w", wall.Round(time.Millisecond), srcErr)
	case early:
		return res, fmt.Errorf("source ended after %v, before -duration: a longer clip is needed", wall.Round(time.Millisecond))
	case res.push.Publishes == 0:
		return res, errors.New("the push never published: " + res.push.LastError)
	}
	return res, endErr
}
