package demo

import (
	"context"
	"testing"
	"time"

	"livestudio/internal/stream"
)

func TestTestPatternLoopsMonotonic(t *testing.T) {
	c := TestPattern()
	if c.Duration() != 4*time.Second {
		t.Fatalf("loop %v, want 4s", c.Duration())
	}
	var lastV, lastA time.Duration = -1, -1
	var video, audio, keys int
	for n := 0; n < 3; n++ {
		for i := range c.units {
			u := c.unit(i, n, 0)
			last := &lastA
			if u.IsVideo() {
				last = &lastV
				video++
				if u.Key {
					keys++
				}
			} else {
				audio++
			}
			if u.DTS <= *last {
				t.Fatalf("loop %d unit %d: DTS %v after %v", n, i, u.DTS, *last)
			}
			*last = u.DTS
		}
	}
	if video != 300 || audio < 500 || keys != 6 {
		t.Errorf("3 loops: %d video (%d key), %d audio", video, keys, audio)
	}
	if video, audio := c.units[1].Track.Codec, c.units[0].Track.Codec; video != stream.CodecH264 || audio != stream.CodecAAC {
		t.Errorf("codecs %v %v", video, audio)
	}
}

func TestSourceRunsInRealTimeAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan *stream.Unit, 1000)
	done := make(chan error)
	go func() { done <- Source{Clip: TestPattern()}.Run(ctx, func(u *stream.Unit) { got <- u }) }()
	first := <-got
	for !first.IsVideo() {
		first = <-got
	}
	if !first.Key {
		t.Fatalf("first video unit is not a keyframe")
	}
	for u := range got {
		if u.DTS >= 200*time.Millisecond {
			break
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestLoadClipRejectsGarbage(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("FLV"), []byte("not an flv file at all")} {
		if _, err := LoadClip(b); err == nil {
			t.Errorf("%q accepted", b)
		}
	}
}

func TestSlateLoads(t *testing.T) {
	c := Slate()
	if c.Duration() != 2*time.Second || len(c.units) < 50 {
		t.Fatalf("slate: %v, %d units", c.Duration(), len(c.units))
	}
}
