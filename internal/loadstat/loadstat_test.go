package loadstat

import (
	"testing"
	"time"
)

func TestLatencyOf(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- { // unsorted on purpose
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	got := LatencyOf(d)
	want := Latency{Count: 100, P50: 50, P90: 90, P99: 99, Max: 100}
	if got != want {
		t.Errorf("LatencyOf = %+v, want %+v", got, want)
	}
	if d[0] != 100*time.Millisecond {
		t.Error("input was sorted in place")
	}
	if LatencyOf(nil) != (Latency{}) || Quantile([]float64{}, 0.5) != 0 {
		t.Error("empty input")
	}
}

func TestQuantileNearestRank(t *testing.T) {
	v := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for q, want := range map[float64]time.Duration{0.5: 5, 0.9: 9, 0.99: 10, 1: 10, 0: 1} {
		if got := Quantile(v, q); got != want {
			t.Errorf("Quantile(%v) = %d, want %d", q, got, want)
		}
	}
	if got := Quantile([]time.Duration(nil), 0.5); got != 0 {
		t.Errorf("Quantile(nil) = %d", got)
	}
}
