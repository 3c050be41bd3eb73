// Package loadstat holds the statistics the load tools (cmd/flvload,
// cmd/relaybench, cmd/chatload) report.
package loadstat

import (
	"math"
	"slices"
	"time"
)

// Quantile returns the nearest-rank q-quantile of sorted values (0 if none).
func Quantile[T int64 | float64 | time.Duration](sorted []T, q float64) T {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// Latency is a latency distribution in milliseconds.
type Latency struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

// LatencyOf summarises latencies (d is not modified).
func LatencyOf(d []time.Duration) Latency {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s) == 0 {
		return Latency{}
	}
	ms := func(x time.Duration) float64 { return float64(x.Microseconds()) / 1000 }
	return Latency{Count: len(s), P50: ms(Quantile(s, 0.5)), P90: ms(Quantile(s, 0.9)),
		P99: ms(Quantile(s, 0.99)), Max: ms(s[len(s)-1])}
}
