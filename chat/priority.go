package chat

import "fmt"

// Priority orders messages when a room is over its send rate: Lowest is shed
// first, then Low, then Normal; High is never shed.
type Priority uint8

// The four AVChatRoom priorities, lowest first (the order is used as an index).
const (
	PriorityLowest Priority = iota
	PriorityLow
	PriorityNormal
	PriorityHigh
	numPriorities
)

var priorityNames = [numPriorities]string{"lowest", "low", "normal", "high"}

// String is the wire name: lowest, low, normal or high.
func (p Priority) String() string {
	if p < numPriorities {
		return priorityNames[p]
	}
	return fmt.Sprintf("priority(%d)", uint8(p))
}

// MarshalText writes the wire name.
func (p Priority) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads a wire name.
func (p *Priority) UnmarshalText(b []byte) error {
	for i, n := range priorityNames {
		if string(b) == n {
			*p = Priority(i)
			return nil
		}
	}
	return fmt.Errorf("priority %q is not one of high, normal, low, lowest", b)
}
