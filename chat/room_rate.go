package chat

import "time"

// lanes is a room's send-rate gate: a token bucket of one second's worth of
// messages, refilled at the room rate, where each priority may only take a
// token while the bucket holds more than its reserve. Normal needs one
// token, Low needs a quarter of the bucket left over, Lowest half of it; so
// as the room nears its rate Lowest is shed first, then Low, then Normal.
// High always passes and still spends a token (it may push the bucket into
// debt, at most one bucket deep), so a flood of High starves the others
// rather than exceeding the rate twice over. Callers hold the room lock.
type lanes struct {
	rate   float64 // tokens per second
	size   float64 // bucket capacity: one second of rate (at least 1)
	tokens float64
	last   time.Time
}

func newLanes(rate float64, now time.Time) lanes {
	size := max(rate, 1)
	return lanes{rate: rate, size: size, tokens: size, last: now}
}

// reserve is how many tokens must remain after admitting priority p.
func (l *lanes) reserve(p Priority) float64 {
	switch p {
	case PriorityLowest:
		return l.size / 2
	case PriorityLow:
		return l.size / 4
	default:
		return 0
	}
}

// admit spends a token for a message of priority p at now, or reports that
// the message is shed.
func (l *lanes) admit(p Priority, now time.Time) bool {
	l.refill(now)
	if p == PriorityHigh {
		l.tokens = max(l.tokens-1, -l.size)
		return true
	}
	if l.tokens-1 < l.reserve(p) {
		return false
	}
	l.tokens--
	return true
}

// refill adds the tokens earned since the last call.
func (l *lanes) refill(now time.Time) {
	if dt := now.Sub(l.last); dt > 0 {
		l.tokens = min(l.size, l.tokens+dt.Seconds()*l.rate)
		l.last = now
	}
}

// setRate changes the rate (an admin's per-room override), keeping the
// tokens earned so far, clamped to the new bucket.
func (l *lanes) setRate(rate float64, now time.Time) {
	l.refill(now)
	l.rate, l.size = rate, max(rate, 1)
	l.tokens = min(l.tokens, l.size)
}
