package whip

import (
	"time"

	"github.com/pion/rtp"
)

// reorderSlots bounds the packets held: 512 covers a 1.5 Mbit burst of
// 1200-byte packets (a big keyframe) with a hole at its start.
const reorderSlots = 512

// reorder is the jitter buffer in front of a depacketizer: it hands
// packets on in sequence order, holding a packet that follows a hole until
// the hole fills (a late packet, or its NACKed retransmission) or the
// oldest held packet has waited maxWait, when the hole is declared lost.
// Duplicates and packets older than the playout point are dropped.
type reorder struct {
	maxWait time.Duration
	slots   [reorderSlots]struct {
		pkt *rtp.Packet
		at  time.Time
	}
	next    uint16 // the sequence number handed on next
	started bool
	held    int

	lost, late uint64 // declared lost; arrived after their turn (or duplicates)
}

func newReorder(maxWait time.Duration) *reorder { return &reorder{maxWait: maxWait} }

// push adds a packet that arrived at now and calls emit with every packet
// now ready, in order; gap reports a hole skipped just before the packet
// emitted next (lost packets: the depacketizer must drop the unit).
func (r *reorder) push(p *rtp.Packet, now time.Time, emit func(p *rtp.Packet, gap bool)) {
	if !r.started {
		r.started, r.next = true, p.SequenceNumber
	}
	d := int16(p.SequenceNumber - r.next)
	switch {
	case d < 0:
		r.late++
		return
	case int(d) >= reorderSlots:
		// Far ahead: a sender restart or a long outage. Hand on what is
		// held and start over at this packet.
		r.flush(emit)
		r.lost += uint64(uint16(p.SequenceNumber - r.next))
		r.next = p.SequenceNumber
		r.store(p, now)
		r.release(now, emit, true)
		return
	}
	s := &r.slots[p.SequenceNumber%reorderSlots]
	if s.pkt != nil {
		r.late++ // a duplicate (retransmitted twice)
		return
	}
	r.store(p, now)
	r.release(now, emit, false)
}

func (r *reorder) store(p *rtp.Packet, now time.Time) {
	s := &r.slots[p.SequenceNumber%reorderSlots]
	s.pkt, s.at = p, now
	r.held++
}

// release hands on the run starting at next; while a hole blocks packets
// that waited maxWait (or the buffer is nearly full), the hole is skipped.
func (r *reorder) release(now time.Time, emit func(*rtp.Packet, bool), gap bool) {
	for r.held > 0 {
		s := &r.slots[r.next%reorderSlots]
		if s.pkt != nil {
			p := s.pkt
			s.pkt = nil
			r.held--
			r.next++
			emit(p, gap)
			gap = false
			continue
		}
		if !r.expired(now) {
			return
		}
		r.next++
		r.lost++
		gap = true
	}
}

// expired: the oldest held packet waited too long, or the buffer is nearly
// full.
func (r *reorder) expired(now time.Time) bool {
	if r.held >= reorderSlots*3/4 {
		return true
	}
	for i := uint16(1); i < reorderSlots; i++ {
		s := &r.slots[(r.next+i)%reorderSlots]
		if s.pkt != nil {
			return now.Sub(s.at) >= r.maxWait
		}
	}
	return false
}

// flush hands on every held packet in order, counting the holes.
func (r *reorder) flush(emit func(*rtp.Packet, bool)) {
	gap := false
	for r.held > 0 {
		s := &r.slots[r.next%reorderSlots]
		if s.pkt != nil {
			p := s.pkt
			s.pkt = nil
			r.held--
			emit(p, gap)
			gap = false
		} else {
			r.lost++
			gap = true
		}
		r.next++
	}
}
