package chat

import (
	"net"
	"time"

	"github.com/gorilla/websocket"
)

// maxBatchBytes bounds one coalesced frame; more queued than this goes out
// as several frames in the same wake-up.
const maxBatchBytes = 64 * 1024

// closeGrace is how long the write pump waits for the peer's close reply
// before dropping the TCP connection.
const closeGrace = time.Second

var (
	batchOpen  = []byte{'['}
	batchComma = []byte{','}
	batchClose = []byte{']'}
)

// writePump drains the send queue. Everything queued since the last write
// goes out at once: room batches (framed once by the room for every member,
// see room.flush) as they are, and runs of single messages (replies, a
// member's private view of a batch) as one text frame holding a JSON array.
// A client costs one syscall per room batch however busy the room is. It
// also pings, and sends the close frame when the queue is shut.
func (c *client) writePump() {
	defer close(c.writeDone)
	ping := time.NewTicker(c.s.cfg.PingInterval)
	defer ping.Stop()
	var spare []queued
	for {
		select {
		case <-c.q.wake:
		case <-ping.C:
			if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.s.cfg.WriteTimeout)); err != nil {
				c.abort(err)
				return
			}
			continue
		}
		items, closed, why := c.q.take(spare)
		if len(items) > 0 && (!closed || why.flush) {
			if err := c.writeItems(items); err != nil {
				c.abort(err)
				return
			}
		}
		spare = items
		if closed {
			c.writeClose(why)
			return
		}
	}
}

// writeItems writes queued items in order: each room batch as its prepared
// frame, each run of single messages as coalesced frames.
func (c *client) writeItems(items []queued) error {
	for len(items) > 0 {
		if b := items[0].batch; b != nil {
			c.conn.SetWriteDeadline(time.Now().Add(c.s.cfg.WriteTimeout))
			if err := c.conn.WritePreparedMessage(b); err != nil {
				return err
			}
			c.s.m.writes.Inc()
			c.s.m.bytesOut.Add(float64(items[0].size))
			items = items[1:]
			continue
		}
		n := 1
		for n < len(items) && items[n].batch == nil {
			n++
		}
		if err := c.writeBatches(items[:n]); err != nil {
			return err
		}
		items = items[n:]
	}
	return nil
}

// writeBatches writes single messages as JSON-array frames of at most
// maxBatchBytes each.
func (c *client) writeBatches(items []queued) error {
	for len(items) > 0 {
		c.conn.SetWriteDeadline(time.Now().Add(c.s.cfg.WriteTimeout))
		w, err := c.conn.NextWriter(websocket.TextMessage)
		if err != nil {
			return err
		}
		w.Write(batchOpen)
		size, n := 2, 0
		for n < len(items) && (n == 0 || size+len(items[n].raw)+1 <= maxBatchBytes) {
			if n > 0 {
				w.Write(batchComma)
				size++
			}
			w.Write(items[n].raw)
			size += len(items[n].raw)
			n++
		}
		w.Write(batchClose)
		if err := w.Close(); err != nil {
			return err
		}
		c.s.m.writes.Inc()
		c.s.m.bytesOut.Add(float64(size))
		items = items[n:]
	}
	return nil
}

// abort ends a connection whose socket failed: later pushes fail at once
// (not counted as slow) and the read pump sees the closed socket and ends.
func (c *client) abort(err error) {
	c.q.shut(closeReason{code: websocket.CloseAbnormalClosure})
	c.s.log.Debug("chat write failed", "remote", c.conn.RemoteAddr().String(), "err", err)
	c.conn.Close()
}

// writeClose sends the close frame. If the read pump has ended, serve
// closes the socket (after draining it); otherwise the peer gets a moment to
// answer the close before the socket is dropped, which ends the read pump.
// A slow client's unsent bytes are discarded (linger 0) rather than trickled
// out by the kernel.
func (c *client) writeClose(why closeReason) {
	if why.code == CloseSlowClient {
		c.s.log.Debug("chat client closed as slow", "remote", c.conn.RemoteAddr().String())
		if tcp, ok := c.conn.NetConn().(*net.TCPConn); ok {
			tcp.SetLinger(0)
		}
	}
	err := c.conn.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(why.code, why.text), time.Now().Add(closeGrace))
	if err == nil {
		select {
		case <-c.readDone:
			return
		case <-time.After(closeGrace):
		}
	}
	select {
	case <-c.readDone:
	default:
		c.conn.Close()
	}
}
