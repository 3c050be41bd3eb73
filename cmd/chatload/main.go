// Command chatload is a load generator for the live-room chat (/ws,
// docs/protocol.md): it opens N guest viewers of one room on a loopback
// address, then logs in a few senders (UserSigs made with the configured
// key) that offer M messages per second for a fixed duration with a mix of
// priorities. Every message carries its send time (wall clock, ns) in its
// text, so viewers on the same host measure delivery latency. A sample of
// viewers parses every message (latency, count per priority); the rest only
// count. It reports latency p50/p99/max, sent/acked/shed/received per
// priority, messages lost, and, given the gateway's PID, the gateway's CPU,
// peak RSS and RSS per idle connection, as JSON and as a human summary.
// Each viewer is a gorilla client connection with one reading goroutine
// and no buffer of its own between frames, so the client stays cheap next
// to the server it measures.
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

type options struct {
	url        string
	load       load
	jsonOut    string
	cpuProfile string
}

func main() {
	var o options
	l := &o.load
	flag.StringVar(&o.url, "url", "ws://127.0.0.1:8080/ws", "chat WebSocket URL on a loopback IP")
	flag.StringVar(&l.room, "room", "", "room ID (default: chatload-<unix time>)")
	flag.IntVar(&l.n, "n", 1000, "viewers (guests)")
	flag.IntVar(&l.sample, "sample", 200, "viewers that record every message's latency and priority")
	flag.Float64Var(&l.rate, "rate", 40, "messages per second offered to the room, all senders together")
	flag.IntVar(&l.senders, "senders", 0, "logged-in senders (0: enough to stay under 8 msg/s each, below the per-connection limit)")
	flag.DurationVar(&l.duration, "duration", 15*time.Second, "how long the senders send")
	flag.DurationVar(&l.drain, "drain", 20*time.Second, "after sending, wait at most this long for replies and deliveries")
	flag.DurationVar(&l.settle, "settle", 2*time.Second, "after every viewer has joined, wait this long before the idle RSS")
	flag.IntVar(&l.size, "size", 64, "bytes of message text (the timestamp, padded)")
	flag.IntVar(&l.dialers, "dialers", 64, "concurrent dials")
	flag.IntVar(&l.appID, "app-id", 1400000001, "chat.sdk_app_id")
	flag.StringVar(&l.key, "key", "demo-chat-secret-key-change-me", "chat.secret_key")
	flag.StringVar(&l.userPrefix, "user-prefix", "chatload", "sender user IDs are this plus a number")
	flag.IntVar(&l.pid, "pid", 0, "the gateway's PID (on this host): report its CPU and RSS from /proc")
	flag.StringVar(&o.jsonOut, "json", "-", "write the JSON report here (- for stdout)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the client here")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "chatload:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	l := o.load
	var err error
	if l.url, err = parseTarget(o.url); err != nil {
		return err
	}
	switch {
	case l.n < 0 || l.n > 20000:
		return errors.New("-n: must be 0..20000")
	case l.sample < 0:
		return errors.New("-sample: must not be negative")
	case l.rate <= 0 || l.rate > 5000:
		return errors.New("-rate: must be in (0, 5000]")
	case l.duration <= 0 || l.duration > time.Hour || l.drain < 0 || l.drain > time.Minute:
		return errors.New("-duration must be in (0, 1h] and -drain in [0, 1m]")
	case l.size < 32 || l.size > 12*1024:
		return errors.New("-size: must be 32..12288")
	case l.senders < 0 || l.senders > 1000:
		return errors.New("-senders: must be 0..1000")
	case l.dialers < 1:
		return errors.New("-dialers: must be at least 1")
	}
	if l.room == "" {
		l.room = fmt.Sprintf("chatload-%d", time.Now().Unix())
	}
	if l.senders == 0 {
		l.senders = int(l.rate/8) + 1
		if float64(l.senders-1)*8 == l.rate {
			l.senders--
		}
	}
	l.sample = min(l.sample, l.n)
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
	rep, err := l.run(ctx)
	if err != nil {
		return err
	}
	rep.URL = o.url
	rep.ClientCPUS = cpuSeconds()
	printSummary(os.Stderr, rep)
	if err := writeJSON(o.jsonOut, rep); err != nil {
		return err
	}
	if rep.Joined == 0 && l.n > 0 {
		return errors.New("no viewer joined")
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
