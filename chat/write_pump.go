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

// writePump drains the send queue: everything queued since the last write
// becomes one text frame holding a JSON array of the queued messages, so a
// client costs one syscall per wake-up however busy the room is. It also
// pings, and sends the close frame when the queue is shut.
func (c *client) writePump() {
	defer close(c.writeDone)
	cfg := c.s.cfg
	ping := time.NewTicker(cfg.PingInterval)
	defer ping.Stop()
	var spare [][]byte
	var hold *time.Timer
	if cfg.FlushDelay > 0 {
		hold = time.NewTimer(cfg.FlushDelay)
		hold.Stop()
		defer hold.Stop()
	}
	for {
		select {
		case <-c.q.wake:
			if hold != nil {
				// Let the room's next messages join this frame; a shut
				// queue (close) is still handled right after.
				hold.Reset(cfg.FlushDelay)
				<-hold.C
			}
		case <-ping.C:
			if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(cfg.WriteTimeout)); err != nil {
				c.abort(err)
				return
			}
			continue
		}
		frames, closed, why := c.q.take(spare)
		if len(frames) > 0 && (!closed || why.flush) {
			if err := c.writeBatches(frames); err != nil {
				c.abort(err)
				return
			}
		}
		spare = frames
		if closed {
			c.writeClose(why)
			return
		}
	}
}

func (c *client) writeBatches(frames [][]byte) error {
	for len(frames) > 0 {
		c.conn.SetWriteDeadline(time.Now().Add(c.s.cfg.WriteTimeout))
		w, err := c.conn.NextWriter(websocket.TextMessage)
		if err != nil {
			return err
		}
		w.Write(batchOpen)
		size, n := 2, 0
		for n < len(frames) && (n == 0 || size+len(frames[n])+1 <= maxBatchBytes) {
			if n > 0 {
				w.Write(batchComma)
				size++
			}
			w.Write(frames[n])
			size += len(frames[n])
			n++
		}
		w.Write(batchClose)
		if err := w.Close(); err != nil {
			return err
		}
		c.s.m.writes.Inc()
		c.s.m.bytesOut.Add(float64(size))
		frames = frames[n:]
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
