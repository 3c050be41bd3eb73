package rtmp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/bluenviron/gortmplib/pkg/amf0"
	"github.com/bluenviron/gortmplib/pkg/bytecounter"
	"github.com/bluenviron/gortmplib/pkg/handshake"
	"github.com/bluenviron/gortmplib/pkg/message"
	"github.com/bluenviron/gortmplib/pkg/rawmessage"

	"livestudio/internal/flv"
	"livestudio/internal/stream"
)

// RTMP message types handled here.
const (
	typeSetChunkSize  = 1
	typeAbort         = 2
	typeAck           = 3
	typeUserControl   = 4
	typeWindowAckSize = 5
	typeAudio         = 8
	typeVideo         = 9
	typeDataAMF3      = 15
	typeCommandAMF3   = 17
	typeDataAMF0      = 18
	typeCommandAMF0   = 20
)

// errUnpublished ends a connection whose publisher said it is done.
var errUnpublished = errors.New("publisher unpublished")

// conn is one RTMP connection.
type conn struct {
	s       *Server
	nc      net.Conn
	log     *slog.Logger
	bc      *bytecounter.ReadWriter
	r       *rawmessage.Reader
	w       *message.Writer
	app     string
	streams int
	pub     Publisher
	key     string
	demux   flv.Demuxer
	lastIn  uint64
	dropped map[string]bool
	done    chan struct{} // closed when the connection's loop has returned
}

func (s *Server) serve(ctx context.Context, nc net.Conn) {
	c := &conn{s: s, nc: nc, log: s.log.With("remote", nc.RemoteAddr().String()), dropped: map[string]bool{}, done: make(chan struct{})}
	err := c.run(ctx)
	close(c.done)
	if c.pub != nil {
		clean := errors.Is(err, errUnpublished)
		c.pub.Close(clean)
		c.log.Info("publish ended", "key", c.key, "clean", clean, "reason", errString(err))
	}
	if err != nil && !errors.Is(err, errUnpublished) && ctx.Err() == nil {
		kind := "protocol"
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, os.ErrDeadlineExceeded):
			kind = "timeout"
		case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
			kind = "closed"
		case errors.Is(err, flv.ErrMalformed), errors.Is(err, flv.ErrShort):
			kind = "media"
		}
		if kind != "closed" {
			s.metrics.ConnErrors.WithLabelValues(kind).Inc()
		}
		c.log.Debug("rtmp connection closed", "kind", kind, "err", err)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (c *conn) run(ctx context.Context) error {
	cfg := c.s.cfg
	c.nc.SetDeadline(time.Now().Add(cfg.HandshakeTimeout))
	c.bc = bytecounter.NewReadWriter(c.nc)
	keyIn, _, err := handshake.DoServer(c.bc, false)
	if err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	if keyIn != nil {
		return errors.New("handshake: RTMPE (encrypted RTMP) is not supported")
	}
	c.nc.SetDeadline(time.Time{})
	return c.session(ctx)
}

// session runs the message loop after the handshake.
func (c *conn) session(ctx context.Context) error {
	cfg := c.s.cfg
	c.w = message.NewWriter(c.bc, c.bc.Writer, false)
	c.r = rawmessage.NewReader(c.bc, c.bc.Reader, func(n uint32) error {
		return c.w.Write(&message.Acknowledge{Value: n})
	})
	for {
		timeout := cfg.HandshakeTimeout
		if c.pub != nil {
			timeout = cfg.IdleTimeout
		}
		// The write deadline covers replies and acks: a peer that never
		// reads cannot pin this goroutine.
		deadline := time.Now().Add(timeout)
		c.nc.SetReadDeadline(deadline)
		c.nc.SetWriteDeadline(deadline)
		msg, err := c.r.Read()
		if err != nil {
			if c.pub != nil && ctx.Err() != nil {
				return fmt.Errorf("server shutting down: %w", err)
			}
			return fmt.Errorf("read: %w", err)
		}
		if err := c.handle(msg); err != nil {
			return err
		}
		if c.pub != nil {
			n := c.bc.Reader.Count()
			c.s.metrics.BytesIn.Add(float64(n - c.lastIn))
			c.lastIn = n
		}
	}
}

