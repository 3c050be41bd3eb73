package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"livestudio/internal/loadstat"
)

// Report is the JSON summary of one run.
type Report struct {
	URL         string  `json:"url"`
	Room        string  `json:"room"`
	Viewers     int     `json:"viewers"`
	Sampled     int     `json:"sampled"` // viewers that parse every message
	Joined      int     `json:"joined"`
	JoinS       float64 `json:"join_s"` // dialing and joining all viewers
	ClosedEarly int     `json:"closed_early"`
	Senders     int     `json:"senders"`
	RateOffered float64 `json:"rate_offered"` // msg/s
	DurationS   float64 `json:"duration_s"`
	SendS       float64 `json:"send_s"`
	WindowS     float64 `json:"window_s"` // sending plus drain: the CPU window

	Priorities []PrioRow      `json:"priorities"`
	Total      PrioRow        `json:"total"`
	Latency    Latency        `json:"latency"` // all priorities, sampled viewers
	Errors     map[string]int `json:"errors,omitempty"`
	// SenderErrors are error replies other than room_rate_shed.
	SenderErrors map[string]int `json:"sender_errors,omitempty"`
	// ViewersShort counts joined viewers (sampled or not) that received
	// fewer messages than were accepted.
	ViewersShort int `json:"viewers_short"`
	// MsgsPerFrame is messages per WebSocket frame that carried any, over
	// the sampled viewers: how much the server coalesced.
	MsgsPerFrame float64 `json:"msgs_per_frame"`
	// SenderMaxLagMS is the latest any send went out after its slot: a
	// starved client sends late, then in a burst.
	SenderMaxLagMS float64 `json:"sender_max_lag_ms"`

	Gateway       GatewayFigures `json:"gateway"`
	ClientRunCPUS float64        `json:"client_run_cpu_s"` // this process, over the window
	ClientCPUS    float64        `json:"client_cpu_s"`     // this process, whole run
}

// PrioRow is one priority's figures. Lost is the most any sampled viewer
// missed: acked - received by that viewer.
type PrioRow struct {
	Priority    string  `json:"priority"`
	Sent        int64   `json:"sent"`
	Acked       int64   `json:"acked"`
	Shed        int64   `json:"shed"`
	Unanswered  int64   `json:"unanswered"`   // no reply by the end of the drain
	ReceivedMin int64   `json:"received_min"` // least any sampled viewer got
	Lost        int64   `json:"lost"`
	Latency     Latency `json:"latency"`
}

// GatewayFigures come from /proc/PID of the gateway (-pid).
type GatewayFigures struct {
	CPUS             float64 `json:"cpu_s"`
	CPUPct           float64 `json:"cpu_pct_of_one_core"`
	RSSBaseKB        int64   `json:"rss_base_kb"` // before any viewer
	RSSIdleKB        int64   `json:"rss_idle_kb"` // all viewers joined, nothing sent
	RSSPeakKB        int64   `json:"rss_peak_kb"` // while sending
	RSSPerIdleConnKB float64 `json:"rss_per_idle_conn_kb"`
}

