// Command relaybench measures the latency the agent's relay adds: it runs,
// in one process, the agent's media path (the RTSP camera source, a stream
// of a registry configured as the agent's, the RTMP pusher) against a
// camera and an RTMP server on 127.0.0.1, and times each access unit from
// the moment the source hands it over (the RTP packet that completes it
// has just been read) to the moment the RTMP write carrying it returns.
// It stops by itself after -duration and prints p50/p90/p99/max, as a
// human summary and as JSON. See bench/relay.sh and docs/benchmarks.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"
)

// options are the command-line flags.
type options struct {
	relay      relayConfig
	jsonOut    string
	cpuProfile string
	memProfile string
	verbose    bool
}

func main() {
	var o options
	flag.StringVar(&o.relay.rtspURL, "rtsp", "", "RTSP camera URL on 127.0.0.1 (rtsp://127.0.0.1:PORT/path)")
	flag.StringVar(&o.relay.pushURL, "push", "", "RTMP push URL on 127.0.0.1 (rtmp://127.0.0.1:PORT/app/stream?query)")
	flag.StringVar(&o.relay.transport, "transport", "tcp", "RTSP transport: tcp, udp or auto")
	flag.DurationVar(&o.relay.duration, "duration", 60*time.Second, "length of the run (connects included); at most 10m")
	flag.IntVar(&o.relay.ringUnits, "ring-units", 0, "stream ring size in units (0: the agent's default)")
	flag.IntVar(&o.relay.ringBytes, "ring-bytes", 0, "stream ring size in bytes (0: the agent's default)")
	flag.StringVar(&o.jsonOut, "json", "-", "write the JSON report here (- for stdout)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the run here")
	flag.StringVar(&o.memProfile, "memprofile", "", "write a heap profile at the end of the run, before the stream is released, here (not with -direct)")
	flag.BoolVar(&o.verbose, "v", false, "log the source's and the pusher's info lines")
	flag.BoolVar(&o.relay.direct, "direct", false, "what-if: write to RTMP from the source's callback (no stream, no pusher goroutine)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "relaybench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if err := o.relay.validate(); err != nil {
		return err
	}
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var atEnd func() error
	if o.memProfile != "" {
		atEnd = func() error { return writeHeapProfile(o.memProfile) }
	}
	var res result
	var err error
	if o.relay.direct {
		res, err = runDirect(ctx, o.relay, log)
	} else {
		res, err = runRelay(ctx, o.relay, log, atEnd)
	}
	if err != nil {
		return err
	}
	rep := summarize(o.relay, res)
	printSummary(os.Stderr, rep)
	if err := writeJSON(o.jsonOut, rep); err != nil {
		return err
	}
	if rep.Latency.All.Count == 0 {
		return errors.New("no unit was relayed: nothing measured")
	}
	return nil
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	runtime.GC() // up-to-date statistics: what the running relay holds
	return pprof.WriteHeapProfile(f)
}