func (c *conn) handle(msg *rawmessage.Message) error {
	switch msg.Type {
	case typeSetChunkSize:
		if len(msg.Body) < 4 {
			return errors.New("set chunk size: short body")
		}
		v := uint32(msg.Body[0]&0x7f)<<24 | uint32(msg.Body[1])<<16 | uint32(msg.Body[2])<<8 | uint32(msg.Body[3])
		if v < 1 || v > c.s.cfg.MaxChunkSize {
			return fmt.Errorf("set chunk size %d: outside 1..%d", v, c.s.cfg.MaxChunkSize)
		}
		return c.r.SetChunkSize(v)
	case typeAbort:
		if len(msg.Body) >= 4 {
			c.r.AbortChunkStream(uint32(msg.Body[0])<<24 | uint32(msg.Body[1])<<16 | uint32(msg.Body[2])<<8 | uint32(msg.Body[3]))
		}
	case typeWindowAckSize:
		if len(msg.Body) >= 4 {
			c.r.SetWindowAckSize(uint32(msg.Body[0])<<24 | uint32(msg.Body[1])<<16 | uint32(msg.Body[2])<<8 | uint32(msg.Body[3]))
		}
	case typeUserControl:
		// Ping request (type 6): answer with a ping response (type 7).
		if len(msg.Body) >= 6 && msg.Body[0] == 0 && msg.Body[1] == 6 {
			return c.w.Write(&message.UserControlPingResponse{
				ServerTime: uint32(msg.Body[2])<<24 | uint32(msg.Body[3])<<16 | uint32(msg.Body[4])<<8 | uint32(msg.Body[5])})
		}
	case typeCommandAMF0, typeCommandAMF3:
		body := msg.Body
		if msg.Type == typeCommandAMF3 && len(body) > 0 {
			body = body[1:]
		}
		return c.command(msg, body)
	case typeAudio, typeVideo:
		return c.media(msg)
	case typeAck, typeDataAMF0, typeDataAMF3:
		// Acks need no answer; @setDataFrame metadata is replaced by ours.
	}
	return nil
}

func (c *conn) media(msg *rawmessage.Message) error {
	if c.pub == nil {
		return errors.New("media before publish")
	}
	if len(msg.Body) > c.s.cfg.MaxMessageSize {
		return fmt.Errorf("media message of %d bytes exceeds %d: %w", len(msg.Body), c.s.cfg.MaxMessageSize, flv.ErrMalformed)
	}
	var u *stream.Unit
	var err error
	if msg.Type == typeVideo {
		u, err = c.demux.Video(msg.Timestamp, msg.Body)
	} else {
		u, err = c.demux.Audio(msg.Timestamp, msg.Body)
	}
	switch {
	case errors.Is(err, flv.ErrUnsupported), errors.Is(err, flv.ErrNoConfig):
		reason := "unsupported"
		if errors.Is(err, flv.ErrNoConfig) {
			reason = "no_sequence_header"
		}
		c.s.metrics.DroppedTags.WithLabelValues(reason).Inc()
		if !c.dropped[reason] {
			c.dropped[reason] = true
			c.log.Warn("dropping media tags", "key", c.key, "err", err)
		}
		return nil
	case err != nil:
		c.s.metrics.DroppedTags.WithLabelValues("malformed").Inc()
		return fmt.Errorf("publish %q: %w", c.key, err)
	case u != nil:
		c.pub.Write(u)
	}
	return nil
}

func (c *conn) command(msg *rawmessage.Message, body []byte) error {
	data, err := amf0.Unmarshal(body)
	if err != nil {
		return fmt.Errorf("command: %w", err)
	}
	if len(data) < 2 {
		return errors.New("command: too few values")
	}
	name, _ := data[0].(string)
	txid, _ := data[1].(float64)
	var args []any
	if len(data) > 2 {
		args = data[2:]
	}
	switch name {
	case "connect":
		return c.connect(msg, txid, args)
	case "releaseStream", "FCPublish", "getStreamLength":
		return c.result(msg, txid, nil)
	case "createStream":
		c.streams++
		if c.streams > c.s.cfg.MaxStreamsPerConn {
			c.reply(msg, "_error", txid, nil, status("error", "NetConnection.Call.Failed", "too many streams on this connection"))
			return fmt.Errorf("createStream: more than %d streams", c.s.cfg.MaxStreamsPerConn)
		}
		return c.result(msg, txid, float64(c.streams))
	case "publish":
		return c.publish(msg, txid, args)
	case "play":
		c.onStatus(msg, txid, "error", "NetStream.Play.Failed",
			"RTMP playback is not served here: play /live/{stream}.flv (HTTP-FLV) or /live/{stream}.m3u8 (HLS)")
		return errors.New("play refused: RTMP playback not served")
	case "FCUnpublish", "deleteStream", "closeStream":
		if c.pub != nil {
			return errUnpublished
		}
	}
	return nil
}

