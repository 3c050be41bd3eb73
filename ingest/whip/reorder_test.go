package whip

import (
	"testing"
	"time"

	"github.com/pion/rtp"
)

func pkt(seq uint16) *rtp.Packet { return &rtp.Packet{Header: rtp.Header{SequenceNumber: seq}} }

type emitted struct {
	seqs []uint16
	gaps []bool
}

func (e *emitted) emit(p *rtp.Packet, gap bool) {
	e.seqs = append(e.seqs, p.SequenceNumber)
	e.gaps = append(e.gaps, gap)
}

func TestReorder(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	cases := []struct {
		name     string
		in       []uint16
		ms       []int // arrival of each packet
		want     []uint16
		gapAt    []uint16 // packets emitted with gap set
		lost     uint64
		late     uint64
		wrapBase uint16
	}{
		{name: "in order", in: []uint16{1, 2, 3}, ms: []int{0, 1, 2}, want: []uint16{1, 2, 3}},
		{name: "swapped", in: []uint16{1, 3, 2, 4}, ms: []int{0, 1, 2, 3}, want: []uint16{1, 2, 3, 4}},
		{name: "retransmitted in time", in: []uint16{1, 3, 4, 2}, ms: []int{0, 10, 20, 150}, want: []uint16{1, 2, 3, 4}},
		{name: "lost", in: []uint16{1, 3, 4, 5}, ms: []int{0, 10, 20, 300}, want: []uint16{1, 3, 4, 5}, gapAt: []uint16{3}, lost: 1},
		{name: "late after loss", in: []uint16{1, 3, 4, 2}, ms: []int{0, 10, 300, 310}, want: []uint16{1, 3, 4}, gapAt: []uint16{3}, lost: 1, late: 1},
		{name: "duplicate", in: []uint16{1, 2, 2, 3}, ms: []int{0, 1, 2, 3}, want: []uint16{1, 2, 3}, late: 1},
		{name: "wrap", in: []uint16{65534, 0, 65535, 1}, ms: []int{0, 1, 2, 3}, want: []uint16{65534, 65535, 0, 1}},
		{name: "jump", in: []uint16{1, 2, 5000, 5001}, ms: []int{0, 1, 2, 3}, want: []uint16{1, 2, 5000, 5001}, gapAt: []uint16{5000}, lost: 4997},
	}
	for _, c := range cases {
		r := newReorder(200 * time.Millisecond)
		var e emitted
		for i, s := range c.in {
			r.push(pkt(s), at(c.ms[i]), e.emit)
		}
		if len(e.seqs) != len(c.want) {
			t.Errorf("%s: got %v, want %v", c.name, e.seqs, c.want)
			continue
		}
		for i := range c.want {
			gap := false
			for _, g := range c.gapAt {
				gap = gap || g == c.want[i]
			}
			if e.seqs[i] != c.want[i] || e.gaps[i] != gap {
				t.Errorf("%s: got %v gaps %v, want %v gaps at %v", c.name, e.seqs, e.gaps, c.want, c.gapAt)
				break
			}
		}
		if r.lost != c.lost || r.late != c.late {
			t.Errorf("%s: lost %d late %d, want %d %d", c.name, r.lost, r.late, c.lost, c.late)
		}
	}
}

// Whatever arrives, every packet pushed is emitted once, held, or counted
// late, and emitted packets never go back in order except after a jump.
func FuzzReorder(f *testing.F) {
	f.Add([]byte{0, 1, 0, 3, 0, 2, 0, 9, 255, 255, 0, 0})
	f.Add([]byte{0, 5, 0, 5, 0, 4})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := newReorder(50 * time.Millisecond)
		now := time.Unix(0, 0)
		var pushed, emitted uint64
		for i := 0; i+1 < len(b); i += 2 {
			now = now.Add(time.Duration(b[i]&7) * 10 * time.Millisecond)
			pushed++
			r.push(pkt(uint16(b[i])<<8|uint16(b[i+1])), now, func(*rtp.Packet, bool) { emitted++ })
		}
		if r.held < 0 || r.held > reorderSlots || pushed != emitted+uint64(r.held)+r.late {
			t.Fatalf("pushed %d, emitted %d, held %d, late %d", pushed, emitted, r.held, r.late)
		}
	})
}
