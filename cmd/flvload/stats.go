package main

import (
	"math"
	"slices"
	"time"
)

// quantile returns the nearest-rank q-quantile of sorted values (0 if none).
func quantile[T int64 | float64 | time.Duration](sorted []T, q float64) T {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// Spread is the min, median and mean of a per-viewer figure.
type Spread struct {
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Mean   float64 `json:"mean"`
}

func spreadOf(v []float64) Spread {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return Spread{}
	}
	return Spread{Min: s[0], Median: quantile(s, 0.5), Mean: mean(s)}
}

// Latency is a latency distribution in milliseconds.
type Latency struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

func latencyOf(d []time.Duration) Latency {
	s := slices.Clone(d)
	slices.Sort(s)
	ms := func(x time.Duration) float64 { return float64(x.Microseconds()) / 1000 }
	if len(s) == 0 {
		return Latency{}
	}
	return Latency{Count: len(s), P50: ms(quantile(s, 0.5)), P90: ms(quantile(s, 0.9)),
		P99: ms(quantile(s, 0.99)), Max: ms(s[len(s)-1])}
}