func (c *conn) connect(msg *rawmessage.Message, txid float64, args []any) error {
	if len(args) < 1 {
		return errors.New("connect: no command object")
	}
	var obj amf0.Object
	switch o := args[0].(type) {
	case amf0.Object:
		obj = o
	case amf0.ECMAArray:
		obj = amf0.Object(o)
	default:
		return errors.New("connect: command object is not an object")
	}
	c.app, _ = obj.GetString("app")
	// The app may carry a query (rtmp://host/live?x=y/stream): keep the path.
	c.app, _, _ = strings.Cut(c.app, "?")
	c.app = strings.Trim(c.app, "/")
	for _, m := range []message.Message{
		&message.SetWindowAckSize{Value: 2500000},
		&message.SetPeerBandwidth{Value: 2500000, Type: 2},
		&message.SetChunkSize{Value: 4096},
	} {
		if err := c.w.Write(m); err != nil {
			return fmt.Errorf("connect: %w", err)
		}
	}
	return c.reply(msg, "_result", txid,
		amf0.Object{{Key: "fmsVer", Value: "FMS/3,0,1,123"}, {Key: "capabilities", Value: float64(31)}},
		amf0.Object{{Key: "level", Value: "status"}, {Key: "code", Value: "NetConnection.Connect.Success"},
			{Key: "description", Value: "Connection succeeded."}, {Key: "objectEncoding", Value: float64(0)}})
}

func (c *conn) publish(msg *rawmessage.Message, txid float64, args []any) error {
	if c.pub != nil {
		c.onStatus(msg, txid, "error", "NetStream.Publish.BadName", "already publishing on this connection")
		return errors.New("second publish on one connection")
	}
	var raw string
	if len(args) >= 2 {
		raw, _ = args[1].(string)
	}
	name, query, _ := strings.Cut(raw, "?")
	if name == "" {
		c.s.metrics.Refused.WithLabelValues("bad_name").Inc()
		c.onStatus(msg, txid, "error", "NetStream.Publish.BadName", "publish: empty stream name")
		return errors.New("publish: empty stream name")
	}
	key, err := c.s.authorize(c.app, name, query)
	if err != nil {
		reason := c.s.reason(err)
		c.s.metrics.Refused.WithLabelValues(reason).Inc()
		c.log.Warn("publish refused", "app", c.app, "stream", name, "reason", reason, "err", err)
		c.onStatus(msg, txid, "error", "NetStream.Publish.Unauthorized", err.Error())
		return fmt.Errorf("publish %q refused: %w", name, err)
	}
	pub, err := c.s.pubs.Publish(key)
	if err != nil {
		c.s.metrics.Refused.WithLabelValues("busy").Inc()
		c.log.Warn("publish refused", "key", key, "err", err)
		c.onStatus(msg, txid, "error", "NetStream.Publish.BadName", err.Error())
		return err
	}
	c.pub, c.key = pub, key
	c.lastIn = c.bc.Reader.Count()
	go func() {
		select {
		case <-pub.Kicked():
			c.nc.Close()
		case <-c.done:
		}
	}()
	c.log.Info("publish started", "key", key)
	if err := c.w.Write(&message.UserControlStreamBegin{StreamID: 1}); err != nil {
		return err
	}
	return c.onStatus(msg, txid, "status", "NetStream.Publish.Start", key+" is now published")
}

func status(level, code, desc string) amf0.Object {
	return amf0.Object{{Key: "level", Value: level}, {Key: "code", Value: code}, {Key: "description", Value: desc}}
}

func (c *conn) result(msg *rawmessage.Message, txid float64, v any) error {
	return c.reply(msg, "_result", txid, nil, v)
}

func (c *conn) reply(msg *rawmessage.Message, name string, txid float64, args ...any) error {
	return c.w.Write(&message.CommandAMF0{ChunkStreamID: msg.ChunkStreamID, MessageStreamID: msg.MessageStreamID,
		Name: name, CommandID: int(txid), Arguments: args})
}

func (c *conn) onStatus(msg *rawmessage.Message, txid float64, level, code, desc string) error {
	return c.w.Write(&message.CommandAMF0{ChunkStreamID: 5, MessageStreamID: msg.MessageStreamID,
		Name: "onStatus", CommandID: int(txid), Arguments: []any{nil, status(level, code, desc)}})
}
