package audience

import (
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestFLVOpenClose(t *testing.T) {
	c := New(nil)
	close1 := c.OpenFLV("a-1")
	close2 := c.OpenFLV("a-1")
	c.OpenFLV("b-2")
	if got := c.Stats("a-1"); got != (Stats{FLV: 2, Total: 2, Peak: 2}) {
		t.Fatalf("two open: %+v", got)
	}
	close1()
	close1() // a second call must not count twice
	if got := c.Stats("a-1"); got != (Stats{FLV: 1, Total: 2, Peak: 2}) {
		t.Fatalf("one closed: %+v", got)
	}
	close2()
	c.OpenFLV("a-1")
	if got := c.Stats("a-1"); got != (Stats{FLV: 1, Total: 3, Peak: 2}) {
		t.Fatalf("reopened: %+v", got)
	}
	if flv, hls := c.Current(); flv != 2 || hls != 0 {
		t.Fatalf("Current = %d, %d; want 2, 0", flv, hls)
	}
	if got := c.Stats("never"); got != (Stats{}) {
		t.Fatalf("unknown key: %+v", got)
	}
}

func TestHLSSessionsExpire(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	c := New(clk.now)
	c.SeenHLS("k-1", "s:one")
	c.SeenHLS("k-1", "s:one") // the same session's next reload
	c.SeenHLS("k-1", "s:two")
	c.OpenFLV("k-1")
	if got := c.Stats("k-1"); got != (Stats{FLV: 1, HLS: 2, Total: 3, Peak: 3}) {
		t.Fatalf("three viewers: %+v", got)
	}
	clk.t = clk.t.Add(SessionWindow - time.Second)
	c.SeenHLS("k-1", "s:one") // one keeps reloading, two stopped
	clk.t = clk.t.Add(2 * time.Second)
	if got := c.Stats("k-1"); got != (Stats{FLV: 1, HLS: 1, Total: 3, Peak: 3}) {
		t.Fatalf("two expired: %+v", got)
	}
	clk.t = clk.t.Add(SessionWindow)
	if flv, hls := c.Current(); flv != 1 || hls != 0 {
		t.Fatalf("Current = %d, %d; want 1, 0", flv, hls)
	}
	c.SeenHLS("k-1", "s:two") // back after expiry: a new session
	if got := c.Stats("k-1"); got != (Stats{FLV: 1, HLS: 1, Total: 4, Peak: 3}) {
		t.Fatalf("returned: %+v", got)
	}
}

func TestSessionID(t *testing.T) {
	req := func(target, addr, ua string) string {
		r := httptest.NewRequest("GET", target, nil)
		r.RemoteAddr = addr
		r.Header.Set("User-Agent", ua)
		return SessionID(r)
	}
	a := req("/live/k-1.m3u8?session=abc_1-X", "10.0.0.1:5000", "hls.js")
	if a != "s:abc_1-X" {
		t.Fatalf("by parameter: %q", a)
	}
	if b := req("/live/k-1/ts/stream.m3u8?session=abc_1-X&_HLS_msn=3", "10.0.0.2:6000", "other"); b != a {
		t.Fatalf("same session from elsewhere: %q != %q", b, a)
	}
	x := req("/live/k-1.m3u8", "10.0.0.1:5000", "ffmpeg")
	if y := req("/live/k-1/ts/stream.m3u8", "10.0.0.1:5001", "ffmpeg"); x != y {
		t.Fatalf("same IP and UA, another port: %q != %q", x, y)
	}
	if y := req("/live/k-1.m3u8", "10.0.0.1:5000", "VLC"); x == y {
		t.Fatal("another User-Agent counted as the same session")
	}
	for _, bad := range []string{"", "a%20b", "a.b", strings.Repeat("x", 65), "%3Cscript%3E"} {
		if got := req("/live/k-1.m3u8?session="+bad, "10.0.0.1:5000", "ffmpeg"); got != x {
			t.Errorf("session %q: %q, want the address fallback %q", bad, got, x)
		}
	}
}

// FuzzSessionID: any query and address give an id, and only a valid
// session parameter is taken as is.
func FuzzSessionID(f *testing.F) {
	f.Add("session=abc", "1.2.3.4:5", "ua")
	f.Add("session=%00%ff", "[::1]:80", "")
	f.Add("session=a&session=b;x", "bad", "\x00")
	f.Fuzz(func(t *testing.T, query, addr, ua string) {
		r := httptest.NewRequest("GET", "/live/k-1.m3u8", nil)
		r.URL.RawQuery = query
		r.RemoteAddr = addr
		r.Header.Set("User-Agent", ua)
		id := SessionID(r)
		if s, ok := strings.CutPrefix(id, "s:"); ok && !ValidSession(s) {
			t.Fatalf("invalid session taken: %q", id)
		}
	})
}

func TestHLSSessionsBounded(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	c := New(clk.now)
	for i := range MaxSessions + 10 {
		c.SeenHLS("k-1", "s:"+strconv.Itoa(i))
	}
	if got := c.Stats("k-1"); got.HLS != MaxSessions || got.Total != MaxSessions {
		t.Fatalf("over the bound: HLS %d, total %d; want %d", got.HLS, got.Total, MaxSessions)
	}
	clk.t = clk.t.Add(SessionWindow)
	c.SeenHLS("k-1", "s:new")
	if got := c.Stats("k-1"); got.HLS != 1 || got.Total != MaxSessions+1 {
		t.Fatalf("after expiry: %+v", got)
	}
}

// BenchmarkSeenHLS: a playlist reload of one of 10,000 sessions of a stream.
func BenchmarkSeenHLS(b *testing.B) {
	c := New(nil)
	ids := make([]string, 10_000)
	for i := range ids {
		ids[i] = "s:" + strconv.Itoa(i)
		c.SeenHLS("k-1", ids[i])
	}
	for i := 0; b.Loop(); i++ {
		c.SeenHLS("k-1", ids[i%len(ids)])
	}
}
