package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"livestudio/internal/loadstat"
)

// goal is issue #3's target for the latency the relay adds, p50 and p99.
const goal = 5 * time.Millisecond

// Report is the JSON summary of one run.
type Report struct {
	// Mode is "relay" (the agent's shape) or "direct" (the -direct what-if).
	Mode      string  `json:"mode"`
	DurationS float64 `json:"duration_s"`
	Transport string  `json:"transport"`
	RingUnits int     `json:"ring_units,omitempty"` // 0: the agent's default
	RingBytes int     `json:"ring_bytes,omitempty"`
	Latency   struct {
		All   Latency `json:"all"`
		Video Latency `json:"video"`
		Audio Latency `json:"audio"`
	} `json:"latency"`
	GoalMS  float64 `json:"goal_ms"`
	GoalMet bool    `json:"goal_met"` // p50 and p99 of all units under the goal
	Units   struct {
		In      uint64 `json:"in"`      // handed over by the source
		Written uint64 `json:"written"` // written by the pusher
		Pending int    `json:"pending"` // measured but not written when the run ended
	} `json:"units"`
	// Batches written after the first; Multi of them carried more than one
	// unit (a unit queued behind the write of another).
	Batches uint64 `json:"batches"`
	Multi   uint64 `json:"multi_unit_batches"`
	Source  struct {
		Dropped     uint64 `json:"dropped"`
		PacketsLost uint64 `json:"packets_lost"`
	} `json:"source"`
	Push struct {
		Publishes uint64 `json:"publishes"`
		Failures  uint64 `json:"failures"`
		BytesOut  uint64 `json:"bytes_out"`
		LastError string `json:"last_error,omitempty"`
	} `json:"push"`
	CPUS        float64 `json:"cpu_s"` // this process, user+system
	MaxRSSKiB   int64   `json:"max_rss_kib"`
	CtxSwitches int64   `json:"ctx_switches"` // voluntary and involuntary, all threads
	GCCycles    uint32  `json:"gc_cycles"`
}

func summarize(cfg relayConfig, res result) Report {
	var rep Report
	rep.Mode = "relay"
	if cfg.direct {
		rep.Mode = "direct"
	}
	rep.DurationS = res.wall.Seconds()
	rep.Transport = res.source.Transport
	if rep.Transport == "" {
		rep.Transport = cfg.transport
	}
	rep.RingUnits, rep.RingBytes = cfg.ringUnits, cfg.ringBytes
	s := res.samples
	rep.Latency.All = loadstat.LatencyOf(slices.Concat(s.video, s.audio))
	rep.Latency.Video = loadstat.LatencyOf(s.video)
	rep.Latency.Audio = loadstat.LatencyOf(s.audio)
	rep.GoalMS = float64(goal.Milliseconds())
	all := rep.Latency.All
	rep.GoalMet = all.Count > 0 && all.P50 < rep.GoalMS && all.P99 < rep.GoalMS
	rep.Units.In, rep.Units.Written, rep.Units.Pending = s.in, s.written, s.pending
	rep.Batches, rep.Multi = s.batches, s.multi
	rep.Source.Dropped, rep.Source.PacketsLost = res.source.Dropped, res.source.PacketsLost
	rep.Push.Publishes, rep.Push.Failures = res.push.Publishes, res.push.Failures
	rep.Push.BytesOut, rep.Push.LastError = res.push.BytesOut, res.push.LastError
	rep.CPUS, rep.MaxRSSKiB, rep.GCCycles = res.usage.cpuS, res.usage.maxRSSKiB, res.gc
	rep.CtxSwitches = res.usage.ctxSwitches
	return rep
}

func printSummary(w io.Writer, r Report) {
	fmt.Fprintf(w, "relaybench (%s): %.1f s over RTSP/%s, %d units in, %d written, %.1f MB pushed (%d publishes, %d failures)\n",
		r.Mode, r.DurationS, r.Transport, r.Units.In, r.Units.Written, float64(r.Push.BytesOut)/1e6, r.Push.Publishes, r.Push.Failures)
	fmt.Fprintf(w, "  hand-over -> RTMP write returned, ms:  count    p50    p90    p99    max\n")
	for _, row := range []struct {
		name string
		l    Latency
	}{{"all", r.Latency.All}, {"video", r.Latency.Video}, {"audio", r.Latency.Audio}} {
		fmt.Fprintf(w, "  %-38s %6d %6.2f %6.2f %6.2f %6.2f\n", row.name, row.l.Count, row.l.P50, row.l.P90, row.l.P99, row.l.Max)
	}
	verdict := "met"
	if !r.GoalMet {
		verdict = "MISSED"
	}
	fmt.Fprintf(w, "  goal p50 and p99 < %.0f ms: %s; batches %d (%d of several units); source dropped %d, lost %d packets\n",
		r.GoalMS, verdict, r.Batches, r.Multi, r.Source.Dropped, r.Source.PacketsLost)
	fmt.Fprintf(w, "  this process: %.2f CPU-s, peak RSS %.1f MiB, %d GC cycles, %d context switches\n",
		r.CPUS, float64(r.MaxRSSKiB)/1024, r.GCCycles, r.CtxSwitches)
}

func writeJSON(path string, r Report) error {
	b, err := json.MarshalIndent(r, "", "  ")
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

// Latency is a latency distribution in milliseconds.
type Latency = loadstat.Latency
