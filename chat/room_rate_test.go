package chat

import (
	"testing"
	"time"
)

func TestLanes(t *testing.T) {
	t0 := time.Unix(1000, 0)
	cases := []struct {
		name string
		// offered in order at t0, then what passes
		offer []Priority
		want  []bool
	}{
		{"full bucket takes everything up to its reserves",
			[]Priority{PriorityLowest, PriorityLowest, PriorityLowest},
			[]bool{true, true, true}},
		{"lowest stops at half, low at a quarter, normal at empty",
			repeat(PriorityLowest, 6, PriorityLow, 3, PriorityNormal, 3),
			// size 10: lowest passes while tokens-1 >= 5 (5 times), low while >= 2.5 (2 more), normal to 0 (3 more)
			[]bool{true, true, true, true, true, false, true, true, false, true, true, true}},
		{"high always passes, into debt",
			repeat(PriorityNormal, 10, PriorityHigh, 3, PriorityNormal, 1),
			append(bools(true, 13), false)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newLanes(10, t0)
			for i, p := range tc.offer {
				if got := l.admit(p, t0); got != tc.want[i] {
					t.Errorf("offer %d (%s): got %v, want %v", i, p, got, tc.want[i])
				}
			}
		})
	}
	t.Run("refills at the rate, debt bounded", func(t *testing.T) {
		l := newLanes(10, t0)
		for range 100 {
			l.admit(PriorityHigh, t0)
		}
		if l.tokens != -10 {
			t.Fatalf("tokens %v, want -10 (one bucket of debt)", l.tokens)
		}
		if l.admit(PriorityNormal, t0.Add(time.Second)) {
			t.Errorf("normal passed with the bucket at 0 after 1s")
		}
		if !l.admit(PriorityNormal, t0.Add(1100*time.Millisecond)) {
			t.Errorf("normal refused with a token refilled")
		}
	})
}

func repeat(args ...any) []Priority {
	var out []Priority
	for i := 0; i+1 < len(args); i += 2 {
		for range args[i+1].(int) {
			out = append(out, args[i].(Priority))
		}
	}
	return out
}

func bools(v bool, n int) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = v
	}
	return out
}
