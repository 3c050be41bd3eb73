package main

import (
	"fmt"
	"io"
	"sort"
	"time"

	"livestudio/internal/loadstat"
)

// criteria decide which viewers fell behind.
type criteria struct {
	lowRatio float64       // delivered rate below this share of the median
	maxLag   time.Duration // last timestamp this far behind the best viewer's
}

// Report is the JSON summary of one run.
type Report struct {
	URL         string         `json:"url"`
	Viewers     int            `json:"viewers"`
	RampS       float64        `json:"ramp_s"`
	DurationS   float64        `json:"duration_s"`
	Connected   int            `json:"connected"` // got a 200 response
	Failed      int            `json:"failed"`    // dial, status or protocol failure
	Errors      map[string]int `json:"errors,omitempty"`
	BytesTotal  int64          `json:"bytes_total"`
	SteadyS     float64        `json:"steady_window_s"`
	BitrateMbps Spread         `json:"bitrate_mbps"` // over the steady window
	Behind      int            `json:"behind"`
	BehindWhy   BehindWhy      `json:"behind_why"`
	MaxLagMS    float64        `json:"max_lag_ms"`
	NoKeyframe  int            `json:"no_keyframe"`
	TTFF        Latency        `json:"ttff"`
	ClientCPUS  float64        `json:"client_cpu_s"` // this process, user+system
}

// BehindWhy counts the viewers behind by reason; one viewer may have several.
type BehindWhy struct {
	Failed      int `json:"failed"`
	ClosedEarly int `json:"closed_early"`
	LowBytes    int `json:"low_bytes"`
	Lag         int `json:"lag"`
}

// summarize turns per-viewer results into the report. Each viewer's rate is
// its bytes within the steady window [from, end], where every viewer is in
// and past its join burst, so joining late in a ramp or getting a longer
// cached GOP does not look like falling behind.
func summarize(rs []result, from, end time.Time, c criteria) Report {
	rep := Report{Viewers: len(rs), Errors: map[string]int{}, SteadyS: end.Sub(from).Seconds()}
	rates := make([]float64, len(rs))
	var ttff []time.Duration
	var best uint32
	for i, r := range rs {
		rep.BytesTotal += r.Bytes
		if rep.SteadyS > 0 && !r.Failed {
			rates[i] = float64(r.Bytes-r.MarkBytes) * 8 / rep.SteadyS / 1e6
		}
		if r.Err != "" {
			rep.Errors[r.Err]++
		}
		if r.TTFF > 0 {
			ttff = append(ttff, r.TTFF)
		}
		if r.HaveTS && r.LastTS > best {
			best = r.LastTS
		}
	}
	rep.BitrateMbps = spreadOf(rates)
	rep.TTFF = loadstat.LatencyOf(ttff)
	for i, r := range rs {
		failed := r.Failed
		lag := time.Duration(0)
		if r.HaveTS {
			lag = time.Duration(best-r.LastTS) * time.Millisecond
			rep.MaxLagMS = max(rep.MaxLagMS, float64(lag.Milliseconds()))
		}
		low := rates[i] < c.lowRatio*rep.BitrateMbps.Median
		late := lag > c.maxLag
		if failed {
			rep.Failed++
			rep.BehindWhy.Failed++
		} else {
			rep.Connected++
		}
		if r.ClosedEarly && !failed {
			rep.BehindWhy.ClosedEarly++
		}
		if low {
			rep.BehindWhy.LowBytes++
		}
		if late {
			rep.BehindWhy.Lag++
		}
		if failed || r.ClosedEarly || low || late {
			rep.Behind++
		}
		if r.TTFF == 0 {
			rep.NoKeyframe++
		}
	}
	return rep
}

// printSummary writes the report for a human.
func printSummary(w io.Writer, rep Report) {
	fmt.Fprintf(w, "flvload: %d viewers of %s, ramp %.1fs, run %.1fs\n", rep.Viewers, rep.URL, rep.RampS, rep.DurationS)
	fmt.Fprintf(w, "  connected %d, failed %d, total %.1f MB\n", rep.Connected, rep.Failed, float64(rep.BytesTotal)/1e6)
	b := rep.BitrateMbps
	fmt.Fprintf(w, "  per-viewer Mbit/s over the last %.1fs: min %.2f  median %.2f  mean %.2f\n", rep.SteadyS, b.Min, b.Median, b.Mean)
	y := rep.BehindWhy
	fmt.Fprintf(w, "  behind %d (failed %d, closed early %d, <90%% of median bytes %d, lag %d); max lag %.0f ms\n",
		rep.Behind, y.Failed, y.ClosedEarly, y.LowBytes, y.Lag, rep.MaxLagMS)
	t := rep.TTFF
	fmt.Fprintf(w, "  first keyframe: %d viewers, p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms (none: %d)\n",
		t.Count, t.P50, t.P90, t.P99, t.Max, rep.NoKeyframe)
	fmt.Fprintf(w, "  client CPU %.1f s (%.0f%% of one core)\n", rep.ClientCPUS, 100*rep.ClientCPUS/rep.DurationS)
	errs := make([]string, 0, len(rep.Errors))
	for e := range rep.Errors {
		errs = append(errs, e)
	}
	sort.Slice(errs, func(i, j int) bool { return rep.Errors[errs[i]] > rep.Errors[errs[j]] })
	for i, e := range errs {
		if i == 5 {
			break
		}
		fmt.Fprintf(w, "  error x%d: %s\n", rep.Errors[e], e)
	}
}
