package pushurl

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// expiryCases feed TestExpiryOf and the fuzz seeds.
var expiryCases = []struct {
	name, addr string
	want       int64 // Unix seconds; 0: no expiry
}{
	{"upper-case", "rtmp://h/live/s?txSecret=ab&txTime=6553F100", 0x6553F100},
	{"lower-case", "rtmp://h/live/s?txSecret=ab&txTime=6553f100", 0x6553F100},
	{"first param", "rtmp://h/live/s?txTime=6553F100&txSecret=ab", 0x6553F100},
	{"fragment", "rtmp://h/live/s?txTime=6553F100#x", 0x6553F100},
	{"no query", "rtmp://h/live/s", 0},
	{"no txTime", "rtmp://h/live/s?txSecret=ab", 0},
	{"empty txTime", "rtmp://h/live/s?txTime=", 0},
	{"not hex", "rtmp://h/live/s?txTime=XYZ", 0},
	{"zero", "rtmp://h/live/s?txTime=0", 0},
	{"negative", "rtmp://h/live/s?txTime=-10", 0},
	{"too long", "rtmp://h/live/s?txTime=1000000000000000", 0},
	{"other bad pair", "rtmp://h/live/s?x=%zz&txTime=6553F100", 0x6553F100},
	{"empty", "", 0},
}

func TestExpiryOf(t *testing.T) {
	for _, c := range expiryCases {
		got := ExpiryOf(c.addr)
		switch {
		case c.want == 0 && !got.IsZero():
			t.Errorf("%s: ExpiryOf(%q) = %v, want zero", c.name, c.addr, got)
		case c.want != 0 && !got.Equal(time.Unix(c.want, 0)):
			t.Errorf("%s: ExpiryOf(%q) = %v, want %v", c.name, c.addr, got, time.Unix(c.want, 0))
		}
	}
}

func FuzzExpiryOf(f *testing.F) {
	for _, c := range expiryCases {
		f.Add(c.addr)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		if e := ExpiryOf(addr); !e.IsZero() && e.Unix() <= 0 {
			t.Fatalf("ExpiryOf(%q) = %v: not after the epoch", addr, e)
		}
		_ = Redact(addr)
	})
}

func TestRedact(t *testing.T) {
	cases := []struct{ in, want string }{
		{"rtmp://h:1935/live/s?txSecret=abc&txTime=6553F100", "rtmp://h:1935/live/s?txSecret=REDACTED&txTime=6553F100"},
		{"http://h/x?access_token=T0K&roomId=4", "http://h/x?access_token=REDACTED&roomId=4"},
		{"rtmp://u:pw@h/live/s", "rtmp://u:xxxxx@h/live/s"},
		{"rtmp://h/live/s?sign=1#frag", "rtmp://h/live/s?sign=REDACTED"},
		{"rtmp://h/live/s", "rtmp://h/live/s"},
		{"rtmp://h/live/s?%zz=1", "rtmp://h/live/s?%zz=REDACTED"},
		{"rtmp://h\x7f/live", "(malformed URL)"},
	}
	for _, c := range cases {
		if got := Redact(c.in); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestURLLogValueHidesSignature(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	u := URL{Addr: "rtmp://h/live/s?txSecret=TOPSECRET&txTime=6553F100", Expiry: time.Unix(0x6553F100, 0)}
	log.Info("x", "url", u)
	if out := buf.String(); strings.Contains(out, "TOPSECRET") || !strings.Contains(out, "txTime=6553F100") || !strings.Contains(out, "url.expiry=") {
		t.Fatalf("log line: %s", out)
	}
}

func TestRenewAt(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	cases := []struct {
		name   string
		life   time.Duration
		margin time.Duration
		frac   float64
		want   time.Duration // before expiry
	}{
		{"margin smaller", time.Hour, 2 * time.Minute, 0.1, 2 * time.Minute},
		{"tenth smaller", 3 * time.Minute, 2 * time.Minute, 0.1, 18 * time.Second},
		{"half of short token", 4 * time.Minute, 5 * time.Minute, 0.5, 2 * time.Minute},
		{"already expired", -time.Minute, 2 * time.Minute, 0.1, 0},
	}
	for _, c := range cases {
		exp := t0.Add(c.life)
		if got := exp.Sub(renewAt(t0, exp, c.margin, c.frac)); got != c.want {
			t.Errorf("%s: renews %v before expiry, want %v", c.name, got, c.want)
		}
	}
}

func TestStatic(t *testing.T) {
	ctx := context.Background()
	signed := Static{Addr: "rtmp://cdn.example.com/live/s?txSecret=ab&txTime=6553f100"}
	u, err := signed.Get(ctx)
	if err != nil || u.Addr != signed.Addr || !u.Expiry.Equal(time.Unix(0x6553F100, 0)) {
		t.Fatalf("signed: %+v, %v", u, err)
	}
	signed.Refused(ctx) // nothing to renew: the same URL again
	if again, err := signed.Get(ctx); err != nil || again != u {
		t.Fatalf("after Refused: %+v, %v", again, err)
	}

	plain := Static{Addr: "rtmp://127.0.0.1/live/cam"}
	if u, err := plain.Get(ctx); err != nil || u.Addr != plain.Addr || !u.Expiry.IsZero() {
		t.Fatalf("plain: %+v, %v", u, err)
	}

	if _, err := (Static{}).Get(ctx); !errors.Is(err, ErrNoAddr) {
		t.Fatalf("empty: %v", err)
	}
	var _ Source = Static{}
}
