package chat

import (
	"encoding/json"
	"errors"
	"io"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"
)

// client is one WebSocket connection: a read pump (the HTTP handler's
// goroutine) that decodes and handles requests, and a write pump that drains
// the send queue. Nothing else runs per connection.
type client struct {
	s       *Server
	conn    *websocket.Conn
	q       *sendQueue
	limiter *rate.Limiter
	// user is nil for a guest; rooms read it for tips and likers.
	user atomic.Pointer[user]
	// room is the joined room; only the read pump touches it.
	room *room
	// idx is the position in room.members, guarded by the room's lock.
	idx       int
	readDone  chan struct{}
	writeDone chan struct{}
}

func newClient(s *Server, conn *websocket.Conn) *client {
	return &client{
		s:         s,
		conn:      conn,
		q:         newSendQueue(s.cfg.QueueLen),
		limiter:   rate.NewLimiter(rate.Limit(s.cfg.ConnSendRate), s.cfg.ConnSendBurst),
		idx:       -1,
		readDone:  make(chan struct{}),
		writeDone: make(chan struct{}),
	}
}

// serve sends ready, joins ?room= if given, reads until the connection ends,
// then leaves the room and waits for the write pump.
func (c *client) serve(roomID string) {
	c.reply(c.readyFrame(nil))
	if roomID != "" {
		if e := c.join(roomID, nil); e != nil {
			c.fail(nil, e)
		}
	}
	err := c.readPump()
	close(c.readDone)
	c.leave()
	c.q.shut(closeReason{code: websocket.CloseNormalClosure, flush: true})
	<-c.writeDone
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		c.conn.Close() // handshake done: the server closes TCP first (RFC 6455 7.1.1)
		return
	}
	c.lingerClose()
}

// lingerClose reads and discards what the peer still sends (for at most
// closeGrace) before closing: closing a socket with unread input resets the
// connection, and the reset can destroy the close frame just sent (1009
// after an oversized message, for one) before the peer reads it.
func (c *client) lingerClose() {
	nc := c.conn.NetConn()
	nc.SetReadDeadline(time.Now().Add(closeGrace))
	io.Copy(io.Discard, nc)
	nc.Close()
}

// readPump handles requests until the connection fails or closes and
// returns the read error.
func (c *client) readPump() error {
	cfg := c.s.cfg
	c.conn.SetReadLimit(cfg.ReadLimit)
	alive := func() { c.conn.SetReadDeadline(time.Now().Add(cfg.PongTimeout)) }
	alive()
	c.conn.SetPongHandler(func(string) error { alive(); return nil })
	for {
		typ, data, err := c.conn.ReadMessage()
		if err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived) &&
				!errors.Is(err, websocket.ErrCloseSent) {
				c.s.log.Debug("chat read ended", "remote", c.conn.RemoteAddr().String(), "err", err)
			}
			return err
		}
		alive()
		if typ != websocket.TextMessage {
			c.fail(nil, errorf(CodeBadRequest, "send JSON in text frames"))
			continue
		}
		var req request
		if err := json.Unmarshal(data, &req); err != nil {
			// Echo the id if it can be found, so the client can match it.
			var probe struct {
				ID json.RawMessage `json:"id"`
			}
			json.Unmarshal(data, &probe)
			if len(probe.ID) > maxIDBytes {
				probe.ID = nil
			}
			c.fail(probe.ID, errorf(CodeBadRequest, "invalid request: %v", err))
			continue
		}
		c.handle(&req)
	}
}

// push queues an encoded frame; a full queue closes the client as slow.
// It reports whether the frame was queued.
func (c *client) push(frame []byte) bool {
	switch c.q.push(frame) {
	case pushed:
		return true
	case queueFull:
		c.closeSlow()
	}
	return false
}

// closeSlow ends a client whose queue is full, without waiting for it: the
// write in progress is cut short and queued frames are dropped. It reports
// whether this call closed it (so it is counted once).
func (c *client) closeSlow() bool {
	if !c.q.shut(closeReason{code: CloseSlowClient, text: "slow client: send queue full"}) {
		return false
	}
	c.s.m.slowClosed.Inc()
	c.conn.NetConn().SetWriteDeadline(time.Now())
	return true
}

// reply queues a reply from the read pump. Unlike a broadcast it may wait
// (up to WriteTimeout) for room in the queue: a client that pipelines
// requests faster than it reads replies is slowed down, not dropped.
// Never call it under a room lock.
func (c *client) reply(v any) {
	frame := encode(v)
	var timeout *time.Timer
	for {
		switch c.q.push(frame) {
		case pushed:
			c.s.m.messagesOut.Inc()
			return
		case queueClosed:
			return
		}
		if timeout == nil {
			timeout = time.NewTimer(c.s.cfg.WriteTimeout)
			defer timeout.Stop()
		}
		select {
		case <-c.q.space:
		case <-timeout.C:
			c.closeSlow()
			return
		}
	}
}

func (c *client) fail(id json.RawMessage, e *reqError) {
	c.s.m.errors.WithLabelValues(e.code).Inc()
	c.reply(errorFrame{Type: "error", ID: id, Code: e.code, Message: e.msg,
		RetryAfterMS: e.retryAfterMS, Priority: e.priority, RemainingMS: e.remainingMS})
}

func (c *client) readyFrame(id json.RawMessage) readyFrame {
	cfg := c.s.cfg
	f := readyFrame{Type: "ready", ID: id, Guest: true, Time: c.s.now().UnixMilli(),
		Limits: Limits{MaxMessageBytes: cfg.MaxMessageBytes, SendRate: cfg.ConnSendRate,
			SendBurst: cfg.ConnSendBurst, RoomRate: cfg.RoomRate}}
	if u := c.user.Load(); u != nil {
		f.UserID, f.Guest, f.Admin, f.Profile = u.id, false, u.admin, u.profile.Load()
	}
	return f
}
