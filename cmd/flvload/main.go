// Command flvload is a load generator for HTTP-FLV: it opens N viewers of
// one stream on a loopback address, optionally spreading their joins over a
// ramp, reads for a fixed duration and reports per-viewer delivered bitrate,
// viewers that fell behind and time to first keyframe, as JSON and as a
// human summary. Each viewer is a raw TCP connection, a goroutine and one
// 64 KiB buffer, so that the client stays cheap next to the server.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"
)

// options are the command-line flags.
type options struct {
	url        string
	load       load
	jsonOut    string
	criteria   criteria
	cpuProfile string
}

func main() {
	var o options
	flag.StringVar(&o.url, "url", "http://127.0.0.1:8080/live/wxdemo-1.flv", "HTTP-FLV URL on a loopback IP")
	flag.IntVar(&o.load.n, "n", 100, "viewers")
	flag.DurationVar(&o.load.ramp, "ramp", 0, "spread the joins over this long")
	flag.DurationVar(&o.load.duration, "duration", 20*time.Second, "length of the run, ramp included")
	flag.BoolVar(&o.load.trackTS, "track-ts", true, "keep walking tag headers after the first keyframe (for the lag check)")
	flag.BoolVar(&o.load.yield, "yield", true, "yield to other viewers after every read (fair, like separate clients)")
	flag.StringVar(&o.jsonOut, "json", "-", "write the JSON report here (- for stdout)")
	flag.Float64Var(&o.criteria.lowRatio, "low", 0.9, "a viewer below this share of the median rate is behind")
	flag.DurationVar(&o.criteria.maxLag, "lag", 2*time.Second, "a viewer whose last timestamp lags the best by more is behind")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the client here")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "flvload:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	var err error
	if o.load.t, err = parseTarget(o.url); err != nil {
		return err
	}
	l := o.load
	if l.n < 1 || l.n > 20000 {
		return errors.New("-n: must be 1..20000")
	}
	if l.duration <= 0 || l.duration > time.Hour || l.ramp < 0 || l.ramp >= l.duration {
		return errors.New("-duration must be in (0, 1h] and -ramp in [0, duration)")
	}
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
	results, from, end := o.load.run(ctx)
	rep := summarize(results, from, end, o.criteria)
	rep.URL, rep.RampS, rep.DurationS = o.url, l.ramp.Seconds(), l.duration.Seconds()
	rep.ClientCPUS = cpuSeconds()
	printSummary(os.Stderr, rep)
	if err := writeJSON(o.jsonOut, rep); err != nil {
		return err
	}
	if rep.Connected == 0 {
		return errors.New("no viewer got a stream")
	}
	return nil
}

func writeJSON(path string, rep Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if path == "-" {
		_, err = os.Stdout.Write(b)
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
