package rtmp

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/bluenviron/gortmplib/pkg/amf0"
	"github.com/bluenviron/gortmplib/pkg/bytecounter"
	"github.com/bluenviron/gortmplib/pkg/message"

	"livestudio/internal/stream"
)

// pipeConn is a net.Conn that reads a fixed input and discards writes.
type pipeConn struct {
	io.Reader
	net.Conn // nil: only the methods below are used
}

func (p *pipeConn) Write(b []byte) (int, error)      { return len(b), nil }
func (p *pipeConn) Close() error                     { return nil }
func (p *pipeConn) SetReadDeadline(time.Time) error  { return nil }
func (p *pipeConn) SetDeadline(time.Time) error      { return nil }
func (p *pipeConn) SetWriteDeadline(time.Time) error { return nil }
func (p *pipeConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (p *pipeConn) Read(b []byte) (int, error)       { return p.Reader.Read(b) }
func (p *pipeConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }

// clientSession encodes the messages a publisher sends after the handshake.
func clientSession(msgs ...message.Message) []byte {
	var buf bytes.Buffer
	w := message.NewWriter(&buf, bytecounter.NewWriter(io.Discard), false)
	for _, m := range msgs {
		w.Write(m)
	}
	return buf.Bytes()
}

func publishSession(name string, media ...message.Message) []byte {
	return clientSession(append([]message.Message{
		&message.CommandAMF0{ChunkStreamID: 3, Name: "connect", CommandID: 1,
			Arguments: []any{amf0.Object{{Key: "app", Value: "live"}, {Key: "tcUrl", Value: "rtmp://h/live"}}}},
		&message.CommandAMF0{ChunkStreamID: 3, Name: "createStream", CommandID: 2, Arguments: []any{nil}},
		&message.CommandAMF0{ChunkStreamID: 3, MessageStreamID: 1, Name: "publish", CommandID: 3,
			Arguments: []any{nil, name, "live"}},
	}, media...)...)
}

func FuzzSession(f *testing.F) {
	f.Add(publishSession("ok"))
	f.Add(publishSession("refused"))
	f.Add(publishSession("ok", &message.Video{ChunkStreamID: 6, MessageStreamID: 1, Codec: 7, Type: message.VideoTypeAU,
		IsKeyFrame: true, AU: []byte{0, 0, 0, 1, 0x65}}))
	f.Add(publishSession("ok", &message.SetChunkSize{Value: 0x7fffffff}))
	f.Add(clientSession(&message.CommandAMF0{ChunkStreamID: 3, Name: "play", CommandID: 1, Arguments: []any{nil, "x"}}))
	f.Add([]byte{0x03, 0xff, 0xff, 0xff, 0, 0, 0x10, 0x14, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		reg := stream.NewRegistry(stream.Config{ReconnectGrace: -1})
		defer reg.Close()
		cfg := DefaultConfig()
		s := &Server{cfg: cfg, log: slog.New(slog.DiscardHandler), pubs: RegistryPublishers{reg}, metrics: NewMetrics(nil),
			reason: func(error) string { return "refused" },
			authorize: func(app, name, query string) (string, error) {
				if name != "ok" {
					return "", io.ErrUnexpectedEOF
				}
				return name, nil
			}}
		nc := &pipeConn{Reader: bytes.NewReader(in)}
		c := &conn{s: s, nc: nc, log: s.log, dropped: map[string]bool{}, done: make(chan struct{})}
		c.bc = bytecounter.NewReadWriter(nc)
		// Must end (the input runs out) without panicking.
		c.session(context.Background())
		close(c.done)
		if c.pub != nil {
			c.pub.Close(false)
		}
	})
}