func summarize(rep *Report, viewers []*viewer, senders []*sender) {
	var all []time.Duration
	for p := range nPrio {
		row := PrioRow{Priority: prioNames[p], ReceivedMin: -1}
		for _, s := range senders {
			row.Sent += s.sent[p]
			row.Acked += s.acked[p]
			row.Shed += s.shed[p]
			row.Unanswered += s.sent[p] - s.answered[p]
		}
		var lat []time.Duration
		for _, v := range viewers {
			if !v.sampled || !v.joined {
				continue
			}
			if got := v.byPrio[p].Load(); row.ReceivedMin < 0 || got < row.ReceivedMin {
				row.ReceivedMin = got
			}
			lat = append(lat, v.lat[p]...)
		}
		row.ReceivedMin = max(row.ReceivedMin, 0)
		row.Lost = max(row.Acked-row.ReceivedMin, 0)
		row.Latency = loadstat.LatencyOf(lat)
		all = append(all, lat...)
		rep.Priorities = append(rep.Priorities, row)
		rep.Total.Sent += row.Sent
		rep.Total.Acked += row.Acked
		rep.Total.Shed += row.Shed
		rep.Total.Unanswered += row.Unanswered
	}
	rep.Total.Priority = "all"
	rep.Total.ReceivedMin = -1
	for _, v := range viewers {
		if v.err != "" {
			rep.Errors[v.err]++
		}
		if v.closed.Load() {
			rep.ClosedEarly++
		}
		if !v.joined {
			continue
		}
		got := v.received.Load()
		if got < rep.Total.Acked {
			rep.ViewersShort++
		}
		if v.sampled && (rep.Total.ReceivedMin < 0 || got < rep.Total.ReceivedMin) {
			rep.Total.ReceivedMin = got
		}
	}
	rep.Total.ReceivedMin = max(rep.Total.ReceivedMin, 0)
	var msgs, frames int64
	for _, v := range viewers {
		if v.sampled {
			msgs += v.received.Load()
			frames += v.frames.Load()
		}
	}
	if frames > 0 {
		rep.MsgsPerFrame = float64(msgs) / float64(frames)
	}
	rep.Total.Lost = max(rep.Total.Acked-rep.Total.ReceivedMin, 0)
	rep.Latency = loadstat.LatencyOf(all)
	rep.Total.Latency = rep.Latency
	for _, s := range senders {
		rep.SenderMaxLagMS = max(rep.SenderMaxLagMS, float64(s.maxLag.Microseconds())/1000)
		for code, n := range s.otherErrs {
			rep.SenderErrors[code] += n
		}
	}
	if rep.WindowS > 0 {
		rep.Gateway.CPUPct = rep.Gateway.CPUS / rep.WindowS * 100
	}
}

// printSummary writes the report for a human.
func printSummary(w io.Writer, rep Report) {
	fmt.Fprintf(w, "chatload: %d viewers (%d sampled) of room %s at %s; %d senders offering %.0f msg/s for %.1fs\n",
		rep.Viewers, rep.Sampled, rep.Room, rep.URL, rep.Senders, rep.RateOffered, rep.DurationS)
	fmt.Fprintf(w, "  joined %d in %.1fs, closed early %d, viewers short of messages %d, %.2f messages per frame\n",
		rep.Joined, rep.JoinS, rep.ClosedEarly, rep.ViewersShort, rep.MsgsPerFrame)
	fmt.Fprintf(w, "  %-7s %7s %7s %7s %8s %9s %5s   latency ms p50 / p99 / max\n", "prio", "sent", "acked", "shed", "no reply", "recv(min)", "lost")
	for _, r := range append(slices.Clone(rep.Priorities), rep.Total) {
		fmt.Fprintf(w, "  %-7s %7d %7d %7d %8d %9d %5d   %.1f / %.1f / %.1f\n",
			r.Priority, r.Sent, r.Acked, r.Shed, r.Unanswered, r.ReceivedMin, r.Lost, r.Latency.P50, r.Latency.P99, r.Latency.Max)
	}
	g := rep.Gateway
	if g.RSSBaseKB > 0 {
		fmt.Fprintf(w, "  gateway: CPU %.1f s over %.1fs (%.0f%% of one core); RSS base %.1f MB, idle %.1f MB (%.1f KB per idle connection), peak %.1f MB\n",
			g.CPUS, rep.WindowS, g.CPUPct, float64(g.RSSBaseKB)/1024, float64(g.RSSIdleKB)/1024, g.RSSPerIdleConnKB, float64(g.RSSPeakKB)/1024)
	}
	fmt.Fprintf(w, "  client CPU %.1f s over the window (%.0f%% of one core), %.1f s in all; latest send %.1f ms after its slot\n",
		rep.ClientRunCPUS, 100*rep.ClientRunCPUS/max(rep.WindowS, 1e-9), rep.ClientCPUS, rep.SenderMaxLagMS)
	for _, m := range []map[string]int{rep.Errors, rep.SenderErrors} {
		errs := make([]string, 0, len(m))
		for e := range m {
			errs = append(errs, e)
		}
		sort.Slice(errs, func(i, j int) bool { return m[errs[i]] > m[errs[j]] })
		for i, e := range errs {
			if i == 5 {
				break
			}
			fmt.Fprintf(w, "  error x%d: %s\n", m[e], e)
		}
	}
}

// Latency is a latency distribution in milliseconds.
type Latency = loadstat.Latency
