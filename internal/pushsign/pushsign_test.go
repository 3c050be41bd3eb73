package pushsign

import (
	"errors"
	"testing"
	"time"
)

// cases feed the unit test and the fuzz seeds.
var cases = []struct {
	name, stream, query string
	want                error
}{
	{"valid", "wxdemo-1", "", nil}, // query filled by the test
	{"unsigned", "wxdemo-1", "", ErrUnsigned},
	{"only secret", "wxdemo-1", "txSecret=abc", ErrUnsigned},
	{"lower-case time", "wxdemo-1", "txSecret=abc&txTime=6a1b2c3d", ErrBadTime},
	{"non-hex time", "wxdemo-1", "txSecret=abc&txTime=XYZ", ErrBadTime},
	{"bad secret", "wxdemo-1", "txSecret=00000000000000000000000000000000&txTime=7FFFFFFF", ErrBadSig},
	{"bad escape", "wxdemo-1", "txSecret=%zz", ErrUnsigned},
}

func TestVerify(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	exp := now.Add(time.Hour)
	for _, c := range cases {
		q := c.query
		if c.name == "valid" {
			q = Query("k", c.stream, exp)
		}
		got, err := Verify("k", c.stream, q, now)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
		if c.want == nil && !got.Equal(exp) {
			t.Errorf("%s: expiry = %v, want %v", c.name, got, exp)
		}
	}
}

func TestVerifyRejectsOtherStreamAndExpiry(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	q := Query("k", "wxdemo-1", now.Add(time.Minute))
	if _, err := Verify("k", "wxdemo-2", q, now); !errors.Is(err, ErrBadSig) {
		t.Fatalf("other stream: %v", err)
	}
	if _, err := Verify("other", "wxdemo-1", q, now); !errors.Is(err, ErrBadSig) {
		t.Fatalf("other key: %v", err)
	}
	if _, err := Verify("k", "wxdemo-1", q, now.Add(2*time.Minute)); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired: %v", err)
	}
}

func TestSecretKnownValue(t *testing.T) {
	// printf 'ks65537F00' | md5sum
	exp := time.Unix(0x65537F00, 0)
	if got := TxTime(exp); got != "65537F00" {
		t.Fatalf("TxTime = %s", got)
	}
	if got := Secret("k", "s", exp); got != "558a522afdb249605febcca03613ea89" {
		t.Fatalf("Secret = %s", got)
	}
}

func FuzzVerify(f *testing.F) {
	for _, c := range cases {
		f.Add(c.stream, c.query)
	}
	f.Fuzz(func(t *testing.T, stream, query string) {
		now := time.Unix(1_700_000_000, 0)
		exp, err := Verify("key", stream, query, now)
		if err == nil && !exp.After(now) {
			t.Fatalf("accepted an expired URL: %v", exp)
		}
	})
}
