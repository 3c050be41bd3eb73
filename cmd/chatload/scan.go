package main

import (
	"bytes"
	"strconv"
)

// Priorities, in the protocol's spelling; index into per-priority arrays.
const (
	high = iota
	normal
	low
	lowest
	nPrio
)

var prioNames = [nPrio]string{"high", "normal", "low", "lowest"}

// prioOf is the priority of the i-th message the room is offered: out of
// every 20, 2 high (gifts), 12 normal (chat), 4 low, 2 lowest; interleaved
// so each second of sending has the same mix.
func prioOf(i int) int {
	switch i % 20 {
	case 0, 10:
		return high
	case 5, 9, 15, 19:
		return low
	case 7, 17:
		return lowest
	}
	return normal
}

func prioIndex(name []byte) int {
	for p, n := range prioNames {
		if string(name) == n {
			return p
		}
	}
	return -1
}

var (
	msgStart   = []byte(`{"type":"message"`)
	textStart  = []byte(`"text":"cl:`)
	prioStart  = []byte(`"priority":"`)
	joinedMark = []byte(`{"type":"joined"`)
	ackStart   = []byte(`{"type":"ack","id":`)
	errStart   = []byte(`{"type":"error","id":`)
	codeStart  = []byte(`"code":"`)
)

// countMessages counts chat messages in a frame without parsing it.
func countMessages(frame []byte) int { return bytes.Count(frame, msgStart) }

// scanMessages calls fn with the send time (Unix ns, from the text
// "cl:<ns>;...") and priority of every message chatload sent in the frame.
// Fields come in the server's order: type, ..., text, ..., priority. It
// returns how many messages it saw, chatload's or not.
func scanMessages(frame []byte, fn func(sentNS int64, prio int)) int {
	n := 0
	for {
		i := bytes.Index(frame, msgStart)
		if i < 0 {
			return n
		}
		n++
		frame = frame[i+len(msgStart):]
		end := bytes.Index(frame, msgStart)
		m := frame
		if end >= 0 {
			m = frame[:end]
		}
		t := bytes.Index(m, textStart)
		if t < 0 {
			continue
		}
		rest := m[t+len(textStart):]
		ns, k := digits(rest)
		if k == 0 {
			continue
		}
		p := bytes.Index(rest[k:], prioStart)
		if p < 0 {
			continue
		}
		name := rest[k+p+len(prioStart):]
		q := bytes.IndexByte(name, '"')
		if q < 0 {
			continue
		}
		if pr := prioIndex(name[:q]); pr >= 0 {
			fn(ns, pr)
		}
	}
}

// digits parses the leading decimal digits of b.
func digits(b []byte) (int64, int) {
	var v int64
	k := 0
	for k < len(b) && b[k] >= '0' && b[k] <= '9' && k < 19 {
		v = v*10 + int64(b[k]-'0')
		k++
	}
	return v, k
}

// scanReplies calls ack(id) for every ack and fail(id, code) for every
// error carrying a numeric id in a frame.
func scanReplies(frame []byte, ack func(id int), fail func(id int, code string)) {
	for _, kind := range [][]byte{ackStart, errStart} {
		b := frame
		for {
			i := bytes.Index(b, kind)
			if i < 0 {
				break
			}
			b = b[i+len(kind):]
			id, k := digits(b)
			if k == 0 {
				continue
			}
			if kind[9] == 'a' { // {"type":"a...
				ack(int(id))
				continue
			}
			code := ""
			if c := bytes.Index(b, codeStart); c >= 0 {
				rest := b[c+len(codeStart):]
				if q := bytes.IndexByte(rest, '"'); q >= 0 {
					code = string(rest[:q])
				}
			}
			fail(int(id), code)
		}
	}
}

// messageText is the text of message i: its send time, who sent it, and
// padding up to size bytes.
func messageText(buf []byte, sentNS int64, sender, i, size int) []byte {
	buf = append(buf[:0], "cl:"...)
	buf = strconv.AppendInt(buf, sentNS, 10)
	buf = append(buf, ';')
	buf = strconv.AppendInt(buf, int64(sender), 10)
	buf = append(buf, ';')
	buf = strconv.AppendInt(buf, int64(i), 10)
	buf = append(buf, ';')
	for len(buf) < size {
		buf = append(buf, 'x')
	}
	return buf
}
