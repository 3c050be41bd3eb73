// Command whipload publishes N WHIP streams at once, each an H.264 file
// and an Opus file played in real time and looped (internal/whipclient),
// to an agent's /whip/{channel} endpoints, for a while, and prints what
// each sent as JSON. bench/whip.sh runs it against bin/agent relaying to
// bin/gateway and measures the agent's CPU per stream; see
// docs/benchmarks.md ("WHIP ingest").
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"livestudio/internal/whipclient"
)

type options struct {
	base, prefix, token string
	n                   int
	h264, ogg           string
	fps                 int
	duration            time.Duration
	makeDir             string
	media               whipclient.Media
}

// streamReport is what one publisher did.
type streamReport struct {
	Channel string           `json:"channel"`
	Error   string           `json:"error,omitempty"`
	Stats   whipclient.Stats `json:"stats"`
}

func main() {
	var o options
	flag.StringVar(&o.base, "url", "http://127.0.0.1:8090", "the agent's HTTP base URL")
	flag.StringVar(&o.prefix, "prefix", "w", "channels are PREFIX1..PREFIXn")
	flag.IntVar(&o.n, "n", 1, "publishers, one per channel")
	flag.StringVar(&o.token, "token", "", "bearer token of the channels")
	flag.StringVar(&o.h264, "h264", "", "Annex-B H.264 file (no B-frames)")
	flag.StringVar(&o.ogg, "ogg", "", "Ogg Opus file, one packet a page (empty: video only)")
	flag.IntVar(&o.fps, "fps", 30, "video frame rate of the H.264 file")
	flag.DurationVar(&o.duration, "duration", time.Minute, "how long to publish")
	flag.StringVar(&o.makeDir, "make", "", "instead: encode the test files into this directory with ffmpeg and exit")
	flag.IntVar(&o.media.Width, "width", 1280, "with -make: width")
	flag.IntVar(&o.media.Height, "height", 720, "with -make: height")
	flag.IntVar(&o.media.VideoKbps, "kbps", 2000, "with -make: H.264 bit rate")
	flag.IntVar(&o.media.Seconds, "seconds", 20, "with -make: length (the files loop)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(o, log); err != nil {
		fmt.Fprintln(os.Stderr, "whipload:", err)
		os.Exit(1)
	}
}

func run(o options, log *slog.Logger) error {
	if o.makeDir != "" {
		o.media.FPS = o.fps
		h, a, err := whipclient.MakeFiles(o.makeDir, o.media)
		if err != nil {
			return err
		}
		fmt.Println(h)
		fmt.Println(a)
		return nil
	}
	if o.n < 1 || o.h264 == "" || o.token == "" {
		return errors.New("-n >= 1, -h264 and -token are required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	reports := make([]streamReport, o.n)
	clients := make([]*whipclient.Client, o.n)
	var wg sync.WaitGroup
	for i := range o.n {
		ch := fmt.Sprintf("%s%d", o.prefix, i+1)
		reports[i].Channel = ch
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			c, err := whipclient.Publish(cctx, whipclient.Config{URL: o.base + "/whip/" + ch, Token: o.token,
				H264: o.h264, Ogg: o.ogg, FPS: o.fps, Loop: true})
			if err != nil {
				reports[i].Error = err.Error()
				return
			}
			clients[i] = c
		}()
	}
	wg.Wait()
	up := 0
	for _, c := range clients {
		if c != nil {
			up++
		}
	}
	log.Info("publishing", "streams", up, "of", o.n, "for", o.duration)
	// "ready" on stdout: the bench starts its measurement window here.
	fmt.Println("ready", up)
	select {
	case <-ctx.Done():
	case <-time.After(o.duration):
	}
	var failed error
	for i, c := range clients {
		if c == nil {
			failed = fmt.Errorf("%d publisher(s) did not start: %s", o.n-up, reports[i].Error)
			continue
		}
		reports[i].Stats = c.Stats()
		if err := c.Close(context.Background()); err != nil {
			reports[i].Error = err.Error()
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(reports); err != nil {
		return err
	}
	return failed
}
