package flv

import (
	"testing"
	"time"

	"livestudio/internal/stream"
)

func TestTimeBase(t *testing.T) {
	v := &stream.Track{Codec: stream.CodecH264}
	a := &stream.Track{Codec: stream.CodecAAC}
	u := func(tr *stream.Track, ms int) *stream.Unit {
		return &stream.Unit{Track: tr, DTS: time.Duration(ms) * time.Millisecond}
	}
	for _, tc := range []struct {
		name  string
		units []*stream.Unit
		want  time.Duration
	}{
		{"video first", []*stream.Unit{u(v, 1000), u(a, 1010), u(v, 1040)}, time.Second},
		{"audio earlier", []*stream.Unit{u(v, 1000), u(a, 990), u(a, 900)}, 990 * time.Millisecond},
		{"video only", []*stream.Unit{u(v, 2000), u(v, 1900)}, 2 * time.Second},
		{"empty", nil, 0},
	} {
		if got := timeBase(tc.units); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
