package main

import (
	"slices"

	"livestudio/internal/loadstat"
)

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
	return Spread{Min: s[0], Median: loadstat.Quantile(s, 0.5), Mean: mean(s)}
}

// Latency is a latency distribution in milliseconds.
type Latency = loadstat.Latency
