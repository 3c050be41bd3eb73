package chat

import "encoding/json"

// history is a ring of the room's last encoded messages, oldest first when
// listed; a joining member receives them in its snapshot.
type history struct {
	buf  [][]byte
	next int
	n    int
}

func newHistory(size int) history { return history{buf: make([][]byte, size)} }

func (h *history) add(b []byte) {
	if len(h.buf) == 0 {
		return
	}
	h.buf[h.next] = b
	h.next = (h.next + 1) % len(h.buf)
	h.n = min(h.n+1, len(h.buf))
}

func (h *history) list() []json.RawMessage {
	out := make([]json.RawMessage, 0, h.n)
	start := (h.next - h.n + len(h.buf)) % max(len(h.buf), 1)
	for i := range h.n {
		out = append(out, h.buf[(start+i)%len(h.buf)])
	}
	return out
}
