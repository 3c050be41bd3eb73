package main

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"livestudio/ingest/rtsp"
	"livestudio/internal/stream"
	pushrtmp "livestudio/push/rtmp"
)

// runDirect is a what-if, not the agent's shape: the source's callback
// writes each unit to the RTMP connection itself, with no stream between
// them and no pusher goroutine to wake. Set beside runRelay, it prices the
// hand-off the agent pays for keeping capture and push independent.
func runDirect(ctx context.Context, cfg relayConfig, log *slog.Logger) (result, error) {
	src, err := rtsp.New(rtsp.Config{URL: cfg.rtspURL, Transport: cfg.transport}, log.With("side", "source"))
	if err != nil {
		return result{}, err
	}
	var gc0 runtime.MemStats
	runtime.ReadMemStats(&gc0)
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()
	c, err := pushrtmp.Dial(ctx, cfg.pushURL, 4096, 10*time.Second)
	if err != nil {
		return result{}, err
	}
	defer c.Close()
	rec := newRecorder()
	var writeErr error
	batch := make([]*stream.Unit, 1)
	srcErr := src.Run(ctx, func(u *stream.Unit) {
		if writeErr != nil {
			return
		}
		rec.handedOver(u)
		batch[0] = u
		if writeErr = c.WriteUnits(batch); writeErr != nil {
			cancel()
			return
		}
		rec.writtenAt(batch, time.Now())
	})
	early := ctx.Err() == nil || writeErr != nil
	wall := time.Since(start)
	var gc1 runtime.MemStats
	runtime.ReadMemStats(&gc1)
	res := result{samples: rec.samples(), source: src.Stats(), wall: wall, usage: selfUsage(), gc: gc1.NumGC - gc0.NumGC}
	res.push.Publishes, res.push.BytesOut = 1, c.BytesSent()
	switch {
	case writeErr != nil:
		return res, fmt.Errorf("push failed after %v: %w", wall.Round(time.Millisecond), writeErr)
	case early && srcErr != nil:
		return res, fmt.Errorf("source failed after %v: %w", wall.Round(time.Millisecond), srcErr)
	case early:
		return res, fmt.Errorf("source ended after %v, before -duration: a longer clip is needed", wall.Round(time.Millisecond))
	}
	return res, nil
}
