package main

import (
	"strings"
	"testing"
	"time"

	"livestudio/internal/loadstat"
)

func TestQuantileNearestRank(t *testing.T) {
	v := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for q, want := range map[float64]int64{0.5: 5, 0.9: 9, 0.99: 10, 1: 10, 0: 1} {
		if got := loadstat.Quantile(v, q); got != want {
			t.Errorf("loadstat.Quantile(%v) = %d, want %d", q, got, want)
		}
	}
}

func TestSummarizeBehind(t *testing.T) {
	t0 := time.Unix(1000, 0)
	end := t0.Add(10 * time.Second)
	ok := func(bytes int64, ts uint32) result {
		return result{Start: t0, End: end, Bytes: bytes, LastTS: ts, HaveTS: true, TTFF: time.Millisecond}
	}
	rs := []result{
		ok(5_000_000, 10_000), ok(5_000_000, 10_000), ok(5_000_000, 9_500),
		ok(4_000_000, 10_000), // low bytes
		ok(5_000_000, 7_000),  // lags 3 s
		{Start: t0, End: t0, Failed: true, Err: "dial: refused"}, // failed
		func() result { r := ok(5_000_000, 10_000); r.ClosedEarly = true; return r }(),
	}
	rep := summarize(rs, t0, end, criteria{lowRatio: 0.9, maxLag: 2 * time.Second})
	if rep.Behind != 4 || rep.Failed != 1 || rep.Connected != 6 {
		t.Fatalf("behind %d failed %d connected %d, want 4, 1, 6", rep.Behind, rep.Failed, rep.Connected)
	}
	if w := rep.BehindWhy; w.LowBytes != 2 || w.Lag != 1 || w.ClosedEarly != 1 {
		t.Fatalf("reasons %+v", w)
	}
	if rep.BitrateMbps.Median != 4 || rep.TTFF.Count != 6 {
		t.Fatalf("median %v Mbit/s, ttff count %d", rep.BitrateMbps.Median, rep.TTFF.Count)
	}
}

func TestParseTargetLoopbackOnly(t *testing.T) {
	if _, err := parseTarget("http://10.0.0.1:8080/live/a.flv"); err == nil {
		t.Error("non-loopback host accepted")
	}
	if _, err := parseTarget("http://example.com/live/a.flv"); err == nil {
		t.Error("host name accepted")
	}
	tg, err := parseTarget("http://127.0.0.1:18080/live/a.flv?x=1")
	if err != nil || tg.addr != "127.0.0.1:18080" || !strings.HasPrefix(string(tg.request), "GET /live/a.flv?x=1 HTTP/1.1\r\nHost: 127.0.0.1:18080\r\n") {
		t.Fatalf("%v %q %q", err, tg.addr, tg.request)
	}
}
